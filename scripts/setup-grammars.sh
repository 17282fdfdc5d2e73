#!/usr/bin/env bash
# Builds the tree-sitter grammars Hunch loads at run time (dlopen), from the pinned list in grammars/grammars.tsv.
#
#   scripts/setup-grammars.sh            build what is missing or out of date (fast when nothing changed)
#   scripts/setup-grammars.sh --force    rebuild every grammar (downloads stay cached)
#
# Environment:
#   HUNCH_GRAMMARS_DIR   where the libraries, manifest and queries go
#                        (default: ${XDG_DATA_HOME:-$HOME/.local/share}/hunch/grammars)
#   HUNCH_GRAMMAR_CACHE  where source distributions are downloaded and unpacked
#                        (default: ${XDG_CACHE_HOME:-$HOME/.cache}/hunch/grammar-src)
#   HUNCH_GRAMMAR_LIST   the pinned list (default: grammars/grammars.tsv in this repository)
#   CC, GRAMMAR_CFLAGS, GRAMMAR_LDLIBS  compiler, flags, libraries for the grammar build (cc, -O2, -ltree-sitter)
#
# Output, in the grammars folder:
#   libtree-sitter-<name>.so     one per grammar built from source
#   libtree-sitter-languages.so  the prebuilt library from the tree-sitter-languages wheel (TypeScript, TSX, YAML)
#   libtree-sitter-languages.symbols  the tree_sitter_* symbols that library exports, one a line
#   manifest.tsv                 name, extensions, LSP ids, library, symbol: what the Swift GrammarRegistry reads
#   queries/<name>/*.scm         copied from grammars/queries/
# A grammar that fails prints a warning; the others still build. The exit status is 1 if any failed.
set -u -o pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LIST=${HUNCH_GRAMMAR_LIST:-$REPO_DIR/grammars/grammars.tsv}
OUT_DIR=${HUNCH_GRAMMARS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/hunch/grammars}
CACHE_DIR=${HUNCH_GRAMMAR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hunch/grammar-src}
CC=${CC:-cc}
GRAMMAR_CFLAGS=${GRAMMAR_CFLAGS:--O2}
# Scanners built with the 0.23 alloc.h call through ts_current_malloc & co.; naming libtree-sitter as a dependency
# lets the library load in any process, not only one that already links tree-sitter.
GRAMMAR_LDLIBS=${GRAMMAR_LDLIBS:--ltree-sitter}
# The newer grammar headers come from this release of the tree-sitter source distribution.
HEADERS_PACKAGE="tree-sitter==0.23.2"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

PYTHON=${PYTHON:-python3}
FAILED=()

log() { printf '%s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# Downloads NAME==VERSION (source distribution, or binary wheel when $2 is "wheel") into its own cache folder,
# once, and prints the path of the downloaded file.
fetch() {
  local spec=$1 kind=$2
  local dist_dir="$CACHE_DIR/dist/${spec/==/-}-$kind"
  local file
  file=$(find "$dist_dir" -maxdepth 1 -type f \( -name '*.tar.gz' -o -name '*.zip' -o -name '*.whl' \) 2>/dev/null \
    | head -n 1)
  if [[ -z "$file" ]]; then
    mkdir -p "$dist_dir" || return 1
    local partial="$dist_dir.partial"
    rm -rf "$partial"
    local how=(--no-binary :all:)
    [[ "$kind" == wheel ]] && how=(--only-binary :all:)
    log "  downloading $spec ($kind)"
    if ! "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps "${how[@]}" "$spec" -d "$partial" >&2
    then
      rm -rf "$partial"
      return 1
    fi
    find "$partial" -maxdepth 1 -type f -exec mv {} "$dist_dir/" \;
    rm -rf "$partial"
    file=$(find "$dist_dir" -maxdepth 1 -type f | head -n 1)
  fi
  [[ -n "$file" ]] || return 1
  printf '%s\n' "$file"
}

# Unpacks an archive once into the cache and prints the folder.
unpack() {
  local archive=$1 name=$2
  local dest="$CACHE_DIR/src/$name"
  if [[ ! -f "$dest/.unpacked" ]]; then
    rm -rf "$dest" && mkdir -p "$dest" || return 1
    case "$archive" in
      *.tar.gz) tar -xzf "$archive" -C "$dest" || return 1 ;;
      *.zip | *.whl) "$PYTHON" -m zipfile -e "$archive" "$dest" || return 1 ;;
      *) return 1 ;;
    esac
    touch "$dest/.unpacked"
  fi
  printf '%s\n' "$dest"
}

