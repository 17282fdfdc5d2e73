// Elementwise steps of the forward pass that sit between matrix products: RMS norm, SwiGLU and the half-precision
// roundings of the KV cache. They run on one thread between parallel products, so the other threads wait for them:
// vectorized here, with the same bits at every level (the portable loops are the reference; ElementwiseTests).
#include "CHunchKernels.h"
#include "exp_double.h"

#pragma STDC FP_CONTRACT OFF

static inline float silu_times(float g, float u) {
  const float denominator = 1.0f + exp_portable(-g);
  const float silu = g / denominator;
  return silu * u;
}

// RMS norm's sum of squares: each square rounded to float (as ggml squares), summed in double over 16 lanes (lane
// i % 16 takes element i), the lanes then added in a fixed tree: lanes j and j + 8, then j and j + 4, j and j + 2,
// and the last two. One order for every level, so every level gives the same bits. In double, a different order than
// ggml's one running sum changes the float mean only when the sum lands within 2^-29 of a rounding boundary.
static double tree_sum16(double lanes[16]) {
  for (int width = 8; width >= 1; width /= 2)
    for (int j = 0; j < width; j++) lanes[j] += lanes[j + width];
  return lanes[0];
}

static void rms_scale_portable(const float *x, const float *weight, float scale, int64_t n, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = (x[i] * scale) * weight[i];
}

static float rms_scale_factor(double sum, float epsilon, int64_t n) {
  const float mean = (float)(sum / (double)n);
  return 1.0f / sqrtf(mean + epsilon);
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

// Sixteen lanes per step: the exponentials still run 8 double lanes at a time, but the division, the slowest step,
// runs on all 16 floats at once.
static TARGET512 void swiglu512(float *gate, const float *up, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 g = _mm512_loadu_ps(gate + i);
    const __m512 negated = _mm512_sub_ps(_mm512_setzero_ps(), g);
    const __m256 low = exp8_512(_mm512_castps512_ps256(negated));
    const __m256 high = exp8_512(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(negated), 1)));
    const __m512 e = _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(low)), _mm256_castps_pd(high), 1));
    _mm512_storeu_ps(gate + i,
                     _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e)), _mm512_loadu_ps(up + i)));
  }
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(gate + i, silu_times8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  for (; i < n; i++) gate[i] = silu_times(gate[i], up[i]);
}

static TARGET512 void rms_norm512(const float *x, const float *weight, float epsilon, int64_t n, float *out) {
  __m512d low = _mm512_setzero_pd();  // lanes 0-7 of the sixteen
  __m512d high = _mm512_setzero_pd();  // lanes 8-15
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = _mm256_loadu_ps(x + i);
    const __m256 b = _mm256_loadu_ps(x + i + 8);
    low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm256_mul_ps(a, a)));
    high = _mm512_add_pd(high, _mm512_cvtps_pd(_mm256_mul_ps(b, b)));
  }
  if (i < n) {  // the tail in lanes 0.., zeros elsewhere (adding +0.0 leaves a sum of squares unchanged)
    const int64_t left = n - i;
    const __mmask8 first = (__mmask8)(left >= 8 ? 0xFF : (1u << left) - 1);
    const __mmask8 second = (__mmask8)(left <= 8 ? 0 : (1u << (left - 8)) - 1);
    const __m256 a = _mm256_maskz_loadu_ps(first, x + i);
    const __m256 b = _mm256_maskz_loadu_ps(second, x + i + 8);
    low = _mm512_add_pd(low, _mm512_cvtps_pd(_mm256_mul_ps(a, a)));
    high = _mm512_add_pd(high, _mm512_cvtps_pd(_mm256_mul_ps(b, b)));
  }
  double lanes[16];
  _mm512_storeu_pd(lanes, low);
  _mm512_storeu_pd(lanes + 8, high);
  const float scale = rms_scale_factor(tree_sum16(lanes), epsilon, n);
  const __m512 s = _mm512_set1_ps(scale);
  i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(out + i, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), s), _mm512_loadu_ps(weight + i)));
  rms_scale_portable(x + i, weight + i, scale, n - i, out + i);
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

void hunch_rms_norm(int level, const float *x, const float *weight, float epsilon, int64_t n, float *out) {
#if defined(__x86_64__)
  if (level >= HUNCH_LEVEL_AVX512_VNNI) {
    rms_norm512(x, weight, epsilon, n, out);
    return;
  }
#endif
  double lanes[16] = {0};
  for (int64_t i = 0; i < n; i++) lanes[i % 16] += (double)(x[i] * x[i]);
  rms_scale_portable(x, weight, rms_scale_factor(tree_sum16(lanes), epsilon, n), n, out);
}

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
