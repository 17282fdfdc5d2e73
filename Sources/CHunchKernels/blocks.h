// Block layouts exactly as ggml stores them on disk (little-endian, no padding). Halves are raw IEEE binary16 bits.
#pragma once
#include <stdint.h>

#include "CHunchKernels.h"

#define HUNCH_QK 32  // elements per block of the 32-element formats
#define HUNCH_QK_K 256  // elements per super-block of the K formats

enum {
  HUNCH_TYPE_F32 = 0, HUNCH_TYPE_F16 = 1, HUNCH_TYPE_Q4_0 = 2, HUNCH_TYPE_Q4_1 = 3, HUNCH_TYPE_Q5_0 = 6,
  HUNCH_TYPE_Q8_0 = 8, HUNCH_TYPE_Q8_1 = 9, HUNCH_TYPE_Q4_K = 12, HUNCH_TYPE_Q6_K = 14, HUNCH_TYPE_Q8_K = 15,
};

typedef struct { uint16_t d; uint8_t qs[16]; } block_q4_0;  // x = d * (nibble - 8); low nibbles are elements 0..15
typedef struct { uint16_t d, m; uint8_t qs[16]; } block_q4_1;  // x = d * nibble + m
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } block_q5_0;  // bit j of qh is bit 4 of element j
typedef struct { uint16_t d; int8_t qs[32]; } block_q8_0;
typedef struct { uint16_t d, s; int8_t qs[32]; } block_q8_1;  // s = d * sum(qs)
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } block_q4_K;  // 8 sub-blocks, 6-bit scales
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } block_q6_K;  // 16 sub-blocks
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } block_q8_K;  // bsums: sums of 16 consecutive qs

_Static_assert(sizeof(block_q4_0) == 18, "Q4_0 block");
_Static_assert(sizeof(block_q4_1) == 20, "Q4_1 block");
_Static_assert(sizeof(block_q5_0) == 22, "Q5_0 block");
_Static_assert(sizeof(block_q8_0) == 34, "Q8_0 block");
_Static_assert(sizeof(block_q8_1) == 36, "Q8_1 block");
_Static_assert(sizeof(block_q4_K) == 144, "Q4_K block");
_Static_assert(sizeof(block_q6_K) == 210, "Q6_K block");
_Static_assert(sizeof(block_q8_K) == 292, "Q8_K block");

// A Q8_0 activation row prepared for the pair kernels (pairs.c) and the interleaved ones (interleaved.c), one per
// 64 elements.
typedef struct {
  int8_t qs[64];  // blocks 2p and 2p+1
  int32_t bias[16];  // −offset · (sum of the 4 quants each lane of VPDPBUSD covers)
  float d[16];  // lanes 0..7: scale of block 2p; lanes 8..15: scale of block 2p+1
} pair_q8;
_Static_assert(sizeof(pair_q8) == HUNCH_PAIR_BYTES, "prepared pair");

// Asks for weight rows [first, last) to be brought into cache. The batch kernels spend long enough on each group of
// rows that the hardware prefetcher does not run ahead of them: without this, every group waited on a memory miss
// (a 100 MB Q4_K matrix at batch 16 ran 1.45x slower than one that fits in L3).
static inline void hunch_prefetch_rows(const uint8_t *weights, size_t row_bytes, int64_t first, int64_t last) {
  if (first >= last) return;
  const uint8_t *begin = weights + (size_t)first * row_bytes, *end = weights + (size_t)last * row_bytes;
  for (const uint8_t *line = begin; line < end; line += 64) __builtin_prefetch(line, 0, 3);
}

// How many rows a single-activation-row kernel keeps requested in front of itself: about 2 KB of weights. The
// matrices of a decoding step are small (0.5 to 3 MB) and each thread's chunk of rows is a short stream, so the
// hardware prefetcher is still ramping up when the chunk ends.
static inline int64_t hunch_prefetch_distance(size_t row_bytes) {
  const int64_t rows = (int64_t)(2048 / (row_bytes ? row_bytes : 1));
  return rows < 1 ? 1 : rows;
}

// Called at each row r of a chunk [row_start, row_end): requests row r + ahead (at the chunk's first row, every row
// up to it). Nothing when ahead is 0.
static inline void hunch_prefetch_ahead(const uint8_t *weights, size_t row_bytes, int64_t r, int64_t row_start,
                                        int64_t row_end, int64_t ahead) {
  if (ahead == 0) return;
  const int64_t last = r + ahead + 1 < row_end ? r + ahead + 1 : row_end;
  hunch_prefetch_rows(weights, row_bytes, r == row_start ? r : r + ahead, last);
}

// Q4_K packs eight 6-bit scales and eight 6-bit mins into 12 bytes: the first four of each sit in the low 6 bits of
// bytes 0..7, the last four are split between bytes 8..11 (low bits) and the top 2 bits of bytes 0..7.
static inline void hunch_q4_K_scale_min(int j, const uint8_t *q, uint8_t *scale, uint8_t *min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Portable kernels (also the fallback the SIMD tables start from).
float hunch_dot_q4_0_portable(int64_t n, const void *w, const void *a);
float hunch_dot_q4_1_portable(int64_t n, const void *w, const void *a);
float hunch_dot_q5_0_portable(int64_t n, const void *w, const void *a);
float hunch_dot_q8_0_portable(int64_t n, const void *w, const void *a);
float hunch_dot_q4_K_portable(int64_t n, const void *w, const void *a);
float hunch_dot_q6_K_portable(int64_t n, const void *w, const void *a);
float hunch_dot_f16_portable(int64_t n, const void *w, const void *a);
float hunch_dot_f32_portable(int64_t n, const void *w, const void *a);

#if defined(__x86_64__)
#define HUNCH_DECLARE_LEVEL(suffix) \
  float hunch_dot_q4_0_##suffix(int64_t n, const void *w, const void *a); \
  float hunch_dot_q4_1_##suffix(int64_t n, const void *w, const void *a); \
  float hunch_dot_q5_0_##suffix(int64_t n, const void *w, const void *a); \
  float hunch_dot_q8_0_##suffix(int64_t n, const void *w, const void *a); \
  float hunch_dot_q4_K_##suffix(int64_t n, const void *w, const void *a); \
  float hunch_dot_q6_K_##suffix(int64_t n, const void *w, const void *a); \
  float hunch_dot_f16_##suffix(int64_t n, const void *w, const void *a); \
  float hunch_dot_f32_##suffix(int64_t n, const void *w, const void *a);
HUNCH_DECLARE_LEVEL(avx2)
HUNCH_DECLARE_LEVEL(vnni)
// 512-bit versions of the 32-element kernels, used at the AVX-512 VNNI level.
float hunch_dot_q4_0_avx512(int64_t n, const void *w, const void *a);
float hunch_dot_q4_1_avx512(int64_t n, const void *w, const void *a);
float hunch_dot_q5_0_avx512(int64_t n, const void *w, const void *a);
float hunch_dot_q8_0_avx512(int64_t n, const void *w, const void *a);
float hunch_dot_q4_K_avx512(int64_t n, const void *w, const void *a);
float hunch_dot_q6_K_avx512(int64_t n, const void *w, const void *a);
void hunch_dot4_q4_0_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
void hunch_dot4_q4_1_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
void hunch_dot4_q5_0_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
void hunch_dot4_q8_0_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
void hunch_dot4_q4_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
void hunch_dot4_q6_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
void hunch_dot8_q4_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
void hunch_dot8_q6_K_avx512(int64_t n, const void *w, const void *a, size_t stride, float *out);
#endif
