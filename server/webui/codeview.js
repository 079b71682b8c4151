// The code view: a dialog with the cited file's lines, the cited range marked and scrolled
// into view. The text comes from GET /api/v1/files, which serves only what the index may
// read (inside a workspace root, no secrets, under the size cap).

import { api } from "./api.js";
import { $ } from "./dom.js";
import { highlightLines } from "./render.js";

var LARGE = 3000;   // lines; longer files are drawn only around the cited range...
var CONTEXT = 300;  // ...this many lines either side

// A highlight.js language for the file: its extension if highlight.js knows it, else the
// index's language name, else none (plain text; guessing a whole file is too slow).
function languageHint(file) {
  var hljs = window.hljs;
  var name = file.path.split("/").pop();
  var dot = name.lastIndexOf(".");
  var ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  if (ext && hljs.getLanguage(ext)) {
    return ext;
  }
  if (file.language && hljs.getLanguage(file.language)) {
    return file.language;
  }
  return "plaintext";
}

function row(number, fragment, cited) {
  var line = document.createElement("div");
  line.className = cited ? "code-line cited" : "code-line";
  line.dataset.line = String(number);
  var num = document.createElement("span");
  num.className = "ln";
  num.textContent = String(number);
  var code = document.createElement("code");
  code.className = "lc";
  code.appendChild(fragment);
  line.append(num, code);
  return line;
}

function draw(file, start, end) {
  var lines = highlightLines(file.text, languageHint(file));
  var first = 1;
  var last = lines.length;
  if (lines.length > LARGE) {
    first = Math.max(1, Math.min(start, lines.length) - CONTEXT);
    last = Math.min(lines.length, end + CONTEXT);
  }
  var rows = document.createDocumentFragment();
  for (var n = first; n <= last; n++) {
    rows.appendChild(row(n, lines[n - 1], n >= start && n <= end));
  }
  $("code-view-body").replaceChildren(rows);
  var note = "lines " + start + "\u2013" + end + " of " + lines.length;
  if (first > 1 || last < lines.length) {
    note += " (showing " + first + "\u2013" + last + ")";
  }
  if (start > lines.length) {
    note += "; the cited lines are past the end of the file (it changed since the answer)";
  }
  $("code-view-note").textContent = note;
  var target = $("code-view-body").querySelector(".code-line.cited");
  if (target) {
    target.scrollIntoView({ block: "center" });
  }
}

// Open the dialog on `citation` ({path, start_line, end_line, label}).
export async function openCodeView(citation) {
  var dialog = $("code-view");
  var start = Math.max(1, citation.start_line | 0);
  var end = Math.max(start, citation.end_line | 0);
  $("code-view-title").textContent = citation.label;
  $("code-view-note").textContent = "Loading\u2026";
  $("code-view-body").replaceChildren();
  dialog.dataset.state = "loading";
  if (!dialog.open) {
    dialog.showModal();
  }
  var file;
  try {
    file = await api("GET", "/api/v1/files?path=" + encodeURIComponent(citation.path));
  } catch (err) {
    $("code-view-note").textContent = "Cannot show this file: " + (err.message || err);
    dialog.dataset.state = "error";
    return;
  }
  $("code-view-title").textContent = file.path + ":" + start + "-" + end;
  draw(file, start, end);
  dialog.dataset.state = "ready";
}

function close() {
  var dialog = $("code-view");
  if (dialog.open) {
    dialog.close();
  }
}

$("code-view-close").addEventListener("click", close);
$("code-view").addEventListener("click", function (event) {
  if (event.target === event.currentTarget) {
    close();  // a click on the backdrop
  }
});
