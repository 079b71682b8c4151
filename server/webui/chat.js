// Asking: POST /api/v1/chat with `stream: true`, the answer streamed into the transcript
// (text pieces, model-loading notes, then the final reply with its status, notices and
// citations). Stop aborts the fetch, which makes the server cancel generation.

import { failure, headers } from "./api.js";
import { $ } from "./dom.js";
import { takeImages } from "./attachments.js";
import { addCitations } from "./citations.js";
import { conversation } from "./conversation.js";
import { loadSessions } from "./sessions.js";
import { readEvents } from "./sse.js";
import { addMessage, addNote, streamRenderer } from "./transcript.js";

function setStreaming(on) {
  $("send").disabled = on;
  $("stop").hidden = !on;
}

export function isStreaming() {
  return conversation.controller !== null;
}

export function stopAnswer() {
  if (conversation.controller) {
    conversation.controller.abort();
  }
}

function loadingText(loading) {
  return "[" + loading.provider + " is loading its model: " +
    Math.round(loading.elapsed_s) + "s of up to " + loading.bound_s + "s]";
}

export async function sendMessage(message) {
  var images = takeImages();
  addMessage("user", message, images);
  var answer = addMessage("assistant", "");
  answer.box.classList.add("streaming");
  var controller = new AbortController();
  conversation.controller = controller;
  setStreaming(true);
  var final = null;
  var streamError = null;
  var loadingNote = null;
  var stream = streamRenderer(answer.body);
  try {
    var response = await fetch("/api/v1/chat", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", "Accept": "text/event-stream" }),
      body: JSON.stringify({
        message: message,
        session_id: conversation.sessionId,
        include_rag: $("include-rag").checked,
        include_tools: $("include-tools").checked,
        images: images,
        stream: true,
      }),
      signal: controller.signal,
    });
    if (!response.ok) {
      throw await failure(response);
    }
    await readEvents(response, function (data) {
      if (data === "[DONE]") {
        return;
      }
      var event = JSON.parse(data);
      if (event.session_id !== undefined) {
        final = event;
      } else if (typeof event.text === "string") {
        stream.add(event.text);
      } else if (event.error) {  // `event: error`: the stream failed after it started
        streamError = event.error;
      } else if (event.loading) {  // the model server is still loading its model
        if (loadingNote === null) {
          loadingNote = addNote(answer.box, loadingText(event.loading));
        } else {
          loadingNote.textContent = loadingText(event.loading);
        }
      }
    });
    if (loadingNote !== null) {
      loadingNote.remove();
    }
    stream.finish(final && final.text);
    if (final) {
      conversation.sessionId = final.session_id;
      if (final.status && final.status !== "completed") {
        addNote(answer.box, "[" + final.status + (final.error ? ": " + final.error : "") + "]");
      }
      (final.notices || []).forEach(function (notice) { addNote(answer.box, notice); });
      if (final.truncated) {
        answer.box.dataset.truncated = "true";  // the notice says: send "continue"
      }
      addCitations(answer.box, final.citations);
      answer.box.dataset.status = final.status || "completed";
    } else if (streamError) {
      addNote(answer.box, "[error: " + (streamError.message || streamError.code) + "]");
      answer.box.dataset.status = "error";
    } else {
      addNote(answer.box, "[the answer ended early]");
      answer.box.dataset.status = "incomplete";
    }
  } catch (err) {
    stream.finish();
    if (err && err.name === "AbortError") {
      addNote(answer.box, "[stopped]");
      answer.box.dataset.status = "cancelled";
    } else {
      addNote(answer.box, "[error: " + (err.message || err) + "]");
      answer.box.dataset.status = "error";
    }
  } finally {
    answer.box.classList.remove("streaming");
    conversation.controller = null;
    setStreaming(false);
    loadSessions();
  }
}
