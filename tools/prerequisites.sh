#!/usr/bin/env bash
# What `make test` needs beyond Rust: checked before anything builds, so a fresh machine learns in
# a second, not after ten minutes of compiling. Debian packages it can install (as root, or with
# passwordless sudo) it installs; for anything else it prints one line naming what to install.
set -euo pipefail

missing_tools=()
for tool in cargo python3 node npm; do
  command -v "$tool" >/dev/null || missing_tools+=("$tool")
done
if ((${#missing_tools[@]})); then
  echo "make test needs ${missing_tools[*]}: install a Rust toolchain (rustup), Python 3.9+ with venv and Node.js 20+ with npm" >&2
  exit 1
fi
python3 -c 'import venv' 2>/dev/null || {
  echo "make test needs Python's venv module (Debian: apt-get install python3-venv)" >&2
  exit 1
}

# The dashboard test screenshots in Chromium; the Claude Code test reads its screen through tmux.
packages=()
[[ -x /usr/bin/chromium ]] || packages+=(chromium)
command -v tmux >/dev/null || packages+=(tmux)
command -v curl >/dev/null || packages+=(curl)
if ((${#packages[@]})); then
  as_root=()
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      as_root=(sudo)
    else
      echo "make test needs ${packages[*]}: install them (Debian: sudo apt-get install ${packages[*]}) and run it again" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null; then
    echo "make test needs ${packages[*]}: install them with your package manager and run it again" >&2
    exit 1
  fi
  echo "installing ${packages[*]} (Debian packages) for the end-to-end tests"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null \
    || { "${as_root[@]}" apt-get update >/dev/null && "${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null; }
fi

rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
