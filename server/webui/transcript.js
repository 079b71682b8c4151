// The chat transcript: messages (the user's text as typed, the model's as rendered
// Markdown), notes under an answer, and an answer re-rendered as it streams.

import { $, el } from "./dom.js";
import { thumbnail } from "./attachments.js";
import { renderMarkdown } from "./render.js";

var RENDER_MS = 50;

function transcript() {
  return $("transcript");
}

function scrollDown() {
  var t = transcript();
  t.scrollTop = t.scrollHeight;
}

export function clearTranscript() {
  transcript().replaceChildren();
}

// Appends a message; returns {box, body} for what follows it (notes, citations, stream).
export function addMessage(role, text, images) {
  var box = el("div", "message " + role);
  box.appendChild(el("div", "role", role === "user" ? "You" : "Auro"));
  var body = el("div", role === "user" ? "text plain" : "text markdown");
  if (role === "user") {
    body.textContent = text;
  } else {
    renderMarkdown(body, text);
  }
  box.appendChild(body);
  if (images && images.length) {
    var strip = el("div", "attachments sent");
    images.forEach(function (url) { strip.appendChild(thumbnail(url)); });
    box.appendChild(strip);
  }
  transcript().appendChild(box);
  scrollDown();
  return { box: box, body: body };
}

export function addNote(box, text) {
  return box.appendChild(el("div", "note", text));
}

// Re-renders the streamed Markdown at most every RENDER_MS (each render parses it all).
export function streamRenderer(body) {
  var text = "";
  var timer = null;
  function flush() {
    timer = null;
    renderMarkdown(body, text);
    scrollDown();
  }
  return {
    add: function (piece) {
      text += piece;
      if (timer === null) {
        timer = setTimeout(flush, RENDER_MS);
      }
    },
    finish: function (finalText) {
      clearTimeout(timer);
      text = finalText || text;
      flush();
    },
  };
}
