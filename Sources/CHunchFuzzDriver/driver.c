#include "CHunchFuzzDriver.h"

// libFuzzer's entry point when it does not own main(). Declared weak so that an ordinary build, which does not link
// libFuzzer, still links; bench/fuzz.sh links libclang_rt.fuzzer_no_main whole, which defines it.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t))
    __attribute__((weak));

int hunch_fuzz_libfuzzer_available(void) { return LLVMFuzzerRunDriver != 0; }

int hunch_fuzz_run_libfuzzer(int *argc, char ***argv, hunch_fuzz_callback callback) {
  if (!LLVMFuzzerRunDriver) return 2;
  return LLVMFuzzerRunDriver(argc, argv, callback);
}
