// Q5_0 weights at the AVX-512 level: one arithmetic for every batch size ("block sums").
//
// out = fold over blocks i in order of acc ← fma(float(wd_i) · float(ad_i), float(S_i), acc), acc starting at 0,
// where S_i is the exact integer dot product of block i's weight and activation quants. Because S_i is exact, any
// layout may compute it; the float steps are one product, one conversion and one FMA per block on a single float.
// So the decode path (16 weight rows in the 16 lanes of a vector, each block's partial sums reduced across lanes)
// and the batch path (16 activation rows in the lanes, weight quants broadcast) give every output the same bits,
// and the batch path spends one conversion and one FMA per block and 16 outputs, where the lane-wise arithmetic of
// the other 32-element formats needs them per 64 quants and output.
// Weights enter VPDPBUSD unsigned (stored value + offset); −offset · Σy is where each block's sum starts.
// This rounds differently from the lane-wise kernels (x86_512.c, pairs.c), which follow llama.cpp's order (eight
// float lanes per block, each fed four products), and the model goldens' agreement with llama.cpp moves with it, so
// MatMul uses these only when asked (MatMul.usesBlockSumKernels). The macros take the block type and its decoders;
// Q4_0 and Q8_0 would follow, but their decode paths here streamed from memory more slowly than the pair kernels.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "CHunchKernels.h"
#include "blocks.h"

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

typedef struct {
  int8_t qs[8][64];  // [g][lane * 4 + k]: element 4g + k of the block for activation row `lane` of the tile
  int32_t bias[16];  // −offset · Σ quants of the block, per activation row
  float d[16];  // the block's activation scale, per row
} panel_block;
_Static_assert(sizeof(panel_block) == HUNCH_PANEL_BLOCK_BYTES, "panel block");

static inline TARGET512 float half_value(uint16_t h) { return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h))); }

int hunch_blocksum_offset(uint32_t weight_type) { return weight_type == HUNCH_TYPE_Q5_0 ? 16 : 0; }

int hunch_blocksum_supported(uint32_t weight_type) {
  return weight_type == HUNCH_TYPE_Q5_0 || weight_type == HUNCH_TYPE_Q4_K;
}

// ---- Weight decoding to unsigned quants (stored value + 16) in element order.

// 64 nibbles of two 16-byte arrays in element order: a's low, a's high, b's low, b's high.
static inline TARGET512 __m512i nibbles_pair(const uint8_t *a, const uint8_t *b) {
  __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
                                         _mm_loadu_si128((const __m128i *)b), 1);
  __m512i spread = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 1, 0, 1, 2, 3, 2, 3), _mm512_castsi256_si512(both));
  spread = _mm512_srlv_epi64(spread, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
  return _mm512_and_si512(spread, _mm512_set1_epi8(0x0F));
}

static inline TARGET512 __m256i nibbles_one(const uint8_t *a) {
  __m128i b = _mm_loadu_si128((const __m128i *)a);
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(b, 4), b), _mm256_set1_epi8(0x0F));
}

static inline TARGET512 __m512i decode2_q5_0(const block_q5_0 *x) {
  uint32_t h0, h1;
  memcpy(&h0, x[0].qh, 4);
  memcpy(&h1, x[1].qh, 4);
  __m512i q = nibbles_pair(x[0].qs, x[1].qs);
  return _mm512_mask_add_epi8(q, (__mmask64)h0 | ((__mmask64)h1 << 32), q, _mm512_set1_epi8(16));
}

static inline TARGET512 __m256i decode1_q5_0(const block_q5_0 *x) {
  uint32_t h;
  memcpy(&h, x->qh, 4);
  __m256i q = nibbles_one(x->qs);
  return _mm256_mask_add_epi8(q, (__mmask32)h, q, _mm256_set1_epi8(16));
}

static inline TARGET512 int sum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// ---- One weight row, one activation row: the DotKernel entry, and the reference the other paths are tested
// against at zero ULPs.
#define DOT_ROW(NAME, BLOCK_T, DECODE1, OFFSET)                                                                    \
  static TARGET512 float NAME(int64_t n, const void *w, const void *a) {                                          \
    const BLOCK_T *x = w;                                                                                         \
    const block_q8_0 *y = a;                                                                                      \
    const __m256i offset = _mm256_set1_epi8((char)(OFFSET));                                                      \
    float acc = 0;                                                                                                \
    for (int64_t i = 0; i < n / HUNCH_QK; i++) {                                                                  \
      const __m256i yv = _mm256_loadu_si256((const __m256i *)y[i].qs);                                           \
      const __m256i lanes = _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), DECODE1(x + i), yv),    \
                                             _mm256_dpbusd_epi32(_mm256_setzero_si256(), offset, yv));            \
      const float d = half_value(x[i].d) * half_value(y[i].d);                                                    \
      acc = __builtin_fmaf(d, (float)sum_epi32(lanes), acc);                                                      \
    }                                                                                                             \
    return acc;                                                                                                   \
  }

DOT_ROW(dot_q5_0_blocksum, block_q5_0, decode1_q5_0, 16)

// ---- Decode path: 16 weight rows in the lanes, one activation row.

// v[r] holds row r's 32-bit partial sums of blocks i (lanes 0..7) and i + 1 (lanes 8..15); returns each row's
// total per block: even[r] for block i, odd[r] for block i + 1 (exact integer adds, so the order is free).
static inline __attribute__((always_inline)) TARGET512 void reduce16(const __m512i v[16], __m512i *even,
                                                                     __m512i *odd) {
  __m512i w[8], x[4];
  for (int m = 0; m < 8; m++)  // per 128-bit chunk: [a0+a2, b0+b2, a1+a3, b1+b3]
    w[m] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * m], v[2 * m + 1]),
                            _mm512_unpackhi_epi32(v[2 * m], v[2 * m + 1]));
  for (int g = 0; g < 4; g++)  // chunk c: the chunk-c sums of rows 4g..4g+3
    x[g] = _mm512_add_epi32(_mm512_unpacklo_epi64(w[2 * g], w[2 * g + 1]),
                            _mm512_unpackhi_epi64(w[2 * g], w[2 * g + 1]));
  // Chunks 0, 1 belong to the first block, 2, 3 to the second.
  const __m512i y01 = _mm512_add_epi32(_mm512_shuffle_i32x4(x[0], x[1], 0x88), _mm512_shuffle_i32x4(x[0], x[1], 0xDD));
  const __m512i y23 = _mm512_add_epi32(_mm512_shuffle_i32x4(x[2], x[3], 0x88), _mm512_shuffle_i32x4(x[2], x[3], 0xDD));
  *even = _mm512_shuffle_i32x4(y01, y23, 0x88);
  *odd = _mm512_shuffle_i32x4(y01, y23, 0xDD);
}

