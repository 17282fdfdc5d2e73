// Matrix products for Q4_0, Q5_0, Q8_0 and Q4_1 weights against activations prepared once per call ("pairs").
//
// The 512-bit kernels in x86_512.c spend most of their instructions on the activation side, redoing for every
// weight row what depends only on the activations: gathering two 34-byte Q8_0 blocks into one vector, the second
// VPDPBUSD that removes the weights' unsigned offset (offset · Σy), and converting the activation scales. Here each
// activation row is prepared once per product into 192-byte pairs: the 64 quants, −offset · Σy per 32-bit lane (the
// accumulator VPDPBUSD starts from), and the scales as floats in the lanes where each block's sums land. Integer
// sums are exact and the float steps are the same operations in the same order (scale = weight half · activation
// half as floats, one FMA per block pair and lane, the same final reduction), so every output is bit-identical to
// the hunch_dot_*_avx512 kernels; see MatMulTests.
#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "CHunchKernels.h"
#include "blocks.h"

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

static inline TARGET512 float half_to_float512(uint16_t h) {
  return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

TARGET512 void hunch_prepare_pairs(const void *q8_0_row, int64_t n, int offset, void *out) {
  const block_q8_0 *y = q8_0_row;
  pair_q8 *p = out;
  const int64_t pairs = n / (2 * HUNCH_QK);
  const __m512i offsets = _mm512_set1_epi8((char)offset);
  for (int64_t i = 0; i < pairs; i++) {
    const block_q8_0 *a = y + 2 * i;
    __m512i qs = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)a[0].qs)),
                                    _mm256_loadu_si256((const __m256i *)a[1].qs), 1);
    _mm512_storeu_si512(p[i].qs, qs);
    __m512i bias = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), offsets, qs));
    _mm512_storeu_si512(p[i].bias, bias);
    const float d0 = half_to_float512(a[0].d), d1 = half_to_float512(a[1].d);
    for (int l = 0; l < 8; l++) {
      p[i].d[l] = d0;
      p[i].d[8 + l] = d1;
    }
  }
}

// 64 nibbles of two 16-byte arrays in element order (as x86_512.c).
static inline TARGET512 __m512i nibbles64p(const uint8_t *a, const uint8_t *b) {
  __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
                                         _mm_loadu_si128((const __m128i *)b), 1);
  __m512i spread = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 1, 0, 1, 2, 3, 2, 3), _mm512_castsi256_si512(both));
  spread = _mm512_srlv_epi64(spread, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
  return _mm512_and_si512(spread, _mm512_set1_epi8(0x0F));
}

// Weight scales of two blocks spread to lanes 0..7 and 8..15.
static inline TARGET512 __m512 weight_scales(uint16_t a, uint16_t b) {
  __m128 h = _mm_cvtph_ps(_mm_setr_epi16((short)a, (short)b, 0, 0, 0, 0, 0, 0));
  const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  return _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(h));
}

static inline TARGET512 __m512i decode_q4_0(const block_q4_0 *x) { return nibbles64p(x[0].qs, x[1].qs); }

static inline TARGET512 __m512i decode_q5_0(const block_q5_0 *x) {
  uint32_t h0, h1;
  memcpy(&h0, x[0].qh, 4);
  memcpy(&h1, x[1].qh, 4);
  __m512i q = nibbles64p(x[0].qs, x[1].qs);
  return _mm512_mask_add_epi8(q, (__mmask64)h0 | ((__mmask64)h1 << 32), q, _mm512_set1_epi8(16));
}

static inline TARGET512 __m512i decode_q8_0(const block_q8_0 *x) {
  __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)x[0].qs)),
                                 _mm256_loadu_si256((const __m256i *)x[1].qs), 1);
  return _mm512_xor_si512(q, _mm512_set1_epi8((char)0x80));
}

// One pair step with the scale products D already in their lanes: acc += D * float(Σ q·y − offset·Σy).
#define PAIR_STEP_SCALED(ACC, Q, D, P)                                                                             \
  do {                                                                                                           \
    __m512i sum = _mm512_dpbusd_epi32(_mm512_loadu_si512((P)->bias), (Q), _mm512_loadu_si512((P)->qs));           \
    ACC = _mm512_fmadd_ps((D), _mm512_cvtepi32_ps(sum), ACC);                                                    \
  } while (0)

// One pair step of one activation row: acc += (wd · ad) * float(Σ q·y − offset·Σy).
#define PAIR_STEP(ACC, Q, WD, P)                                                                                   \
  do {                                                                                                           \
    __m512i sum = _mm512_dpbusd_epi32(_mm512_loadu_si512((P)->bias), (Q), _mm512_loadu_si512((P)->qs));           \
    __m512 d = _mm512_mul_ps((WD), _mm512_loadu_ps((P)->d));                                                     \
    ACC = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum), ACC);                                                      \
  } while (0)

