#include "CHunchKernels.h"

int hunch_cpu_features(void) {
  int features = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) features |= 1;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    features |= 2;
  if (__builtin_cpu_supports("avx512vnni")) features |= 4;
#endif
  return features;
}
