// Small DOM helpers: text goes in through textContent only (never as HTML), and the error
// banner shows what failed for a few seconds.

export function $(id) {
  return document.getElementById(id);
}

export function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  return node;
}

var bannerTimer = null;

export function showError(err) {
  if (err && err.name === "AbortError") {
    return;
  }
  var banner = $("error");
  banner.textContent = (err && err.message) ? err.message : String(err);
  banner.hidden = false;
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(function () { banner.hidden = true; }, 8000);
}