// Rows [row_start, row_end) against `batch` prepared activation rows; activation tiles of 16 rows stay in cache
// while the thread's weight rows stream past them, eight (then four) activation rows per weight decode. The scale
// products of all those rows (rows × two blocks) come from one multiply of the gathered activation scales
// (`scales`: (pairs, batch, 2)) and are spread to each row's lanes: the same products, so the same bits as
// PAIR_STEP's per-row 512-bit multiply, at a fraction of its multiplier work.
#define MATMUL_PAIRS(NAME, BLOCK_T, DECODE)                                                                        \
  static TARGET512 void NAME(int64_t pairs, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,   \
                             int64_t row_end, const pair_q8 *act, const float *scales, int64_t batch,            \
                             float *output, int64_t output_stride) {                                             \
    enum { TILE = 16 };                                                                                          \
    const __m512i spread0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);                   \
    const __m512i two = _mm512_set1_epi32(2);                                                                    \
    const __m512i spread1 = _mm512_add_epi32(spread0, two), spread2 = _mm512_add_epi32(spread1, two),            \
                  spread3 = _mm512_add_epi32(spread2, two);                                                      \
    const int64_t ahead = batch == 1 ? hunch_prefetch_distance(weight_row_bytes) : 0;                            \
    for (int64_t b0 = 0; b0 < batch; b0 += TILE) {                                                               \
      const int64_t b1 = b0 + TILE < batch ? b0 + TILE : batch;                                                  \
      for (int64_t r = row_start; r < row_end; r++) {                                                            \
        hunch_prefetch_ahead(weights, weight_row_bytes, r, row_start, row_end, ahead);                            \
        const BLOCK_T *x = (const BLOCK_T *)(weights + (size_t)r * weight_row_bytes);                            \
        int64_t b = b0;                                                                                          \
        for (; b + 8 <= b1; b += 8) {                                                                            \
          const pair_q8 *y0 = act + b * pairs;                                                                   \
          const float *sc = scales + 2 * b;                                                                      \
          __m512 acc[8];                                                                                         \
          for (int k = 0; k < 8; k++) acc[k] = _mm512_setzero_ps();                                              \
          for (int64_t i = 0; i < pairs; i++, sc += 2 * batch) {                                                 \
            const __m512i q = DECODE(x + 2 * i);                                                                 \
            uint32_t wd2 = (uint32_t)x[2 * i].d | ((uint32_t)x[2 * i + 1].d << 16);                              \
            const __m512 wd = _mm512_cvtph_ps(_mm256_set1_epi32((int)wd2)); /* w0, w1, w0, w1, ... */            \
            const __m512 d = _mm512_mul_ps(wd, _mm512_loadu_ps(sc));                                             \
            for (int k = 0; k < 8; k++) {                                                                        \
              const __m512i spread = _mm512_add_epi32(spread0, _mm512_set1_epi32(2 * k));                        \
              PAIR_STEP_SCALED(acc[k], q, _mm512_permutexvar_ps(spread, d), y0 + k * pairs + i);                 \
            }                                                                                                    \
          }                                                                                                      \
          for (int k = 0; k < 8; k++) output[(b + k) * output_stride + r] = _mm512_reduce_add_ps(acc[k]);         \
        }                                                                                                        \
        for (; b + 4 <= b1; b += 4) {                                                                            \
          const pair_q8 *y0 = act + b * pairs, *y1 = y0 + pairs, *y2 = y1 + pairs, *y3 = y2 + pairs;             \
          const float *sc = scales + 2 * b;                                                                      \
          __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                            \
          for (int64_t i = 0; i < pairs; i++, sc += 2 * batch) {                                                 \
            const __m512i q = DECODE(x + 2 * i);                                                                 \
            uint32_t wd2 = (uint32_t)x[2 * i].d | ((uint32_t)x[2 * i + 1].d << 16);                              \
            const __m256 wd = _mm256_cvtph_ps(_mm_set1_epi32((int)wd2));  /* w0, w1, w0, w1, ... */              \
            const __m512 d = _mm512_castps256_ps512(_mm256_mul_ps(wd, _mm256_loadu_ps(sc)));                    \
            PAIR_STEP_SCALED(a0, q, _mm512_permutexvar_ps(spread0, d), y0 + i);                                  \
            PAIR_STEP_SCALED(a1, q, _mm512_permutexvar_ps(spread1, d), y1 + i);                                  \
            PAIR_STEP_SCALED(a2, q, _mm512_permutexvar_ps(spread2, d), y2 + i);                                  \
            PAIR_STEP_SCALED(a3, q, _mm512_permutexvar_ps(spread3, d), y3 + i);                                  \
          }                                                                                                      \
          output[(b + 0) * output_stride + r] = _mm512_reduce_add_ps(a0);                                        \
          output[(b + 1) * output_stride + r] = _mm512_reduce_add_ps(a1);                                        \
          output[(b + 2) * output_stride + r] = _mm512_reduce_add_ps(a2);                                        \
          output[(b + 3) * output_stride + r] = _mm512_reduce_add_ps(a3);                                        \
        }                                                                                                        \
        for (; b < b1; b++) {                                                                                    \
          const pair_q8 *y = act + b * pairs;                                                                    \
          __m512 acc = _mm512_setzero_ps();                                                                      \
          for (int64_t i = 0; i < pairs; i++) {                                                                  \
            const __m512i q = DECODE(x + 2 * i);                                                                 \
            PAIR_STEP(acc, q, weight_scales(x[2 * i].d, x[2 * i + 1].d), y + i);                                 \
          }                                                                                                      \
          output[b * output_stride + r] = _mm512_reduce_add_ps(acc);                                             \
        }                                                                                                        \
      }                                                                                                          \
    }                                                                                                            \
  }

