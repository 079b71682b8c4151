// The session list: only sessions started in this server's workspace roots, newest first;
// one opens with its history (to continue it), ✕ deletes it, "New chat" starts afresh.

import { api } from "./api.js";
import { $, el, showError } from "./dom.js";
import { addCitations } from "./citations.js";
import { conversation } from "./conversation.js";
import { showPanel, showSessions } from "./layout.js";
import { signedIn } from "./signin.js";
import { workspaceRoots } from "./status.js";
import { addMessage, addNote, clearTranscript } from "./transcript.js";

function when(seconds) {
  try {
    return new Date(seconds * 1000).toLocaleString();
  } catch (e) {
    return "";
  }
}

function markCurrentSession() {
  var items = $("session-list").children;
  for (var i = 0; i < items.length; i++) {
    items[i].classList.toggle("current", items[i].dataset.id === conversation.sessionId);
  }
}

// Stops any streaming answer and empties the transcript: the next message starts a session.
export function newChat() {
  if (conversation.controller) {
    conversation.controller.abort();
  }
  conversation.sessionId = null;
  clearTranscript();
  markCurrentSession();
  $("chat-input").focus();
}

// The sessions started in this server's workspace roots, newest first.
async function workspaceSessions() {
  var lists = await Promise.all(workspaceRoots().map(function (root) {
    return api("GET", "/api/v1/chat/sessions?workspace=" + encodeURIComponent(root));
  }));
  var byId = {};
  lists.forEach(function (data) {
    data.sessions.forEach(function (s) { byId[s.id] = s; });
  });
  return Object.keys(byId).map(function (id) { return byId[id]; })
    .sort(function (a, b) { return b.last_used - a.last_used; });
}

function sessionItem(s) {
  var item = el("li", "session");
  item.dataset.id = s.id;
  var open = el("button", "session-open");
  open.type = "button";
  open.appendChild(el("span", "session-title", s.title || s.id));
  open.appendChild(el("span", "session-meta",
    s.turn_count + (s.turn_count === 1 ? " turn, " : " turns, ") + when(s.last_used)));
  open.title = s.title || s.id;
  open.addEventListener("click", function () { openSession(s.id); });
  var del = el("button", "session-delete", "\u2715");
  del.type = "button";
  del.title = "Delete this session";
  del.setAttribute("aria-label", "Delete session " + (s.title || s.id));
  del.addEventListener("click", function () { deleteSession(s.id, s.title); });
  item.appendChild(open);
  item.appendChild(del);
  return item;
}

export async function loadSessions() {
  if (!signedIn()) {
    return;
  }
  try {
    var sessions = await workspaceSessions();
    var list = $("session-list");
    list.replaceChildren();
    sessions.forEach(function (s) { list.appendChild(sessionItem(s)); });
    $("sessions-empty").textContent = workspaceRoots().length
      ? "No sessions in this workspace yet."
      : "No workspace is open.";
    $("sessions-empty").hidden = sessions.length > 0;
    markCurrentSession();
  } catch (err) {
    showError(err);
  }
}

async function openSession(id) {
  if (conversation.controller) {
    return;  // finish or stop the streaming answer first
  }
  try {
    var data = await api("GET", "/api/v1/chat/sessions/" + encodeURIComponent(id) + "/history");
    conversation.sessionId = data.session_id;
    clearTranscript();
    data.turns.forEach(function (turn) {
      var m = addMessage(turn.role === "user" ? "user" : "assistant", turn.content);
      if (turn.role !== "user") {
        m.box.dataset.status = turn.status || "completed";
        if (turn.status && turn.status !== "completed") {
          addNote(m.box, "[" + turn.status + "]");
        }
        if (turn.usage && turn.usage.truncated) {
          addNote(m.box, "[cut off by the reply limit or the window: send \"continue\" for the rest]");
        }
        addCitations(m.box, turn.citations);
      }
    });
    showPanel("chat-panel");
    markCurrentSession();
    showSessions(false);
  } catch (err) {
    showError(err);
  }
}

async function deleteSession(id, title) {
  if (!window.confirm("Delete the session \u201c" + (title || id) + "\u201d and its history?")) {
    return;
  }
  try {
    await api("DELETE", "/api/v1/chat/sessions/" + encodeURIComponent(id));
    if (conversation.sessionId === id) {
      newChat();
    }
    loadSessions();
  } catch (err) {
    showError(err);
  }
}
