// Causal attention of one key/value head's query group. The arithmetic is fixed so every level gives the same bits
// as the original Swift loops (the goldens were measured with them):
//   score = (0 + l0 + l1 + ... + l15) * scale, where lane l accumulates fma(q[i], k[i], l) over i ≡ l (mod 16)
//           (then a plain multiply-add tail when head_dim is not a multiple of 16);
//   softmax: e_j = exp(s_j - max) evaluated in double precision (below) and rounded to float, summed in double
//   over 8 lanes (lane l takes positions j = l mod 8, in order; then l0 + l1 + … + l7), a float reciprocal;
//   weights rounded to half precision;
//   out[i] = fma(w_j, v_j[i], out[i]) over positions j in order, from zero.
// Keys and values come as half-precision bit patterns (the cache's F16 rows); every half is exactly a float, so
// widening them on load changes no bit of the arithmetic above.
#include <math.h>
#include <string.h>

#include "CHunchKernels.h"
#include "exp_double.h"

#pragma STDC FP_CONTRACT OFF

static float dot_lanes_portable(const float *a, const uint16_t *b, int64_t n) {
  float lanes[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; l++) lanes[l] = fmaf(a[i + l], hunch_half_to_float(b[i + l]), lanes[l]);
  float total = 0;
  for (int l = 0; l < 16; l++) total += lanes[l];
  for (; i < n; i++) {
    float product = a[i] * hunch_half_to_float(b[i]);
    total += product;
  }
  return total;
}

// The softmax numerators and their sum in the fixed order described at the top.
static double exp_and_sum_portable(float *s, int64_t count, float maximum) {
  double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t j = 0; j < count; j++) {
    float e = exp_portable(s[j] - maximum);
    s[j] = e;
    lanes[j % 8] += (double)e;
  }
  double sum = lanes[0];
  for (int l = 1; l < 8; l++) sum += lanes[l];
  return sum;
}

static float maximum_of(const float *s, int64_t count) {
  float maximum = -INFINITY;
  for (int64_t j = 0; j < count; j++)
    if (s[j] > maximum) maximum = s[j];
  return maximum;
}

static void softmax_half(float *s, int64_t count) {
  double sum = exp_and_sum_portable(s, count, maximum_of(s, count));
  float inverse = (float)(1 / sum);
  for (int64_t j = 0; j < count; j++) s[j] *= inverse;
}

static void attend_portable(int64_t head_dim, int64_t group, const float *queries, const uint16_t *keys,
                            const uint16_t *values, int64_t kv_stride, int64_t visible, float scale, float *scores,
                            float *out) {
  for (int64_t h = 0; h < group; h++) {
    const float *q = queries + h * head_dim;
    float *s = scores + h * visible;
    for (int64_t j = 0; j < visible; j++) s[j] = dot_lanes_portable(q, keys + j * kv_stride, head_dim) * scale;
    softmax_half(s, visible);
    hunch_round_to_half(HUNCH_LEVEL_PORTABLE, s, visible);
    float *o = out + h * head_dim;
    memset(o, 0, (size_t)head_dim * sizeof(float));
    const int64_t whole = head_dim / 16 * 16;
    for (int64_t j = 0; j < visible; j++) {
      const uint16_t *v = values + j * kv_stride;
      for (int64_t i = 0; i < whole; i++) o[i] = fmaf(s[j], hunch_half_to_float(v[i]), o[i]);
      for (int64_t i = whole; i < head_dim; i++) {
        float product = s[j] * hunch_half_to_float(v[i]);
        o[i] += product;
      }
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl")))
// The kernels below take the head size in 16-float chunks; forced inline into attend512_64 and attend512_128 so each
// is compiled for its constant (left to itself the compiler kept a runtime switch on `chunks` in the inner loops).
#define SPECIALIZED static inline __attribute__((always_inline)) TARGET512

// 16 halves from `h` (no alignment needed) widened to floats.
static inline TARGET512 __m512 load_halves16(const uint16_t *h) {
  return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)h));
}