MATMUL_PAIRS(matmul_pairs_q4_0, block_q4_0, decode_q4_0)
MATMUL_PAIRS(matmul_pairs_q5_0, block_q5_0, decode_q5_0)
MATMUL_PAIRS(matmul_pairs_q8_0, block_q8_0, decode_q8_0)

// ---- Q5_0 against one prepared activation row with byte permutes (AVX512-VBMI), for decoding.
//
// Without VBMI a block pair's quants arrive in two 16-byte loads, nibbles spread by a qword permute and shifts, the
// high bits through general-purpose registers, and the scales through two inserts. Here one masked 64-byte load
// holds the whole pair (44 bytes) and byte permutes pick every field out of it; two weight rows share each
// activation load. Each row's integer sums are the same exact lane sums and its float steps the same ones in the
// same order as matmul_pairs_q5_0's, so the outputs keep their bits (MatMulTests).
// One thread, 896-column rows: 1.59 → 1.49 ns per block pair and row in L2, 1.76 → 1.57 ns streaming from memory;
// the 0.5B's tg64 +6–8% when the memory bus is not the limit. Four rows at a time ran faster in L2 (1.31 ns) but
// not in the model: eight weight streams per step across two threads.
#define TARGET512_VBMI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi")))

typedef struct {
  __m512i quant_bytes;  // byte j (block j / 32, element j % 32): index of the qs byte holding its nibble
  __m512i high_bytes;  // byte j: index of the qh byte holding its fifth bit
  __m512i high_bits;  // byte j: that bit's mask
  __m512i scale_words;  // 16-bit words 0..7: the first block's half scale (word 0), 8..15: the second's (word 11)
} q5_0_pair_layout;

static TARGET512_VBMI q5_0_pair_layout q5_0_layout(void) {
  _Alignas(64) uint8_t quant[64], high[64], bits[64];
  _Alignas(64) uint16_t scale[32] = {0};
  const int block_bytes = (int)sizeof(block_q5_0), qh_at = 2, qs_at = 6;
  for (int j = 0; j < 64; j++) {
    const int block = j / 32, element = j % 32;
    quant[j] = (uint8_t)(block * block_bytes + qs_at + element % 16);
    high[j] = (uint8_t)(block * block_bytes + qh_at + element / 8);
    bits[j] = (uint8_t)(1u << (element % 8));
  }
  for (int w = 8; w < 16; w++) scale[w] = (uint16_t)(block_bytes / 2);
  q5_0_pair_layout l;
  l.quant_bytes = _mm512_load_si512(quant);
  l.high_bytes = _mm512_load_si512(high);
  l.high_bits = _mm512_load_si512(bits);
  l.scale_words = _mm512_load_si512(scale);
  return l;
}

// The unsigned quants (stored value + 16) of the block pair in `raw`, in element order.
static inline TARGET512_VBMI __m512i q5_0_pair_quants(__m512i raw, const q5_0_pair_layout *l) {
  __m512i q = _mm512_permutexvar_epi8(l->quant_bytes, raw);
  q = _mm512_mask_srli_epi16(q, 0xFF00FF00u, q, 4);  // elements 16..31 of each block take the high nibble
  q = _mm512_and_si512(q, _mm512_set1_epi8(0x0F));
  const __mmask64 high = _mm512_test_epi8_mask(_mm512_permutexvar_epi8(l->high_bytes, raw), l->high_bits);
  return _mm512_mask_add_epi8(q, high, q, _mm512_set1_epi8(16));
}

// The pair's two weight scales as floats in lanes 0..7 and 8..15.
static inline TARGET512_VBMI __m512 q5_0_pair_scales(__m512i raw, const q5_0_pair_layout *l) {
  return _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi16(l->scale_words, raw)));
}

