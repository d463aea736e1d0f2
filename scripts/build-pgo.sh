#!/usr/bin/env bash
# Builds overturn with profile-guided optimisation (PGO): a release build instrumented to
# count which branches and calls run, trained on the project's own fixtures (text PDFs, text
# files, scans, faxes and photos, read with `overturn batch`), then the release build again
# with those counts, so the compiler lays out and inlines the hot paths (PDF parsing, regex
# searching) for what overturn really does. Same source, same output; about a tenth less CPU
# on text PDFs (docs/performance.md). benches/batch.sh measures this build.
#
# Usage: scripts/build-pgo.sh            prints the binary's path (target/pgo/<host>/release/overturn)
# Needs: llvm-profdata of the toolchain's LLVM (`rustup component add llvm-tools`, which
# scripts/setup.sh --bench runs), and what scripts/setup.sh installs. Two release builds: on
# two cores about 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

host=$(rustc -vV | sed -n 's/^host: //p')
profdata=$(find "$(rustc --print sysroot)/lib/rustlib" -name llvm-profdata -type f 2>/dev/null | head -n 1)
if [ -z "$profdata" ]; then
  echo "build-pgo: llvm-profdata not found; run: rustup component add llvm-tools" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# `--target` keeps RUSTFLAGS off build scripts and procedural macros: only overturn and its
# libraries are instrumented, and only they are trained.
RUSTFLAGS="-Cprofile-generate=$work/raw" \
  cargo build --release -q --bin overturn --target "$host" --target-dir target/pgo-generate >&2

# Training: every fixture input, under distinct names, read as a batch on two workers.
mkdir "$work/train"
for f in fixtures/*/input.* fixtures/*/page-*.jpg; do
  [ -f "$f" ] || continue
  cp "$f" "$work/train/$(basename "$(dirname "$f")")-$(basename "$f")"
done
target/pgo-generate/"$host"/release/overturn batch --quiet --jobs 2 -o /dev/null "$work/train" >&2
"$profdata" merge -o "$work/overturn.profdata" "$work/raw"

RUSTFLAGS="-Cprofile-use=$work/overturn.profdata" \
  cargo build --release -q --bin overturn --target "$host" --target-dir target/pgo >&2
echo "$PWD/target/pgo/$host/release/overturn"