# Private include folder holding tree_sitter/{parser,alloc,array,ts_assert}.h from tree-sitter 0.23.2: the grammars'
# parser.c files need them, and Debian's /usr/include/tree_sitter/parser.h (0.20.7) is too old.
prepare_headers() {
  INCLUDE_DIR="$CACHE_DIR/include"
  if [[ -f "$INCLUDE_DIR/tree_sitter/parser.h" && -f "$INCLUDE_DIR/.from-${HEADERS_PACKAGE/==/-}" ]]; then
    return 0
  fi
  local archive src lib_src
  archive=$(fetch "$HEADERS_PACKAGE" sdist) || return 1
  src=$(unpack "$archive" "${HEADERS_PACKAGE/==/-}") || return 1
  lib_src=$(dirname "$(find "$src" -path '*/lib/src/parser.h' | head -n 1)")
  [[ -f "$lib_src/parser.h" ]] || return 1
  rm -rf "$INCLUDE_DIR" && mkdir -p "$INCLUDE_DIR/tree_sitter" || return 1
  local header
  for header in parser.h alloc.h array.h ts_assert.h; do
    cp "$lib_src/$header" "$INCLUDE_DIR/tree_sitter/$header" || return 1
  done
  touch "$INCLUDE_DIR/.from-${HEADERS_PACKAGE/==/-}"
}

# Compiles one grammar from its source distribution into $OUT_DIR/libtree-sitter-<name>.so.
build_from_source() {
  local name=$1 spec=$2 symbol=$3
  local lib="$OUT_DIR/libtree-sitter-$name.so"
  local stamp="$OUT_DIR/.stamps/$name"
  local recipe="$spec $symbol $CC $GRAMMAR_CFLAGS $GRAMMAR_LDLIBS"
  if [[ $FORCE == 0 && -f "$lib" && -f "$stamp" && "$(cat "$stamp")" == "$recipe" ]]; then
    log "  $name: up to date"
    return 0
  fi
  local archive src parser src_dir
  archive=$(fetch "$spec" sdist) || { warn "$name: could not download $spec"; return 1; }
  src=$(unpack "$archive" "${spec/==/-}") || { warn "$name: could not unpack $archive"; return 1; }
  parser=$(find "$src" -path '*/src/parser.c' | head -n 1)
  [[ -n "$parser" ]] || { warn "$name: no src/parser.c in $spec"; return 1; }
  src_dir=$(dirname "$parser")
  local sources=("$parser")
  [[ -f "$src_dir/scanner.c" ]] && sources+=("$src_dir/scanner.c")
  log "  $name: compiling ${sources[*]##*/}"
  # Our include folder comes first so its headers win over any stale copies; src/ for grammar-local headers.
  # shellcheck disable=SC2086  # the flag variables are word lists on purpose
  if ! "$CC" $GRAMMAR_CFLAGS -shared -fPIC -I"$INCLUDE_DIR" -I"$src_dir" -o "$lib.tmp" "${sources[@]}" \
    $GRAMMAR_LDLIBS; then
    rm -f "$lib.tmp"
    warn "$name: compiling $spec failed"
    return 1
  fi
  if ! nm -D --defined-only "$lib.tmp" | grep -qw "$symbol"; then
    rm -f "$lib.tmp"
    warn "$name: $spec does not export $symbol"
    return 1
  fi
  mv "$lib.tmp" "$lib" && mkdir -p "$OUT_DIR/.stamps" && printf '%s\n' "$recipe" >"$stamp"
}