static inline TARGET512_VBMI __m512i q5_0_pair_load(const uint8_t *pair) {
  return _mm512_maskz_loadu_epi8((1ull << (2 * sizeof(block_q5_0))) - 1, pair);  // no read past the pair
}

// `count` (1 or ROWS) weight rows from row r against the activation row; the activation loads are shared.
static inline __attribute__((always_inline)) TARGET512_VBMI void q5_0_vbmi_rows(
  int64_t pairs, const uint8_t *x, size_t weight_row_bytes, const pair_q8 *y, const q5_0_pair_layout *layout,
  float *output, const int count) {
  const size_t pair_bytes = 2 * sizeof(block_q5_0);
  __m512 acc[2];
  for (int k = 0; k < count; k++) acc[k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < pairs; i++) {
    const __m512i bias = _mm512_loadu_si512(y[i].bias), quants = _mm512_loadu_si512(y[i].qs);
    const __m512 scales = _mm512_loadu_ps(y[i].d);
    for (int k = 0; k < count; k++) {
      const __m512i raw = q5_0_pair_load(x + (size_t)k * weight_row_bytes + (size_t)i * pair_bytes);
      const __m512i sum = _mm512_dpbusd_epi32(bias, q5_0_pair_quants(raw, layout), quants);
      const __m512 d = _mm512_mul_ps(q5_0_pair_scales(raw, layout), scales);
      acc[k] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum), acc[k]);
    }
  }
  for (int k = 0; k < count; k++) output[k] = _mm512_reduce_add_ps(acc[k]);
}

static TARGET512_VBMI void matvec_q5_0_vbmi(int64_t pairs, const uint8_t *weights, size_t weight_row_bytes,
                                            int64_t row_start, int64_t row_end, const pair_q8 *y, float *output) {
  enum { ROWS = 2 };
  const q5_0_pair_layout layout = q5_0_layout();
  const int64_t ahead = hunch_prefetch_distance(weight_row_bytes);
  int64_t r = row_start;
  for (; r + ROWS <= row_end; r += ROWS) {
    for (int k = 0; k < ROWS; k++) hunch_prefetch_ahead(weights, weight_row_bytes, r + k, row_start, row_end, ahead);
    q5_0_vbmi_rows(pairs, weights + (size_t)r * weight_row_bytes, weight_row_bytes, y, &layout, output + r, ROWS);
  }
  for (; r < row_end; r++) {
    hunch_prefetch_ahead(weights, weight_row_bytes, r, row_start, row_end, ahead);
    q5_0_vbmi_rows(pairs, weights + (size_t)r * weight_row_bytes, weight_row_bytes, y, &layout, output + r, 1);
  }
}

// ---- Batches by lanes (Q4_0, Q5_0, Q8_0): the same arithmetic with 16 activation rows in the lanes.
//
// PAIR_STEP keeps 16 float chains per output, chain l fed by the four products of 32-bit lane l of each block pair
// (l < 8: block 2p, bytes 4l..4l+3; l >= 8: block 2p+1), and sums them with _mm512_reduce_add_ps at the end. Here
// chain l of 16 activation rows is one vector: per pair and chain one VPDPBUSD gives lane l's exact integer for all
// 16 rows (weight quants broadcast), then one conversion and one FMA, with no permute and no per-row decode. The
// chains of block 2p and of block 2p+1 are independent, so they run as two passes of eight, which leaves registers
// for three weight rows per activation load. Weights enter signed and activations unsigned (y + 128), so the
// offset term −128 · Σw of each lane comes with the weights, computed once per row. The integers equal PAIR_STEP's
// and the float steps are its steps, so outputs keep the one-row kernels' bits (MatMulTests).
typedef struct {
  uint8_t qs[16][64];  // [l][lane * 4 + k]: y + 128 for byte 4l + k of the pair, activation row `lane` of the tile
  float d[2][16];  // [block of the pair][lane]: activation scales
} lane_pair;
_Static_assert(sizeof(lane_pair) == HUNCH_LANE_PAIR_BYTES, "lane pair");

size_t hunch_lanes_panel_bytes(int64_t n, int64_t batch) {
  return (size_t)((batch + 15) / 16) * (size_t)(n / 64) * sizeof(lane_pair);
}

void hunch_lanes_prepare(const void *prepared, int64_t n, int64_t batch, int64_t tile_start, int64_t tile_end,
                         void *panel) {
  const int64_t pairs = n / 64;
  const pair_q8 *act = prepared;
  lane_pair *out = panel;
  for (int64_t t = tile_start; t < tile_end; t++) {
    for (int64_t p = 0; p < pairs; p++) {
      lane_pair *lp = out + t * pairs + p;
      if (16 * t + 16 > batch) {  // a partial tile: empty rows have y = 0
        memset(lp, 0x80, sizeof lp->qs);
        memset(lp->d, 0, sizeof lp->d);
      }
      for (int k = 0; k < 16 && 16 * t + k < batch; k++) {
        const pair_q8 *y = act + (16 * t + k) * pairs + p;
        for (int l = 0; l < 16; l++)
          for (int e = 0; e < 4; e++) lp->qs[l][4 * k + e] = (uint8_t)(y->qs[4 * l + e] ^ 0x80);
        lp->d[0][k] = y->d[0];
        lp->d[1][k] = y->d[8];
      }
    }
  }
}

