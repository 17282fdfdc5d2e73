#ifndef CHUNCH_FUZZ_DRIVER_H
#define CHUNCH_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

typedef int (*hunch_fuzz_callback)(const uint8_t *data, size_t size);

/// True when libFuzzer is linked in (bench/fuzz.sh's build); false in an ordinary build, where `hunch-fuzz` falls
/// back to its own seeded random-input driver.
int hunch_fuzz_libfuzzer_available(void);

/// Hands control to libFuzzer's driver (only call when `hunch_fuzz_libfuzzer_available()`).
int hunch_fuzz_run_libfuzzer(int *argc, char ***argv, hunch_fuzz_callback callback);

#endif