# Copies languages.so out of the tree-sitter-languages wheel (once) and checks it exports the symbol.
WHEEL_LIB_NAME="libtree-sitter-languages.so"
from_wheel() {
  local name=$1 spec=$2 symbol=$3
  local lib="$OUT_DIR/$WHEEL_LIB_NAME"
  local stamp="$OUT_DIR/.stamps/wheel"
  if [[ $FORCE == 1 || ! -f "$lib" || ! -f "$stamp" || "$(cat "$stamp")" != "$spec" ]]; then
    local archive src so
    archive=$(fetch "$spec" wheel) || { warn "$name: could not download $spec"; return 1; }
    src=$(unpack "$archive" "${spec/==/-}-wheel") || { warn "$name: could not unpack $archive"; return 1; }
    so=$(find "$src" -name 'languages.so' | head -n 1)
    [[ -n "$so" ]] || { warn "$name: no languages.so in $spec"; return 1; }
    cp "$so" "$lib.tmp" && mv "$lib.tmp" "$lib" || return 1
    nm -D --defined-only "$lib" | awk '$3 ~ /^tree_sitter_/ {print $3}' | sort >"${lib%.so}.symbols"
    mkdir -p "$OUT_DIR/.stamps" && printf '%s\n' "$spec" >"$stamp"
    log "  copied languages.so from $spec ($(wc -l <"${lib%.so}.symbols") grammar symbols)"
  fi
  if ! grep -qx "$symbol" "${lib%.so}.symbols"; then
    warn "$name: $WHEEL_LIB_NAME does not export $symbol"
    return 1
  fi
  log "  $name: $symbol from $WHEEL_LIB_NAME"
}

main() {
  [[ -f "$LIST" ]] || { log "error: pinned list not found: $LIST"; exit 2; }
  command -v "$CC" >/dev/null || { log "error: C compiler '$CC' not found"; exit 2; }
  "$PYTHON" -m pip --version >/dev/null 2>&1 || { log "error: '$PYTHON -m pip' is not available"; exit 2; }
  mkdir -p "$OUT_DIR" "$CACHE_DIR" || exit 2
  log "grammars folder: $OUT_DIR"
  log "download cache:  $CACHE_DIR"

  local headers_ok=1
  if ! prepare_headers; then
    warn "could not get the tree-sitter headers from $HEADERS_PACKAGE; grammars from source are skipped"
    headers_ok=0
  fi

  local manifest_rows=()
  local name source spec symbol extensions lsp_ids
  while IFS=$'\t' read -r name source spec symbol extensions lsp_ids; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    local library
    case "$source" in
      sdist)
        library="libtree-sitter-$name.so"
        if [[ $headers_ok == 0 ]] || ! build_from_source "$name" "$spec" "$symbol"; then
          FAILED+=("$name")
          continue
        fi
        ;;
      wheel)
        library="$WHEEL_LIB_NAME"
        if ! from_wheel "$name" "$spec" "$symbol"; then
          FAILED+=("$name")
          continue
        fi
        ;;
      *)
        warn "$name: unknown source kind '$source'"
        FAILED+=("$name")
        continue
        ;;
    esac
    manifest_rows+=("$name"$'\t'"$extensions"$'\t'"$lsp_ids"$'\t'"$library"$'\t'"$symbol")
  done <"$LIST"

  # The manifest is rewritten whole each run; hand-added grammars belong in local.tsv (same columns), never touched.
  {
    printf '# Written by scripts/setup-grammars.sh; do not edit (add your own grammars to local.tsv, same columns).\n'
    printf '# name\textensions\tlsp_ids\tlibrary\tsymbol\n'
    local row
    for row in "${manifest_rows[@]}"; do printf '%s\n' "$row"; done
  } >"$OUT_DIR/manifest.tsv.tmp" && mv "$OUT_DIR/manifest.tsv.tmp" "$OUT_DIR/manifest.tsv"

  if [[ -d "$REPO_DIR/grammars/queries" ]]; then
    rm -rf "$OUT_DIR/queries" && cp -R "$REPO_DIR/grammars/queries" "$OUT_DIR/queries"
  fi

  log "ready: ${#manifest_rows[@]} grammars in $OUT_DIR/manifest.tsv"
  if ((${#FAILED[@]} > 0)); then
    warn "not built: ${FAILED[*]}"
    exit 1
  fi
}

main "$@"
