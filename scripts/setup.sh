#!/usr/bin/env bash
# Installs what overturn needs on a fresh Debian machine that has Rust (cargo) and Python 3
# installed. Safe to run again. Used by the README's commands and by .ci/run.
#
#   scripts/setup.sh             what building, running and testing need
#   scripts/setup.sh --fixtures  also the PDF producers that regenerate fixtures
#                                (chromium, ghostscript, qpdf; see scripts/make-fixtures.sh)
#   scripts/setup.sh --bench     also the tools benches/batch.sh compares against, and
#                                the toolchain's llvm-profdata (scripts/build-pgo.sh)
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust first (https://rustup.rs)" >&2
  exit 1
fi

# OCR runs libtesseract in process: its headers and leptonica's to build (bindgen needs clang),
# and the language data to run. English and Spanish; add tesseract-ocr-LANG for `--lang`.
packages=(pkg-config clang libclang-dev libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-spa)
case "${1:-}" in
  --fixtures) packages+=(chromium ghostscript qpdf fonts-dejavu-core) ;;
  --bench) packages+=(hyperfine time poppler-utils tesseract-ocr) ;;
esac

if [ ${#packages[@]} -gt 0 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi
# The profile-guided build (scripts/build-pgo.sh) merges its training counts with the
# llvm-profdata of the compiler's own LLVM version, which only rustup provides.
if [ "${1:-}" = "--bench" ] && command -v rustup >/dev/null 2>&1; then
  rustup component add llvm-tools >/dev/null
fi
# The FHIR test validates overturn's output with an independent library, the Python package
# fhir.resources 6.4.0 (R4 models; it needs pydantic 1), in a virtual environment of its own,
# .venv/ at the repository root, so it neither meets nor changes the system's packages.
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! "$root/.venv/bin/python" -c 'import fhir.resources' >/dev/null 2>&1; then
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m venv --help >/dev/null 2>&1 \
     || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3 python3-venv
  fi
  rm -rf "$root/.venv"
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q --disable-pip-version-check -r "$root/tests/fhir/requirements.txt"
fi
# The Python package and the Spark example (python/, examples/spark/): maturin builds the
# package, pytest runs the tests, pyspark and pyarrow run the Spark job in local mode; pinned
# in python/requirements-test.txt and installed into the same .venv/ (pyspark is about 450 MB).
# The stamp records which requirements are installed, so a second run installs nothing.
reqs="$root/python/requirements-test.txt"
stamp="$root/.venv/.requirements-test.sha256"
if [ "$(sha256sum < "$reqs")" != "$(cat "$stamp" 2>/dev/null)" ]; then
  "$root/.venv/bin/pip" install -q --disable-pip-version-check -r "$reqs"
  sha256sum < "$reqs" > "$stamp"
fi
# Spark 4 runs on Java 17 or later: Debian's headless runtime when there is no such Java.
if ! java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  jre=openjdk-17-jre-headless
  apt-cache show "$jre" >/dev/null 2>&1 || jre=openjdk-21-jre-headless  # Debian 13 has 21
  # Slim images leave out the manual pages' folder that the package's set-up links into.
  $sudo mkdir -p /usr/share/man/man1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$jre"
fi
echo "setup: ready"
