#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, cargo-fuzz, nightly toolchain) for a set time, one after
# another, niced, and prints each one's executions and findings. See docs/robustness.md.
#
#   scripts/fuzz.sh [SECONDS-PER-TARGET] [TARGET...]     (default 300 s, every target)
#
# Each run starts from the committed corpus (fuzz/corpus/TARGET, read only) and seeds from the
# fixtures; what it finds new goes to fuzz/work/TARGET (not committed). A crash or a timeout
# leaves its input in fuzz/artifacts/TARGET and makes the script exit 1 at the end.
set -uo pipefail

secs=${1:-300}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(text_report report_next rules_toml pdf_text image_pages)
cd "$root/fuzz"

# Release build with debug assertions (overflow checks); no sanitizer: overturn and its
# dependencies are safe Rust but for libtesseract, which the targets do not call.
flags=(-O -a -s none)
cargo +nightly fuzz build "${flags[@]}" || exit 2

# Copies fixture inputs into a corpus directory, named after their fixture (they are all
# called input.EXT).
fixtures() {
    local dir=$1
    shift
    for f in "$@"; do
        cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
}

seed() {
    local t=$1 dir=$2
    case $t in
    text_report) fixtures "$dir" "$root"/fixtures/*/input.txt ;;
    pdf_text) fixtures "$dir" "$root"/fixtures/*/input.pdf "$root"/tests/data/*.pdf ;;
    image_pages) fixtures "$dir" "$root"/fixtures/fax-*/input.tif ;;
    report_next)
        for f in "$root"/fixtures/*/expected.json; do
            cp "$f" "$dir/$(basename "$(dirname "$f")").json"
        done
        ;;
    rules_toml)
        # The first byte picks the file the rest replaces (the order of rules::BUNDLED).
        local i=0
        for f in codes categories document fields programs next_steps states fair_hearing payers; do
            local src="$root/rules/$f.toml"
            [ -f "$src" ] || src="$root/data/$f.toml"
            { printf "\\$(printf '%03o' $i)"; cat "$src"; } >"$dir/$f.toml"
            i=$((i + 1))
        done
        ;;
    esac
}

status=0
for t in "${targets[@]}"; do
    work="work/$t"
    mkdir -p "$work" "corpus/$t" "artifacts/$t"
    seed "$t" "$work"
    log="work/$t.log"
    echo "== $t: ${secs} s"
    nice -n 19 cargo +nightly fuzz run "${flags[@]}" "$t" "$work" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=60 -rss_limit_mb=3072 -max_len=1048576 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added" "$log"
    grep -hE "^(==[0-9]+== ERROR|SUMMARY|artifact_prefix|Test unit written)" "$log" | head -5
    if [ $rc -ne 0 ]; then
        echo "$t: FOUND A PROBLEM (exit $rc); see fuzz/$log and fuzz/artifacts/$t"
        status=1
    fi
done
exit $status
