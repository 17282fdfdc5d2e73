// Plain C: half conversions, activation quantizers (the only implementation: they are cheap next to the matmul),
// scalar dot kernels, kernel selection and the per-thread matmul loop.
#include <math.h>
#include <string.h>

#include "CHunchKernels.h"
#include "blocks.h"

float hunch_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24 is exact in float.
    float magnitude = (float)mantissa * 0x1p-24f;
    memcpy(&bits, &magnitude, 4);
    bits |= sign;
  } else if (exponent == 31) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float result;
  memcpy(&result, &bits, 4);
  return result;
}

uint16_t hunch_float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
  uint32_t magnitude = x & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) return sign | 0x7E00 | (uint16_t)((magnitude >> 13) & 0x3FF);  // NaN stays NaN
  if (magnitude >= 0x477FF000) return sign | 0x7C00;  // 65520 and up round to infinity
  if (magnitude < 0x38800000) {
    // Result is a half subnormal (or zero): count units of 2^-24, rounding to nearest even.
    if (magnitude < 0x33000000) return sign;  // below 2^-25: rounds to zero
    uint32_t exponent = magnitude >> 23;
    uint32_t significand = (magnitude & 0x7FFFFF) | 0x800000;
    uint32_t shift = 126 - exponent;  // 14...24
    uint32_t units = significand >> shift;
    uint32_t rest = significand & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (units & 1))) units++;
    return sign | (uint16_t)units;
  }
  uint32_t bits = (magnitude - 0x38000000) >> 13;  // rebias the exponent from 127 to 15
  uint32_t rest = magnitude & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (bits & 1))) bits++;
  return sign | (uint16_t)bits;
}

