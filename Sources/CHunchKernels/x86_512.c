// 512-bit kernels for the 32-element formats on CPUs with AVX-512 BW/VNNI: two blocks per vector. They take
// unsigned quants (stored value + offset) into VPDPBUSD and remove offset·Σy with a second VPDPBUSD, which is exact.
// An odd last block goes to the 256-bit kernel.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "blocks.h"

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

// Half to float in a zeroed register (see x86_body.h: otherwise the insert may target the accumulator's register).
static inline TARGET512 float half512(uint16_t h) {
  __m128i v;
  __asm__("vmovd %k1, %0" : "=x"(v) : "r"((uint32_t)h));  // zero-extending: no stale upper lanes
  return _mm_cvtss_f32(_mm_cvtph_ps(v));
}

// 64 nibbles of two 16-byte arrays, in element order: a's low, a's high, b's low, b's high.
static inline TARGET512 __m512i nibbles64(const uint8_t *a, const uint8_t *b) {
  __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
                                         _mm_loadu_si128((const __m128i *)b), 1);
  __m512i spread = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 1, 0, 1, 2, 3, 2, 3), _mm512_castsi256_si512(both));
  spread = _mm512_srlv_epi64(spread, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
  return _mm512_and_si512(spread, _mm512_set1_epi8(0x0F));
}

static inline TARGET512 __m512i activations64(const int8_t *a, const int8_t *b) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)a)),
                            _mm256_loadu_si256((const __m256i *)b), 1);
}

// The combined scales of two blocks, wa·aa in lanes 0..7 and wb·ab in lanes 8..15 (where each block's sums sit).
// The four halves are converted in one instruction from a freshly built register, so no block's scale waits on the
// accumulator of the one before.
static inline TARGET512 __m128 products2(uint16_t wa, uint16_t aa, uint16_t wb, uint16_t ab) {
  __m128 h = _mm_cvtph_ps(_mm_setr_epi16((short)wa, (short)wb, (short)aa, (short)ab, 0, 0, 0, 0));
  return _mm_mul_ps(h, _mm_movehl_ps(h, h));  // lane 0: wa·aa, lane 1: wb·ab
}

static inline TARGET512 __m512 scales2(uint16_t wa, uint16_t aa, uint16_t wb, uint16_t ab) {
  __m128 products = products2(wa, aa, wb, ab);
  const __m512i spread = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
  return _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(products));
}

float hunch_dot_q4_0_vnni(int64_t n, const void *w, const void *a);
float hunch_dot_q4_1_vnni(int64_t n, const void *w, const void *a);
float hunch_dot_q5_0_vnni(int64_t n, const void *w, const void *a);
float hunch_dot_q8_0_vnni(int64_t n, const void *w, const void *a);

TARGET512 float hunch_dot_q5_0_avx512(int64_t n, const void *w, const void *a) {
  const block_q5_0 *x = w;
  const block_q8_0 *y = a;
  const int64_t nb = n / HUNCH_QK;
  const __m512i sixteen = _mm512_set1_epi8(16);
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    uint32_t h0, h1;
    memcpy(&h0, x[i].qh, 4);
    memcpy(&h1, x[i + 1].qh, 4);
    __mmask64 high = (__mmask64)h0 | ((__mmask64)h1 << 32);
    __m512i q = nibbles64(x[i].qs, x[i + 1].qs);
    q = _mm512_mask_add_epi8(q, high, q, sixteen);  // stored value 0..31 = element + 16
    __m512i yv = activations64(y[i].qs, y[i + 1].qs);
    __m512i sum = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), q, yv),
                                   _mm512_dpbusd_epi32(_mm512_setzero_si512(), sixteen, yv));
    __m512 d = scales2(x[i].d, y[i].d, x[i + 1].d, y[i + 1].d);
    acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum), acc);
  }
  float total = _mm512_reduce_add_ps(acc);
  if (i < nb) total += hunch_dot_q5_0_vnni(HUNCH_QK, x + i, y + i);
  return total;
}

