#!/usr/bin/env bash
# CI for the VS Code extension, runnable from a clean clone:
# install (lockfile), type check, unit tests, bundle, package the .vsix, check it.
# Offline apart from the npm registry; no install scripts, no binary downloads.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
start=$SECONDS
bin=./node_modules/.bin
step() { printf '\n== %s (%ss)\n' "$1" "$((SECONDS - start))"; }

step "npm ci"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

step "type check"
"$bin/tsc" -p tsconfig.json --noEmit

step "unit tests"
rm -rf out
"$bin/tsc" -p tsconfig.test.json
node --test out/test/

step "bundle"
rm -rf dist ./*.vsix
node esbuild.mjs

step "package"
"$bin/vsce" package --no-dependencies

version=$(node -p "require('./package.json').version")
name=$(node -p "require('./package.json').name")
vsix="$name-$version.vsix"
test -s "$vsix" || { echo "missing $vsix" >&2; exit 1; }
listing=$(python3 -m zipfile -l "$vsix")
for f in extension/package.json extension/dist/extension.js extension/dist/webview.js \
         extension/media/chat.css extension/readme.md extension/LICENSE.txt; do
  grep -q "$f" <<<"$listing" || { echo "$vsix lacks $f" >&2; exit 1; }
done
if grep -qE 'extension/(node_modules|src|test|out)/' <<<"$listing"; then
  echo "$vsix contains sources or node_modules" >&2; exit 1
fi

step "ok: $vsix ($(wc -c <"$vsix") bytes)"
