#!/usr/bin/env bash
# Batch benchmarks, each measured side by side in the same run (see docs/performance.md):
#   1. text PDFs: `overturn batch` vs `pdftotext -layout` once per file, same parallelism, on
#      the fixtures and on a realistic corpus (below)
#   2. peak memory (max RSS) of `overturn batch` over 50 vs 500 (and 2000) documents
#   3. scans: `overturn batch --jobs 1` vs `--jobs 2` (documents per minute)
# Needs: hyperfine, GNU time, poppler-utils (scripts/setup.sh --bench installs them).
# Usage: benches/batch.sh [JOBS]   (default 2)
#
# The realistic corpus is built here, at run time, from rendered letters kept outside the
# repository (multi-page, Chromium-printed, subset TrueType fonts): every PDF in
# $OVERTURN_REALISTIC_PDFS (default ../devset-build/pdf beside the checkout's parent) copied
# six times under distinct names, plus the multi-page fixture PDFs three times. Without that
# folder the realistic corpus is skipped (CI machines do not have it). Nothing of it is
# committed or printed: only timings.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-2}
realistic=${OVERTURN_REALISTIC_PDFS:-$PWD/../devset-build/pdf}
# The binary measured is the profile-guided build (scripts/build-pgo.sh: the release build
# trained on the fixtures); the plain release build runs beside it on the text-PDF corpora.
# OVERTURN_BIN=path measures that build instead (and skips both builds).
if [ -n "${OVERTURN_BIN:-}" ]; then
  bin=$OVERTURN_BIN
  plain=""
else
  cargo build --release -q
  plain=$PWD/target/release/overturn
  bin=$(scripts/build-pgo.sh)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A corpus of N text PDFs: the text fixtures' PDFs, copied under distinct names.
make_corpus() {
  local dir=$1 n=$2 i=0
  mkdir -p "$dir"
  while [ "$i" -lt "$n" ]; do
    for f in fixtures/*/input.pdf; do
      [ "$i" -lt "$n" ] || break
      [ -f "$(dirname "$f")/from.txt" ] && continue # scanned variants need OCR: not text PDFs
      cp "$f" "$dir/doc-$(printf %04d "$i").pdf"
      i=$((i + 1))
    done
  done
}
make_corpus "$work/c240" 240
make_corpus "$work/c50" 50
make_corpus "$work/c500" 500
make_corpus "$work/c2000" 2000

# The realistic corpus: see the top of this file.
make_realistic() {
  local dir=$1 i=0 k f
  mkdir -p "$dir"
  for k in 1 2 3 4 5 6; do
    for f in "$realistic"/*.pdf; do
      cp "$f" "$dir/real-$(printf %04d "$i").pdf"
      i=$((i + 1))
    done
  done
  for k in 1 2 3; do
    for f in fixtures/*/input.pdf; do
      [ -f "$(dirname "$f")/from.txt" ] && continue
      [ "$(pdfinfo "$f" | awk '/^Pages:/ { print $2 }')" -gt 1 ] || continue
      cp "$f" "$dir/real-$(printf %04d "$i").pdf"
      i=$((i + 1))
    done
  done
}

# overturn batch vs pdftotext -layout per file on one corpus, side by side.
versus() {
  local dir=$1 n
  n=$(find "$dir" -name '*.pdf' | wc -l)
  echo "## Text PDFs, $2: $n documents, $jobs jobs"
  local extra=()
  [ -n "$plain" ] && extra=(-n "overturn batch, release build without PGO" "$plain batch --quiet --jobs $jobs -o /dev/null $dir")
  hyperfine --warmup 1 --runs 8 --style basic --export-markdown "$work/t.md" \
    -n "overturn batch (parse, classify, extract)" "$bin batch --quiet --jobs $jobs -o /dev/null $dir" \
    "${extra[@]}" \
    -n "pdftotext -layout per file (text only)" "find $dir -name '*.pdf' -print0 | xargs -0 -P $jobs -I{} pdftotext -layout {} /dev/null" \
    >/dev/null
  cat "$work/t.md"
  echo
}

versus "$work/c240" "fixtures"
if [ -d "$realistic" ] && compgen -G "$realistic/*.pdf" >/dev/null; then
  make_realistic "$work/real"
  versus "$work/real" "realistic"
else
  echo "## Text PDFs, realistic: skipped ($realistic has no PDFs; set OVERTURN_REALISTIC_PDFS)"
  echo
fi

echo "## Peak memory (max RSS), $jobs jobs"
echo
echo "| documents | max RSS (KiB) |"
echo "|---|---|"
for n in 50 500 2000; do
  rss=$( { /usr/bin/time -f %M "$bin" batch --quiet --jobs "$jobs" -o /dev/null "$work/c$n" ; } 2>&1 >/dev/null | tail -1 )
  echo "| $n | $rss |"
done

echo
echo "## Scans: every scanned fixture twice, --jobs 1 vs --jobs 2"
mkdir -p "$work/scans"
for f in fixtures/*/input.*; do
  [ -f "$(dirname "$f")/from.txt" ] || continue
  name=$(basename "$(dirname "$f")")
  cp "$f" "$work/scans/$name-a.${f##*.}"
  cp "$f" "$work/scans/$name-b.${f##*.}"
done
n=$(find "$work/scans" -type f | wc -l)
hyperfine --runs 2 --style basic --export-markdown "$work/s.md" --export-csv "$work/s.csv" \
  -n "batch --jobs 1" "$bin batch --quiet --jobs 1 -o /dev/null $work/scans" \
  -n "batch --jobs 2" "$bin batch --quiet --jobs 2 -o /dev/null $work/scans" \
  >/dev/null
cat "$work/s.md"
echo
awk -F, -v n="$n" 'NR > 1 { printf "%s: %.1f documents per minute\n", $1, n / $2 * 60; m[NR] = $2 }
  END { printf "speed-up with 2 jobs: %.2fx\n", m[2] / m[3] }' "$work/s.csv"
