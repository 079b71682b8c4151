#!/bin/sh
# Vendors the API docs UIs into server/http/static from the npm registry (run at build time,
# or when bumping the pinned versions). The server never loads anything from a CDN.
set -eu
SWAGGER_UI_VERSION=5.35.0
REDOC_VERSION=2.5.4
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/server/http/static"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION" "redoc@$REDOC_VERSION" >/dev/null
mkdir swagger redoc
tar xzf "swagger-ui-dist-$SWAGGER_UI_VERSION.tgz" -C swagger
tar xzf "redoc-$REDOC_VERSION.tgz" -C redoc
mkdir -p "$dest"
cp swagger/package/swagger-ui-bundle.js swagger/package/swagger-ui.css "$dest/"
cp swagger/package/LICENSE "$dest/LICENSE.swagger-ui"
cp redoc/package/bundles/redoc.standalone.js "$dest/"
cp redoc/package/LICENSE "$dest/LICENSE.redoc"
# Source maps are not shipped; drop the trailing references so browsers do not ask for them.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/swagger-ui-bundle.js" "$dest/redoc.standalone.js"
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$dest/swagger-ui.css"
# ReDoc's sidebar logo is fetched from a CDN: point it nowhere (its onError hides it).
sed -i 's#https://cdn.redoc.ly/redoc/logo-mini.svg#data:,#' "$dest/redoc.standalone.js"
printf 'swagger-ui-dist %s\nredoc %s\n' "$SWAGGER_UI_VERSION" "$REDOC_VERSION" > "$dest/VERSIONS"
echo "vendored into $dest"