// A weight row decoded for the lane kernels: signed quants of each pair, −128 · Σ of each 32-bit lane's four, and
// the block scales as floats.
typedef struct {
  int8_t q[64];
  int32_t bias[16];
} lane_weights;

// R weight rows (decoded) against one tile, chains of block 2p + h; acc[j][g] for row j, chain 8h + g.
static inline __attribute__((always_inline)) TARGET512 void lanes_half(int64_t pairs, const lane_weights *const w[3],
                                                                       const float *const wd[3], const lane_pair *lp,
                                                                       const int h, const int R, __m512 acc[3][8]) {
  for (int j = 0; j < R; j++)
    for (int g = 0; g < 8; g++) acc[j][g] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; p++) {
    const __m512 ad = _mm512_load_ps(lp[p].d[h]);
    __m512 d[3];
    for (int j = 0; j < R; j++) d[j] = _mm512_mul_ps(_mm512_set1_ps(wd[j][2 * p + h]), ad);
    for (int g = 0; g < 8; g++) {
      const int l = 8 * h + g;
      const __m512i a = _mm512_load_si512(lp[p].qs[l]);
      for (int j = 0; j < R; j++) {
        int32_t word;
        memcpy(&word, w[j][p].q + 4 * l, 4);
        const __m512i sum = _mm512_dpbusd_epi32(_mm512_set1_epi32(w[j][p].bias[l]), a, _mm512_set1_epi32(word));
        acc[j][g] = _mm512_fmadd_ps(d[j], _mm512_cvtepi32_ps(sum), acc[j][g]);
      }
    }
  }
}

// Rows [row_start, row_end) against every tile; `scratch` and `scales` hold three decoded rows.
#define MATMUL_LANES(NAME, BLOCK_T, DECODE, OFFSET)                                                                \
  static TARGET512 void NAME(int64_t pairs, const uint8_t *weights, size_t weight_row_bytes, int64_t row_start,   \
                             int64_t row_end, const lane_pair *panel, int64_t batch, float *output,              \
                             int64_t output_stride, lane_weights *scratch, float *scales) {                      \
    const int64_t tiles = (batch + 15) / 16;                                                                      \
    const __m512i offset = _mm512_set1_epi8((char)(OFFSET));                                                      \
    for (int64_t r = row_start; r < row_end; r += 3) {                                                            \
      const int R = row_end - r < 3 ? (int)(row_end - r) : 3;                                                     \
      const lane_weights *w[3];                                                                                   \
      const float *wd[3];                                                                                         \
      for (int j = 0; j < 3; j++) {                                                                               \
        const int k = j < R ? j : R - 1;                                                                          \
        w[j] = scratch + k * pairs;                                                                               \
        wd[j] = scales + k * 2 * pairs;                                                                           \
      }                                                                                                           \
      hunch_prefetch_rows(weights, weight_row_bytes, r + 3, r + 6 < row_end ? r + 6 : row_end);                 \
      for (int j = 0; j < R; j++) {                                                                               \
        const BLOCK_T *x = (const BLOCK_T *)(weights + (size_t)(r + j) * weight_row_bytes);                       \
        for (int64_t p = 0; p < pairs; p++) {                                                                     \
          const __m512i q = _mm512_sub_epi8(DECODE(x + 2 * p), offset); /* signed quants */                       \
          _mm512_storeu_si512(scratch[j * pairs + p].q, q);                                                       \
          const __m512i sum128 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), q);   \
          _mm512_storeu_si512(scratch[j * pairs + p].bias, _mm512_sub_epi32(_mm512_setzero_si512(), sum128));     \
          scales[j * 2 * pairs + 2 * p] = half_to_float512(x[2 * p].d);                                           \
          scales[j * 2 * pairs + 2 * p + 1] = half_to_float512(x[2 * p + 1].d);                                   \
        }                                                                                                         \
      }                                                                                                           \
      for (int64_t t = 0; t < tiles; t++) {                                                                       \
        const lane_pair *lp = panel + t * pairs;                                                                  \
        __m512 even[3][8], odd[3][8];                                                                             \
        if (R == 3) {                                                                                             \
          lanes_half(pairs, w, wd, lp, 0, 3, even);                                                               \
          lanes_half(pairs, w, wd, lp, 1, 3, odd);                                                                \
        } else {                                                                                                  \
          lanes_half(pairs, w, wd, lp, 0, 2, even);                                                               \
          lanes_half(pairs, w, wd, lp, 1, 2, odd);                                                                \
        }                                                                                                         \
        for (int j = 0; j < R; j++) {                                                                             \
          /* _mm512_reduce_add_ps's order: lane l + lane l + 8, then + 4, + 2, + 1. */                            \
          __m512 s[8];                                                                                            \
          for (int g = 0; g < 8; g++) s[g] = _mm512_add_ps(even[j][g], odd[j][g]);                                \
          for (int g = 0; g < 4; g++) s[g] = _mm512_add_ps(s[g], s[g + 4]);                                       \
          for (int g = 0; g < 2; g++) s[g] = _mm512_add_ps(s[g], s[g + 2]);                                       \
          float lanes[16];                                                                                        \
          _mm512_storeu_ps(lanes, _mm512_add_ps(s[0], s[1]));                                                     \
          for (int k = 0; k < 16 && 16 * t + k < batch; k++) output[(16 * t + k) * output_stride + r + j] = lanes[k]; \
        }                                                                                                         \
      }                                                                                                           \
    }                                                                                                             \
  }

