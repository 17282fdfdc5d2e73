// AVX-512 twins of the Q8_0 and Q8_K activation quantizers (portable.c), bit-identical to them (QuantizeTests):
// the same maxima (NaNs skipped as fmaxf and the strict > skip them), the same products, the same nearest-even
// rounding and clamps. Prompt batches quantize every activation row once per matrix product, which the scalar loops
// made 4-6% of a 512-token prefill.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "CHunchKernels.h"
#include "blocks.h"

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))

TARGET512 void hunch_quantize_q8_0_avx512(const float *x, void *vy, int64_t n) {
  block_q8_0 *y = vy;
  for (int64_t i = 0; i < n / HUNCH_QK; i++, x += HUNCH_QK) {
    const __m512 a = _mm512_loadu_ps(x), b = _mm512_loadu_ps(x + 16);
    // max(value, acc) keeps acc where value is NaN, as fmaxf does.
    __m512 m = _mm512_max_ps(_mm512_abs_ps(a), _mm512_setzero_ps());
    m = _mm512_max_ps(_mm512_abs_ps(b), m);
    const float amax = _mm512_reduce_max_ps(m);
    const float d = amax / 127.f;
    const float id = amax != 0 ? 127.f / amax : 0.f;
    y[i].d = hunch_float_to_half(d);
    const __m512 scale = _mm512_set1_ps(id);
    _mm_storeu_si128((__m128i *)y[i].qs, _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(a, scale))));
    _mm_storeu_si128((__m128i *)(y[i].qs + 16), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(b, scale))));
  }
}

TARGET512 void hunch_quantize_q8_K_avx512(const float *x, void *vy, int64_t n) {
  block_q8_K *y = vy;
  for (int64_t i = 0; i < n / HUNCH_QK_K; i++, x += HUNCH_QK_K) {
    __m512 m = _mm512_setzero_ps();
    for (int k = 0; k < 16; k++) m = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + 16 * k)), m);
    const float amax = _mm512_reduce_max_ps(m);
    if (amax == 0) {
      memset(&y[i], 0, sizeof(block_q8_K));
      continue;
    }
    // The signed value of the first element of largest magnitude.
    float max = 0;
    for (int k = 0; k < 16; k++) {
      const __mmask16 hit =
        _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(x + 16 * k)), _mm512_set1_ps(amax), _CMP_EQ_OQ);
      if (hit) {
        max = x[16 * k + __builtin_ctz(hit)];
        break;
      }
    }
    const float iscale = -127.f / max;
    const __m512 scale = _mm512_set1_ps(iscale);
    for (int k = 0; k < 16; k++) {
      __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(scale, _mm512_loadu_ps(x + 16 * k)));
      v = _mm512_min_epi32(v, _mm512_set1_epi32(127));
      _mm_storeu_si128((__m128i *)(y[i].qs + 16 * k), _mm512_cvtepi32_epi8(v));
      y[i].bsums[k] = (int16_t)_mm512_reduce_add_epi32(v);
    }
    y[i].d = 1 / iscale;
  }
}
#endif
