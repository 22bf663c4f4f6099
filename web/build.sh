#!/usr/bin/env bash
# Build the ngxfix sandbox page.
#
#   web/dist/                    the page for any static host (index.html,
#                                style.css, app.js, ngxfix_web.js,
#                                ngxfix_web_bg.wasm)
#   web/dist/ngxfix-sandbox.html the same page as one self-contained file
#                                that works when opened from file://
#
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli 0.2.129
# (the version web/Cargo.toml pins), node (for the single-file builder).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

WANT_BINDGEN="0.2.129"
if ! command -v wasm-bindgen >/dev/null 2>&1; then
    echo "error: wasm-bindgen not found; install it with:" >&2
    echo "  cargo install wasm-bindgen-cli --version ${WANT_BINDGEN} --locked" >&2
    exit 1
fi
HAVE_BINDGEN="$(wasm-bindgen --version | awk '{print $2}')"
if [ "${HAVE_BINDGEN}" != "${WANT_BINDGEN}" ]; then
    echo "error: wasm-bindgen ${HAVE_BINDGEN} found, ${WANT_BINDGEN} needed (web/Cargo.toml pins it); install it with:" >&2
    echo "  cargo install wasm-bindgen-cli --version ${WANT_BINDGEN} --locked" >&2
    exit 1
fi
if ! command -v node >/dev/null 2>&1; then
    echo "error: node not found (web/tools/inline.mjs builds the single-file page)" >&2
    exit 1
fi

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
DIST="web/dist"

cargo build --locked -p ngxfix_web --target wasm32-unknown-unknown --profile web

rm -rf "${DIST}"
mkdir -p "${DIST}"
wasm-bindgen --target no-modules --no-typescript \
    --remove-name-section --remove-producers-section \
    --out-dir "${DIST}" \
    "${TARGET_DIR}/wasm32-unknown-unknown/web/ngxfix_web.wasm"

cp web/page/index.html web/page/app.js web/page/style.css "${DIST}/"

node web/tools/inline.mjs "${DIST}"

echo
echo "web/dist:"
for f in index.html style.css app.js ngxfix_web.js ngxfix_web_bg.wasm ngxfix-sandbox.html; do
    raw=$(wc -c <"${DIST}/${f}")
    gz=$(gzip -9 -c "${DIST}/${f}" | wc -c)
    printf '  %-22s %9d bytes  (gzip %9d)\n' "${f}" "${raw}" "${gz}"
done
