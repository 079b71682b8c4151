#!/bin/sh
# Vendors the web UI's Markdown renderer, HTML sanitizer and code highlighter into
# server/webui/vendor from the npm registry (run when bumping the pinned versions).
# The page never loads anything from a CDN; its CSP allows only its own files.
set -eu
MARKED_VERSION=18.2.1
DOMPURIFY_VERSION=3.5.0
HIGHLIGHT_VERSION=11.12.0
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/server/webui/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "marked@$MARKED_VERSION" "dompurify@$DOMPURIFY_VERSION" \
  "@highlightjs/cdn-assets@$HIGHLIGHT_VERSION" >/dev/null
mkdir marked dompurify hljs
tar xzf "marked-$MARKED_VERSION.tgz" -C marked
tar xzf "dompurify-$DOMPURIFY_VERSION.tgz" -C dompurify
tar xzf "highlightjs-cdn-assets-$HIGHLIGHT_VERSION.tgz" -C hljs
rm -rf "$dest"
mkdir -p "$dest"
cp marked/package/lib/marked.umd.js "$dest/marked.min.js"  # already minified
cp marked/package/LICENSE "$dest/LICENSE.marked"
cp dompurify/package/dist/purify.min.js "$dest/purify.min.js"
cp dompurify/package/LICENSE "$dest/LICENSE.dompurify"
# The common bundle: core plus ~35 popular languages (python, js/ts, go, rust, java, c/c++, ...).
cp hljs/package/highlight.min.js "$dest/highlight.min.js"
cp hljs/package/styles/github.min.css "$dest/highlight-light.min.css"
cp hljs/package/styles/github-dark.min.css "$dest/highlight-dark.min.css"
cp hljs/package/LICENSE "$dest/LICENSE.highlight.js"
# Source maps are not shipped; drop the trailing references so browsers do not ask for them.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/marked.min.js" "$dest/purify.min.js"
printf 'marked %s\ndompurify %s\nhighlight.js %s (@highlightjs/cdn-assets)\n' \
  "$MARKED_VERSION" "$DOMPURIFY_VERSION" "$HIGHLIGHT_VERSION" >"$dest/VERSIONS"
echo "vendored into $dest"