// 16 vectors transposed in registers: afterwards r[l] holds, in lane j, what lane l of r[j] held.
static inline TARGET512 void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);      // per 128-bit lane k: r[2i][4k], r[2i+1][4k], … +1
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);  // … columns 4k+2, 4k+3
  }
  for (int i = 0; i < 4; i++) {  // u[4i+c], lane k: column 4k+c of rows 4i..4i+3
    __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 2]);
    __m512d c = _mm512_castps_pd(t[4 * i + 1]), d = _mm512_castps_pd(t[4 * i + 3]);
    u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
    u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
  }
  for (int c = 0; c < 4; c++) {  // column 4k+c gathers lane k of u[c], u[4+c], u[8+c], u[12+c]
    __m512 even_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], _MM_SHUFFLE(2, 0, 2, 0));
    __m512 odd_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], _MM_SHUFFLE(3, 1, 3, 1));
    __m512 even_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], _MM_SHUFFLE(2, 0, 2, 0));
    __m512 odd_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], _MM_SHUFFLE(3, 1, 3, 1));
    r[c] = _mm512_shuffle_f32x4(even_lo, even_hi, _MM_SHUFFLE(2, 0, 2, 0));
    r[8 + c] = _mm512_shuffle_f32x4(even_lo, even_hi, _MM_SHUFFLE(3, 1, 3, 1));
    r[4 + c] = _mm512_shuffle_f32x4(odd_lo, odd_hi, _MM_SHUFFLE(2, 0, 2, 0));
    r[12 + c] = _mm512_shuffle_f32x4(odd_lo, odd_hi, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

// Scores of every head of the group against keys 0..<visible, 16 positions at a time; `chunks` = head_dim / 16 (a
// constant after inlining). Each position's 16-lane accumulator is the reference's; transposing 16 of them lets their
// lane sums (0 + l0 + … + l15, in that order) run as vector adds instead of a scalar chain per position.
SPECIALIZED void scores512(int chunks, int64_t group, const float *queries, const uint16_t *keys,
                           int64_t kv_stride, int64_t visible, float scale, float *scores) {
  const __m512 scales = _mm512_set1_ps(scale);
  for (int64_t j0 = 0; j0 < visible; j0 += 16) {
    const int64_t n = visible - j0 < 16 ? visible - j0 : 16;
    for (int64_t h = 0; h < group; h++) {
      const float *q = queries + h * chunks * 16;
      __m512 qv[8];
      for (int c = 0; c < chunks; c++) qv[c] = _mm512_loadu_ps(q + 16 * c);
      __m512 acc[16];
      for (int64_t j = 0; j < 16; j++) {
        acc[j] = _mm512_setzero_ps();
        if (j < n) {
          const uint16_t *k = keys + (j0 + j) * kv_stride;
          for (int c = 0; c < chunks; c++) acc[j] = _mm512_fmadd_ps(qv[c], load_halves16(k + 16 * c), acc[j]);
        }
      }
      transpose16(acc);
      __m512 total = _mm512_setzero_ps();
      for (int l = 0; l < 16; l++) total = _mm512_add_ps(total, acc[l]);
      total = _mm512_mul_ps(total, scales);
      _mm512_mask_storeu_ps(scores + h * visible + j0, (__mmask16)((1u << n) - 1), total);
    }
  }
}

// The same scores from keys transposed into tiles of 16 positions (keys_t: (tile, head_dim, 16)): lane j of T_l is
// lane l of position j's accumulator above, built by the same FMAs in the same order, and (0 + T_0 + ... + T_15)
// is its sum in the same order; so the bits match while 16 positions share every instruction.
SPECIALIZED void scores512_transposed(int chunks, int64_t group, const float *queries, const float *keys_t,
                                      int64_t visible, float scale, float *scores) {
  const int64_t head_dim = chunks * 16;
  const __m512 scales = _mm512_set1_ps(scale);
  // Tiles outside, heads inside: a tile (8 KB at head_dim 128) is read from L3 once for the whole query group and
  // then from L1, where heads outside re-read the layer's keys per head (2.4 MB per head at 4608 positions).
  for (int64_t j0 = 0; j0 < visible; j0 += 16) {
    const float *tile = keys_t + j0 * head_dim;  // (head_dim, 16)
    for (int64_t h = 0; h < group; h++) {
      const float *q = queries + h * head_dim;
      float *s = scores + h * visible;
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

// Only for head_dim 64 and 128 (see hunch_attention_transposes).
static TARGET512 void transpose_keys512(int64_t head_dim, const uint16_t *keys, int64_t kv_stride, int64_t count,
                                        float *out) {
  float row[128];
  for (int64_t j0 = 0; j0 < count; j0 += 16) {
    float *tile = out + j0 * head_dim;
    const int64_t n = count - j0 < 16 ? count - j0 : 16;
    for (int64_t j = 0; j < 16; j++) {
      if (j < n) {
        const uint16_t *k = keys + (j0 + j) * kv_stride;
        for (int64_t d = 0; d < head_dim; d += 16) _mm512_storeu_ps(row + d, load_halves16(k + d));
      }
      for (int64_t d = 0; d < head_dim; d++) tile[d * 16 + j] = j < n ? row[d] : 0;
    }
  }
}

static inline TARGET512 float maximum512(const float *s, int64_t count) {
  __m512 m = _mm512_set1_ps(-INFINITY);
  int64_t j = 0;
  for (; j + 16 <= count; j += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(s + j));
  float maximum = _mm512_reduce_max_ps(m);
  for (; j < count; j++)
    if (s[j] > maximum) maximum = s[j];
  return maximum;
}

// softmax_half, 8 positions per step: lane l of the double accumulator is the portable version's lanes[l].
static inline TARGET512 void softmax_half512(float *s, int64_t count) {
  const __m256 maximum = _mm256_set1_ps(maximum512(s, count));
  __m512d lanes = _mm512_setzero_pd();
  int64_t j = 0;
  for (; j + 8 <= count; j += 8) {
    __m256 e = exp8_512(_mm256_sub_ps(_mm256_loadu_ps(s + j), maximum));
    _mm256_storeu_ps(s + j, e);
    lanes = _mm512_add_pd(lanes, _mm512_cvtps_pd(e));
  }
  if (j < count) {
    __mmask8 mask = (__mmask8)((1u << (count - j)) - 1);
    __m256 e = exp8_512(_mm256_sub_ps(_mm256_maskz_loadu_ps(mask, s + j), maximum));
    e = _mm256_maskz_mov_ps(mask, e);
    _mm256_mask_storeu_ps(s + j, mask, e);
    lanes = _mm512_mask_add_pd(lanes, mask, lanes, _mm512_cvtps_pd(e));
  }
  double parts[8];
  _mm512_storeu_pd(parts, lanes);
  double sum = parts[0];
  for (int l = 1; l < 8; l++) sum += parts[l];
  const __m512 inverse = _mm512_set1_ps((float)(1 / sum));
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) _mm512_storeu_ps(s + i, _mm512_mul_ps(_mm512_loadu_ps(s + i), inverse));
  if (i < count) {
    __mmask16 mask = (__mmask16)((1u << (count - i)) - 1);
    _mm512_mask_storeu_ps(s + i, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, s + i), inverse));
  }
}

// Positions [j0, j1) of one head's weighted sum: `chunks` independent accumulators, each a chain of FMAs over the
// positions in order, kept in `out` between calls (a float stored and loaded back is the same float).
SPECIALIZED void weighted_sum512(int chunks, const float *s, const uint16_t *values, int64_t kv_stride,
                                 int64_t j0, int64_t j1, float *out) {
  __m512 acc[8];
  for (int c = 0; c < chunks; c++) acc[c] = _mm512_loadu_ps(out + 16 * c);
  for (int64_t j = j0; j < j1; j++) {
    const __m512 w = _mm512_set1_ps(s[j]);
    const uint16_t *v = values + j * kv_stride;
    for (int c = 0; c < chunks; c++) acc[c] = _mm512_fmadd_ps(w, load_halves16(v + 16 * c), acc[c]);
  }
  for (int c = 0; c < chunks; c++) _mm512_storeu_ps(out + 16 * c, acc[c]);
}

// Two heads at once (twice the independent chains, each value row loaded once).
SPECIALIZED void weighted_sum512x2(int chunks, const float *s0, const float *s1, const uint16_t *values,
                                   int64_t kv_stride, int64_t j0, int64_t j1, float *out0, float *out1) {
  __m512 a0[8], a1[8];
  for (int c = 0; c < chunks; c++) {
    a0[c] = _mm512_loadu_ps(out0 + 16 * c);
    a1[c] = _mm512_loadu_ps(out1 + 16 * c);
  }
  for (int64_t j = j0; j < j1; j++) {
    const __m512 w0 = _mm512_set1_ps(s0[j]);
    const __m512 w1 = _mm512_set1_ps(s1[j]);
    const uint16_t *v = values + j * kv_stride;
    for (int c = 0; c < chunks; c++) {
      __m512 x = load_halves16(v + 16 * c);
      a0[c] = _mm512_fmadd_ps(w0, x, a0[c]);
      a1[c] = _mm512_fmadd_ps(w1, x, a1[c]);
    }
  }
  for (int c = 0; c < chunks; c++) {
    _mm512_storeu_ps(out0 + 16 * c, a0[c]);
    _mm512_storeu_ps(out1 + 16 * c, a1[c]);
  }
}

// Every head's weighted sum over blocks of positions: a block of value rows (32 KB at head_dim 128) is read from L3
// once for the whole query group and then from L1, where one head after another re-read all of the layer's values.
// Each accumulator still runs through the positions in order, so the bits are those of one pass per head.
SPECIALIZED void weighted_sums512(int chunks, int64_t group, const float *scores, const uint16_t *values,
                                  int64_t kv_stride, int64_t visible, float *out) {
  enum { BLOCK = 64 };
  const int64_t head_dim = chunks * 16;
  for (int64_t i = 0; i < group * head_dim; i++) out[i] = 0;
  for (int64_t j0 = 0; j0 < visible; j0 += BLOCK) {
    const int64_t j1 = visible - j0 < BLOCK ? visible : j0 + BLOCK;
    int64_t h = 0;
    if (chunks <= 8) {
      for (; h + 2 <= group; h += 2)
        weighted_sum512x2(chunks, scores + h * visible, scores + (h + 1) * visible, values, kv_stride, j0, j1,
                          out + h * head_dim, out + (h + 1) * head_dim);
    }
    for (; h < group; h++) weighted_sum512(chunks, scores + h * visible, values, kv_stride, j0, j1, out + h * head_dim);
  }
}

SPECIALIZED void attend512(int chunks, int64_t group, const float *queries, const uint16_t *keys,
                           const float *keys_t, const uint16_t *values, int64_t kv_stride, int64_t visible,
                           float scale, float *scores, float *out) {
  if (keys_t) {
    scores512_transposed(chunks, group, queries, keys_t, visible, scale, scores);
  } else {
    scores512(chunks, group, queries, keys, kv_stride, visible, scale, scores);
  }
  for (int64_t h = 0; h < group; h++) {
    softmax_half512(scores + h * visible, visible);
    hunch_round_to_half(HUNCH_LEVEL_AVX512_VNNI, scores + h * visible, visible);
  }
  weighted_sums512(chunks, group, scores, values, kv_stride, visible, out);
}

static TARGET512 void attend512_64(int64_t group, const float *queries, const uint16_t *keys, const float *keys_t,
                                   const uint16_t *values, int64_t kv_stride, int64_t visible, float scale,
                                   float *scores, float *out) {
  attend512(4, group, queries, keys, keys_t, values, kv_stride, visible, scale, scores, out);
}

static TARGET512 void attend512_128(int64_t group, const float *queries, const uint16_t *keys, const float *keys_t,
                                    const uint16_t *values, int64_t kv_stride, int64_t visible, float scale,
                                    float *scores, float *out) {
  attend512(8, group, queries, keys, keys_t, values, kv_stride, visible, scale, scores, out);
}
#endif

#if defined(__x86_64__)
static TARGET512 void softmax_exp512(const float *x, float *y, int64_t count) {
  int64_t j = 0;
  for (; j + 8 <= count; j += 8) _mm256_storeu_ps(y + j, exp8_512(_mm256_loadu_ps(x + j)));
  for (; j < count; j++) y[j] = exp_portable(x[j]);
}
#endif

void hunch_softmax_exp(int level, const float *x, float *y, int64_t count) {
#if defined(__x86_64__)
  if (level >= HUNCH_LEVEL_AVX512_VNNI) {
    softmax_exp512(x, y, count);
    return;
  }
#endif
  for (int64_t j = 0; j < count; j++) y[j] = exp_portable(x[j]);
}

int hunch_attention_transposes(int level, int64_t head_dim) {
  return level >= HUNCH_LEVEL_AVX512_VNNI && (head_dim == 64 || head_dim == 128);
}

void hunch_transpose_keys(int64_t head_dim, const uint16_t *keys, int64_t kv_stride, int64_t count, float *out) {
#if defined(__x86_64__)
  if ((head_dim == 64 || head_dim == 128) && hunch_best_level() >= HUNCH_LEVEL_AVX512_VNNI) {
    transpose_keys512(head_dim, keys, kv_stride, count, out);
    return;
  }
#endif
  for (int64_t j0 = 0; j0 < count; j0 += 16)
    for (int64_t j = 0; j < 16; j++)
      for (int64_t d = 0; d < head_dim; d++)
        out[j0 * head_dim + d * 16 + j] = j0 + j < count ? hunch_half_to_float(keys[(j0 + j) * kv_stride + d]) : 0;
}

void hunch_attend_group(int level, int64_t head_dim, int64_t group, const float *queries, const uint16_t *keys,
                        const float *keys_t, const uint16_t *values, int64_t kv_stride, int64_t visible, float scale,
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
