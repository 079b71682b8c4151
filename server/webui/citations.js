// An answer's sources: a code citation opens the code view on its lines, a web one is a
// link (http(s) only).

import { el } from "./dom.js";
import { openCodeView } from "./codeview.js";
import { workspaceRoots } from "./status.js";

// A path inside a workspace root, shown relative to it.
function relativePath(path) {
  var roots = workspaceRoots();
  for (var i = 0; i < roots.length; i++) {
    var root = roots[i].replace(/\/+$/, "") + "/";
    if (path.indexOf(root) === 0) {
      return path.slice(root.length);
    }
  }
  return path;
}

function citationText(c) {
  if (c.url) {
    return (c.title ? c.title + " - " : "") + c.url;
  }
  var text = relativePath(c.path) + ":" + c.start_line;
  if (c.end_line && c.end_line !== c.start_line) {
    text += "-" + c.end_line;
  }
  if (c.symbol) {
    text += " " + c.symbol;
  }
  return text;
}

function citationNode(c) {
  var label = citationText(c);
  if (c.url) {
    if (!/^https?:\/\//i.test(c.url)) {
      return el("span", "citation", label);
    }
    var link = el("a", "citation", label);
    link.href = c.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }
  var open = el("button", "citation link", label);
  open.type = "button";
  open.title = "Show these lines";
  open.addEventListener("click", function () {
    // REST gives a code citation relative to its workspace root, with that root
    var path = c.root ? c.root.replace(/\/+$/, "") + "/" + c.path : c.path;
    openCodeView({ path: path, start_line: c.start_line, end_line: c.end_line || c.start_line, label: label });
  });
  return open;
}

// Appends the list of citations (if any) under an answer.
export function addCitations(box, citations) {
  if (!citations || !citations.length) {
    return;
  }
  var list = el("ul", "citations");
  citations.forEach(function (c) {
    var item = el("li");
    item.appendChild(citationNode(c));
    list.appendChild(item);
  });
  box.appendChild(list);
}
