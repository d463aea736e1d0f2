#!/usr/bin/env bash
# Installs what overturn needs on a fresh Debian machine that has Rust (cargo) installed.
# Safe to run again. Used by the README's commands and by .ci/run.
#
#   scripts/setup.sh             what building, running and testing need
#   scripts/setup.sh --fixtures  also the PDF producers that regenerate fixtures
#                                (chromium, ghostscript, qpdf; see scripts/make-fixtures.sh)
#   scripts/setup.sh --bench     also the tools benches/batch.sh compares against
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
echo "setup: ready"
