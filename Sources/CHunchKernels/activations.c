// Elementwise steps of the forward pass that sit between matrix products: SwiGLU and the half-precision roundings
// of the KV cache. They run on one thread between parallel products, so the other threads wait for them: vectorized
// here, with the same bits at every level (the portable loops are the reference; ElementwiseTests).
#include "CHunchKernels.h"
#include "exp_double.h"

#pragma STDC FP_CONTRACT OFF

static inline float silu_times(float g, float u) {
  const float denominator = 1.0f + exp_portable(-g);
  const float silu = g / denominator;
  return silu * u;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))
#define TARGET_F16C __attribute__((target("avx2,fma,f16c")))

// silu_times on 8 lanes: the same IEEE operations (exp8_512 is exp_portable lane by lane).
static inline TARGET512 __m256 silu_times8(__m256 g, __m256 u) {
  const __m256 e = exp8_512(_mm256_sub_ps(_mm256_setzero_ps(), g));
  return _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), u);
}

static TARGET512 void swiglu512(float *gate, const float *up, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(gate + i, silu_times8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  for (; i < n; i++) gate[i] = silu_times(gate[i], up[i]);
}

static TARGET_F16C void round_to_half_f16c(float *x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; i++) x[i] = hunch_half_to_float(hunch_float_to_half(x[i]));
}

static TARGET_F16C void floats_to_halves_f16c(const float *x, uint16_t *y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128((__m128i *)(y + i), h);
  }
  for (; i < n; i++) y[i] = hunch_float_to_half(x[i]);
}
#endif

void hunch_swiglu(int level, float *gate, const float *up, int64_t n) {
#if defined(__x86_64__)
  if (level >= HUNCH_LEVEL_AVX512_VNNI) {
    swiglu512(gate, up, n);
    return;
  }
#endif
  for (int64_t i = 0; i < n; i++) gate[i] = silu_times(gate[i], up[i]);
}

void hunch_round_to_half(int level, float *x, int64_t n) {
#if defined(__x86_64__)
  if (level >= HUNCH_LEVEL_AVX2) {
    round_to_half_f16c(x, n);
    return;
  }
#endif
  for (int64_t i = 0; i < n; i++) x[i] = hunch_half_to_float(hunch_float_to_half(x[i]));
}

void hunch_floats_to_halves(int level, const float *x, uint16_t *y, int64_t n) {
#if defined(__x86_64__)
  if (level >= HUNCH_LEVEL_AVX2) {
    floats_to_halves_f16c(x, y, n);
    return;
  }
#endif
  for (int64_t i = 0; i < n; i++) y[i] = hunch_float_to_half(x[i]);
}
