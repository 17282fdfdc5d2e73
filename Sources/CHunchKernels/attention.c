// Causal attention of one key/value head's query group. The arithmetic is fixed so every level gives the same bits
// as the original Swift loops (the goldens were measured with them):
//   score = (0 + l0 + l1 + ... + l15) * scale, where lane l accumulates fma(q[i], k[i], l) over i ≡ l (mod 16)
//           (then a plain multiply-add tail when head_dim is not a multiple of 16);
//   softmax with expf, a double-precision sum and a float reciprocal; weights rounded to half precision;
//   out[i] = fma(w_j, v_j[i], out[i]) over positions j in order, from zero.
#include <math.h>
#include <string.h>

#include "CHunchKernels.h"

#pragma STDC FP_CONTRACT OFF

static float dot_lanes_portable(const float *a, const float *b, int64_t n) {
  float lanes[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; l++) lanes[l] = fmaf(a[i + l], b[i + l], lanes[l]);
  float total = 0;
  for (int l = 0; l < 16; l++) total += lanes[l];
  for (; i < n; i++) {
    float product = a[i] * b[i];
    total += product;
  }
  return total;
}

static void softmax_half(float *s, int64_t count) {
  float maximum = -INFINITY;
  for (int64_t j = 0; j < count; j++)
    if (s[j] > maximum) maximum = s[j];
  double sum = 0;
  for (int64_t j = 0; j < count; j++) {
    float e = expf(s[j] - maximum);
    s[j] = e;
    sum += (double)e;
  }
  float inverse = (float)(1 / sum);
  for (int64_t j = 0; j < count; j++) s[j] *= inverse;
}

static void round_to_half_portable(float *s, int64_t count) {
  for (int64_t j = 0; j < count; j++) s[j] = hunch_half_to_float(hunch_float_to_half(s[j]));
}

static void attend_portable(int64_t head_dim, int64_t group, const float *queries, const float *keys,
                            const float *values, int64_t kv_stride, int64_t visible, float scale, float *scores,
                            float *out) {
  for (int64_t h = 0; h < group; h++) {
    const float *q = queries + h * head_dim;
    float *s = scores + h * visible;
    for (int64_t j = 0; j < visible; j++) s[j] = dot_lanes_portable(q, keys + j * kv_stride, head_dim) * scale;
    softmax_half(s, visible);
    round_to_half_portable(s, visible);
    float *o = out + h * head_dim;
    memset(o, 0, (size_t)head_dim * sizeof(float));
    const int64_t whole = head_dim / 16 * 16;
    for (int64_t j = 0; j < visible; j++) {
      const float *v = values + j * kv_stride;
      for (int64_t i = 0; i < whole; i++) o[i] = fmaf(s[j], v[i], o[i]);
      for (int64_t i = whole; i < head_dim; i++) {
        float product = s[j] * v[i];
        o[i] += product;
      }
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))

// Scores of every head of the group against keys 0..<visible; `chunks` = head_dim / 16 (a constant after inlining).
static inline TARGET512 void scores512(int chunks, int64_t group, const float *queries, const float *keys,
                                       int64_t kv_stride, int64_t visible, float scale, float *scores) {
  for (int64_t j = 0; j < visible; j++) {
    const float *k = keys + j * kv_stride;
    __m512 kv[8];
    for (int c = 0; c < chunks; c++) kv[c] = _mm512_loadu_ps(k + 16 * c);
    for (int64_t h = 0; h < group; h++) {
      const float *q = queries + h * chunks * 16;
      __m512 acc = _mm512_setzero_ps();
      for (int c = 0; c < chunks; c++) acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + 16 * c), kv[c], acc);
      float lanes[16];
      _mm512_storeu_ps(lanes, acc);
      float total = 0;
      for (int l = 0; l < 16; l++) total += lanes[l];
      scores[h * visible + j] = total * scale;
    }
  }
}