// Rows are taken 16 at a time; each row's weight scales are stored to a (block, row) scratch as its blocks are
// decoded (cheaper here than one gather per block). The group two ahead is prefetched a few lines per block pair:
// 16 interleaved row streams are more than the hardware prefetchers follow from memory (measured: a third of the
// streaming rate without; a separate front-to-back decoding pass per row was slower still).
#define ROWS16(NAME, BLOCK_T, DECODE2, DECODE1, OFFSET)                                                            \
  static TARGET512 void NAME(int64_t nb, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,      \
                             int64_t row_end, const block_q8_0 *y, float *out) {                                 \
    enum { SEGMENT = 32, AHEAD = 32 }; /* blocks whose scales are parked at a time (even); rows prefetched ahead */ \
    const __m512i offset = _mm512_set1_epi8((char)(OFFSET));                                                      \
    uint16_t wd[SEGMENT * 16]; /* (block, row) */                                                                 \
    for (int64_t r0 = row_start; r0 < row_end; r0 += 16) {                                                        \
      const int64_t valid = row_end - r0 < 16 ? row_end - r0 : 16;                                               \
      const BLOCK_T *x[16];                                                                                       \
      for (int j = 0; j < 16; j++)                                                                                \
        x[j] = (const BLOCK_T *)(weights + (size_t)(r0 + (j < valid ? j : valid - 1)) * weight_row_bytes);       \
      __m512 acc = _mm512_setzero_ps();                                                                           \
      const uint8_t *next = weights + (size_t)(r0 + AHEAD) * weight_row_bytes;                                   \
      const int64_t next_rows = row_end - (r0 + AHEAD) < 16 ? row_end - (r0 + AHEAD) : 16;                        \
      const uint8_t *next_end = next_rows > 0 ? next + (size_t)next_rows * weight_row_bytes : next;               \
      const size_t step = ((size_t)(next_end - next) / (size_t)(nb / 2 + 1) + 63) / 64 * 64;                      \
      for (int64_t s = 0; s < nb; s += SEGMENT) {                                                                 \
        const int64_t e = s + SEGMENT < nb ? s + SEGMENT : nb;                                                    \
        int64_t i = s;                                                                                            \
        for (; i + 1 < e; i += 2) {                                                                               \
          for (size_t o = 0; o < step && next < next_end; o += 64, next += 64)                                    \
            _mm_prefetch((const char *)next, _MM_HINT_T0);                                                        \
          const __m512i yv = _mm512_inserti64x4(                                                                  \
            _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)y[i].qs)),                                 \
            _mm256_loadu_si256((const __m256i *)y[i + 1].qs), 1);                                                 \
          const __m512i bias = _mm512_sub_epi32(_mm512_setzero_si512(),                                           \
                                                _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, yv));         \
          __m512i v[16], even, odd;                                                                               \
          for (int j = 0; j < 16; j++) v[j] = _mm512_dpbusd_epi32(bias, DECODE2(x[j] + i), yv);                  \
          for (int j = 0; j < 16; j++) {                                                                          \
            wd[(i - s) * 16 + j] = x[j][i].d;                                                                     \
            wd[(i + 1 - s) * 16 + j] = x[j][i + 1].d;                                                             \
          }                                                                                                       \
          reduce16(v, &even, &odd);                                                                               \
          const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wd + (i - s) * 16)));           \
          const __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wd + (i + 1 - s) * 16)));       \
          acc = _mm512_fmadd_ps(_mm512_mul_ps(w0, _mm512_set1_ps(half_value(y[i].d))), _mm512_cvtepi32_ps(even),  \
                                acc);                                                                             \
          acc = _mm512_fmadd_ps(_mm512_mul_ps(w1, _mm512_set1_ps(half_value(y[i + 1].d))),                        \
                                _mm512_cvtepi32_ps(odd), acc);                                                    \
        }                                                                                                         \
        if (i < e) { /* a last odd block: the pair step with an empty second block */                             \
          const __m512i yv = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)y[i].qs));               \
          const __m512i bias = _mm512_sub_epi32(_mm512_setzero_si512(),                                           \
                                                _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, yv));         \
          __m512i v[16], even, odd;                                                                               \
          for (int j = 0; j < 16; j++) {                                                                          \
            v[j] = _mm512_dpbusd_epi32(bias, _mm512_zextsi256_si512(DECODE1(x[j] + i)), yv);                     \
            wd[(i - s) * 16 + j] = x[j][i].d;                                                                     \
          }                                                                                                       \
          reduce16(v, &even, &odd);                                                                               \
          const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wd + (i - s) * 16)));           \
          acc = _mm512_fmadd_ps(_mm512_mul_ps(w0, _mm512_set1_ps(half_value(y[i].d))), _mm512_cvtepi32_ps(even),  \
                                acc);                                                                             \
        }                                                                                                         \
      }                                                                                                           \
      _mm512_mask_storeu_ps(out + r0, (__mmask16)((1u << valid) - 1), acc);                                      \
    }                                                                                                             \
  }

ROWS16(rows16_q5_0, block_q5_0, decode2_q5_0, decode1_q5_0, 16)

// ---- Batch path: 16 activation rows in the lanes (a prepared panel), weight quants broadcast four at a time.

size_t hunch_blocksum_panel_bytes(uint32_t weight_type, int64_t n, int64_t batch) {
  if (weight_type == HUNCH_TYPE_Q4_K || weight_type == HUNCH_TYPE_Q6_K)
    return (size_t)((batch + 15) / 16) * (size_t)(n / HUNCH_QK_K) * 4928;
  return (size_t)((batch + 15) / 16) * (size_t)(n / HUNCH_QK) * sizeof(panel_block);
}

static void prepare_q4_K(const void *q8_K_rows, size_t row_bytes, int64_t n, int64_t batch, int64_t tile_start,
                         int64_t tile_end, void *p);

void hunch_blocksum_prepare(uint32_t weight_type, const void *q8_0_rows, size_t row_bytes, int64_t n, int64_t batch,
                            int64_t tile_start, int64_t tile_end, void *panel) {
  if (weight_type == HUNCH_TYPE_Q4_K || weight_type == HUNCH_TYPE_Q6_K) {
    prepare_q4_K(q8_0_rows, row_bytes, n, batch, tile_start, tile_end, panel);
    return;
  }
  const int offset = hunch_blocksum_offset(weight_type);
  const int64_t nb = n / HUNCH_QK;
  panel_block *p = panel;
  for (int64_t t = tile_start; t < tile_end; t++) {
    for (int64_t i = 0; i < nb; i++) {
      panel_block *pb = p + t * nb + i;
      memset(pb, 0, sizeof *pb);
      for (int k = 0; k < 16; k++) {
        const int64_t b = 16 * t + k;
        if (b >= batch) break;
        const block_q8_0 *yb = (const block_q8_0 *)((const uint8_t *)q8_0_rows + (size_t)b * row_bytes) + i;
        int sum = 0;
        for (int e = 0; e < HUNCH_QK; e++) sum += yb->qs[e];
        for (int g = 0; g < 8; g++) memcpy(pb->qs[g] + 4 * k, yb->qs + 4 * g, 4);
        pb->bias[k] = -offset * sum;
        pb->d[k] = hunch_half_to_float(yb->d);
      }
    }
  }
}

