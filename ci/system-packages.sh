#!/usr/bin/env bash
# System packages massinvoice and its tests need on Debian/Ubuntu:
#   Pango + HarfBuzz subsetting (WeasyPrint renders the PDFs; without libharfbuzz-subset0 it falls
#   back to a much slower font subsetter), DejaVu fonts (the invoice font; Latin, Cyrillic, Greek,
#   Arabic, Hebrew), Noto CJK (Chinese, Japanese and Korean names), LibreOffice Calc (the
#   round-trip tests re-save selection workbooks), poppler-utils (pdftotext/pdftoppm), PostgreSQL
#   (the shared-registry tests), xmlsec1 (an independent verifier of the SRI signatures).
#   Installs only what is missing; safe to run again.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk
          libreoffice-calc-nogui poppler-utils postgresql xmlsec1)
if [ "${1:-}" = "--runtime" ]; then
  packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "missing system packages: ${missing[*]} (install them with your package manager)" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
