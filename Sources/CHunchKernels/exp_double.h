// e^x for floats evaluated in double precision, shared by the attention softmax and SwiGLU so both keep the same
// bits at every kernel level.
#pragma once
#include <math.h>

#pragma STDC FP_CONTRACT OFF

// exp(x) for float x, in double precision: x = n·ln2 + r with n = round(x·log2 e) and |r| ≤ ln2/2, e^r by its
// Taylor series to degree 11 (relative error below 1e-14), times 2^n; rounding that to float gives the correctly
// rounded value except within 1e-14 of a rounding boundary, so it agrees with the C library's expf (error ≤ 0.502
// ulp) but for rare last-bit cases. Every step is one IEEE operation, so the vector version below gives the same
// bits.
static const double exp_log2e = 1.4426950408889634074;
static const double exp_ln2 = 0.69314718055994530942;
static const double exp_taylor[12] = {1.0,
                                      1.0,
                                      1.0 / 2,
                                      1.0 / 6,
                                      1.0 / 24,
                                      1.0 / 120,
                                      1.0 / 720,
                                      1.0 / 5040,
                                      1.0 / 40320,
                                      1.0 / 362880,
                                      1.0 / 3628800,
                                      1.0 / 39916800};
// Below this e^x is 0 in float (half the smallest subnormal is e^-103.97…); it also keeps n inside double's range.
static const float exp_floor = -104.0f;
// Above this e^x overflows float (e^88.73 > FLT_MAX).
static const float exp_ceiling = 89.0f;

static inline float exp_portable(float x) {
  if (!(x >= exp_floor)) return 0.0f;  // NaN too
  if (x > exp_ceiling) return INFINITY;
  double n = nearbyint((double)x * exp_log2e);
  double r = fma(-n, exp_ln2, (double)x);
  double p = exp_taylor[11];
  for (int k = 10; k >= 0; k--) p = fma(p, r, exp_taylor[k]);
  return (float)ldexp(p, (int)n);
}

#if defined(__x86_64__)
#include <immintrin.h>

// exp_portable on 8 floats at once, the same IEEE operations in the same order.
static inline __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl"))) __m256 exp8_512(__m256 x) {
  __mmask8 live = _mm256_cmp_ps_mask(x, _mm256_set1_ps(exp_floor), _CMP_GE_OQ);
  __m512d xd = _mm512_cvtps_pd(x);
  __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(xd, _mm512_set1_pd(exp_log2e)), _MM_FROUND_TO_NEAREST_INT |
                                                                                    _MM_FROUND_NO_EXC);
  __m512d r = _mm512_fmadd_pd(_mm512_sub_pd(_mm512_setzero_pd(), n), _mm512_set1_pd(exp_ln2), xd);
  __m512d p = _mm512_set1_pd(exp_taylor[11]);
  for (int k = 10; k >= 0; k--) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(exp_taylor[k]));
  __m256 e = _mm512_cvtpd_ps(_mm512_scalef_pd(p, n));
  __mmask8 overflow = _mm256_cmp_ps_mask(x, _mm256_set1_ps(exp_ceiling), _CMP_GT_OQ);
  return _mm256_mask_mov_ps(_mm256_maskz_mov_ps(live, e), overflow, _mm256_set1_ps(INFINITY));
}
#endif
