// The API token: taken from the URL fragment (`#token=...`, never sent to the server) or
// pasted once, and kept in this browser's localStorage for this origin.

var TOKEN_KEY = "auro.token";
var current = "";

export function token() {
  return current;
}

export function tokenFromFragment() {
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]) : "";
}

export function saveToken(value) {
  current = value;
  try {
    if (value) {
      window.localStorage.setItem(TOKEN_KEY, value);
    } else {
      window.localStorage.removeItem(TOKEN_KEY);
    }
  } catch (e) { /* storage disabled: keep it for this page only */ }
}

// The token from the fragment (then stored) or from storage; "" when there is none.
export function loadToken() {
  var fromUrl = tokenFromFragment();
  if (fromUrl) {
    saveToken(fromUrl);
    // keep the token out of the address bar (and out of screenshots / shared URLs)
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return fromUrl;
  }
  try {
    current = window.localStorage.getItem(TOKEN_KEY) || "";
  } catch (e) {
    current = "";
  }
  return current;
}