TARGET512 float hunch_dot_q4_0_avx512(int64_t n, const void *w, const void *a) {
  const block_q4_0 *x = w;
  const block_q8_0 *y = a;
  const int64_t nb = n / HUNCH_QK;
  const __m512i eight = _mm512_set1_epi8(8);
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    __m512i q = nibbles64(x[i].qs, x[i + 1].qs);  // element + 8
    __m512i yv = activations64(y[i].qs, y[i + 1].qs);
    __m512i sum = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), q, yv),
                                   _mm512_dpbusd_epi32(_mm512_setzero_si512(), eight, yv));
    __m512 d = scales2(x[i].d, y[i].d, x[i + 1].d, y[i + 1].d);
    acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum), acc);
  }
  float total = _mm512_reduce_add_ps(acc);
  if (i < nb) total += hunch_dot_q4_0_vnni(HUNCH_QK, x + i, y + i);
  return total;
}

TARGET512 float hunch_dot_q4_1_avx512(int64_t n, const void *w, const void *a) {
  const block_q4_1 *x = w;
  const block_q8_1 *y = a;
  const int64_t nb = n / HUNCH_QK;
  __m512 acc = _mm512_setzero_ps();
  __m128 offsets = _mm_setzero_ps();  // Σ m·s in lanes 0 and 1
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    __m512i q = nibbles64(x[i].qs, x[i + 1].qs);
    __m512i yv = activations64(y[i].qs, y[i + 1].qs);
    __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, yv);
    __m512 d = scales2(x[i].d, y[i].d, x[i + 1].d, y[i + 1].d);
    acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum), acc);
    offsets = _mm_add_ps(offsets, products2(x[i].m, y[i].s, x[i + 1].m, y[i + 1].s));
  }
  float total = _mm512_reduce_add_ps(acc) + (_mm_cvtss_f32(offsets) + _mm_cvtss_f32(_mm_movehdup_ps(offsets)));
  if (i < nb) total += hunch_dot_q4_1_vnni(HUNCH_QK, x + i, y + i);
  return total;
}

TARGET512 float hunch_dot_q8_0_avx512(int64_t n, const void *w, const void *a) {
  const block_q8_0 *x = w;
  const block_q8_0 *y = a;
  const int64_t nb = n / HUNCH_QK;
  const __m512i bias = _mm512_set1_epi8((char)0x80);  // x + 128 as unsigned: flip the sign bit
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    __m512i q = _mm512_xor_si512(activations64(x[i].qs, x[i + 1].qs), bias);
    __m512i yv = activations64(y[i].qs, y[i + 1].qs);
    __m512i sum = _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), q, yv),
                                   _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, yv));
    __m512 d = scales2(x[i].d, y[i].d, x[i + 1].d, y[i + 1].d);
    acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sum), acc);
  }
  float total = _mm512_reduce_add_ps(acc);
  if (i < nb) total += hunch_dot_q8_0_vnni(HUNCH_QK, x + i, y + i);
  return total;
}

// ---- Four activation rows at once (prompt batches): each weight block pair is decoded once and its scales are
// combined with all four rows' scales in one conversion.

// Stored (unsigned) quants of two blocks plus the offset that turns them back into signed values.
#define DOT4_BODY(BLOCK_T, DECODE, OFFSET, SINGLE)                                                                  \
  const BLOCK_T *x = w;                                                                                           \
  const block_q8_0 *y[4];                                                                                         \
  for (int r = 0; r < 4; r++) y[r] = (const block_q8_0 *)((const uint8_t *)a + r * stride);                       \
  const int64_t nb = n / HUNCH_QK;                                                                                \
  const __m512i offset = OFFSET;                                                                                  \
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};          \
  int64_t i = 0;                                                                                                  \
  for (; i + 1 < nb; i += 2) {                                                                                    \
    __m512i q = DECODE;                                                                                           \
    /* Activation scales: lanes 0..3 rows' block i, lanes 4..7 block i+1; times the weight scale of each block. */ \
    __m256 ad = _mm256_cvtph_ps(_mm_setr_epi16((short)y[0][i].d, (short)y[1][i].d, (short)y[2][i].d,           \
                                               (short)y[3][i].d, (short)y[0][i + 1].d, (short)y[1][i + 1].d,     \
                                               (short)y[2][i + 1].d, (short)y[3][i + 1].d));                     \
    __m128 wd = _mm_cvtph_ps(_mm_setr_epi16((short)x[i].d, (short)x[i + 1].d, 0, 0, 0, 0, 0, 0));              \
    __m256 wd8 = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(wd), _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1)); \
    __m512 products = _mm512_castps256_ps512(_mm256_mul_ps(ad, wd8));                                             \
    for (int r = 0; r < 4; r++) {                                                                                 \
      __m512i yv = activations64(y[r][i].qs, y[r][i + 1].qs);                                                     \
      __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, yv);                                           \
      sum = _mm512_sub_epi32(sum, _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, yv));                       \
      __m512i spread = _mm512_setr_epi32(r, r, r, r, r, r, r, r, r + 4, r + 4, r + 4, r + 4, r + 4, r + 4, r + 4,  \
                                         r + 4);                                                                  \
      acc[r] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread, products), _mm512_cvtepi32_ps(sum), acc[r]);         \
    }                                                                                                             \
  }                                                                                                               \
  for (int r = 0; r < 4; r++) {                                                                                   \
    out[r] = _mm512_reduce_add_ps(acc[r]);                                                                        \
    if (i < nb) out[r] += SINGLE(HUNCH_QK, x + i, y[r] + i);                                                      \
  }

