// Q5_0 and Q8_0 weights interleaved 16 rows at a time, for the pair kernels' arithmetic with the rows in the lanes.
//
// A one-row pair kernel (pairs.c) spends most of its instructions gathering one row's block pair into a vector:
// two loads and an insert for Q8_0; for Q5_0 a permute, shifts and a mask built from the high bits; the two weight
// scales through general-purpose registers. Decoding then runs out of instructions before memory runs out of bytes
// (the 0.5B decoded at ~60% of the bandwidth ceiling when the memory bus was fast). Rearranged at load time so that
// one 64-byte vector holds 4 consecutive quants of 16 rows, a single VPDPBUSD against 4 activation bytes broadcast
// from memory gives 16 rows' exact lane integers at once, with no decoding work beyond the nibble split.
//
// The arithmetic is the pair kernels' exactly: the pair kernel keeps 16 float chains per output, chain l fed once
// per block pair by fma(weight scale · activation scale, float(lane l's integer), chain). Here chain l of 16 rows is
// one vector, fed by the same FMA, and the chains are summed in the order _mm512_reduce_add_ps sums one vector's
// lanes (halves, quarters, eighths, then the last pair). Every output keeps its bits (InterleavedWeightsTests).
//
// The layout, per group of 16 rows (r) and block pair p of 64 columns, one "tile", groups one after another, each
// group's tiles in column order (so a group is 16 · row bytes, one sequential stream):
//   Q8_0 (1088 bytes = 16 · 68): d[2][16] half scales [block of the pair][r]; q[16][64]: q[l][4r + k] is the quant
//     of column 64p + 4l + k of row r, plus 128 (its sign bit flipped, so VPDPBUSD takes it unsigned).
//   Q5_0 (704 bytes = 16 · 44): d[2][16] as above; high[16]: bit 4r + k of high[l] is the fifth bit of that quant;
//     nib[8][64]: the low four bits of chain l in the low nibble of nib[l % 8] for l < 8, the high nibble for l >= 8.
// The pair layout sums chain l over columns 4l..4l+3 of the pair: block 2p for l < 8, block 2p + 1 for l >= 8.
#include <stdint.h>
#include <string.h>

#include "CHunchKernels.h"
#include "blocks.h"

enum { GROUP = 16, LANES = 16 };

typedef struct {
  uint16_t d[2][GROUP];
  uint8_t q[LANES][64];
} tile_q8_0;

typedef struct {
  uint16_t d[2][GROUP];
  uint64_t high[LANES];
  uint8_t nib[LANES / 2][64];
} tile_q5_0;

_Static_assert(sizeof(tile_q8_0) == GROUP * 2 * sizeof(block_q8_0), "Q8_0 tile keeps the bytes");
_Static_assert(sizeof(tile_q5_0) == GROUP * 2 * sizeof(block_q5_0), "Q5_0 tile keeps the bytes");

int hunch_interleave_supported(uint32_t weight_type, int64_t rows, int64_t columns) {
  if (weight_type != HUNCH_TYPE_Q8_0 && weight_type != HUNCH_TYPE_Q5_0) return 0;
  return rows > 0 && rows % GROUP == 0 && columns > 0 && columns % 64 == 0;
}

// Word by word: four columns of a row (one chain's share of it) are one 32-bit word of the tile.
static void interleave_q8_0(const uint8_t *src, size_t row_bytes, int64_t p, tile_q8_0 *t) {
  for (int r = 0; r < GROUP; r++) {
    const block_q8_0 *b = (const block_q8_0 *)(src + (size_t)r * row_bytes) + 2 * p;
    for (int h = 0; h < 2; h++) {
      t->d[h][r] = b[h].d;
      for (int c = 0; c < 8; c++) {
        uint32_t word;
        memcpy(&word, b[h].qs + 4 * c, 4);
        word ^= 0x80808080u;  // + 128 in every byte
        memcpy(&t->q[8 * h + c][4 * r], &word, 4);
      }
    }
  }
}