// ggml's x86 quantizers scale by 127/amax and round with the SSE/AVX nearest-even mode; rintf does the same under
// the default rounding mode, so these agree with llama.cpp element for element.
static void quantize_q8_0_scalar(const float *x, void *vy, int64_t n) {
  block_q8_0 *y = vy;
  for (int64_t i = 0; i < n / HUNCH_QK; i++, x += HUNCH_QK) {
    float amax = 0;
    for (int j = 0; j < HUNCH_QK; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127.f;
    const float id = amax != 0 ? 127.f / amax : 0.f;
    y[i].d = hunch_float_to_half(d);
    for (int j = 0; j < HUNCH_QK; j++) y[i].qs[j] = (int8_t)rintf(x[j] * id);
  }
}

void hunch_quantize_q8_1(const float *x, void *vy, int64_t n) {
  block_q8_1 *y = vy;
  for (int64_t i = 0; i < n / HUNCH_QK; i++, x += HUNCH_QK) {
    float amax = 0;
    for (int j = 0; j < HUNCH_QK; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127.f;
    const float id = amax != 0 ? 127.f / amax : 0.f;
    int sum = 0;
    for (int j = 0; j < HUNCH_QK; j++) {
      int q = (int)rintf(x[j] * id);
      y[i].qs[j] = (int8_t)q;
      sum += q;
    }
    y[i].d = hunch_float_to_half(d);
    y[i].s = hunch_float_to_half(d * (float)sum);  // unrounded d times the integer sum, as ggml's AVX path does
  }
}

// ggml uses its reference Q8_K quantizer on x86: scale by -127/max where max is the first element of largest
// magnitude, round to nearest (even), clamp at 127, and store 1/scale.
static void quantize_q8_K_scalar(const float *x, void *vy, int64_t n) {
  block_q8_K *y = vy;
  for (int64_t i = 0; i < n / HUNCH_QK_K; i++, x += HUNCH_QK_K) {
    float max = 0, amax = 0;
    for (int j = 0; j < HUNCH_QK_K; j++) {
      float ax = fabsf(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0) {
      memset(&y[i], 0, sizeof(block_q8_K));
      continue;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < HUNCH_QK_K; j++) {
      int v = (int)rintf(iscale * x[j]);
      y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (int k = 0; k < 16; k++) {
      int sum = 0;
      for (int j = 0; j < 16; j++) sum += y[i].qs[k * 16 + j];
      y[i].bsums[k] = (int16_t)sum;
    }
    y[i].d = 1 / iscale;
  }
}

#if defined(__x86_64__)
void hunch_quantize_q8_0_avx512(const float *x, void *vy, int64_t n);
void hunch_quantize_q8_K_avx512(const float *x, void *vy, int64_t n);
#endif

// The AVX-512 twins (quantize512.c) where the CPU has them; the same bytes either way.
void hunch_quantize_q8_0(const float *x, void *vy, int64_t n) {
#if defined(__x86_64__)
  if (hunch_best_level() >= HUNCH_LEVEL_AVX512) {
    hunch_quantize_q8_0_avx512(x, vy, n);
    return;
  }
#endif
  quantize_q8_0_scalar(x, vy, n);
}

void hunch_quantize_q8_K(const float *x, void *vy, int64_t n) {
#if defined(__x86_64__)
  if (hunch_best_level() >= HUNCH_LEVEL_AVX512) {
    hunch_quantize_q8_K_avx512(x, vy, n);
    return;
  }
#endif
  quantize_q8_K_scalar(x, vy, n);
}

float hunch_dot_q4_0_portable(int64_t n, const void *w, const void *a) {
  const block_q4_0 *x = w;
  const block_q8_0 *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n / HUNCH_QK; i++) {
    int isum = 0;
    for (int j = 0; j < 16; j++) {
      isum += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j] + ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
    }
    sum += hunch_half_to_float(x[i].d) * hunch_half_to_float(y[i].d) * (float)isum;
  }
  return sum;
}

float hunch_dot_q4_1_portable(int64_t n, const void *w, const void *a) {
  const block_q4_1 *x = w;
  const block_q8_1 *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n / HUNCH_QK; i++) {
    int isum = 0;
    for (int j = 0; j < 16; j++) isum += (x[i].qs[j] & 0xF) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
    sum += hunch_half_to_float(x[i].d) * hunch_half_to_float(y[i].d) * (float)isum
      + hunch_half_to_float(x[i].m) * hunch_half_to_float(y[i].s);
  }
  return sum;
}

float hunch_dot_q5_0_portable(int64_t n, const void *w, const void *a) {
  const block_q5_0 *x = w;
  const block_q8_0 *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n / HUNCH_QK; i++) {
    uint32_t qh;
    memcpy(&qh, x[i].qh, 4);
    int isum = 0;
    for (int j = 0; j < 16; j++) {
      int low = (x[i].qs[j] & 0xF) | (int)(((qh >> j) & 1) << 4);
      int high = (x[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
      isum += (low - 16) * y[i].qs[j] + (high - 16) * y[i].qs[j + 16];
    }
    sum += hunch_half_to_float(x[i].d) * hunch_half_to_float(y[i].d) * (float)isum;
  }
  return sum;
}

float hunch_dot_q8_0_portable(int64_t n, const void *w, const void *a) {
  const block_q8_0 *x = w;
  const block_q8_0 *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n / HUNCH_QK; i++) {
    int isum = 0;
    for (int j = 0; j < HUNCH_QK; j++) isum += x[i].qs[j] * y[i].qs[j];
    sum += hunch_half_to_float(x[i].d) * hunch_half_to_float(y[i].d) * (float)isum;
  }
  return sum;
}

float hunch_dot_q4_K_portable(int64_t n, const void *w, const void *a) {
  const block_q4_K *x = w;
  const block_q8_K *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n / HUNCH_QK_K; i++) {
    int isum = 0, msum = 0;
    for (int j = 0; j < 8; j++) {
      uint8_t scale, min;
      hunch_q4_K_scale_min(j, x[i].scales, &scale, &min);
      const uint8_t *q = x[i].qs + 32 * (j / 2);
      const int8_t *yq = y[i].qs + 32 * j;
      int sub = 0;
      for (int l = 0; l < 32; l++) sub += ((j & 1) ? (q[l] >> 4) : (q[l] & 0xF)) * yq[l];
      isum += scale * sub;
      msum += min * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
    }
    sum += y[i].d * hunch_half_to_float(x[i].d) * (float)isum - y[i].d * hunch_half_to_float(x[i].dmin) * (float)msum;
  }
  return sum;
}

