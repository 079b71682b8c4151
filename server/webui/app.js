// Auro-PAI web UI, the entry point: signs in (or finds that auth is off), starts the index
// status and the session list, and wires the page's controls to their modules. Each view
// is its own module (chat, sessions, search, status, codeview); the model's Markdown goes
// through render.js (marked, then DOMPurify); every other server or user text goes in
// through textContent, never as HTML.

import { headers, onUnauthorized } from "./api.js";
import { attachFiles } from "./attachments.js";
import { isStreaming, sendMessage, stopAnswer } from "./chat.js";
import { $ } from "./dom.js";
import { sessionsOpen, showPanel, showSessions } from "./layout.js";
import { loadSessions, newChat } from "./sessions.js";
import { search } from "./search.js";
import { askForToken, showApp } from "./signin.js";
import { refreshStatus, stopStatus } from "./status.js";
import { loadToken, saveToken, token, tokenFromFragment } from "./token.js";

// Back to the sign-in screen, the status no longer polled.
function signOut(message) {
  stopStatus();
  askForToken(message);
}

// A server started with AURO_HTTP_AUTH=false answers without a token: no sign-in then.
async function authIsOff() {
  try {
    return (await fetch("/api/v1/rag/stats", { headers: headers({}) })).ok;
  } catch (e) {
    return false;
  }
}

async function start() {
  loadToken();
  if (!token() && !(await authIsOff())) {
    signOut("");
    return;
  }
  showApp();
  $("forget-token").hidden = !token();
  await refreshStatus();  // the workspace roots, which the session list is filtered by
  loadSessions();  // unless the token was refused meanwhile
}

onUnauthorized(signOut);

$("token-form").addEventListener("submit", function (event) {
  event.preventDefault();
  var value = $("token-input").value.trim();
  if (!value) {
    return;
  }
  saveToken(value);
  $("token-input").value = "";
  start();
});

$("forget-token").addEventListener("click", function () {
  saveToken("");
  $("session-list").replaceChildren();
  signOut("");
});

$("toggle-sessions").addEventListener("click", function () {
  showSessions(!sessionsOpen());
});

document.querySelectorAll(".tab").forEach(function (tab) {
  tab.addEventListener("click", function () { showPanel(tab.dataset.panel); });
});

$("chat-form").addEventListener("submit", function (event) {
  event.preventDefault();
  var input = $("chat-input");
  var message = input.value.trim();
  if (!message || isStreaming()) {
    return;
  }
  input.value = "";
  sendMessage(message);
});

$("chat-input").addEventListener("keydown", function (event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    $("chat-form").requestSubmit();
  }
});

$("attach-image").addEventListener("click", function () {
  $("image-file").click();
});

$("image-file").addEventListener("change", function (event) {
  attachFiles(event.target.files);
  event.target.value = "";
});

$("chat-input").addEventListener("paste", function (event) {
  var files = event.clipboardData ? event.clipboardData.files : [];
  if (files && files.length) {
    attachFiles(files);
  }
});

$("stop").addEventListener("click", stopAnswer);

$("new-chat").addEventListener("click", function () {
  newChat();
  showSessions(false);
});

$("search-form").addEventListener("submit", function (event) {
  event.preventDefault();
  var query = $("search-input").value.trim();
  if (query) {
    search(query);
  }
});

window.addEventListener("hashchange", function () {
  if (tokenFromFragment()) {
    start();
  }
});

start();