static inline TARGET512 __m512i q5_0_pair(const block_q5_0 *b) {
  uint32_t h0, h1;
  memcpy(&h0, b[0].qh, 4);
  memcpy(&h1, b[1].qh, 4);
  __m512i q = nibbles64(b[0].qs, b[1].qs);
  return _mm512_mask_add_epi8(q, (__mmask64)h0 | ((__mmask64)h1 << 32), q, _mm512_set1_epi8(16));
}

TARGET512 void hunch_dot4_q5_0_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  DOT4_BODY(block_q5_0, q5_0_pair(x + i), _mm512_set1_epi8(16), hunch_dot_q5_0_vnni)
}

TARGET512 void hunch_dot4_q4_0_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  DOT4_BODY(block_q4_0, nibbles64(x[i].qs, x[i + 1].qs), _mm512_set1_epi8(8), hunch_dot_q4_0_vnni)
}

TARGET512 void hunch_dot4_q8_0_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  DOT4_BODY(block_q8_0,
            _mm512_xor_si512(activations64(x[i].qs, x[i + 1].qs), _mm512_set1_epi8((char)0x80)),
            _mm512_set1_epi8((char)0x80), hunch_dot_q8_0_vnni)
}
// K formats, four activation rows: 64 quants per 512-bit vector (a 32-byte chunk's low and high nibbles, or two
// 6-bit groups), matching 64 consecutive activation bytes; scales are spread to 16-bit lanes with one VPERMW.

static inline TARGET512 __m512i lanes_of(__m512i table16, int first, int per) {
  // 16-bit lane k gets table16[first + k / per].
  uint16_t index[32];
  for (int k = 0; k < 32; k++) index[k] = (uint16_t)(first + k / per);
  return _mm512_permutexvar_epi16(_mm512_loadu_si512(index), table16);
}

