#!/usr/bin/env bash
# End-to-end tests of the editor integrations against a `hunch` binary.
#
#   editors/test/run.sh                      # all parts, with `hunch` from PATH
#   HUNCH_BIN=.build/release/hunch editors/test/run.sh
#   HUNCH_BIN=editors/test/fake-hunch editors/test/run.sh     # against the fake server (no model)
#   editors/test/run.sh headless tmux helix  # choose parts
#
# Parts: headless (Neovim over RPC), tmux (Neovim on a terminal screen), helix (the Helix-like scripted client).
# Neovim 0.11 comes from scripts/setup-neovim.sh unless HUNCH_TEST_NVIM names a Neovim (0.10 or newer).
# HUNCH_TEST_TIMEOUT_S (default 60) bounds each wait for a suggestion.
# The last line is `N passed, M failed`; the exit status is non-zero when anything failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

bin="${HUNCH_BIN:-$(command -v hunch || true)}"
if [[ -z "$bin" ]]; then
  echo "run.sh: set HUNCH_BIN or put hunch on PATH"
  echo "0 passed, 1 failed"
  exit 1
fi
# Absolute, so that the Neovims started elsewhere find it.
if [[ "$bin" == */* ]]; then bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"; fi
export HUNCH_BIN="$bin"
echo "# hunch: $HUNCH_BIN"

parts=("$@")
[[ ${#parts[@]} -eq 0 ]] && parts=(headless tmux helix)

total_passed=0
total_failed=0

# Runs one part, shows its output, and adds its closing `N passed, M failed` to the totals.
run_part() {
  local output status summary
  output="$("$@" 2>&1)"
  status=$?
  echo "$output"
  summary="$(echo "$output" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)"
  if [[ -z "$summary" ]]; then
    echo "# that part ended without a summary (exit $status)"
    total_failed=$((total_failed + 1))
    return
  fi
  total_passed=$((total_passed + ${summary%% passed*}))
  local failed="${summary#*, }"
  total_failed=$((total_failed + ${failed%% failed}))
  if [[ $status -ne 0 && ${failed%% failed} -eq 0 ]]; then total_failed=$((total_failed + 1)); fi
}

nvim_parts=()
for part in "${parts[@]}"; do
  case "$part" in
    headless | tmux) nvim_parts+=("$part") ;;
    helix) ;;
    *) echo "run.sh: unknown part $part (headless, tmux, helix)"; exit 2 ;;
  esac
done

if [[ ${#nvim_parts[@]} -gt 0 ]]; then
  nvim="${HUNCH_TEST_NVIM:-$("$root/scripts/setup-neovim.sh")}"
  if [[ -z "$nvim" || ! -x "$nvim" ]]; then
    echo "# no Neovim (scripts/setup-neovim.sh failed)"
    total_failed=$((total_failed + 1))
  else
    if [[ " ${nvim_parts[*]} " == *" tmux "* ]] && ! command -v tmux >/dev/null; then
      echo "# tmux is missing: apt-get install tmux"
    fi
    echo "# $("$nvim" --version | head -n 1)"
    run_part "$nvim" -l "$here/e2e.lua" "${nvim_parts[@]}"
  fi
fi

for part in "${parts[@]}"; do
  if [[ "$part" == helix ]]; then run_part python3 "$here/helix_like_client.py"; fi
done

echo "$total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
