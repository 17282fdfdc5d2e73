#!/usr/bin/env bash
# Runs one fuzz target under libFuzzer: bench/fuzz.sh TARGET SECONDS [extra libFuzzer options]
# Targets: jsonrpc, gguf, tokenizer, didchange, context (`hunch-fuzz --list` says what each checks).
#
# Builds `hunch-fuzz` with coverage instrumentation and AddressSanitizer into .build-fuzz (separate from the normal
# build), with libFuzzer's driver linked in (libclang_rt.fuzzer_no_main: SwiftPM's executables own main(), so the
# program hands control to LLVMFuzzerRunDriver itself). One process, no workers. New inputs go to
# .build-fuzz/corpus/TARGET, the committed seeds in bench/fuzz/corpus/TARGET are read only; a crash leaves
# .build-fuzz/findings/TARGET/crash-<sha1>, to be turned into a regression test.
# HUNCH_FUZZ_NO_LIBFUZZER=1 builds without libFuzzer instead: the same program then runs its seeded random driver.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${1:?usage: bench/fuzz.sh TARGET SECONDS [libFuzzer options]}"
seconds="${2:?usage: bench/fuzz.sh TARGET SECONDS [libFuzzer options]}"
shift 2
build_path="$root/.build-fuzz"
binary="$build_path/release/hunch-fuzz"
if [ "${HUNCH_FUZZ_NO_LIBFUZZER:-0}" = 1 ]; then
  swift build -c release --build-path "$build_path" --product hunch-fuzz >&2
else
  fuzzer_library="$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")/lib/clang"
  fuzzer_library="$(find "$fuzzer_library" -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -1)"
  [ -n "$fuzzer_library" ] || { echo "fuzz.sh: libclang_rt.fuzzer_no_main not found in the toolchain" >&2; exit 2; }
  swift build -c release --build-path "$build_path" --product hunch-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xlinker --whole-archive -Xlinker "$fuzzer_library" -Xlinker --no-whole-archive -Xlinker -lstdc++ >&2
fi
work="$build_path/corpus/$target"
findings="$build_path/findings/$target"
mkdir -p "$work" "$findings"
# Swift's runtime calls malloc in ways LeakSanitizer reports as leaks at exit (type metadata caches); leaks are not
# what these targets look for.
# The Swift runtime prints its own backtrace of a trap; never wait for a debugger.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-interactive=no}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"
exec "$binary" "$target" -max_total_time="$seconds" -workers=0 -jobs=0 -print_final_stats=1 \
  -rss_limit_mb=4096 -timeout=30 -artifact_prefix="$findings/" "$@" "$work" "$root/bench/fuzz/corpus/$target"