// The same scores from keys transposed into tiles of 16 positions (keys_t: (tile, head_dim, 16)): lane j of T_l is
// lane l of position j's accumulator above, built by the same FMAs in the same order, and (0 + T_0 + ... + T_15)
// is its sum in the same order; so the bits match while 16 positions share every instruction.
static inline TARGET512 void scores512_transposed(int chunks, int64_t group, const float *queries, const float *keys_t,
                                                  int64_t visible, float scale, float *scores) {
  const int64_t head_dim = chunks * 16;
  const __m512 scales = _mm512_set1_ps(scale);
  for (int64_t h = 0; h < group; h++) {
    const float *q = queries + h * head_dim;
    float *s = scores + h * visible;
    for (int64_t j0 = 0; j0 < visible; j0 += 16) {
      const float *tile = keys_t + j0 * head_dim;  // (head_dim, 16)
      __m512 t[16];
      for (int l = 0; l < 16; l++) t[l] = _mm512_setzero_ps();
      for (int c = 0; c < chunks; c++)
        for (int l = 0; l < 16; l++)
          t[l] = _mm512_fmadd_ps(_mm512_set1_ps(q[16 * c + l]), _mm512_loadu_ps(tile + (16 * c + l) * 16), t[l]);
      __m512 total = _mm512_setzero_ps();
      for (int l = 0; l < 16; l++) total = _mm512_add_ps(total, t[l]);
      total = _mm512_mul_ps(total, scales);
      const int64_t left = visible - j0;
      if (left >= 16) {
        _mm512_storeu_ps(s + j0, total);
      } else {
        _mm512_mask_storeu_ps(s + j0, (__mmask16)((1u << left) - 1), total);
      }
    }
  }
}

static TARGET512 void transpose_keys512(int64_t head_dim, const float *keys, int64_t kv_stride, int64_t count,
                                        float *out) {
  for (int64_t j0 = 0; j0 < count; j0 += 16) {
    float *tile = out + j0 * head_dim;
    const int64_t n = count - j0 < 16 ? count - j0 : 16;
    for (int64_t j = 0; j < 16; j++) {
      const float *k = keys + (j0 + j) * kv_stride;
      for (int64_t d = 0; d < head_dim; d++) tile[d * 16 + j] = j < n ? k[d] : 0;
    }
  }
}

static inline TARGET512 void round_to_half512(float *s, int64_t count) {
  int64_t j = 0;
  for (; j + 16 <= count; j += 16) {
    __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(s + j), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm512_storeu_ps(s + j, _mm512_cvtph_ps(h));
  }
  if (j < count) {
    __mmask16 mask = (__mmask16)((1u << (count - j)) - 1);
    __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(mask, s + j), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm512_mask_storeu_ps(s + j, mask, _mm512_cvtph_ps(h));
  }
}

// out for one head: `chunks` independent accumulators, each a chain of FMAs over the positions in order.
static inline TARGET512 void weighted_sum512(int chunks, const float *s, const float *values, int64_t kv_stride,
                                             int64_t visible, float *out) {
  __m512 acc[8];
  for (int c = 0; c < chunks; c++) acc[c] = _mm512_setzero_ps();
  for (int64_t j = 0; j < visible; j++) {
    const __m512 w = _mm512_set1_ps(s[j]);
    const float *v = values + j * kv_stride;
    for (int c = 0; c < chunks; c++) acc[c] = _mm512_fmadd_ps(w, _mm512_loadu_ps(v + 16 * c), acc[c]);
  }
  for (int c = 0; c < chunks; c++) _mm512_storeu_ps(out + 16 * c, acc[c]);
}