// The one-row 256-bit kernels' horizontal sum (x86_body.h), the same adds in the same order.
static inline TARGET512 float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Low 256-bit half plus high half, as 32-bit integers (exact).
static inline TARGET512 __m256i fold256(__m512i v) {
  return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

static inline TARGET512 int reduce_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

// Q4_K's packed 6-bit scales and mins (see hunch_q4_K_scale_min) unpacked in vector registers: the eight scales in
// bytes 0..7, the eight mins in bytes 8..15. Built from the three 32-bit words w0, w1, w2 without general-purpose
// registers: inserting those into a vector let the compiler pick a live accumulator as the base register, which
// chained every super-block behind the last one's result.
static inline TARGET512 __m128i q4_K_scales_mins(const uint8_t *packed) {
  // The 16-byte load reads 4 bytes past the 12 packed ones: the block's quants follow them.
  const __m128i words = _mm_loadu_si128((const __m128i *)packed);
  const __m128i low = _mm_shuffle_epi32(words, _MM_SHUFFLE(2, 1, 2, 0));   // w0, w2, w1, w2
  const __m128i high = _mm_shuffle_epi32(words, _MM_SHUFFLE(1, 1, 0, 0));  // w0, w0, w1, w1
  const __m128i low_bits = _mm_and_si128(_mm_srlv_epi32(low, _mm_setr_epi32(0, 0, 0, 4)),
                                         _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F));
  const __m128i top_bits = _mm_and_si128(_mm_srli_epi32(high, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(low_bits, top_bits);
}

// Four rows' eight 32-bit lanes each, summed per row: lane r of the result is the sum of v[r] (exact integers).
static inline TARGET512 __m128i reduce4_epi32(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
  __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// Lane r of four floats in all eight lanes.
static inline TARGET512 __m256 broadcast_lane(__m128 v, int r) {
  return _mm256_permutexvar_ps(_mm256_set1_epi32(r), _mm256_castps128_ps256(v));
}

// 4·G activation rows against one Q4_K weight row (G = 1 or 2), each row bit-identical to hunch_dot_q4_K_vnni:
// every 32-bit lane ends each super-block holding the same integer as that kernel's (low nibbles in the low half,
// high nibbles in the high half of a 512-bit vector, folded), and the float steps are its steps in its order:
// acc = fma(y.d·d, lanes, acc) on eight lanes, mins = fma(y.d·dmin, msum, mins), then the same horizontal sum minus
// mins. The weight block is decoded once for all rows; the per-row scalar work is done four rows per vector.
static inline __attribute__((always_inline)) TARGET512 void q4_K_rows(int64_t n, const void *w, const void *a,
                                                                      size_t stride, float *out, const int G) {
  const block_q4_K *x = w;
  const block_q8_K *y[8];
  for (int r = 0; r < 4 * G; r++) y[r] = (const void *)((const uint8_t *)a + r * stride);
  const int64_t nb = n / HUNCH_QK_K;
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  // 16-bit lane k of min pairs: min k / 2 (sub-block j's min goes with bsums 2j and 2j + 1); mins sit at 8..15.
  const __m256i min_pairs = _mm256_setr_epi16(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  __m256 acc[8];
  __m128 mins[2];
  for (int r = 0; r < 4 * G; r++) acc[r] = _mm256_setzero_ps();
  for (int g = 0; g < G; g++) mins[g] = _mm_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    const __m256i table = _mm256_cvtepu8_epi16(q4_K_scales_mins(x[i].scales));  // scales 0..7, mins 8..15
    const __m512i table512 = _mm512_castsi256_si512(table);
    __m512i s[8];
    for (int r = 0; r < 4 * G; r++) s[r] = _mm512_setzero_si512();
    for (int j = 0; j < 4; j++) {
      __m256i raw = _mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j));
      __m512i q = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_and_si256(raw, low_mask)),
                                     _mm256_and_si256(_mm256_srli_epi16(raw, 4), low_mask), 1);
      // Scale 2j in the low half's 16-bit lanes, 2j + 1 in the high half's.
      __m512i sc = _mm512_permutexvar_epi16(
        _mm512_inserti64x4(_mm512_set1_epi16((short)(2 * j)), _mm256_set1_epi16((short)(2 * j + 1)), 1), table512);
      for (int r = 0; r < 4 * G; r++)
        s[r] = _mm512_dpwssd_epi32(s[r], _mm512_maddubs_epi16(q, _mm512_loadu_si512(y[r][i].qs + 64 * j)), sc);
    }
    const __m256i min16 = _mm256_permutexvar_epi16(min_pairs, table);
    const __m128 xd = _mm_set1_ps(half512(x[i].d)), xmin = _mm_set1_ps(half512(x[i].dmin));
    for (int g = 0; g < G; g++) {
      const block_q8_K *const *yg = y + 4 * g;
      const __m128i msum = reduce4_epi32(_mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[0][i].bsums), min16),
                                         _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[1][i].bsums), min16),
                                         _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[2][i].bsums), min16),
                                         _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[3][i].bsums), min16));
      const __m128 yd = _mm_setr_ps(yg[0][i].d, yg[1][i].d, yg[2][i].d, yg[3][i].d);
      const __m128 d = _mm_mul_ps(yd, xd);
      mins[g] = _mm_fmadd_ps(_mm_mul_ps(yd, xmin), _mm_cvtepi32_ps(msum), mins[g]);
      for (int k = 0; k < 4; k++) {
        const int r = 4 * g + k;
        acc[r] = _mm256_fmadd_ps(broadcast_lane(d, k), _mm256_cvtepi32_ps(fold256(s[r])), acc[r]);
      }
    }
  }
  for (int g = 0; g < G; g++) {
    float m[4];
    _mm_storeu_ps(m, mins[g]);
    for (int k = 0; k < 4; k++) out[4 * g + k] = hsum256(acc[4 * g + k]) - m[k];
  }
}