// Four weight rows (decoded: quants (nb, 32), scales nb) against T tiles of the panel; acc[2j + t].
static inline __attribute__((always_inline)) TARGET512 void panel_tile(int64_t nb, const uint8_t *const wq[4],
                                                                       const float *const wd[4],
                                                                       const panel_block *p0, const panel_block *p1,
                                                                       const int T, __m512 acc[8]) {
  for (int k = 0; k < 8; k++) acc[k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    __m512i s[8];
    const __m512i bias0 = _mm512_load_si512(p0[i].bias);
    const __m512i bias1 = T == 2 ? _mm512_load_si512(p1[i].bias) : bias0;
    for (int j = 0; j < 4; j++) {
      s[2 * j] = bias0;
      s[2 * j + 1] = bias1;
    }
    for (int g = 0; g < 8; g++) {
      const __m512i a0 = _mm512_load_si512(p0[i].qs[g]);
      const __m512i a1 = T == 2 ? _mm512_load_si512(p1[i].qs[g]) : a0;
      for (int j = 0; j < 4; j++) {
        int32_t word;
        memcpy(&word, wq[j] + 32 * i + 4 * g, 4);
        const __m512i wv = _mm512_set1_epi32(word);
        s[2 * j] = _mm512_dpbusd_epi32(s[2 * j], wv, a0);
        if (T == 2) s[2 * j + 1] = _mm512_dpbusd_epi32(s[2 * j + 1], wv, a1);
      }
    }
    const __m512 ad0 = _mm512_load_ps(p0[i].d);
    const __m512 ad1 = T == 2 ? _mm512_load_ps(p1[i].d) : ad0;
    for (int j = 0; j < 4; j++) {
      const __m512 w = _mm512_set1_ps(wd[j][i]);
      acc[2 * j] = _mm512_fmadd_ps(_mm512_mul_ps(w, ad0), _mm512_cvtepi32_ps(s[2 * j]), acc[2 * j]);
      if (T == 2)
        acc[2 * j + 1] = _mm512_fmadd_ps(_mm512_mul_ps(w, ad1), _mm512_cvtepi32_ps(s[2 * j + 1]), acc[2 * j + 1]);
    }
  }
}

// Stores four weight rows' outputs (a[j], lanes = activation rows b0..b0+15) at output[b * stride + r + j].
static inline TARGET512 void store_tile(__m512 a0, __m512 a1, __m512 a2, __m512 a3, float *output, int64_t stride,
                                        int64_t r, int rows, int64_t b0, int64_t batch) {
  const __m512 lo01 = _mm512_unpacklo_ps(a0, a1), hi01 = _mm512_unpackhi_ps(a0, a1);
  const __m512 lo23 = _mm512_unpacklo_ps(a2, a3), hi23 = _mm512_unpackhi_ps(a2, a3);
  __m512 c[4];  // c[m], 128-bit chunk q: the four rows' values for activation row b0 + 4q + m
  c[0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(lo01), _mm512_castps_pd(lo23)));
  c[1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(lo01), _mm512_castps_pd(lo23)));
  c[2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(hi01), _mm512_castps_pd(hi23)));
  c[3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(hi01), _mm512_castps_pd(hi23)));
  float lanes[4][16];
  for (int m = 0; m < 4; m++) _mm512_storeu_ps(lanes[m], c[m]);
  const __mmask8 mask = (__mmask8)((1u << rows) - 1);
  for (int q = 0; q < 4; q++) {
    for (int m = 0; m < 4; m++) {
      const int64_t b = b0 + 4 * q + m;
      if (b >= batch) return;
      _mm_mask_storeu_ps(output + b * stride + r, mask, _mm_loadu_ps(lanes[m] + 4 * q));
    }
  }
}

#define PANEL(NAME, BLOCK_T, DECODE2, DECODE1)                                                                     \
  static TARGET512 void NAME(int64_t nb, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,      \
                             int64_t row_end, const panel_block *panel, int64_t batch, float *output,            \
                             int64_t stride, int64_t group, uint8_t *wq, float *wd) {                             \
    /* `group` weight rows (a multiple of 4) are decoded together, then run against every pair of tiles. */       \
    const int64_t tiles = (batch + 15) / 16;                                                                      \
    for (int64_t g0 = row_start; g0 < row_end; g0 += group) {                                                     \
      const int64_t g1 = g0 + group < row_end ? g0 + group : row_end;                                             \
      for (int64_t r = g0; r < g1; r++) {                                                                         \
        const BLOCK_T *x = (const BLOCK_T *)(weights + (size_t)r * weight_row_bytes);                             \
        uint8_t *q = wq + (size_t)(r - g0) * (size_t)nb * 32;                                                     \
        float *d = wd + (r - g0) * nb;                                                                            \
        int64_t i = 0;                                                                                            \
        for (; i + 1 < nb; i += 2) _mm512_storeu_si512(q + 32 * i, DECODE2(x + i));                              \
        if (i < nb) _mm256_storeu_si256((__m256i *)(q + 32 * i), DECODE1(x + i));                                 \
        for (i = 0; i < nb; i++) d[i] = half_value(x[i].d);                                                       \
      }                                                                                                           \
      for (int64_t t = 0; t < tiles; t += 2) {                                                                    \
        const panel_block *p0 = panel + t * nb, *p1 = p0 + nb;                                                    \
        for (int64_t r = g0; r < g1; r += 4) {                                                                    \
          const int rows = g1 - r < 4 ? (int)(g1 - r) : 4;                                                        \
          const uint8_t *q[4];                                                                                    \
          const float *d[4];                                                                                      \
          for (int j = 0; j < 4; j++) {                                                                           \
            const int64_t k = r - g0 + (j < rows ? j : rows - 1);                                                 \
            q[j] = wq + (size_t)k * (size_t)nb * 32;                                                              \
            d[j] = wd + k * nb;                                                                                   \
          }                                                                                                       \
          __m512 acc[8];                                                                                          \
          if (t + 1 < tiles) {                                                                                    \
            panel_tile(nb, q, d, p0, p1, 2, acc);                                                                 \
            store_tile(acc[0], acc[2], acc[4], acc[6], output, stride, r, rows, 16 * t, batch);                   \
            store_tile(acc[1], acc[3], acc[5], acc[7], output, stride, r, rows, 16 * (t + 1), batch);             \
          } else {                                                                                                \
            panel_tile(nb, q, d, p0, p0, 1, acc);                                                                 \
            store_tile(acc[0], acc[2], acc[4], acc[6], output, stride, r, rows, 16 * t, batch);                   \
          }                                                                                                       \
        }                                                                                                         \
      }                                                                                                           \
    }                                                                                                             \
  }

