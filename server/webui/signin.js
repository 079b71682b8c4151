// Which screen shows: the sign-in screen (where the token is, and a field for it) or the app.

import { $ } from "./dom.js";

export function signedIn() {
  return document.body.classList.contains("signed-in");
}

export function askForToken(message) {
  document.body.classList.remove("signed-in", "sessions-open");
  $("signin").hidden = false;
  $("app").hidden = true;
  $("tabs").hidden = true;
  $("forget-token").hidden = true;
  var error = $("token-error");
  error.textContent = message || "";
  error.hidden = !message;
  $("token-input").focus();
}

export function showApp() {
  document.body.classList.add("signed-in");
  $("signin").hidden = true;
  $("app").hidden = false;
  $("tabs").hidden = false;
  $("forget-token").hidden = false;
}
