#!/usr/bin/env bash
# `npm test` runs this first: the dashboard's browser test drives Debian's Chromium (Playwright's own
# browser download does not work on these machines). Installs it when missing and we may (root + apt).
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Chromium for the dashboard's browser test (apt-get install chromium)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "The dashboard's browser test needs Chromium at $browser: install Debian's chromium package, or set CHROMIUM_PATH." >&2
  exit 1
fi
