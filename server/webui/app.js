// Auro-PAI web UI: chat (streamed over SSE with fetch + ReadableStream), sessions of this
// server's workspaces, code search, the code view of citations and index status, on the REST
// API with the bearer token. The model's Markdown goes through render.js (marked, then
// DOMPurify); every other server or user text goes in through textContent, never as HTML.
(function () {
  "use strict";

  var TOKEN_KEY = "auro.token";
  var RENDER_MS = 50;
  var $ = function (id) { return document.getElementById(id); };

  var state = {
    token: "",
    sessionId: null,   // the session the next message continues
    controller: null,  // AbortController of the streaming answer
    statusTimer: null,
    roots: [],         // workspace roots, from the index statistics
    images: [],        // data: URLs attached to the next question
  };

  // --- token ------------------------------------------------------------------------------

  function tokenFromFragment() {
    var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function loadToken() {
    var fromUrl = tokenFromFragment();
    if (fromUrl) {
      saveToken(fromUrl);
      // keep the token out of the address bar (and out of screenshots / shared URLs)
      history.replaceState(null, "", window.location.pathname + window.location.search);
      return fromUrl;
    }
    try {
      return window.localStorage.getItem(TOKEN_KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function saveToken(token) {
    state.token = token;
    try {
      if (token) {
        window.localStorage.setItem(TOKEN_KEY, token);
      } else {
        window.localStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) { /* storage disabled: keep it for this page only */ }
  }

  // The sign-in screen (where the token is, and a field for it) instead of the app.
  function askForToken(message) {
    document.body.classList.remove("signed-in", "sessions-open");
    $("signin").hidden = false;
    $("app").hidden = true;
    $("tabs").hidden = true;
    $("forget-token").hidden = true;
    $("index-status").textContent = "";
    clearTimeout(state.statusTimer);
    var error = $("token-error");
    error.textContent = message || "";
    error.hidden = !message;
    $("token-input").focus();
  }

  function showApp() {
    document.body.classList.add("signed-in");
    $("signin").hidden = true;
    $("app").hidden = false;
    $("tabs").hidden = false;
    $("forget-token").hidden = false;
  }

  // --- API --------------------------------------------------------------------------------

  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  function headers(extra) {
    var h = { "Accept": "application/json" };
    if (state.token) {
      h["Authorization"] = "Bearer " + state.token;
    }
    for (var k in extra || {}) {
      h[k] = extra[k];
    }
    return h;
  }

  async function failure(response) {
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
      askForToken("The server refused the token: " + message);
    }
    return new ApiError(response.status, code, message);
  }

  async function api(method, path, body, signal) {
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

  function showError(err) {
    if (err && err.name === "AbortError") {
      return;
    }
    var banner = $("error");
    banner.textContent = (err && err.message) ? err.message : String(err);
    banner.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(function () { banner.hidden = true; }, 8000);
  }

  // --- small DOM helpers (text only) -------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function when(seconds) {
    try {
      return new Date(seconds * 1000).toLocaleString();
    } catch (e) {
      return "";
    }
  }

  // A path inside a workspace root, shown relative to it.
  function relativePath(path) {
    for (var i = 0; i < state.roots.length; i++) {
      var root = state.roots[i].replace(/\/+$/, "") + "/";
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

  // A code citation opens the code view; a web one is a link (http(s) only).
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
      window.AuroCodeView.open(
        { path: path, start_line: c.start_line, end_line: c.end_line || c.start_line, label: label },
        api
      );
    });
    return open;
  }

  // --- chat -------------------------------------------------------------------------------

  function transcript() { return $("transcript"); }

  function scrollDown() {
    var t = transcript();
    t.scrollTop = t.scrollHeight;
  }

  // The user's text is shown as typed; the assistant's is rendered Markdown.
  function addMessage(role, text, images) {
    var box = el("div", "message " + role);
    box.appendChild(el("div", "role", role === "user" ? "You" : "Auro"));
    var body = el("div", role === "user" ? "text plain" : "text markdown");
    if (role === "user") {
      body.textContent = text;
    } else {
      window.AuroRender.renderMarkdown(body, text);
    }
    box.appendChild(body);
    if (images && images.length) {
      var strip = el("div", "attachments sent");
      images.forEach(function (url) { strip.appendChild(thumbnail(url)); });
      box.appendChild(strip);
    }
    transcript().appendChild(box);
    scrollDown();
    return { box: box, body: body };
  }

  function addCitations(box, citations) {
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

  // Re-renders the streamed Markdown at most every RENDER_MS (each render parses it all).
  function streamRenderer(body) {
    var text = "";
    var timer = null;
    function flush() {
      timer = null;
      window.AuroRender.renderMarkdown(body, text);
      scrollDown();
    }
    return {
      add: function (piece) {
        text += piece;
        if (timer === null) {
          timer = setTimeout(flush, RENDER_MS);
        }
      },
      finish: function (finalText) {
        clearTimeout(timer);
        text = finalText || text;
        flush();
      },
    };
  }

  function addNote(box, text) {
    return box.appendChild(el("div", "note", text));
  }

  function setStreaming(on) {
    $("send").disabled = on;
    $("stop").hidden = !on;
  }

  // Parses `data: ...` events out of a text/event-stream body; calls onEvent(dataString).
  async function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) {
        break;
      }
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        var raw = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        var data = raw.split("\n")
          .filter(function (line) { return line.indexOf("data:") === 0; })
          .map(function (line) { return line.slice(5).replace(/^ /, ""); })
          .join("\n");
        if (data) {
          onEvent(data);
        }
      }
    }
  }

  // --- images attached to the next question ------------------------------------------------

  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

  function thumbnail(url) {
    var img = document.createElement("img");
    img.className = "thumbnail";
    img.alt = "attached image";
    img.src = url;  // a data: URL read from the user's own file
    return img;
  }

  function showAttachments() {
    var strip = $("attachments");
    strip.replaceChildren();
    state.images.forEach(function (url, index) {
      var item = el("span", "attachment");
      item.appendChild(thumbnail(url));
      var remove = el("button", "link remove-image", "✕");
      remove.type = "button";
      remove.setAttribute("aria-label", "Remove this image");
      remove.addEventListener("click", function () {
        state.images.splice(index, 1);
        showAttachments();
      });
      item.appendChild(remove);
      strip.appendChild(item);
    });
  }

  function attachFiles(files) {
    Array.prototype.forEach.call(files, function (file) {
      if (IMAGE_TYPES.indexOf(file.type) < 0) {
        return;  // the server reads the type from the bytes; this only skips obvious non-images
      }
      var reader = new FileReader();
      reader.onload = function () {
        state.images.push(reader.result);
        showAttachments();
      };
      reader.readAsDataURL(file);
    });
  }

  async function sendMessage(message) {
    var images = state.images;
    state.images = [];
    showAttachments();
    addMessage("user", message, images);
    var answer = addMessage("assistant", "");
    answer.box.classList.add("streaming");
    var controller = new AbortController();
    state.controller = controller;
    setStreaming(true);
    var final = null;
    var streamError = null;
    var loadingNote = null;
    var stream = streamRenderer(answer.body);
    try {
      var response = await fetch("/api/v1/chat", {
        method: "POST",
        headers: headers({ "Content-Type": "application/json", "Accept": "text/event-stream" }),
        body: JSON.stringify({
          message: message,
          session_id: state.sessionId,
          include_rag: $("include-rag").checked,
          include_tools: $("include-tools").checked,
          images: images,
          stream: true,
        }),
        signal: controller.signal,
      });
      if (!response.ok) {
        throw await failure(response);
      }
      await readEvents(response, function (data) {
        if (data === "[DONE]") {
          return;
        }
        var event = JSON.parse(data);
        if (event.session_id !== undefined) {
          final = event;
        } else if (typeof event.text === "string") {
          stream.add(event.text);
        } else if (event.error) {  // `event: error`: the stream failed after it started
          streamError = event.error;
        } else if (event.loading) {  // the model server is still loading its model
          var text = "[" + event.loading.provider + " is loading its model: " +
            Math.round(event.loading.elapsed_s) + "s of up to " + event.loading.bound_s + "s]";
          if (loadingNote === null) {
            loadingNote = addNote(answer.box, text);
          } else {
            loadingNote.textContent = text;
          }
        }
      });
      if (loadingNote !== null) {
        loadingNote.remove();
      }
      stream.finish(final && final.text);
      if (final) {
        state.sessionId = final.session_id;
        if (final.status && final.status !== "completed") {
          addNote(answer.box, "[" + final.status + (final.error ? ": " + final.error : "") + "]");
        }
        (final.notices || []).forEach(function (notice) { addNote(answer.box, notice); });
        if (final.truncated) {
          answer.box.dataset.truncated = "true";  // the notice says: send "continue"
        }
        addCitations(answer.box, final.citations);
        answer.box.dataset.status = final.status || "completed";
      } else if (streamError) {
        addNote(answer.box, "[error: " + (streamError.message || streamError.code) + "]");
        answer.box.dataset.status = "error";
      } else {
        addNote(answer.box, "[the answer ended early]");
        answer.box.dataset.status = "incomplete";
      }
    } catch (err) {
      stream.finish();
      if (err && err.name === "AbortError") {
        addNote(answer.box, "[stopped]");
        answer.box.dataset.status = "cancelled";
      } else {
        addNote(answer.box, "[error: " + (err.message || err) + "]");
        answer.box.dataset.status = "error";
      }
    } finally {
      answer.box.classList.remove("streaming");
      state.controller = null;
      setStreaming(false);
      loadSessions();
    }
  }

  function newChat() {
    if (state.controller) {
      state.controller.abort();
    }
    state.sessionId = null;
    transcript().replaceChildren();
    markCurrentSession();
    $("chat-input").focus();
  }

  // --- sessions ---------------------------------------------------------------------------

  function markCurrentSession() {
    var items = $("session-list").children;
    for (var i = 0; i < items.length; i++) {
      items[i].classList.toggle("current", items[i].dataset.id === state.sessionId);
    }
  }

  // The sessions started in this server's workspace roots, newest first.
  async function workspaceSessions() {
    var lists = await Promise.all(state.roots.map(function (root) {
      return api("GET", "/api/v1/chat/sessions?workspace=" + encodeURIComponent(root));
    }));
    var byId = {};
    lists.forEach(function (data) {
      data.sessions.forEach(function (s) { byId[s.id] = s; });
    });
    return Object.keys(byId).map(function (id) { return byId[id]; })
      .sort(function (a, b) { return b.last_used - a.last_used; });
  }

  async function loadSessions() {
    if (!signedIn()) {
      return;
    }
    try {
      var sessions = await workspaceSessions();
      var list = $("session-list");
      list.replaceChildren();
      sessions.forEach(function (s) {
        var item = el("li", "session");
        item.dataset.id = s.id;
        var open = el("button", "session-open");
        open.type = "button";
        open.appendChild(el("span", "session-title", s.title || s.id));
        open.appendChild(el("span", "session-meta",
          s.turn_count + (s.turn_count === 1 ? " turn, " : " turns, ") + when(s.last_used)));
        open.title = s.title || s.id;
        open.addEventListener("click", function () { openSession(s.id); });
        var del = el("button", "session-delete", "\u2715");
        del.type = "button";
        del.title = "Delete this session";
        del.setAttribute("aria-label", "Delete session " + (s.title || s.id));
        del.addEventListener("click", function () { deleteSession(s.id, s.title); });
        item.appendChild(open);
        item.appendChild(del);
        list.appendChild(item);
      });
      $("sessions-empty").textContent = state.roots.length
        ? "No sessions in this workspace yet."
        : "No workspace is open.";
      $("sessions-empty").hidden = sessions.length > 0;
      markCurrentSession();
    } catch (err) {
      showError(err);
    }
  }

  async function openSession(id) {
    if (state.controller) {
      return;  // finish or stop the streaming answer first
    }
    try {
      var data = await api("GET", "/api/v1/chat/sessions/" + encodeURIComponent(id) + "/history");
      state.sessionId = data.session_id;
      transcript().replaceChildren();
      data.turns.forEach(function (turn) {
        var m = addMessage(turn.role === "user" ? "user" : "assistant", turn.content);
        if (turn.role !== "user") {
          m.box.dataset.status = turn.status || "completed";
          if (turn.status && turn.status !== "completed") {
            addNote(m.box, "[" + turn.status + "]");
          }
          if (turn.usage && turn.usage.truncated) {
            addNote(m.box, "[cut off by the reply limit or the window: send \"continue\" for the rest]");
          }
          addCitations(m.box, turn.citations);
        }
      });
      showPanel("chat-panel");
      markCurrentSession();
      showSessions(false);
    } catch (err) {
      showError(err);
    }
  }

  async function deleteSession(id, title) {
    if (!window.confirm("Delete the session \u201c" + (title || id) + "\u201d and its history?")) {
      return;
    }
    try {
      await api("DELETE", "/api/v1/chat/sessions/" + encodeURIComponent(id));
      if (state.sessionId === id) {
        newChat();
      }
      loadSessions();
    } catch (err) {
      showError(err);
    }
  }

  // --- search -----------------------------------------------------------------------------

  async function search(query) {
    var note = $("search-note");
    var list = $("search-results");
    note.textContent = "Searching…";
    list.replaceChildren();
    try {
      var data = await api("POST", "/api/v1/rag/search", { query: query, k: 20 });
      data.results.forEach(function (r) {
        var item = el("li", "result");
        var head = el("div", "result-head");
        var loc = el("button", "result-loc link", r.path + ":" + r.start_line);
        loc.type = "button";
        loc.title = "Show these lines";
        loc.addEventListener("click", function () {
          window.AuroCodeView.open(
            { path: r.path, start_line: r.start_line, end_line: r.end_line, label: loc.textContent },
            api
          );
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
        window.AuroRender.renderCode(snippet, r.snippet || "", r.language);
        item.appendChild(snippet);
        list.appendChild(item);
      });
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

  // --- index status -----------------------------------------------------------------------

  // The index's phase names (server/indexing/progress.py) as the user reads them.
  var PHASE_LABELS = {
    scanning: "scanning files",
    keyword: "keyword index",
    loading_model: "loading the embedding model",
    embedding: "embedding",
    done: "done",
  };

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

  async function refreshStatus() {
    clearTimeout(state.statusTimer);
    if (!signedIn()) {
      return;
    }
    var box = $("index-status");
    var busy = false;
    try {
      var data = await api("GET", "/api/v1/rag/stats");
      state.roots = data.workspaces.map(function (w) { return w.root; });
      var parts = data.workspaces.map(function (w) {
        busy = busy || !w.complete;
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
      });
      box.textContent = parts.length ? "index \u2014 " + parts.join("; ") : "index: no workspace";
      box.title = data.workspaces.map(function (w) { return w.root; }).join("\n");
      box.dataset.complete = String(!busy);
    } catch (err) {
      box.textContent = "index: unavailable";
      busy = false;
      if (err.status === 401) {
        return;
      }
    }
    state.statusTimer = setTimeout(refreshStatus, busy ? 2000 : 15000);
  }

  // --- wiring -----------------------------------------------------------------------------

  function showPanel(id) {
    ["chat-panel", "search-panel"].forEach(function (panel) {
      $(panel).hidden = panel !== id;
    });
    document.querySelectorAll(".tab").forEach(function (tab) {
      tab.classList.toggle("active", tab.dataset.panel === id);
    });
  }

  // Narrow screens: the session list is a drawer over the chat, opened from the header.
  function showSessions(open) {
    document.body.classList.toggle("sessions-open", open);
    $("toggle-sessions").setAttribute("aria-expanded", String(open));
  }

  function signedIn() {
    return document.body.classList.contains("signed-in");
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
    state.token = loadToken();
    if (!state.token && !(await authIsOff())) {
      askForToken("");
      return;
    }
    showApp();
    $("forget-token").hidden = !state.token;
    await refreshStatus();  // the workspace roots, which the session list is filtered by
    loadSessions();  // unless the token was refused meanwhile
  }

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
    askForToken("");
  });

  $("toggle-sessions").addEventListener("click", function () {
    showSessions(!document.body.classList.contains("sessions-open"));
  });

  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () { showPanel(tab.dataset.panel); });
  });

  $("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("chat-input");
    var message = input.value.trim();
    if (!message || state.controller) {
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

  $("stop").addEventListener("click", function () {
    if (state.controller) {
      state.controller.abort();
    }
  });

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
})();
