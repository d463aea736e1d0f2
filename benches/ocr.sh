#!/usr/bin/env bash
# OCR time per page: `overturn text` vs the `tesseract` CLI on the same images, in the same
# run (see docs/performance.md). Both single-threaded (OMP_THREAD_LIMIT=1), page segmentation
# auto (the CLI's default). overturn also decodes, squares fax pixels and scales 200 dpi scans
# to 300 dpi before OCR, which is most of any difference.
# Needs: hyperfine and tesseract-ocr (scripts/setup.sh --bench; tesseract-ocr for the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=$PWD/target/release/overturn
export OMP_THREAD_LIMIT=1
for f in fixtures/scan-pa-hmo-letter/input.png fixtures/scan-eligibility-eob/input.jpg fixtures/fax-referral-pos-letter/input.tif; do
  echo "## $f"
  hyperfine --warmup 1 --runs 5 --style basic --export-markdown /dev/stdout \
    -n "overturn text" "$bin text $f" \
    -n "tesseract CLI" "tesseract $f - --psm 3" 2>/dev/null | grep '^|'
  echo
done