// One activation row against one Q4_K row, bit-identical to hunch_dot_q4_K_vnni (decoding spends most of its time
// here). Each 32-byte chunk's low and high nibbles fill one 512-bit vector, so a super-block takes four multiply
// steps instead of eight; two accumulators split the chain, and folding them gives that kernel's exact 32-bit lanes.
// The mins term is one 16-lane multiply-add of the block sums instead of a scalar loop; its integer is the same.
TARGET512 float hunch_dot_q4_K_avx512(int64_t n, const void *w, const void *a) {
  const block_q4_K *x = w;
  const block_q8_K *y = a;
  const int64_t nb = n / HUNCH_QK_K;
  const __m512i low_mask = _mm512_set1_epi8(0x0F);
  const __m512i shifts = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);  // high half: >> 4
  const __m256i min_pairs = _mm256_setr_epi16(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  // Scale 2j in the low half's 16-bit lanes and 2j + 1 in the high half's, for j = 0..3.
  __m512i scale_index[4];
  for (int j = 0; j < 4; j++)
    scale_index[j] =
      _mm512_inserti64x4(_mm512_set1_epi16((short)(2 * j)), _mm256_set1_epi16((short)(2 * j + 1)), 1);
  __m256 acc = _mm256_setzero_ps();
  float mins = 0;
  for (int64_t i = 0; i < nb; i++) {
    const __m256i table = _mm256_cvtepu8_epi16(q4_K_scales_mins(x[i].scales));  // scales 0..7, mins 8..15
    const __m512i table512 = _mm512_castsi256_si512(table);
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    for (int j = 0; j < 4; j += 2) {
      __m512i q0 = _mm512_and_si512(
        _mm512_srlv_epi16(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j))), shifts),
        low_mask);
      __m512i q1 = _mm512_and_si512(
        _mm512_srlv_epi16(_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j + 32))),
                          shifts),
        low_mask);
      s0 = _mm512_dpwssd_epi32(s0, _mm512_maddubs_epi16(q0, _mm512_loadu_si512(y[i].qs + 64 * j)),
                               _mm512_permutexvar_epi16(scale_index[j], table512));
      s1 = _mm512_dpwssd_epi32(s1, _mm512_maddubs_epi16(q1, _mm512_loadu_si512(y[i].qs + 64 * j + 64)),
                               _mm512_permutexvar_epi16(scale_index[j + 1], table512));
    }
    const __m256i msum8 =
      _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)y[i].bsums), _mm256_permutexvar_epi16(min_pairs, table));
    const float d = y[i].d * half512(x[i].d);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(fold256(_mm512_add_epi32(s0, s1))), acc);
    mins = fmaf(y[i].d * half512(x[i].dmin), (float)reduce_epi32(msum8), mins);
  }
  return hsum256(acc) - mins;
}

TARGET512 void hunch_dot4_q4_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  q4_K_rows(n, w, a, stride, out, 1);
}

TARGET512 void hunch_dot8_q4_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  q4_K_rows(n, w, a, stride, out, 2);
}

// The stored values q + 32 (0..63) of one half (128 elements) of a Q6_K block: qa holds elements 0..31 and 32..63,
// qb 64..95 and 96..127.
static inline TARGET512 void q6_K_half(const block_q6_K *x, int half, __m512i *qa, __m512i *qb) {
  const __m512i m4 = _mm512_set1_epi8(0x0F), m2 = _mm512_set1_epi8(0x03), m30 = _mm512_set1_epi8(0x30);
  const __m512i l = _mm512_loadu_si512(x->ql + 64 * half);
  const __m256i bits = _mm256_loadu_si256((const __m256i *)(x->qh + 32 * half));
  const __m512i b = _mm512_inserti64x4(_mm512_castsi256_si512(bits), _mm256_srli_epi16(bits, 2), 1);
  *qa = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_slli_epi16(_mm512_and_si512(b, m2), 4));
  *qb = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4), _mm512_and_si512(b, m30));
}