MATMUL_LANES(matmul_lanes_q4_0, block_q4_0, decode_q4_0, 8)
MATMUL_LANES(matmul_lanes_q5_0, block_q5_0, decode_q5_0, 16)
MATMUL_LANES(matmul_lanes_q8_0, block_q8_0, decode_q8_0, 128)

void hunch_matmul_lanes(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                        int64_t row_start, int64_t row_end, const void *panel, int64_t batch, float *output,
                        int64_t output_stride) {
  const int64_t pairs = columns / 64;
  if (pairs > HUNCH_LANES_MAX_COLUMNS / 64) return;
  _Alignas(64) lane_weights w[3 * (HUNCH_LANES_MAX_COLUMNS / 64)];
  float scales[3 * 2 * (HUNCH_LANES_MAX_COLUMNS / 64)];
  switch (weight_type) {
  case HUNCH_TYPE_Q4_0:
    matmul_lanes_q4_0(pairs, weights, weight_row_bytes, row_start, row_end, panel, batch, output, output_stride, w,
                      scales);
    break;
  case HUNCH_TYPE_Q5_0:
    matmul_lanes_q5_0(pairs, weights, weight_row_bytes, row_start, row_end, panel, batch, output, output_stride, w,
                      scales);
    break;
  case HUNCH_TYPE_Q8_0:
    matmul_lanes_q8_0(pairs, weights, weight_row_bytes, row_start, row_end, panel, batch, output, output_stride, w,
                      scales);
    break;
  default: break;
  }
}

// ---- Q4_1 weights against prepared Q8_1 activations. A prepared pair holds the 64 quants, the blocks' sums
// s = d·Σq as floats in lanes 0 and 1 (where the bias of the offset formats sits; Q4_1 has no offset), and the
// scales as in pair_q8. The float steps are hunch_dot_q4_1_avx512's: acc = fma(wd·ad, float(Σ q·y), acc) per block
// pair, offsets += wm·s in lanes 0 and 1, result = the 512-bit reduction + (offset 0 + offset 1).
typedef struct {
  int8_t qs[64];
  float s[16];  // lanes 0, 1: sums of blocks 2p, 2p+1
  float d[16];
} pair_q8_1;
_Static_assert(sizeof(pair_q8_1) == HUNCH_PAIR_BYTES, "prepared Q8_1 pair");

TARGET512 void hunch_prepare_pairs_q8_1(const void *q8_1_row, int64_t n, void *out) {
  const block_q8_1 *y = q8_1_row;
  pair_q8_1 *p = out;
  const int64_t pairs = n / (2 * HUNCH_QK);
  for (int64_t i = 0; i < pairs; i++) {
    const block_q8_1 *a = y + 2 * i;
    _mm256_storeu_si256((__m256i *)p[i].qs, _mm256_loadu_si256((const __m256i *)a[0].qs));
    _mm256_storeu_si256((__m256i *)(p[i].qs + 32), _mm256_loadu_si256((const __m256i *)a[1].qs));
    const float d0 = half_to_float512(a[0].d), d1 = half_to_float512(a[1].d);
    for (int l = 0; l < 16; l++) p[i].s[l] = 0;
    p[i].s[0] = half_to_float512(a[0].s);
    p[i].s[1] = half_to_float512(a[1].s);
    for (int l = 0; l < 8; l++) {
      p[i].d[l] = d0;
      p[i].d[8 + l] = d1;
    }
  }
}

void hunch_gather_pair_sums(const void *prepared, int64_t n, int64_t batch, float *sums) {
  const int64_t pairs = n / (2 * HUNCH_QK);
  const pair_q8_1 *act = prepared;
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t i = 0; i < pairs; i++) {
      sums[(i * batch + b) * 2] = act[b * pairs + i].s[0];
      sums[(i * batch + b) * 2 + 1] = act[b * pairs + i].s[1];
    }
  }
}