PANEL(panel_q5_0, block_q5_0, decode2_q5_0, decode1_q5_0)

// ---- Q4_K against Q8_K, the same scheme per 256-element super-block i:
// ISUM = Σ_j scale_j · Σ q·y over sub-block j, MSUM = Σ_j min_j · Σ y over sub-block j (exact integers);
// acc ← fma(yd · d, float(ISUM), acc), mins ← fma(yd · dmin, float(MSUM), mins) in block order;
// out = acc − mins.

// Scales (bytes 0..7) and mins (bytes 8..15) of a super-block (see hunch_q4_K_scale_min).
static inline TARGET512 __m128i q4_K_table(const uint8_t *packed) {
  uint32_t w0, w1, w2;
  memcpy(&w0, packed, 4);
  memcpy(&w1, packed + 4, 4);
  memcpy(&w2, packed + 8, 4);
  const uint32_t low6 = 0x3F3F3F3F, low4 = 0x0F0F0F0F, top2 = 0x30303030;
  return _mm_setr_epi32((int)(w0 & low6), (int)((w2 & low4) | ((w0 >> 2) & top2)), (int)(w1 & low6),
                        (int)(((w2 >> 4) & low4) | ((w1 >> 2) & top2)));
}

// 32-bit lanes whose total is ISUM (lanes 0..7) and lanes whose total is MSUM (lanes 8..15) for one super-block.
static inline __attribute__((always_inline)) TARGET512 __m512i q4_K_partials(const block_q4_K *x, const block_q8_K *y) {
  const __m256i table = _mm256_cvtepu8_epi16(q4_K_table(x->scales));  // 16-bit: scales 0..7, mins 8..15
  const __m512i table512 = _mm512_castsi256_si512(table);
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  __m512i s = _mm512_setzero_si512();
  for (int j = 0; j < 4; j++) {
    const __m256i raw = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * j));
    const __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(raw, low_mask)),
                                         _mm256_and_si256(_mm256_srli_epi16(raw, 4), low_mask), 1);
    const __m512i sc = _mm512_permutexvar_epi16(
      _mm512_inserti64x4(_mm512_set1_epi16((short)(2 * j)), _mm256_set1_epi16((short)(2 * j + 1)), 1), table512);
    s = _mm512_dpwssd_epi32(s, _mm512_maddubs_epi16(q, _mm512_loadu_si512(y->qs + 64 * j)), sc);
  }
  const __m256i isum = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
  const __m256i min_pairs = _mm256_setr_epi16(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  const __m256i msum =
    _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)y->bsums), _mm256_permutexvar_epi16(min_pairs, table));
  return _mm512_inserti64x4(_mm512_castsi256_si512(isum), msum, 1);
}

static TARGET512 float dot_q4_K_blocksum(int64_t n, const void *w, const void *a) {
  const block_q4_K *x = w;
  const block_q8_K *y = a;
  float acc = 0, mins = 0;
  for (int64_t i = 0; i < n / HUNCH_QK_K; i++) {
    const __m512i partials = q4_K_partials(x + i, y + i);
    const int isum = sum_epi32(_mm512_castsi512_si256(partials));
    const int msum = sum_epi32(_mm512_extracti64x4_epi64(partials, 1));
    acc = __builtin_fmaf(y[i].d * half_value(x[i].d), (float)isum, acc);
    mins = __builtin_fmaf(y[i].d * half_value(x[i].dmin), (float)msum, mins);
  }
  return acc - mins;
}

// Decode path: 16 rows in the lanes, the partials of each row reduced across lanes (prefetching as rows16_q5_0).
static TARGET512 void rows16_q4_K(int64_t nb, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,
                                  int64_t row_end, const block_q8_K *y, float *out) {
  enum { AHEAD = 32 };
  for (int64_t r0 = row_start; r0 < row_end; r0 += 16) {
    const int64_t valid = row_end - r0 < 16 ? row_end - r0 : 16;
    const block_q4_K *x[16];
    for (int j = 0; j < 16; j++)
      x[j] = (const block_q4_K *)(weights + (size_t)(r0 + (j < valid ? j : valid - 1)) * weight_row_bytes);
    const uint8_t *next = weights + (size_t)(r0 + AHEAD) * weight_row_bytes;
    const int64_t next_rows = row_end - (r0 + AHEAD) < 16 ? row_end - (r0 + AHEAD) : 16;
    const uint8_t *next_end = next_rows > 0 ? next + (size_t)next_rows * weight_row_bytes : next;
    const size_t step = ((size_t)(next_end - next) / (size_t)nb + 63) / 64 * 64;
    __m512 acc = _mm512_setzero_ps(), mins = _mm512_setzero_ps();
    for (int64_t i = 0; i < nb; i++) {
      for (size_t o = 0; o < step && next < next_end; o += 64, next += 64)
        _mm_prefetch((const char *)next, _MM_HINT_T0);
      _Alignas(32) uint16_t d[16], dmin[16];
      __m512i v[16], isum, msum;
      for (int j = 0; j < 16; j++) v[j] = q4_K_partials(x[j] + i, y + i);
      for (int j = 0; j < 16; j++) {
        d[j] = x[j][i].d;
        dmin[j] = x[j][i].dmin;
      }
      reduce16(v, &isum, &msum);
      const __m512 yd = _mm512_set1_ps(y[i].d);
      acc = _mm512_fmadd_ps(_mm512_mul_ps(yd, _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)d))),
                            _mm512_cvtepi32_ps(isum), acc);
      mins = _mm512_fmadd_ps(_mm512_mul_ps(yd, _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)dmin))),
                             _mm512_cvtepi32_ps(msum), mins);
    }
    _mm512_mask_storeu_ps(out + r0, (__mmask16)((1u << valid) - 1), _mm512_sub_ps(acc, mins));
  }
}

// Batch path. A panel block holds one super-block of 16 activation rows: quants in 4-byte groups, the sub-blocks'
// sums as 16-bit pairs (sub-blocks 2k, 2k + 1 in dword k), and the scales.
typedef struct {
  int8_t qs[64][64];  // [g][lane * 4 + k]: element 4g + k for activation row `lane`
  int32_t sums[4][16];  // [k][lane]: Σy of sub-block 2k (low 16 bits) and 2k + 1 (high 16 bits)
  float d[16];
  int32_t bsums[8][16];  // [k][lane]: the Q8_K block's bsums 2k (low 16 bits) and 2k + 1 (high), for Q6_K
} panel_q4_K_block;
_Static_assert(sizeof(panel_q4_K_block) == 4928, "Q4_K panel block");

