#!/usr/bin/env bash
# Tools the e2e suites call besides the database: pdftotext (Debian's poppler-utils) reads the
# evidence pack's PDF back as text. Installed once when missing and running as root with apt-get
# (a fresh CI machine); otherwise the script fails naming the package to install.
set -euo pipefail

log() { printf '[test-tools] %s\n' "$*" >&2; }
die() { printf '[test-tools] %s\n' "$*" >&2; exit 1; }

ensure_pdftotext() {
  if command -v pdftotext >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "pdftotext not found: installing Debian's poppler-utils (once)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
    command -v pdftotext >/dev/null 2>&1 || die "poppler-utils installed but pdftotext is still missing"
  else
    die "pdftotext is missing: the evidence pack tests read PDFs with it. Install Debian's poppler-utils ('sudo apt-get install poppler-utils') or your system's poppler package."
  fi
}

ensure_pdftotext