// 4·G activation rows against one Q6_K weight row, each bit-identical to hunch_dot_q6_K_vnni: the 512-bit vectors
// hold two of that kernel's 256-bit groups, folded at the end of each super-block into its exact 32-bit lanes; the
// 32·Σ scale·bsum correction is taken off lane 0 as there, then the same FMA and horizontal sum.
static inline __attribute__((always_inline)) TARGET512 void q6_K_rows(int64_t n, const void *w, const void *a,
                                                                      size_t stride, float *out, const int G) {
  const block_q6_K *x = w;
  const block_q8_K *y[8];
  for (int r = 0; r < 4 * G; r++) y[r] = (const void *)((const uint8_t *)a + r * stride);
  const int64_t nb = n / HUNCH_QK_K;
  // 16-bit lane k of the scale vectors for 64 quants: scale first + k / 8 (16 elements per scale).
  const __m512i spread = _mm512_setr_epi64(0, 0, 0x0001000100010001LL, 0x0001000100010001LL, 0x0002000200020002LL,
                                           0x0002000200020002LL, 0x0003000300030003LL, 0x0003000300030003LL);
  __m256 acc[8];
  for (int r = 0; r < 4 * G; r++) acc[r] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    const __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales));
    const __m512i table = _mm512_castsi256_si512(scales16);
    __m512i s[8];
    for (int r = 0; r < 4 * G; r++) s[r] = _mm512_setzero_si512();
    for (int half = 0; half < 2; half++) {
      __m512i qa, qb;
      q6_K_half(x + i, half, &qa, &qb);
      const __m512i sa =
        _mm512_permutexvar_epi16(_mm512_add_epi16(spread, _mm512_set1_epi16((short)(8 * half))), table);
      const __m512i sb =
        _mm512_permutexvar_epi16(_mm512_add_epi16(spread, _mm512_set1_epi16((short)(8 * half + 4))), table);
      const size_t o = 128 * (size_t)half;
      for (int r = 0; r < 4 * G; r++)
        s[r] = _mm512_dpwssd_epi32(s[r], _mm512_maddubs_epi16(qa, _mm512_loadu_si512(y[r][i].qs + o)), sa);
      for (int r = 0; r < 4 * G; r++)
        s[r] = _mm512_dpwssd_epi32(s[r], _mm512_maddubs_epi16(qb, _mm512_loadu_si512(y[r][i].qs + o + 64)), sb);
    }
    const __m128 xd = _mm_set1_ps(half512(x[i].d));
    for (int g = 0; g < G; g++) {
      const block_q8_K *const *yg = y + 4 * g;
      // 32·Σ scale·bsum per row (the +32 in the stored values), exact.
      const __m128i offset = _mm_slli_epi32(
        reduce4_epi32(_mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[0][i].bsums), scales16),
                      _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[1][i].bsums), scales16),
                      _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[2][i].bsums), scales16),
                      _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yg[3][i].bsums), scales16)),
        5);
      const __m256i offset8 = _mm256_castsi128_si256(offset);
      const __m128 d = _mm_mul_ps(_mm_setr_ps(yg[0][i].d, yg[1][i].d, yg[2][i].d, yg[3][i].d), xd);
      for (int k = 0; k < 4; k++) {
        const int r = 4 * g + k;
        const __m256i lanes =
          _mm256_sub_epi32(fold256(s[r]), _mm256_maskz_permutexvar_epi32(1, _mm256_set1_epi32(k), offset8));
        acc[r] = _mm256_fmadd_ps(broadcast_lane(d, k), _mm256_cvtepi32_ps(lanes), acc[r]);
      }
    }
  }
  for (int r = 0; r < 4 * G; r++) out[r] = hsum256(acc[r]);
}