// One decoded Q4_K row: quants in element order, scales as 32-bit words, mins as 16-bit pairs, d and dmin.
typedef struct {
  uint8_t q[256];
  int32_t scale[8];
  int32_t scale_pairs[8];  // scale in both 16-bit halves
  int32_t min_pairs[4];
  float d, dmin;
} decoded_q4_K;

static inline TARGET512 void decode_q4_K_block(const block_q4_K *x, decoded_q4_K *out) {
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  for (int j = 0; j < 4; j++) {
    const __m256i raw = _mm256_loadu_si256((const __m256i *)(x->qs + 32 * j));
    _mm256_storeu_si256((__m256i *)(out->q + 64 * j), _mm256_and_si256(raw, low_mask));
    _mm256_storeu_si256((__m256i *)(out->q + 64 * j + 32), _mm256_and_si256(_mm256_srli_epi16(raw, 4), low_mask));
  }
  uint8_t table[16];
  _mm_storeu_si128((__m128i *)table, q4_K_table(x->scales));
  for (int j = 0; j < 8; j++) {
    out->scale[j] = table[j];
    out->scale_pairs[j] = (int32_t)((uint32_t)table[j] | ((uint32_t)table[j] << 16));
  }
  for (int k = 0; k < 4; k++)
    out->min_pairs[k] = (int32_t)((uint32_t)table[8 + 2 * k] | ((uint32_t)table[9 + 2 * k] << 16));
  out->d = half_value(x->d);
  out->dmin = half_value(x->dmin);
}

static inline __attribute__((always_inline)) TARGET512 void panel_q4_K_tile(int64_t nb,
                                                                            const decoded_q4_K *const w[4],
                                                                            const panel_q4_K_block *p0,
                                                                            const panel_q4_K_block *p1, const int T,
                                                                            __m512 out[8]) {
  __m512 acc[8], mins[8];
  for (int k = 0; k < 8; k++) acc[k] = mins[k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    __m512i isum[8], msum[8];
    for (int k = 0; k < 8; k++) isum[k] = msum[k] = _mm512_setzero_si512();
    for (int sub = 0; sub < 8; sub++) {
      __m512i t[8];
      for (int k = 0; k < 8; k++) t[k] = _mm512_setzero_si512();
      for (int g = 8 * sub; g < 8 * sub + 8; g++) {
        const __m512i a0 = _mm512_load_si512(p0[i].qs[g]);
        const __m512i a1 = T == 2 ? _mm512_load_si512(p1[i].qs[g]) : a0;
        for (int j = 0; j < 4; j++) {
          int32_t word;
          memcpy(&word, w[j][i].q + 4 * g, 4);
          const __m512i wv = _mm512_set1_epi32(word);
          t[2 * j] = _mm512_dpbusd_epi32(t[2 * j], wv, a0);
          if (T == 2) t[2 * j + 1] = _mm512_dpbusd_epi32(t[2 * j + 1], wv, a1);
        }
      }
      for (int j = 0; j < 4; j++) {
        const __m512i sc = _mm512_set1_epi32(w[j][i].scale[sub]);
        isum[2 * j] = _mm512_add_epi32(isum[2 * j], _mm512_mullo_epi32(t[2 * j], sc));
        if (T == 2) isum[2 * j + 1] = _mm512_add_epi32(isum[2 * j + 1], _mm512_mullo_epi32(t[2 * j + 1], sc));
      }
    }
    for (int k4 = 0; k4 < 4; k4++) {
      const __m512i s0 = _mm512_load_si512(p0[i].sums[k4]);
      const __m512i s1 = T == 2 ? _mm512_load_si512(p1[i].sums[k4]) : s0;
      for (int j = 0; j < 4; j++) {
        const __m512i m = _mm512_set1_epi32(w[j][i].min_pairs[k4]);
        msum[2 * j] = _mm512_dpwssd_epi32(msum[2 * j], s0, m);
        if (T == 2) msum[2 * j + 1] = _mm512_dpwssd_epi32(msum[2 * j + 1], s1, m);
      }
    }
    const __m512 yd0 = _mm512_load_ps(p0[i].d);
    const __m512 yd1 = T == 2 ? _mm512_load_ps(p1[i].d) : yd0;
    for (int j = 0; j < 4; j++) {
      const __m512 d = _mm512_set1_ps(w[j][i].d), dmin = _mm512_set1_ps(w[j][i].dmin);
      acc[2 * j] = _mm512_fmadd_ps(_mm512_mul_ps(yd0, d), _mm512_cvtepi32_ps(isum[2 * j]), acc[2 * j]);
      mins[2 * j] = _mm512_fmadd_ps(_mm512_mul_ps(yd0, dmin), _mm512_cvtepi32_ps(msum[2 * j]), mins[2 * j]);
      if (T == 2) {
        acc[2 * j + 1] = _mm512_fmadd_ps(_mm512_mul_ps(yd1, d), _mm512_cvtepi32_ps(isum[2 * j + 1]), acc[2 * j + 1]);
        mins[2 * j + 1] =
          _mm512_fmadd_ps(_mm512_mul_ps(yd1, dmin), _mm512_cvtepi32_ps(msum[2 * j + 1]), mins[2 * j + 1]);
      }
    }
  }
  for (int k = 0; k < 8; k++) out[k] = _mm512_sub_ps(acc[k], mins[k]);
}

static TARGET512 void panel_q4_K(int64_t nb, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,
                                 int64_t row_end, const panel_q4_K_block *panel, int64_t batch, float *output,
                                 int64_t stride, int64_t group, decoded_q4_K *decoded) {
  const int64_t tiles = (batch + 15) / 16;
  for (int64_t g0 = row_start; g0 < row_end; g0 += group) {
    const int64_t g1 = g0 + group < row_end ? g0 + group : row_end;
    for (int64_t r = g0; r < g1; r++) {
      const block_q4_K *x = (const block_q4_K *)(weights + (size_t)r * weight_row_bytes);
      for (int64_t i = 0; i < nb; i++) decode_q4_K_block(x + i, decoded + (r - g0) * nb + i);
    }
    for (int64_t t = 0; t < tiles; t += 2) {
      const panel_q4_K_block *p0 = panel + t * nb, *p1 = p0 + nb;
      for (int64_t r = g0; r < g1; r += 4) {
        const int rows = g1 - r < 4 ? (int)(g1 - r) : 4;
        const decoded_q4_K *w[4];
        for (int j = 0; j < 4; j++) w[j] = decoded + (r - g0 + (j < rows ? j : rows - 1)) * nb;
        __m512 acc[8];
        if (t + 1 < tiles) {
          panel_q4_K_tile(nb, w, p0, p1, 2, acc);
          store_tile(acc[0], acc[2], acc[4], acc[6], output, stride, r, rows, 16 * t, batch);
          store_tile(acc[1], acc[3], acc[5], acc[7], output, stride, r, rows, 16 * (t + 1), batch);
        } else {
          panel_q4_K_tile(nb, w, p0, p0, 1, acc);
          store_tile(acc[0], acc[2], acc[4], acc[6], output, stride, r, rows, 16 * t, batch);
        }
      }
    }
  }
}

