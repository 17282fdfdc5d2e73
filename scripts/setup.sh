#!/usr/bin/env bash
# Set-up shared by scripts/demo and scripts/test: installs what is missing, builds grammars and the release binary,
# and pulls the default model. Idempotent; the second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[hunch set-up]\033[0m %s\n' "$*" >&2; }

# Debian packages the build and the set-up need.
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists tree-sitter 2>/dev/null || missing+=(libtree-sitter-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "hunch set-up: missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# tree-sitter grammars, loaded by the binary at run time.
if [ -x scripts/setup-grammars.sh ]; then
  say "grammars"
  scripts/setup-grammars.sh >&2
fi

say "building the release binary"
# HUNCH_SWIFT_FLAGS lets scripts/test build the binary with the same flags as its tests, so nothing compiles twice.
read -r -a extra_flags <<< "${HUNCH_SWIFT_FLAGS:-}"
swift build -c release "${extra_flags[@]}" --product hunch >&2

say "default model"
.build/release/hunch models pull >&2
