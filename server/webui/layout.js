// Which panel shows (Chat or Search), and the session drawer of narrow screens.

import { $ } from "./dom.js";

export function showPanel(id) {
  ["chat-panel", "search-panel"].forEach(function (panel) {
    $(panel).hidden = panel !== id;
  });
  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.classList.toggle("active", tab.dataset.panel === id);
  });
}

// Narrow screens: the session list is a drawer over the chat, opened from the header.
export function showSessions(open) {
  document.body.classList.toggle("sessions-open", open);
  $("toggle-sessions").setAttribute("aria-expanded", String(open));
}

export function sessionsOpen() {
  return document.body.classList.contains("sessions-open");
}
