// The REST API client: every call carries the bearer token, and an error answer becomes an
// ApiError with the server's code and message. A refused token (401) is handed to the
// page's sign-out, set with onUnauthorized, so this module needs no UI of its own.

import { token } from "./token.js";

var unauthorized = function () {};

function ApiError(status, code, message) {
  this.status = status;
  this.code = code;
  this.message = message;
}

// Called with the server's message whenever it refuses the token.
export function onUnauthorized(callback) {
  unauthorized = callback;
}

export function headers(extra) {
  var h = { "Accept": "application/json" };
  if (token()) {
    h["Authorization"] = "Bearer " + token();
  }
  for (var k in extra || {}) {
    h[k] = extra[k];
  }
  return h;
}

// The ApiError for a response that is not ok (the body's `error` when it is JSON).
export async function failure(response) {
  var code = "http_" + response.status;
  var message = response.statusText || "request failed";
  try {
    var body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch (e) { /* not JSON */ }
  if (response.status === 401) {
    unauthorized("The server refused the token: " + message);
  }
  return new ApiError(response.status, code, message);
}

// `method path` with an optional JSON body; resolves to the JSON answer.
export async function api(method, path, body, signal) {
  var init = { method: method, headers: headers(body ? { "Content-Type": "application/json" } : {}), signal: signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  var response = await fetch(path, init);
  if (!response.ok) {
    throw await failure(response);
  }
  return response.json();
}