float hunch_dot_q6_K_portable(int64_t n, const void *w, const void *a) {
  const block_q6_K *x = w;
  const block_q8_K *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n / HUNCH_QK_K; i++) {
    int isum = 0;
    for (int half = 0; half < 2; half++) {
      const uint8_t *ql = x[i].ql + 64 * half, *qh = x[i].qh + 32 * half;
      const int8_t *sc = x[i].scales + 8 * half, *yq = y[i].qs + 128 * half;
      for (int l = 0; l < 32; l++) {
        int s = l / 16;
        int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
        int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        isum += sc[s] * q1 * yq[l] + sc[s + 2] * q2 * yq[l + 32] + sc[s + 4] * q3 * yq[l + 64]
          + sc[s + 6] * q4 * yq[l + 96];
      }
    }
    sum += y[i].d * hunch_half_to_float(x[i].d) * (float)isum;
  }
  return sum;
}

float hunch_dot_f16_portable(int64_t n, const void *w, const void *a) {
  const uint16_t *x = w;
  const float *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n; i++) sum += hunch_half_to_float(x[i]) * y[i];
  return sum;
}

float hunch_dot_f32_portable(int64_t n, const void *w, const void *a) {
  const float *x = w;
  const float *y = a;
  float sum = 0;
  for (int64_t i = 0; i < n; i++) sum += x[i] * y[i];
  return sum;
}

#define HUNCH_SELECT(suffix) \
  switch (weight_type) { \
  case HUNCH_TYPE_Q4_0: return hunch_dot_q4_0_##suffix; \
  case HUNCH_TYPE_Q4_1: return hunch_dot_q4_1_##suffix; \
  case HUNCH_TYPE_Q5_0: return hunch_dot_q5_0_##suffix; \
  case HUNCH_TYPE_Q8_0: return hunch_dot_q8_0_##suffix; \
  case HUNCH_TYPE_Q4_K: return hunch_dot_q4_K_##suffix; \
  case HUNCH_TYPE_Q6_K: return hunch_dot_q6_K_##suffix; \
  case HUNCH_TYPE_F16: return hunch_dot_f16_##suffix; \
  case HUNCH_TYPE_F32: return hunch_dot_f32_##suffix; \
  default: return NULL; \
  }

hunch_dot_fn hunch_dot_function(uint32_t weight_type, int level) {
  if (!hunch_level_supported(level)) return NULL;
  switch (level) {
  case HUNCH_LEVEL_PORTABLE: HUNCH_SELECT(portable)
#if defined(__x86_64__)
  case HUNCH_LEVEL_AVX2: HUNCH_SELECT(avx2)
  case HUNCH_LEVEL_AVX512_VNNI: HUNCH_SELECT(vnni)
  case HUNCH_LEVEL_AVX512:
    switch (weight_type) {
    case HUNCH_TYPE_Q4_0: return hunch_dot_q4_0_avx512;
    case HUNCH_TYPE_Q4_1: return hunch_dot_q4_1_avx512;
    case HUNCH_TYPE_Q5_0: return hunch_dot_q5_0_avx512;
    case HUNCH_TYPE_Q8_0: return hunch_dot_q8_0_avx512;
    case HUNCH_TYPE_Q4_K: return hunch_dot_q4_K_avx512;
    case HUNCH_TYPE_Q6_K: return hunch_dot_q6_K_avx512;
    default: break;
    }
    HUNCH_SELECT(vnni)
#endif
  default: return NULL;
  }
}

hunch_dot4_fn hunch_dot4_function(uint32_t weight_type, int level) {
#if defined(__x86_64__)
  if (level == HUNCH_LEVEL_AVX512 && hunch_level_supported(level)) {
    switch (weight_type) {
    case HUNCH_TYPE_Q4_0: return hunch_dot4_q4_0_avx512;
    case HUNCH_TYPE_Q4_1: return hunch_dot4_q4_1_avx512;
    case HUNCH_TYPE_Q5_0: return hunch_dot4_q5_0_avx512;
    case HUNCH_TYPE_Q8_0: return hunch_dot4_q8_0_avx512;
    case HUNCH_TYPE_Q4_K: return hunch_dot4_q4_K_avx512;
    case HUNCH_TYPE_Q6_K: return hunch_dot4_q6_K_avx512;
    default: break;
    }
  }
#endif
  (void)weight_type;
  (void)level;
  return NULL;
}

