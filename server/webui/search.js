// The Search panel: POST /api/v1/rag/search, each result as `path:line` (which opens the
// code view), symbol, language and the highlighted snippet; the note says how many, and
// whether the index is still being built.

import { api } from "./api.js";
import { $, el, showError } from "./dom.js";
import { openCodeView } from "./codeview.js";
import { renderCode } from "./render.js";

function resultItem(r) {
  var item = el("li", "result");
  var head = el("div", "result-head");
  var loc = el("button", "result-loc link", r.path + ":" + r.start_line);
  loc.type = "button";
  loc.title = "Show these lines";
  loc.addEventListener("click", function () {
    openCodeView({ path: r.path, start_line: r.start_line, end_line: r.end_line, label: loc.textContent });
  });
  head.appendChild(loc);
  if (r.symbol) {
    head.appendChild(el("span", "result-symbol", r.symbol));
  }
  if (r.language) {
    head.appendChild(el("span", "result-lang", r.language));
  }
  item.appendChild(head);
  var snippet = el("pre", "snippet");
  renderCode(snippet, r.snippet || "", r.language);
  item.appendChild(snippet);
  return item;
}

export async function search(query) {
  var note = $("search-note");
  var list = $("search-results");
  note.textContent = "Searching…";
  list.replaceChildren();
  try {
    var data = await api("POST", "/api/v1/rag/search", { query: query, k: 20 });
    data.results.forEach(function (r) { list.appendChild(resultItem(r)); });
    var text = data.results.length + " result(s) for \u201c" + query + "\u201d";
    if (data.complete === false) {
      text += " (the index is still being built)";
    }
    (data.warnings || []).forEach(function (w) { text += " \u2014 " + w; });
    note.textContent = text;
  } catch (err) {
    note.textContent = "";
    showError(err);
  }
}