static void interleave_q5_0(const uint8_t *src, size_t row_bytes, int64_t p, tile_q5_0 *t) {
  memset(t->high, 0, sizeof t->high);
  for (int r = 0; r < GROUP; r++) {
    const block_q5_0 *b = (const block_q5_0 *)(src + (size_t)r * row_bytes) + 2 * p;
    uint32_t low[2][8];  // [block][chain]: four low-bit nibbles, one per byte
    for (int h = 0; h < 2; h++) {
      t->d[h][r] = b[h].d;
      uint32_t qs[4], qh;
      memcpy(qs, b[h].qs, sizeof qs);
      memcpy(&qh, b[h].qh, sizeof qh);
      for (int c = 0; c < 8; c++) {
        // Columns 0..15 sit in the low nibbles of qs, 16..31 in the high ones.
        low[h][c] = (c < 4 ? qs[c] : qs[c - 4] >> 4) & 0x0F0F0F0Fu;
        t->high[8 * h + c] |= (uint64_t)((qh >> (4 * c)) & 0xF) << (4 * r);
      }
    }
    for (int m = 0; m < 8; m++) {
      const uint32_t packed = low[0][m] | low[1][m] << 4;
      memcpy(&t->nib[m][4 * r], &packed, 4);
    }
  }
}

void hunch_interleave(uint32_t weight_type, int64_t columns, const void *rows, size_t row_bytes, int64_t group_start,
                      int64_t group_end, void *out) {
  const int64_t pairs = columns / 64;
  const size_t group_bytes = GROUP * row_bytes;
  for (int64_t g = group_start; g < group_end; g++) {
    const uint8_t *src = (const uint8_t *)rows + (size_t)g * group_bytes;
    uint8_t *dst = (uint8_t *)out + (size_t)g * group_bytes;
    for (int64_t p = 0; p < pairs; p++) {
      if (weight_type == HUNCH_TYPE_Q8_0)
        interleave_q8_0(src, row_bytes, p, (tile_q8_0 *)dst + p);
      else
        interleave_q5_0(src, row_bytes, p, (tile_q5_0 *)dst + p);
    }
  }
}

