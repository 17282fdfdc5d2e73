#!/usr/bin/env bash
# Rotate log files, keeping the newest few.
set -euo pipefail

LOG_DIR=${1:-/var/log/myapp}
KEEP=${KEEP:-5}

log() {
  printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

rotate() {
  local file=$1
  local i
  for ((i = KEEP - 1; i >= 1; i--)); do
    if [[ -f "$file.$i" ]]; then
      mv "$file.$i" "$file.$((i + 1))"
    fi
  done
  mv "$file" "$file.1"
  : >"$file"
}

for file in "$LOG_DIR"/*.log; do
  [ -e "$file" ] || continue
  size=$(wc -c <"$file")
  if (( size > 1048576 )); then
    log "rotating $file ($size bytes)"
    rotate "$file"
  fi
done

case "${VERBOSE:-no}" in
  yes) log "done" ;;
  *) ;;
esac