// Two heads at once (twice the independent chains, each value row loaded once).
static inline TARGET512 void weighted_sum512x2(int chunks, const float *s0, const float *s1, const float *values,
                                               int64_t kv_stride, int64_t visible, float *out0, float *out1) {
  __m512 a0[4], a1[4];
  for (int c = 0; c < chunks; c++) a0[c] = a1[c] = _mm512_setzero_ps();
  for (int64_t j = 0; j < visible; j++) {
    const __m512 w0 = _mm512_set1_ps(s0[j]);
    const __m512 w1 = _mm512_set1_ps(s1[j]);
    const float *v = values + j * kv_stride;
    for (int c = 0; c < chunks; c++) {
      __m512 x = _mm512_loadu_ps(v + 16 * c);
      a0[c] = _mm512_fmadd_ps(w0, x, a0[c]);
      a1[c] = _mm512_fmadd_ps(w1, x, a1[c]);
    }
  }
  for (int c = 0; c < chunks; c++) {
    _mm512_storeu_ps(out0 + 16 * c, a0[c]);
    _mm512_storeu_ps(out1 + 16 * c, a1[c]);
  }
}

static inline TARGET512 void attend512(int chunks, int64_t group, const float *queries, const float *keys,
                                       const float *keys_t, const float *values, int64_t kv_stride, int64_t visible,
                                       float scale, float *scores, float *out) {
  const int64_t head_dim = chunks * 16;
  if (keys_t) {
    scores512_transposed(chunks, group, queries, keys_t, visible, scale, scores);
  } else {
    scores512(chunks, group, queries, keys, kv_stride, visible, scale, scores);
  }
  for (int64_t h = 0; h < group; h++) {
    softmax_half(scores + h * visible, visible);
    round_to_half512(scores + h * visible, visible);
  }
  int64_t h = 0;
  if (chunks <= 4) {
    for (; h + 2 <= group; h += 2)
      weighted_sum512x2(chunks, scores + h * visible, scores + (h + 1) * visible, values, kv_stride, visible,
                        out + h * head_dim, out + (h + 1) * head_dim);
  }
  for (; h < group; h++) weighted_sum512(chunks, scores + h * visible, values, kv_stride, visible, out + h * head_dim);
}

static TARGET512 void attend512_64(int64_t group, const float *queries, const float *keys, const float *keys_t,
                                   const float *values, int64_t kv_stride, int64_t visible, float scale,
                                   float *scores, float *out) {
  attend512(4, group, queries, keys, keys_t, values, kv_stride, visible, scale, scores, out);
}

static TARGET512 void attend512_128(int64_t group, const float *queries, const float *keys, const float *keys_t,
                                    const float *values, int64_t kv_stride, int64_t visible, float scale,
                                    float *scores, float *out) {
  attend512(8, group, queries, keys, keys_t, values, kv_stride, visible, scale, scores, out);
}
#endif

int hunch_attention_transposes(int level, int64_t head_dim) {
  return level >= HUNCH_LEVEL_AVX512_VNNI && (head_dim == 64 || head_dim == 128);
}

void hunch_transpose_keys(int64_t head_dim, const float *keys, int64_t kv_stride, int64_t count, float *out) {
#if defined(__x86_64__)
  transpose_keys512(head_dim, keys, kv_stride, count, out);
#else
  for (int64_t j0 = 0; j0 < count; j0 += 16)
    for (int64_t j = 0; j < 16; j++)
      for (int64_t d = 0; d < head_dim; d++)
        out[j0 * head_dim + d * 16 + j] = j0 + j < count ? keys[(j0 + j) * kv_stride + d] : 0;
#endif
}

void hunch_attend_group(int level, int64_t head_dim, int64_t group, const float *queries, const float *keys,
                        const float *keys_t, const float *values, int64_t kv_stride, int64_t visible, float scale,
                        float *scores, float *out) {
#if defined(__x86_64__)
  if (level >= HUNCH_LEVEL_AVX512_VNNI) {  // the caller passes only levels this CPU supports
    if (head_dim == 64) {
      attend512_64(group, queries, keys, keys_t, values, kv_stride, visible, scale, scores, out);
      return;
    }
    if (head_dim == 128) {
      attend512_128(group, queries, keys, keys_t, values, kv_stride, visible, scale, scores, out);
      return;
    }
  }
#endif
  attend_portable(head_dim, group, queries, keys, values, kv_stride, visible, scale, scores, out);
}