void hunch_deinterleave_row(uint32_t weight_type, int64_t columns, const void *interleaved, size_t row_bytes,
                            int64_t row, void *out) {
  const int64_t pairs = columns / 64, g = row / GROUP;
  const int r = (int)(row % GROUP);
  const uint8_t *group = (const uint8_t *)interleaved + (size_t)g * GROUP * row_bytes;
  for (int64_t p = 0; p < pairs; p++) {
    for (int h = 0; h < 2; h++) {
      const int64_t block = 2 * p + h;
      if (weight_type == HUNCH_TYPE_Q8_0) {
        const tile_q8_0 *t = (const tile_q8_0 *)group + p;
        block_q8_0 *b = (block_q8_0 *)out + block;
        b->d = t->d[h][r];
        for (int j = 0; j < HUNCH_QK; j++) {
          const int c = 32 * h + j;  // column within the pair: chain c / 4, byte c % 4
          b->qs[j] = (int8_t)(t->q[c / 4][4 * r + c % 4] ^ 0x80);
        }
      } else {
        const tile_q5_0 *t = (const tile_q5_0 *)group + p;
        block_q5_0 *b = (block_q5_0 *)out + block;
        b->d = t->d[h][r];
        memset(b->qh, 0, sizeof b->qh);
        memset(b->qs, 0, sizeof b->qs);
        for (int j = 0; j < HUNCH_QK; j++) {
          const int c = 32 * h + j, l = c / 4, byte = 4 * r + c % 4;
          const uint8_t packed = t->nib[l % 8][byte];
          const uint8_t low = l < 8 ? (packed & 0x0F) : (packed >> 4);
          const uint8_t fifth = (uint8_t)((t->high[l] >> byte) & 1);
          b->qs[j % 16] |= (uint8_t)(j < 16 ? low : low << 4);
          b->qh[j / 8] |= (uint8_t)(fifth << (j % 8));
        }
      }
    }
  }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

// Σ over the 16 chains of each lane, in _mm512_reduce_add_ps's order over one vector's lanes: l + (l + 8), then
// + 4, + 2, + 1.
static inline TARGET512 __m512 sum_chains(__m512 c[LANES]) {
  for (int l = 0; l < 8; l++) c[l] = _mm512_add_ps(c[l], c[l + 8]);
  for (int l = 0; l < 4; l++) c[l] = _mm512_add_ps(c[l], c[l + 4]);
  for (int l = 0; l < 2; l++) c[l] = _mm512_add_ps(c[l], c[l + 2]);
  return _mm512_add_ps(c[0], c[1]);
}

// Weight scale · activation scale of block h of the pair, for the 16 rows.
static inline TARGET512 __m512 tile_scales(const uint16_t d[GROUP], float activation) {
  return _mm512_mul_ps(_mm512_cvtph_ps(_mm256_load_si256((const __m256i *)d)), _mm512_set1_ps(activation));
}

// chain += d · float(Σ q·y − offset · Σy) for 16 rows: q's lane r holds row r's four quants of the chain.
#define CHAIN_STEP(CHAIN, Q, D, Y, L)                                                                             \
  do {                                                                                                          \
    int32_t word_;                                                                                              \
    memcpy(&word_, (Y)->qs + 4 * (L), 4);                                                                       \
    const __m512i sum_ = _mm512_dpbusd_epi32(_mm512_set1_epi32((Y)->bias[L]), (Q), _mm512_set1_epi32(word_));   \
    CHAIN = _mm512_fmadd_ps((D), _mm512_cvtepi32_ps(sum_), CHAIN);                                               \
  } while (0)

// Requests the cache lines of the tile `AHEAD` bytes past `TILE` (none when AHEAD is 0).
#define PREFETCH_TILE(TILE, TYPE, AHEAD)                                                                           \
  do {                                                                                                          \
    if (AHEAD)                                                                                                  \
      for (size_t k_ = 0; k_ < sizeof(TYPE); k_ += 64)                                                        \
        _mm_prefetch((const char *)(TILE) + (AHEAD) + k_, _MM_HINT_T0);                                        \
  } while (0)

static TARGET512 void group_q8_0(int64_t pairs, const tile_q8_0 *t, const pair_q8 *y, float *out, size_t ahead) {
  __m512 chain[LANES];
  for (int l = 0; l < LANES; l++) chain[l] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; p++) {
    PREFETCH_TILE(t + p, tile_q8_0, ahead);
    const __m512 d0 = tile_scales(t[p].d[0], y[p].d[0]), d1 = tile_scales(t[p].d[1], y[p].d[8]);
    for (int l = 0; l < LANES; l++) CHAIN_STEP(chain[l], _mm512_load_si512(t[p].q[l]), l < 8 ? d0 : d1, y + p, l);
  }
  _mm512_storeu_ps(out, sum_chains(chain));
}

// The stored values (0..31) of chains m and m + 8 of a Q5_0 tile.
static inline TARGET512 void q5_0_chains(const tile_q5_0 *t, int m, __m512i *low, __m512i *high) {
  const __m512i low_mask = _mm512_set1_epi8(0x0F), sixteen = _mm512_set1_epi8(16);
  const __m512i packed = _mm512_load_si512(t->nib[m]);
  const __m512i l = _mm512_and_si512(packed, low_mask), h = _mm512_and_si512(_mm512_srli_epi16(packed, 4), low_mask);
  *low = _mm512_mask_add_epi8(l, _cvtu64_mask64(t->high[m]), l, sixteen);
  *high = _mm512_mask_add_epi8(h, _cvtu64_mask64(t->high[m + 8]), h, sixteen);
}