// R (8 or 4) activation rows from row b against one Q4_1 weight row; scales and sums gathered as (pairs, batch, 2).
static inline __attribute__((always_inline)) TARGET512 void q4_1_pair_rows(
  const block_q4_1 *x, int64_t pairs, const pair_q8_1 *act, const float *scales, const float *sums, int64_t batch,
  int64_t b, float *output, int64_t output_stride, int64_t r, const int R) {
  const __m512i spread0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  __m512 acc[8];
  for (int k = 0; k < R; k++) acc[k] = _mm512_setzero_ps();
  __m512 offsets = _mm512_setzero_ps();  // lane 2k: row k's even blocks, 2k + 1: its odd blocks
  const float *sc = scales + 2 * b, *su = sums + 2 * b;
  for (int64_t i = 0; i < pairs; i++, sc += 2 * batch, su += 2 * batch) {
    const __m512i q = nibbles64p(x[2 * i].qs, x[2 * i + 1].qs);
    const uint32_t wd2 = (uint32_t)x[2 * i].d | ((uint32_t)x[2 * i + 1].d << 16);
    const uint32_t wm2 = (uint32_t)x[2 * i].m | ((uint32_t)x[2 * i + 1].m << 16);
    __m512 d, m;
    if (R == 8) {
      d = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_set1_epi32((int)wd2)), _mm512_loadu_ps(sc));
      m = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_set1_epi32((int)wm2)), _mm512_loadu_ps(su));
    } else {
      d = _mm512_castps256_ps512(_mm256_mul_ps(_mm256_cvtph_ps(_mm_set1_epi32((int)wd2)), _mm256_loadu_ps(sc)));
      m = _mm512_castps256_ps512(_mm256_mul_ps(_mm256_cvtph_ps(_mm_set1_epi32((int)wm2)), _mm256_loadu_ps(su)));
    }
    offsets = _mm512_add_ps(offsets, m);
    for (int k = 0; k < R; k++) {
      const pair_q8_1 *y = act + (b + k) * pairs + i;
      const __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, _mm512_loadu_si512(y->qs));
      const __m512 dk = _mm512_permutexvar_ps(_mm512_add_epi32(spread0, _mm512_set1_epi32(2 * k)), d);
      acc[k] = _mm512_fmadd_ps(dk, _mm512_cvtepi32_ps(sum), acc[k]);
    }
  }
  float off[16];
  _mm512_storeu_ps(off, offsets);
  for (int k = 0; k < R; k++)
    output[(b + k) * output_stride + r] = _mm512_reduce_add_ps(acc[k]) + (off[2 * k] + off[2 * k + 1]);
}

static TARGET512 void matmul_pairs_q4_1(int64_t pairs, const uint8_t *weights, size_t weight_row_bytes,
                                        int64_t row_start, int64_t row_end, const pair_q8_1 *act,
                                        const float *scales, const float *sums, int64_t batch, float *output,
                                        int64_t output_stride) {
  enum { TILE = 16 };
  const int64_t ahead = batch == 1 ? hunch_prefetch_distance(weight_row_bytes) : 0;
  for (int64_t b0 = 0; b0 < batch; b0 += TILE) {
    const int64_t b1 = b0 + TILE < batch ? b0 + TILE : batch;
    for (int64_t r = row_start; r < row_end; r++) {
      hunch_prefetch_ahead(weights, weight_row_bytes, r, row_start, row_end, ahead);
      const block_q4_1 *x = (const block_q4_1 *)(weights + (size_t)r * weight_row_bytes);
      int64_t b = b0;
      for (; b + 8 <= b1; b += 8) q4_1_pair_rows(x, pairs, act, scales, sums, batch, b, output, output_stride, r, 8);
      for (; b + 4 <= b1; b += 4) q4_1_pair_rows(x, pairs, act, scales, sums, batch, b, output, output_stride, r, 4);
      for (; b < b1; b++) {
        const pair_q8_1 *y = act + b * pairs;
        __m512 acc = _mm512_setzero_ps();
        __m128 offsets = _mm_setzero_ps();
        for (int64_t i = 0; i < pairs; i++) {
          const __m512i q = nibbles64p(x[2 * i].qs, x[2 * i + 1].qs);
          const __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, _mm512_loadu_si512(y[i].qs));
          const __m512 d = _mm512_mul_ps(weight_scales(x[2 * i].d, x[2 * i + 1].d), _mm512_loadu_ps(y[i].d));
          acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum), acc);
          const __m128 wm = _mm_cvtph_ps(_mm_setr_epi16((short)x[2 * i].m, (short)x[2 * i + 1].m, 0, 0, 0, 0, 0, 0));
          offsets = _mm_add_ps(offsets, _mm_mul_ps(wm, _mm_loadu_ps(y[i].s)));
        }
        output[b * output_stride + r] =
          _mm512_reduce_add_ps(acc) + (_mm_cvtss_f32(offsets) + _mm_cvtss_f32(_mm_movehdup_ps(offsets)));
      }
    }
  }
}

