#!/usr/bin/env bash
# Builds the Python package (python/) into .venv/ and runs its tests and the Spark example's
# (pytest; Spark in local mode). Run scripts/setup.sh first. The tests compare the package's
# reports with the CLI's: target/debug/overturn as `cargo test` builds it (built here when
# missing; after changing the library, run `cargo test` first).
#
#   scripts/test-python.sh              build and test
#   scripts/test-python.sh -k spark     extra arguments go to pytest
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export VIRTUAL_ENV="$root/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
# The package shares the root's target directory (python/ is a workspace of its own).
export CARGO_TARGET_DIR="$root/target"
# An unoptimised build, as `cargo test`'s: the image and PDF rendering crates are optimised
# in it too, so OCR takes about 1.2x the release build's time, and building it takes minutes
# less than a release build (docs/performance.md, "Python and Spark").
maturin develop --locked -q -m python/Cargo.toml
[ -x target/debug/overturn ] || cargo build --locked
export OVERTURN_BIN="$root/target/debug/overturn"
python -m pytest -q -p no:cacheprovider python/tests examples/spark "$@"
