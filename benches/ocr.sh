#!/usr/bin/env bash
# OCR time per page: `overturn text` vs the `tesseract` CLI on the same images, in the same
# run (see docs/performance.md). Both single-threaded (OMP_THREAD_LIMIT=1 for the CLI; overturn
# keeps OpenMP on the calling thread itself), page segmentation
# auto (the CLI's default). overturn also decodes and prepares each page (finds a photographed
# page and straightens it, squares fax pixels, removes fax specks, measures the lines' lean),
# which is most of any difference. OVERTURN_BIN=path measures that build instead of release.
# Needs: hyperfine and tesseract-ocr (scripts/setup.sh --bench; tesseract-ocr for the CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OVERTURN_BIN:-}" ]; then
  cargo build --release -q
fi
bin=${OVERTURN_BIN:-$PWD/target/release/overturn}
export OMP_THREAD_LIMIT=1
imgs=$(mktemp -d)
trap 'rm -rf "$imgs" "$imgs.md" "$imgs.page.png"' EXIT
for f in fixtures/scan-pa-hmo-letter/input.png fixtures/scan-eligibility-eob/input.jpg fixtures/fax-referral-pos-letter/input.tif fixtures/fax-missing-doc-letter/input.tif fixtures/photo-desk-two-column-letter/page-1.jpg; do
  echo "## $f"
  hyperfine --warmup 1 --runs 5 --style basic --export-markdown "$imgs/t.md" \
    -n "overturn text" "$bin text $f" \
    -n "tesseract CLI" "tesseract $f - --psm 3" >/dev/null 2>&1
  cat "$imgs/t.md"
  echo
done
rm "$imgs/t.md"

# The photo of a page on a desk, against the CLI on the same page: overturn finds the page in
# the photo and straightens it before reading, and the CLI reads the photo as stored (less
# text, read worse: the word counts below). The page overturn hands to tesseract is written
# by examples/prepared_page, with the resolution it is read at.
photo=fixtures/photo-desk-two-column-letter/page-1.jpg
page=$imgs.page.png
dpi=$(cargo run -q --example prepared_page -- "$photo" "$page")
echo "## $photo: the CLI on the page as overturn reads it ($dpi dpi)"
echo "words: tesseract CLI on the photo $(tesseract "$photo" - --psm 3 2>/dev/null | wc -w)," \
  "on the page $(tesseract "$page" - --psm 3 --dpi "$dpi" 2>/dev/null | wc -w)," \
  "overturn $("$bin" text "$photo" | wc -w)"
hyperfine --warmup 1 --runs 5 --style basic --export-markdown "$imgs/t.md" \
  -n "overturn text (the photo)" "$bin text $photo" \
  -n "tesseract CLI (the page overturn reads)" "tesseract $page - --psm 3 --dpi $dpi" >/dev/null 2>&1
cat "$imgs/t.md"
echo
rm "$page" "$imgs/t.md"

# Per page inside a batch (engine and rules set up once), against the CLI on the same images.
for f in fixtures/scan-*/input.png fixtures/scan-*/input.jpg fixtures/scan-*/input.tif fixtures/fax-*/input.tif fixtures/photo-*/page-*.jpg; do
  cp "$f" "$imgs/$(basename "$(dirname "$f")")-$(basename "$f")"
done
n=$(ls "$imgs" | wc -l)
echo "## $n scanned images, one job"
hyperfine --runs 2 --style basic --export-markdown "$imgs.md" \
  -n "overturn batch --jobs 1 (OCR, classify, extract)" "$bin batch --quiet --jobs 1 -o /dev/null $imgs" \
  -n "tesseract CLI per image (OCR only)" "for f in $imgs/*; do tesseract \$f - --psm 3 >/dev/null 2>&1; done" >/dev/null 2>&1
cat "$imgs.md"
rm -f "$imgs.md"
