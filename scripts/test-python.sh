#!/usr/bin/env bash
# Builds the Python package (python/) into .venv/ and runs its tests and the Spark example's
# (pytest; Spark in local mode). Run scripts/setup.sh first. The tests compare the package's
# reports with the CLI's: the CLI is built too when it is not yet (cargo test builds it).
#
#   scripts/test-python.sh              build (release) and test
#   scripts/test-python.sh -k spark     extra arguments go to pytest
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export VIRTUAL_ENV="$root/.venv"
# The package shares the root's target directory (python/ is a workspace of its own).
export CARGO_TARGET_DIR="$root/target"
# Release: the OCR and PDF paths are several times slower unoptimised (docs/performance.md).
"$VIRTUAL_ENV/bin/maturin" develop --release --locked -q -m python/Cargo.toml
[ -x target/debug/overturn ] || cargo build --locked
export OVERTURN_BIN="$root/target/debug/overturn"
"$VIRTUAL_ENV/bin/python" -m pytest -q -p no:cacheprovider python/tests examples/spark "$@"
