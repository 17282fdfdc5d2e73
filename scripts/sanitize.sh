#!/usr/bin/env bash
# The test suite under a sanitizer: scripts/sanitize.sh address|thread [swift test --filter/--skip options]
#
# Debug build (sanitizers want it: no inlining that hides frames, and -O reorders what TSan watches) into its own
# build folder, .build-asan or .build-tsan, so the normal release build is untouched. Too slow for the normal CI
# (a debug build decodes the real models ten times slower than release, and the sanitizers add 2-15x on top): run
# it by hand, see docs/reliability.md for what is skipped and why. With no filter it runs the default selection
# below; any options given replace it.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:?usage: scripts/sanitize.sh address|thread [swift test options]}"
shift
case "$sanitizer" in
  address) build_path=.build-asan ;;
  thread) build_path=.build-tsan ;;
  *) echo "sanitize.sh: address or thread, not $sanitizer" >&2; exit 2 ;;
esac
# The slowest tests decode hundreds of tokens with the 0.5B and 1.5B models; a debug build under a sanitizer takes
# tens of minutes each for them, and they exercise no code the faster model tests do not (the same kernels, thread
# pool and session on a smaller model). They are listed in docs/reliability.md.
default_options=(
  --skip 'ModelGoldenTests'
  --skip 'SpeculativeRealModelTests'
  --skip 'TokenizerGoldenTests'
  --skip 'ServerResourceTests'
  --skip 'CompletionServiceTests'
  --skip 'HunchCLITests'
  # Decides from measured step timings whether a drafter pays; a sanitizer's slowdown changes that decision.
  --skip 'testAdaptiveControllerShortensDraftsAndSwitchesOffAUselessDrafter'
)
if [ "$#" -gt 0 ]; then options=("$@"); else options=("${default_options[@]}"); fi
# Swift's runtime keeps caches that LeakSanitizer reports at exit; leaks are not what this run is for.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1}"
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-interactive=no}"
swift build --build-tests --build-path "$build_path" --sanitize="$sanitizer" >&2
swift test --skip-build --build-path "$build_path" --sanitize="$sanitizer" "${options[@]}"