// One activation row against one Q6_K row, bit-identical to hunch_dot_q6_K_vnni: each 512-bit vector holds two of
// that kernel's 256-bit groups (folded into its exact 32-bit lanes at the end of the super-block), and the
// 32·Σ scale·bsum correction comes off lane 0 as there.
TARGET512 float hunch_dot_q6_K_avx512(int64_t n, const void *w, const void *a) {
  const block_q6_K *x = w;
  const block_q8_K *y = a;
  const int64_t nb = n / HUNCH_QK_K;
  // 16-bit lane k of the scale vectors for 64 quants: scale first + k / 8 (16 elements per scale).
  const __m512i spread = _mm512_setr_epi64(0, 0, 0x0001000100010001LL, 0x0001000100010001LL, 0x0002000200020002LL,
                                           0x0002000200020002LL, 0x0003000300030003LL, 0x0003000300030003LL);
  __m512i scale_index[4];
  for (int k = 0; k < 4; k++) scale_index[k] = _mm512_add_epi16(spread, _mm512_set1_epi16((short)(4 * k)));
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    const __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales));
    const __m512i table = _mm512_castsi256_si512(scales16);
    __m512i sa = _mm512_setzero_si512(), sb = _mm512_setzero_si512();
    for (int half = 0; half < 2; half++) {
      __m512i qa, qb;
      q6_K_half(x + i, half, &qa, &qb);
      const int8_t *yq = y[i].qs + 128 * half;
      sa = _mm512_dpwssd_epi32(sa, _mm512_maddubs_epi16(qa, _mm512_loadu_si512(yq)),
                               _mm512_permutexvar_epi16(scale_index[2 * half], table));
      sb = _mm512_dpwssd_epi32(sb, _mm512_maddubs_epi16(qb, _mm512_loadu_si512(yq + 64)),
                               _mm512_permutexvar_epi16(scale_index[2 * half + 1], table));
    }
    // 32·Σ scale·bsum (the +32 in the stored values) in every lane, exact; taken off lane 0 only.
    const __m256i products = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)y[i].bsums), scales16);
    __m128i offset = _mm_add_epi32(_mm256_castsi256_si128(products), _mm256_extracti128_si256(products, 1));
    offset = _mm_add_epi32(offset, _mm_shuffle_epi32(offset, 0x4E));
    offset = _mm_slli_epi32(_mm_add_epi32(offset, _mm_shuffle_epi32(offset, 0xB1)), 5);
    const __m256i lanes =
      _mm256_mask_sub_epi32(fold256(_mm512_add_epi32(sa, sb)), 1, fold256(_mm512_add_epi32(sa, sb)),
                            _mm256_castsi128_si256(offset));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half512(x[i].d)), _mm256_cvtepi32_ps(lanes), acc);
  }
  return hsum256(acc);
}

TARGET512 void hunch_dot4_q6_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  q6_K_rows(n, w, a, stride, out, 1);
}

TARGET512 void hunch_dot8_q6_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  q6_K_rows(n, w, a, stride, out, 2);
}

TARGET512 void hunch_dot4_q4_1_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out) {
  const block_q4_1 *x = w;
  const block_q8_1 *y[4];
  for (int r = 0; r < 4; r++) y[r] = (const block_q8_1 *)((const uint8_t *)a + r * stride);
  const int64_t nb = n / HUNCH_QK;
  const __m256i pick = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
  __m256 offsets = _mm256_setzero_ps();  // Σ m·s: lane r for block i of each pair, lane 4 + r for block i + 1
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    __m512i q = nibbles64(x[i].qs, x[i + 1].qs);
    __m256 ad = _mm256_cvtph_ps(_mm_setr_epi16((short)y[0][i].d, (short)y[1][i].d, (short)y[2][i].d,
                                               (short)y[3][i].d, (short)y[0][i + 1].d, (short)y[1][i + 1].d,
                                               (short)y[2][i + 1].d, (short)y[3][i + 1].d));
    __m256 as = _mm256_cvtph_ps(_mm_setr_epi16((short)y[0][i].s, (short)y[1][i].s, (short)y[2][i].s,
                                               (short)y[3][i].s, (short)y[0][i + 1].s, (short)y[1][i + 1].s,
                                               (short)y[2][i + 1].s, (short)y[3][i + 1].s));
    __m128 wdm = _mm_cvtph_ps(_mm_setr_epi16((short)x[i].d, (short)x[i + 1].d, (short)x[i].m, (short)x[i + 1].m,
                                             0, 0, 0, 0));
    __m256 wd8 = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(wdm), pick);
    __m256 wm8 = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_movehl_ps(wdm, wdm)), pick);
    __m512 products = _mm512_castps256_ps512(_mm256_mul_ps(ad, wd8));
    offsets = _mm256_add_ps(offsets, _mm256_mul_ps(as, wm8));  // mul then add, as the one-row kernel rounds
    for (int r = 0; r < 4; r++) {
      __m512i sum = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, activations64(y[r][i].qs, y[r][i + 1].qs));
      __m512i spread = _mm512_setr_epi32(r, r, r, r, r, r, r, r, r + 4, r + 4, r + 4, r + 4, r + 4, r + 4, r + 4,
                                         r + 4);
      acc[r] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread, products), _mm512_cvtepi32_ps(sum), acc[r]);
    }
  }
  float offset[8];
  _mm256_storeu_ps(offset, offsets);
  for (int r = 0; r < 4; r++) {
    out[r] = _mm512_reduce_add_ps(acc[r]) + (offset[r] + offset[r + 4]);
    if (i < nb) out[r] += hunch_dot_q4_1_vnni(HUNCH_QK, x + i, y[r] + i);
  }
}
#endif