int hunch_pairs_offset(uint32_t weight_type) {
  switch (weight_type) {
  case HUNCH_TYPE_Q4_0: return 8;
  case HUNCH_TYPE_Q5_0: return 16;
  case HUNCH_TYPE_Q8_0: return 128;
  default: return 0;
  }
}

void hunch_gather_pair_scales(const void *prepared, int64_t n, int64_t batch, float *scales) {
  const int64_t pairs = n / (2 * HUNCH_QK);
  const pair_q8 *act = prepared;
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t i = 0; i < pairs; i++) {
      scales[(i * batch + b) * 2] = act[b * pairs + i].d[0];
      scales[(i * batch + b) * 2 + 1] = act[b * pairs + i].d[8];
    }
  }
}

void hunch_matmul_pairs(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                        int64_t row_start, int64_t row_end, const void *prepared, const float *scales,
                        const float *sums, int64_t batch, float *output, int64_t output_stride, int byte_permutes) {
  const int64_t pairs = columns / (2 * HUNCH_QK);
  switch (weight_type) {
  case HUNCH_TYPE_Q4_0:
    matmul_pairs_q4_0(pairs, weights, weight_row_bytes, row_start, row_end, prepared, scales, batch, output,
                      output_stride);
    break;
  case HUNCH_TYPE_Q5_0:
    if (batch == 1 && byte_permutes && (hunch_cpu_features() & 8)) {
      matvec_q5_0_vbmi(pairs, weights, weight_row_bytes, row_start, row_end, prepared, output);
    } else {
      matmul_pairs_q5_0(pairs, weights, weight_row_bytes, row_start, row_end, prepared, scales, batch, output,
                        output_stride);
    }
    break;
  case HUNCH_TYPE_Q8_0:
    matmul_pairs_q8_0(pairs, weights, weight_row_bytes, row_start, row_end, prepared, scales, batch, output,
                      output_stride);
    break;
  case HUNCH_TYPE_Q4_1:
    matmul_pairs_q4_1(pairs, weights, weight_row_bytes, row_start, row_end, prepared, scales, sums, batch, output,
                      output_stride);
    break;
  default: break;
  }
}

int hunch_pairs_supported(uint32_t weight_type) {
  return hunch_pairs_offset(weight_type) > 0 || weight_type == HUNCH_TYPE_Q4_1;
}
#else
#include "CHunchKernels.h"
int hunch_pairs_offset(uint32_t weight_type) { (void)weight_type; return 0; }
size_t hunch_lanes_panel_bytes(int64_t n, int64_t batch) { (void)n; (void)batch; return 0; }
void hunch_lanes_prepare(const void *prepared, int64_t n, int64_t batch, int64_t tile_start, int64_t tile_end,
                         void *panel) {
  (void)prepared; (void)n; (void)batch; (void)tile_start; (void)tile_end; (void)panel;
}
void hunch_matmul_lanes(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                        int64_t row_start, int64_t row_end, const void *panel, int64_t batch, float *output,
                        int64_t output_stride) {
  (void)weight_type; (void)columns; (void)weights; (void)weight_row_bytes; (void)row_start; (void)row_end;
  (void)panel; (void)batch; (void)output; (void)output_stride;
}
void hunch_prepare_pairs(const void *q8_0_row, int64_t n, int offset, void *out) {
  (void)q8_0_row; (void)n; (void)offset; (void)out;
}
void hunch_gather_pair_scales(const void *prepared, int64_t n, int64_t batch, float *scales) {
  (void)prepared; (void)n; (void)batch; (void)scales;
}
void hunch_matmul_pairs(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                        int64_t row_start, int64_t row_end, const void *prepared, const float *scales,
                        const float *sums, int64_t batch, float *output, int64_t output_stride, int byte_permutes) {
  (void)byte_permutes;
  (void)weight_type; (void)columns; (void)weights; (void)weight_row_bytes; (void)row_start; (void)row_end;
  (void)prepared; (void)scales; (void)sums; (void)batch; (void)output; (void)output_stride;
}
int hunch_pairs_supported(uint32_t weight_type) { (void)weight_type; return 0; }
void hunch_prepare_pairs_q8_1(const void *q8_1_row, int64_t n, void *out) { (void)q8_1_row; (void)n; (void)out; }
void hunch_gather_pair_sums(const void *prepared, int64_t n, int64_t batch, float *sums) {
  (void)prepared; (void)n; (void)batch; (void)sums;
}
#endif