static TARGET512 void group_q5_0(int64_t pairs, const tile_q5_0 *t, const pair_q8 *y, float *out, size_t ahead) {
  __m512 chain[LANES];
  for (int l = 0; l < LANES; l++) chain[l] = _mm512_setzero_ps();
  for (int64_t p = 0; p < pairs; p++) {
    PREFETCH_TILE(t + p, tile_q5_0, ahead);
    const __m512 d0 = tile_scales(t[p].d[0], y[p].d[0]), d1 = tile_scales(t[p].d[1], y[p].d[8]);
    for (int m = 0; m < 8; m++) {
      __m512i low, high;
      q5_0_chains(t + p, m, &low, &high);
      CHAIN_STEP(chain[m], low, d0, y + p, m);
      CHAIN_STEP(chain[m + 8], high, d1, y + p, m + 8);
    }
  }
  _mm512_storeu_ps(out, sum_chains(chain));
}

// A Q5_0 group's stored values widened to bytes in the Q8_0 tile layout, so a batch decodes them once: group_q8_0
// reads them the same way (the activations' bias carries each format's offset).
static TARGET512 void widen_q5_0(int64_t pairs, const tile_q5_0 *t, tile_q8_0 *out) {
  for (int64_t p = 0; p < pairs; p++) {
    memcpy(out[p].d, t[p].d, sizeof out[p].d);
    for (int m = 0; m < 8; m++) {
      __m512i low, high;
      q5_0_chains(t + p, m, &low, &high);
      _mm512_store_si512(out[p].q[m], low);
      _mm512_store_si512(out[p].q[m + 8], high);
    }
  }
}

// Groups [group_start, group_end) against `batch` prepared activation rows; output[b * output_stride + 16g + r] for
// row r of group g. A group's weights (16 rows) stay in cache while the activation rows pass.
void hunch_matmul_interleaved(uint32_t weight_type, int64_t columns, const void *weights, size_t row_bytes,
                              int64_t group_start, int64_t group_end, const void *prepared, int64_t batch,
                              float *output, int64_t output_stride) {
  const int64_t pairs = columns / 64;
  const size_t group_bytes = GROUP * row_bytes;
  // Widened Q5_0 groups on the stack: 52 KiB (up to 3072 columns).
  enum { WIDE_PAIRS = 48 };
  const int widens = weight_type == HUNCH_TYPE_Q5_0 && batch > 1 && pairs <= WIDE_PAIRS;
  _Alignas(64) tile_q8_0 wide[widens ? WIDE_PAIRS : 1];
  // One activation row: each tile requests the lines 8 KB further along the thread's stream. The hardware prefetcher
  // alone kept a core at ~30 GB/s while the host's memory gave a plain read ~40 (in the 0.5B's decoding with the probe
  // at 75-80 GB/s, the gate/up pass took 98-104 µs; with this 84-90). Batches reuse each group from cache.
  const size_t ahead = batch == 1 ? 8192 : 0;
  for (int64_t g = group_start; g < group_end; g++) {
    const void *group = (const uint8_t *)weights + (size_t)g * group_bytes;
    if (widens) {
      widen_q5_0(pairs, group, wide);
      for (int64_t b = 0; b < batch; b++)
        group_q8_0(pairs, wide, (const pair_q8 *)prepared + b * pairs, output + b * output_stride + GROUP * g, 0);
      continue;
    }
    for (int64_t b = 0; b < batch; b++) {
      const pair_q8 *y = (const pair_q8 *)prepared + b * pairs;
      float *out = output + b * output_stride + GROUP * g;
      if (weight_type == HUNCH_TYPE_Q8_0)
        group_q8_0(pairs, group, y, out, ahead);
      else if (weight_type == HUNCH_TYPE_Q5_0)
        group_q5_0(pairs, group, y, out, ahead);
    }
  }
}
#else
void hunch_matmul_interleaved(uint32_t weight_type, int64_t columns, const void *weights, size_t row_bytes,
                              int64_t group_start, int64_t group_end, const void *prepared, int64_t batch,
                              float *output, int64_t output_stride) {
  (void)weight_type; (void)columns; (void)weights; (void)row_bytes; (void)group_start; (void)group_end;
  (void)prepared; (void)batch; (void)output; (void)output_stride;
}
#endif
