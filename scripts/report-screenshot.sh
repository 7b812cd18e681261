#!/usr/bin/env bash
# Regenerate docs/report.png, the README's picture of the HTML report: the
# embedded demo's `check` report, rendered by headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "report-screenshot: chromium is not installed (Debian package chromium)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet -- -q demo -o html >"$tmp/report.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$tmp/profile" --window-size=1280,1700 \
  --screenshot="$PWD/docs/report.png" "file://$tmp/report.html" 2>/dev/null
echo "wrote docs/report.png"
