// The index status in the header: each workspace's state, its running phase with count and
// ETA, polled every 2 s while indexing (15 s when idle). Also the source of the workspace
// roots the session list and citations are read against.

import { api } from "./api.js";
import { $ } from "./dom.js";
import { signedIn } from "./signin.js";

// The index's phase names (server/indexing/progress.py) as the user reads them.
export var PHASE_LABELS = {
  scanning: "scanning files",
  keyword: "keyword index",
  loading_model: "loading the embedding model",
  embedding: "embedding",
  done: "done",
};

var roots = [];
var timer = null;

// The workspace roots from the last status answer.
export function workspaceRoots() {
  return roots;
}

function seconds(value) {
  var s = Math.round(value);
  return s < 60 ? s + "s" : Math.floor(s / 60) + "m " + (s % 60) + "s";
}

// `keyword index 120/485 files, ETA 5s`: the running phase with its count and ETA.
function phaseText(w) {
  var p = w.progress || { phase: w.phase };
  var text = PHASE_LABELS[p.phase] || p.phase;
  if (p.unit) {
    text += " " + p.done + (p.total === null || p.total === undefined ? "" : "/" + p.total) +
      " " + p.unit;
  }
  if (p.eta_s) {
    text += ", ETA " + seconds(p.eta_s);
  }
  return text;
}

function workspaceText(w) {
  var name = w.root.split("/").filter(Boolean).pop() || w.root;
  var text = name + ": " + w.state;
  if (w.phase && !w.complete) {
    text += " (" + phaseText(w) + ")";
  }
  text += ", " + w.files_keyword_indexed + "/" + w.files_total + " files, " +
    w.files_embedded + " embedded, " + w.chunks + " chunks";
  if (w.skipped && w.skipped.count) {
    text += ", " + w.skipped.count + " skipped";
  }
  return text;
}

// Stops polling and clears the line (on sign-out).
export function stopStatus() {
  clearTimeout(timer);
  $("index-status").textContent = "";
}

export async function refreshStatus() {
  clearTimeout(timer);
  if (!signedIn()) {
    return;
  }
  var box = $("index-status");
  var busy = false;
  try {
    var data = await api("GET", "/api/v1/rag/stats");
    roots = data.workspaces.map(function (w) { return w.root; });
    busy = data.workspaces.some(function (w) { return !w.complete; });
    var parts = data.workspaces.map(workspaceText);
    box.textContent = parts.length ? "index \u2014 " + parts.join("; ") : "index: no workspace";
    box.title = roots.join("\n");
    box.dataset.complete = String(!busy);
  } catch (err) {
    box.textContent = "index: unavailable";
    busy = false;
    if (err.status === 401) {
      return;
    }
  }
  timer = setTimeout(refreshStatus, busy ? 2000 : 15000);
}