static void prepare_q4_K(const void *q8_K_rows, size_t row_bytes, int64_t n, int64_t batch, int64_t tile_start,
                         int64_t tile_end, void *panel) {
  const int64_t nb = n / HUNCH_QK_K;
  panel_q4_K_block *p = panel;
  for (int64_t t = tile_start; t < tile_end; t++) {
    for (int64_t i = 0; i < nb; i++) {
      panel_q4_K_block *pb = p + t * nb + i;
      memset(pb, 0, sizeof *pb);
      for (int k = 0; k < 16; k++) {
        const int64_t b = 16 * t + k;
        if (b >= batch) break;
        const block_q8_K *yb = (const block_q8_K *)((const uint8_t *)q8_K_rows + (size_t)b * row_bytes) + i;
        for (int g = 0; g < 64; g++) memcpy(pb->qs[g] + 4 * k, yb->qs + 4 * g, 4);
        for (int k4 = 0; k4 < 4; k4++) {
          const int lo = yb->bsums[4 * k4] + yb->bsums[4 * k4 + 1];
          const int hi = yb->bsums[4 * k4 + 2] + yb->bsums[4 * k4 + 3];
          pb->sums[k4][k] = (int32_t)((uint32_t)(uint16_t)(int16_t)lo | ((uint32_t)(uint16_t)(int16_t)hi << 16));
        }
        pb->d[k] = yb->d;
        for (int k8 = 0; k8 < 8; k8++)
          pb->bsums[k8][k] =
            (int32_t)((uint32_t)(uint16_t)yb->bsums[2 * k8] | ((uint32_t)(uint16_t)yb->bsums[2 * k8 + 1] << 16));
      }
    }
  }
}

// ---- Q4_K batches in the lane-wise arithmetic of hunch_dot_q4_K_vnni (the default; bit-identical to it), from the
// same panel. That kernel keeps eight float chains per output: chain l takes, per super-block, the exact integer
// Σ_c scale_c · (four products at elements 32c + 4l..4l+3) times yd·d; the mins are one chain; the result is its
// horizontal sum minus the mins. Here each chain of 16 activation rows is a vector: VPMADDUBSW with the four weight
// quants broadcast, then VPDPWSSD with the sub-block's scale. Chains 0..3 and 4..7 run as two passes so three
// weight rows share each activation load.
static inline __attribute__((always_inline)) TARGET512 void q4_K_lanes_pass(int64_t nb,
                                                                            const decoded_q4_K *const w[3],
                                                                            const panel_q4_K_block *p, const int l0,
                                                                            const int R, __m512 acc[3][4]) {
  for (int j = 0; j < R; j++)
    for (int k = 0; k < 4; k++) acc[j][k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    __m512i t[3][4];
    for (int j = 0; j < R; j++)
      for (int k = 0; k < 4; k++) t[j][k] = _mm512_setzero_si512();
    for (int c = 0; c < 8; c++) {
      __m512i sc[3];
      for (int j = 0; j < R; j++) sc[j] = _mm512_set1_epi32(w[j][i].scale_pairs[c]);
      for (int k = 0; k < 4; k++) {
        const int g = 8 * c + l0 + k;
        const __m512i a = _mm512_load_si512(p[i].qs[g]);
        for (int j = 0; j < R; j++) {
          int32_t word;
          memcpy(&word, w[j][i].q + 4 * g, 4);
          t[j][k] = _mm512_dpwssd_epi32(t[j][k], _mm512_maddubs_epi16(_mm512_set1_epi32(word), a), sc[j]);
        }
      }
    }
    const __m512 yd = _mm512_load_ps(p[i].d);
    for (int j = 0; j < R; j++) {
      const __m512 d = _mm512_mul_ps(yd, _mm512_set1_ps(w[j][i].d));
      for (int k = 0; k < 4; k++) acc[j][k] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(t[j][k]), acc[j][k]);
    }
  }
}

// The eight chains of a tile's 16 activation rows (chains 0..3 in `low`, 4..7 in `high`) summed in the one-row K
// kernels' horizontal order (lane l + lane l + 4, then + 2, + 1), minus `mins` (zero for Q6_K: x − 0 is x, bit for
// bit), stored to the tile's rows of one output column.
static inline TARGET512 void store_tile_sums(const __m512 low[4], const __m512 high[4], __m512 mins, int64_t tile,
                                             int64_t batch, float *column, int64_t stride) {
  __m512 s[4];
  for (int k = 0; k < 4; k++) s[k] = _mm512_add_ps(low[k], high[k]);
  s[0] = _mm512_add_ps(s[0], s[2]);
  s[1] = _mm512_add_ps(s[1], s[3]);
  float lanes[16];
  _mm512_storeu_ps(lanes, _mm512_sub_ps(_mm512_add_ps(s[0], s[1]), mins));
  for (int k = 0; k < 16 && 16 * tile + k < batch; k++) column[(16 * tile + k) * stride] = lanes[k];
}