hunch_dot4_fn hunch_dot8_function(uint32_t weight_type, int level) {
#if defined(__x86_64__)
  if (level == HUNCH_LEVEL_AVX512 && hunch_level_supported(level)) {
    switch (weight_type) {
    case HUNCH_TYPE_Q4_K: return hunch_dot8_q4_K_avx512;
    case HUNCH_TYPE_Q6_K: return hunch_dot8_q6_K_avx512;
    default: break;
    }
  }
#endif
  (void)weight_type;
  (void)level;
  return NULL;
}

void hunch_matmul_rows(hunch_dot_fn dot, hunch_dot4_fn dot4, hunch_dot4_fn dot8, int64_t columns,
                       const void *weights, size_t weight_row_bytes,
                       int64_t row_start, int64_t row_end, const void *activations, size_t activation_row_bytes,
                       int64_t batch, float *output, int64_t output_stride) {
  // A tile of activation rows plus the thread's weight rows stay in L2 while every pair is visited.
  enum { TILE = 16 };
  const uint8_t *w = weights;
  const uint8_t *act = activations;
  const int64_t ahead = batch == 1 ? hunch_prefetch_distance(weight_row_bytes) : 0;
  for (int64_t b0 = 0; b0 < batch; b0 += TILE) {
    const int64_t b1 = b0 + TILE < batch ? b0 + TILE : batch;
    for (int64_t r = row_start; r < row_end; r++) {
      hunch_prefetch_ahead(w, weight_row_bytes, r, row_start, row_end, ahead);
      const uint8_t *row = w + (size_t)r * weight_row_bytes;
      int64_t b = b0;
      if (dot8) {
        float eight[8];
        for (; b + 8 <= b1; b += 8) {
          dot8(columns, row, act + (size_t)b * activation_row_bytes, activation_row_bytes, eight);
          for (int k = 0; k < 8; k++) output[(b + k) * output_stride + r] = eight[k];
        }
      }
      if (dot4) {
        float four[4];
        for (; b + 4 <= b1; b += 4) {
          dot4(columns, row, act + (size_t)b * activation_row_bytes, activation_row_bytes, four);
          for (int k = 0; k < 4; k++) output[(b + k) * output_stride + r] = four[k];
        }
      }
      for (; b < b1; b++) {
        output[b * output_stride + r] = dot(columns, row, act + (size_t)b * activation_row_bytes);
      }
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>
// 512-bit loads into eight independent accumulators, so the probe is limited by memory rather than by the core.
__attribute__((target("avx512f"))) static uint64_t read_bytes512(const void *data, size_t bytes) {
  const uint8_t *p = data;
  __m512i acc[8];
  for (int k = 0; k < 8; k++) acc[k] = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 512 <= bytes; i += 512)
    for (int k = 0; k < 8; k++) acc[k] = _mm512_xor_si512(acc[k], _mm512_loadu_si512(p + i + 64 * k));
  for (int k = 1; k < 8; k++) acc[0] = _mm512_xor_si512(acc[0], acc[k]);
  uint64_t words[8], total = 0;
  _mm512_storeu_si512(words, acc[0]);
  for (int k = 0; k < 8; k++) total ^= words[k];
  for (; i + 8 <= bytes; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    total ^= w;
  }
  return total;
}
#endif

uint64_t hunch_read_bytes(const void *data, size_t bytes) {
#if defined(__x86_64__)
  if (hunch_cpu_features() & 2) return read_bytes512(data, bytes);
#endif
  // XOR of every 8-byte word: the compiler vectorizes it, so it measures how fast memory streams into the core.
  const uint64_t *words = data;
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t n = bytes / 8, i = 0;
  for (; i + 4 <= n; i += 4) {
    a ^= words[i];
    b ^= words[i + 1];
    c ^= words[i + 2];
    d ^= words[i + 3];
  }
  for (; i < n; i++) a ^= words[i];
  return a ^ b ^ c ^ d;
}
