#include "CHunchKernels.h"

int hunch_cpu_features(void) {
  static int cached = -1;  // racing first calls compute and store the same value
  int features = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (features >= 0) return features;
  features = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
    features |= 1;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    features |= 2;
  if (__builtin_cpu_supports("avx512vnni")) features |= 4;
  if (__builtin_cpu_supports("avx512vbmi")) features |= 8;
#endif
  __atomic_store_n(&cached, features, __ATOMIC_RELAXED);
  return features;
}

int hunch_level_supported(int level) {
  int features = hunch_cpu_features();
  switch (level) {
  case HUNCH_LEVEL_PORTABLE: return 1;
#if defined(__x86_64__)
  case HUNCH_LEVEL_AVX2: return (features & 1) != 0;
  case HUNCH_LEVEL_AVX512_VNNI: return (features & 7) == 7;
  case HUNCH_LEVEL_AVX512: return (features & 7) == 7;
#endif
  default: return 0;
  }
}

int hunch_best_level(void) {
  static int best = -1;  // cached; racing first calls compute and store the same value
  int cached = __atomic_load_n(&best, __ATOMIC_RELAXED);
  if (cached < 0) {
    cached = HUNCH_LEVEL_AVX512;
    while (cached > HUNCH_LEVEL_PORTABLE && !hunch_level_supported(cached)) cached--;
    __atomic_store_n(&best, cached, __ATOMIC_RELAXED);
  }
  return cached;
}

void hunch_cpu_relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}