static TARGET512 void q4_K_lanes(int64_t nb, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,
                                 int64_t row_end, const panel_q4_K_block *panel, int64_t batch, float *output,
                                 int64_t stride, decoded_q4_K *decoded) {
  const int64_t tiles = (batch + 15) / 16;
  for (int64_t r = row_start; r < row_end; r += 3) {
    const int R = row_end - r < 3 ? (int)(row_end - r) : 3;
    const decoded_q4_K *w[3];
    for (int j = 0; j < 3; j++) w[j] = decoded + (j < R ? j : R - 1) * nb;
    hunch_prefetch_rows(weights, weight_row_bytes, r + 3, r + 6 < row_end ? r + 6 : row_end);  // the next group
    for (int j = 0; j < R; j++) {
      const block_q4_K *x = (const block_q4_K *)(weights + (size_t)(r + j) * weight_row_bytes);
      for (int64_t i = 0; i < nb; i++) decode_q4_K_block(x + i, decoded + j * nb + i);
    }
    for (int64_t t = 0; t < tiles; t++) {
      const panel_q4_K_block *p = panel + t * nb;
      __m512 low[3][4], high[3][4];
      if (R == 3) {
        q4_K_lanes_pass(nb, w, p, 0, 3, low);
        q4_K_lanes_pass(nb, w, p, 4, 3, high);
      } else {
        q4_K_lanes_pass(nb, w, p, 0, 2, low);
        q4_K_lanes_pass(nb, w, p, 4, 2, high);
      }
      for (int j = 0; j < R; j++) {
        __m512 mins = _mm512_setzero_ps();
        for (int64_t i = 0; i < nb; i++) {
          __m512i m = _mm512_setzero_si512();
          for (int k = 0; k < 4; k++)
            m = _mm512_dpwssd_epi32(m, _mm512_load_si512(p[i].sums[k]), _mm512_set1_epi32(w[j][i].min_pairs[k]));
          mins = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_load_ps(p[i].d), _mm512_set1_ps(w[j][i].dmin)),
                                 _mm512_cvtepi32_ps(m), mins);
        }
        store_tile_sums(low[j], high[j], mins, t, batch, output + r + j, stride);
      }
    }
  }
}

// ---- Q6_K batches in the lane-wise arithmetic of hunch_dot_q6_K_vnni (bit-identical), from the same panel. Its
// eight chains: chain L takes, per super-block, Σ_c scale_{2c + (L >= 4)} · (four products of stored values q + 32
// at elements 32c + 4L..4L+3), chain 0 minus 32 · Σ_k scale_k · bsum_k, times yd·d; the result is the horizontal
// sum. Same passes as Q4_K.
typedef struct {
  uint8_t q[256];  // stored values q + 32 (0..63) in element order
  int32_t scale_pairs[16];  // scale k (signed) in both 16-bit halves
  int32_t offset_pairs[8];  // scales 2k (low 16 bits) and 2k + 1 (high)
  float d;
} decoded_q6_K;

static inline TARGET512 void decode_q6_K_block(const block_q6_K *x, decoded_q6_K *out) {
  const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), m30 = _mm256_set1_epi8(0x30);
  for (int half = 0; half < 2; half++) {
    const __m256i bits = _mm256_loadu_si256((const __m256i *)(x->qh + 32 * half));
    const __m256i l0 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * half));
    const __m256i l1 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * half + 32));
    uint8_t *q = out->q + 128 * half;
    _mm256_storeu_si256((__m256i *)q,
                        _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(bits, m2), 4)));
    const __m256i bits2 = _mm256_and_si256(_mm256_srli_epi16(bits, 2), m2);
    _mm256_storeu_si256((__m256i *)(q + 32), _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(bits2, 4)));
    _mm256_storeu_si256((__m256i *)(q + 64),
                        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(bits, m30)));
    _mm256_storeu_si256((__m256i *)(q + 96), _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                                             _mm256_and_si256(_mm256_srli_epi16(bits, 2), m30)));
  }
  for (int k = 0; k < 16; k++) {
    const uint16_t sc = (uint16_t)(int16_t)x->scales[k];
    out->scale_pairs[k] = (int32_t)((uint32_t)sc | ((uint32_t)sc << 16));
  }
  for (int k = 0; k < 8; k++)
    out->offset_pairs[k] = (int32_t)((uint32_t)(uint16_t)(int16_t)x->scales[2 * k] |
                                     ((uint32_t)(uint16_t)(int16_t)x->scales[2 * k + 1] << 16));
  out->d = half_value(x->d);
}

static inline __attribute__((always_inline)) TARGET512 void q6_K_lanes_pass(int64_t nb,
                                                                            const decoded_q6_K *const w[3],
                                                                            const panel_q4_K_block *p, const int l0,
                                                                            const int R, __m512 acc[3][4]) {
  for (int j = 0; j < R; j++)
    for (int k = 0; k < 4; k++) acc[j][k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    __m512i t[3][4];
    for (int j = 0; j < R; j++)
      for (int k = 0; k < 4; k++) t[j][k] = _mm512_setzero_si512();
    for (int c = 0; c < 8; c++) {
      __m512i sc[3];
      for (int j = 0; j < R; j++) sc[j] = _mm512_set1_epi32(w[j][i].scale_pairs[2 * c + (l0 >= 4)]);
      for (int k = 0; k < 4; k++) {
        const int g = 8 * c + l0 + k;
        const __m512i a = _mm512_load_si512(p[i].qs[g]);
        for (int j = 0; j < R; j++) {
          int32_t word;
          memcpy(&word, w[j][i].q + 4 * g, 4);
          t[j][k] = _mm512_dpwssd_epi32(t[j][k], _mm512_maddubs_epi16(_mm512_set1_epi32(word), a), sc[j]);
        }
      }
    }
    if (l0 == 0) {  // chain 0 carries −32 · Σ scale·bsum (the +32 in the stored values)
      for (int j = 0; j < R; j++) {
        __m512i offset = _mm512_setzero_si512();
        for (int k = 0; k < 8; k++)
          offset = _mm512_dpwssd_epi32(offset, _mm512_load_si512(p[i].bsums[k]),
                                       _mm512_set1_epi32(w[j][i].offset_pairs[k]));
        t[j][0] = _mm512_sub_epi32(t[j][0], _mm512_slli_epi32(offset, 5));
      }
    }
    const __m512 yd = _mm512_load_ps(p[i].d);
    for (int j = 0; j < R; j++) {
      const __m512 d = _mm512_mul_ps(yd, _mm512_set1_ps(w[j][i].d));
      for (int k = 0; k < 4; k++) acc[j][k] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(t[j][k]), acc[j][k]);
    }
  }
}

static TARGET512 void q6_K_lanes(int64_t nb, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,
                                 int64_t row_end, const panel_q4_K_block *panel, int64_t batch, float *output,
                                 int64_t stride, decoded_q6_K *decoded) {
  const int64_t tiles = (batch + 15) / 16;
  for (int64_t r = row_start; r < row_end; r += 3) {
    const int R = row_end - r < 3 ? (int)(row_end - r) : 3;
    const decoded_q6_K *w[3];
    for (int j = 0; j < 3; j++) w[j] = decoded + (j < R ? j : R - 1) * nb;
    hunch_prefetch_rows(weights, weight_row_bytes, r + 3, r + 6 < row_end ? r + 6 : row_end);  // the next group
    for (int j = 0; j < R; j++) {
      const block_q6_K *x = (const block_q6_K *)(weights + (size_t)(r + j) * weight_row_bytes);
      for (int64_t i = 0; i < nb; i++) decode_q6_K_block(x + i, decoded + j * nb + i);
    }
    for (int64_t t = 0; t < tiles; t++) {
      const panel_q4_K_block *p = panel + t * nb;
      __m512 low[3][4], high[3][4];
      if (R == 3) {
        q6_K_lanes_pass(nb, w, p, 0, 3, low);
        q6_K_lanes_pass(nb, w, p, 4, 3, high);
      } else {
        q6_K_lanes_pass(nb, w, p, 0, 2, low);
        q6_K_lanes_pass(nb, w, p, 4, 2, high);
      }
      for (int j = 0; j < R; j++)
        store_tile_sums(low[j], high[j], _mm512_setzero_ps(), t, batch, output + r + j, stride);
    }
  }
}

