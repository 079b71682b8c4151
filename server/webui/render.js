// Model text -> page nodes: Markdown rendered by marked, code coloured by highlight.js, and
// every rendered string passed through DOMPurify before it becomes DOM (never innerHTML of
// unsanitized text). Raw HTML written by the model is shown as text, not interpreted.
// Vendored libraries: /ui/vendor (see its VERSIONS), loaded as classic scripts before the
// modules run; nothing loads from another origin.

var AUTO_DETECT_CHARS = 20000;  // guessing the language of bigger blocks costs too much

// What Markdown produces, nothing more: no images (they would fetch from anywhere),
// no forms, no styles (the CSP forbids inline styles anyway).
var POLICY = {
  ALLOWED_TAGS: [
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
  ],
  ALLOWED_ATTR: ["href", "title", "class", "start", "align", "colspan", "rowspan"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

// Links open in a new tab and tell the other site nothing about this page.
window.DOMPurify.addHook("afterSanitizeAttributes", function (node) {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// {html, language}: highlight.js markup (it escapes the code) or the escaped code.
function highlight(code, hint) {
  var hljs = window.hljs;
  var language = String(hint || "").trim().split(/\s+/)[0].toLowerCase();
  if (language && hljs.getLanguage(language)) {
    return {
      html: hljs.highlight(code, { language: language, ignoreIllegals: true }).value,
      language: language,
    };
  }
  if (!language && code.length <= AUTO_DETECT_CHARS) {
    var guess = hljs.highlightAuto(code);
    return { html: guess.value, language: guess.language || "" };
  }
  return { html: escapeHtml(code), language: "" };
}

var markdown = new window.marked.Marked({ gfm: true, async: false });
markdown.use({
  renderer: {
    html: function (token) { return escapeHtml(token.text); },
    code: function (token) {
      var out = highlight(token.text, token.lang);
      var cls = "hljs" + (out.language ? " language-" + out.language : "");
      return '<pre><code class="' + escapeHtml(cls) + '">' + out.html + "</code></pre>\n";
    },
  },
});

// A DocumentFragment of the rendered, sanitized Markdown.
function markdownFragment(text) {
  return window.DOMPurify.sanitize(markdown.parse(String(text || "")), POLICY);
}

// Replace node's children with the rendered Markdown.
export function renderMarkdown(node, text) {
  node.replaceChildren(markdownFragment(text));
}

// Highlighted code cut into lines: one sanitized fragment per line. Spans that cross a
// line end are closed there and reopened on the next line, so each line stands alone.
export function highlightLines(code, hint) {
  var html = highlight(code, hint).html;
  var lines = [];
  var open = [];
  var line = "";
  html.split(/(<span[^>]*>|<\/span>|\n)/).forEach(function (part) {
    if (part === "\n") {
      lines.push(line + "</span>".repeat(open.length));
      line = open.join("");
    } else if (part.indexOf("<span") === 0) {
      open.push(part);
      line += part;
    } else if (part === "</span>") {
      open.pop();
      line += part;
    } else {
      line += part;
    }
  });
  lines.push(line);
  if (code.endsWith("\n")) {
    lines.pop();  // the text's final newline ends the last line; it starts none
  }
  return lines.map(function (one) { return window.DOMPurify.sanitize(one, POLICY); });
}

// Replace node's children with `code` coloured as `language` (plain text if unknown).
export function renderCode(node, code, language) {
  node.replaceChildren(window.DOMPurify.sanitize(highlight(code, language || "plaintext").html, POLICY));
  node.classList.add("hljs");
}
