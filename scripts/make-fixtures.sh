#!/usr/bin/env bash
# Regenerates fixtures/*/input.pdf from each fixture's source:
#   source.html                 -> Chromium's print to PDF (headless)
#   source.txt  (producer line) -> pdf-writer (examples/make_fixture.rs) or ghostscript (ps2pdf)
# The PDFs are committed; this script is only needed after editing a source.
# Needs: chromium, ghostscript (apt-get install chromium ghostscript).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --example make_fixture
maker=target/debug/examples/make_fixture
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for dir in fixtures/*/; do
  dir=${dir%/}
  [ -n "${1:-}" ] && [[ "$dir" != *"$1"* ]] && continue
  if [ -f "$dir/source.html" ]; then
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$profile" --no-pdf-header-footer \
      --print-to-pdf="$dir/input.pdf" "$dir/source.html" 2>/dev/null
  elif [ -f "$dir/source.txt" ]; then
    if grep -q '^%producer: ghostscript' "$dir/source.txt"; then
      "$maker" ps "$dir/source.txt" "$profile/page.ps"
      ps2pdf "$profile/page.ps" "$dir/input.pdf"
    else
      "$maker" pdf "$dir/source.txt" "$dir/input.pdf"
    fi
  fi
done
