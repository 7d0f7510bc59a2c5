#!/usr/bin/env bash
# Prints the path of a Chromium for the console's browser tests, installing Debian's `chromium` package when
# there is none (Playwright's own browser download is not reachable here; playwright-core drives this one).
# Idempotent: with CHROMIUM_PATH set to an executable, or /usr/bin/chromium present, it installs nothing.
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then
  echo "$CHROMIUM_PATH"
  exit 0
fi
if [ -x /usr/bin/chromium ]; then
  echo /usr/bin/chromium
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROMIUM_PATH to a Chromium)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# fonts-dejavu-core: the screenshots need a font with the console's characters.
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
echo /usr/bin/chromium