void hunch_matmul_lanes_q6_K(int64_t columns, const void *weights, size_t weight_row_bytes, int64_t row_start,
                             int64_t row_end, const void *panel, int64_t batch, float *output,
                             int64_t output_stride) {
  const int64_t nb = columns / HUNCH_QK_K;
  if (!hunch_lanes_q4_K_supported(columns)) return;
  _Alignas(64) decoded_q6_K decoded[3 * (10240 / HUNCH_QK_K)];
  q6_K_lanes(nb, weights, weight_row_bytes, row_start, row_end, panel, batch, output, output_stride, decoded);
}

int hunch_lanes_q4_K_supported(int64_t columns) { return columns % HUNCH_QK_K == 0 && columns <= 10240; }

void hunch_matmul_lanes_q4_K(int64_t columns, const void *weights, size_t weight_row_bytes, int64_t row_start,
                             int64_t row_end, const void *panel, int64_t batch, float *output,
                             int64_t output_stride) {
  const int64_t nb = columns / HUNCH_QK_K;
  if (!hunch_lanes_q4_K_supported(columns)) return;
  _Alignas(64) decoded_q4_K decoded[3 * (10240 / HUNCH_QK_K)];
  q4_K_lanes(nb, weights, weight_row_bytes, row_start, row_end, panel, batch, output, output_stride, decoded);
}

float hunch_blocksum_dot(uint32_t weight_type, int64_t n, const void *weights, const void *activations) {
  switch (weight_type) {
  case HUNCH_TYPE_Q5_0: return dot_q5_0_blocksum(n, weights, activations);
  case HUNCH_TYPE_Q4_K: return dot_q4_K_blocksum(n, weights, activations);
  default: return 0;
  }
}

void hunch_blocksum_matmul(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                           int64_t row_start, int64_t row_end, const void *activations, size_t activation_row_bytes,
                           const void *panel, int64_t batch, float *output, int64_t output_stride) {
  enum { SCRATCH = 65536 };  // decoded weights of a group of rows
  if (weight_type == HUNCH_TYPE_Q4_K) {
    const int64_t nb = columns / HUNCH_QK_K;
    const int64_t bytes = nb * (int64_t)sizeof(decoded_q4_K);
    const int64_t group = (SCRATCH / bytes < 16 ? SCRATCH / bytes : 16) / 4 * 4;
    if (panel && group >= 4) {
      _Alignas(64) decoded_q4_K decoded[SCRATCH / sizeof(decoded_q4_K)];
      panel_q4_K(nb, weights, weight_row_bytes, row_start, row_end, panel, batch, output, output_stride, group,
                 decoded);
      return;
    }
    for (int64_t b = 0; b < batch; b++) {
      const block_q8_K *y = (const block_q8_K *)((const uint8_t *)activations + (size_t)b * activation_row_bytes);
      rows16_q4_K(nb, weights, weight_row_bytes, row_start, row_end, y, output + b * output_stride);
    }
    return;
  }
  if (weight_type != HUNCH_TYPE_Q5_0) return;
  const int64_t nb = columns / HUNCH_QK;
  const int64_t group = (SCRATCH / (nb * 32) < 16 ? SCRATCH / (nb * 32) : 16) / 4 * 4;
  if (panel && group >= 4) {
    _Alignas(64) uint8_t wq[SCRATCH];
    float wd[SCRATCH / 32];
    panel_q5_0(nb, weights, weight_row_bytes, row_start, row_end, panel, batch, output, output_stride, group, wq, wd);
    return;
  }
  // Decoding, or rows too long for the scratch: the same bits one activation row at a time.
  for (int64_t b = 0; b < batch; b++) {
    const block_q8_0 *y = (const block_q8_0 *)((const uint8_t *)activations + (size_t)b * activation_row_bytes);
    rows16_q5_0(nb, weights, weight_row_bytes, row_start, row_end, y, output + b * output_stride);
  }
}
#else
#include "CHunchKernels.h"
int hunch_blocksum_offset(uint32_t weight_type) { (void)weight_type; return 0; }
int hunch_blocksum_supported(uint32_t weight_type) { (void)weight_type; return 0; }
float hunch_blocksum_dot(uint32_t weight_type, int64_t n, const void *weights, const void *activations) {
  (void)weight_type; (void)n; (void)weights; (void)activations; return 0;
}
int hunch_lanes_q4_K_supported(int64_t columns) { (void)columns; return 0; }
void hunch_matmul_lanes_q6_K(int64_t columns, const void *weights, size_t weight_row_bytes, int64_t row_start,
                             int64_t row_end, const void *panel, int64_t batch, float *output,
                             int64_t output_stride) {
  (void)columns; (void)weights; (void)weight_row_bytes; (void)row_start; (void)row_end; (void)panel; (void)batch;
  (void)output; (void)output_stride;
}
void hunch_matmul_lanes_q4_K(int64_t columns, const void *weights, size_t weight_row_bytes, int64_t row_start,
                             int64_t row_end, const void *panel, int64_t batch, float *output,
                             int64_t output_stride) {
  (void)columns; (void)weights; (void)weight_row_bytes; (void)row_start; (void)row_end; (void)panel; (void)batch;
  (void)output; (void)output_stride;
}
size_t hunch_blocksum_panel_bytes(uint32_t weight_type, int64_t n, int64_t batch) {
  (void)weight_type; (void)n; (void)batch; return 0;
}
void hunch_blocksum_prepare(uint32_t weight_type, const void *q8_0_rows, size_t row_bytes, int64_t n, int64_t batch,
                            int64_t tile_start, int64_t tile_end, void *panel) {
  (void)weight_type; (void)q8_0_rows; (void)row_bytes; (void)n; (void)batch; (void)tile_start; (void)tile_end;
  (void)panel;
}
void hunch_blocksum_matmul(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                           int64_t row_start, int64_t row_end, const void *activations, size_t activation_row_bytes,
                           const void *panel, int64_t batch, float *output, int64_t output_stride) {
  (void)weight_type; (void)columns; (void)weights; (void)weight_row_bytes; (void)row_start; (void)row_end;
  (void)activations; (void)activation_row_bytes; (void)panel; (void)batch; (void)output; (void)output_stride;
}
#endif
