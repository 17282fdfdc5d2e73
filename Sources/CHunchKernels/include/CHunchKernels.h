// Innermost SIMD kernels, in C because x86 intrinsics are most at home there. Everything around them is Swift.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// Instruction-set features found at run time (bit 0: AVX2+FMA+F16C, bit 1: AVX-512 F/BW/VL, bit 2: AVX-512 VNNI,
/// bit 3: AVX-512 VBMI), detected once.
int hunch_cpu_features(void);

/// Kernel families, slowest to fastest. A level is usable when `hunch_level_supported` says so.
enum {
  HUNCH_LEVEL_PORTABLE = 0,  // plain C, any CPU
  HUNCH_LEVEL_AVX2 = 1,  // AVX2 + FMA + F16C
  HUNCH_LEVEL_AVX512_VNNI = 2,  // the AVX2 kernels with AVX-512 VL/BW/VNNI instructions on 256-bit vectors
  HUNCH_LEVEL_AVX512 = 3,  // level 2 plus 512-bit kernels (two blocks per vector) for the 32-element formats
};
int hunch_level_supported(int level);
/// The fastest level this CPU runs.
int hunch_best_level(void);

/// Dot product of one weight row (`n` elements in the weight type's blocks) with one activation row in the weight
/// type's partner format (Q8_0, Q8_1, Q8_K blocks; float for F32 and F16 weights).
typedef float (*hunch_dot_fn)(int64_t n, const void *weights, const void *activations);

/// The dot kernel for a ggml weight type id at a level, or NULL when that type has no kernel (or the level is
/// not supported by this build).
hunch_dot_fn hunch_dot_function(uint32_t weight_type, int level);

/// Four dot products of one weight row with four activation rows `activation_stride` bytes apart:
/// out[r] = dot(weights, activations + r * activation_stride). Used for prompt batches (decodes each weight once).
typedef void (*hunch_dot4_fn)(int64_t n, const void *weights, const void *activations, size_t activation_stride,
                              float *out);

/// The four-row kernel for a weight type at a level, or NULL when there is none (callers then use the dot kernel).
hunch_dot4_fn hunch_dot4_function(uint32_t weight_type, int level);

/// Activation quantizers, rounding as ggml's x86 code does (nearest-even). `n` is a multiple of 32 (Q8_0, Q8_1)
/// or 256 (Q8_K).
void hunch_quantize_q8_0(const float *x, void *y, int64_t n);
void hunch_quantize_q8_1(const float *x, void *y, int64_t n);
void hunch_quantize_q8_K(const float *x, void *y, int64_t n);

/// Half-float conversions (round to nearest even, like F16C).
float hunch_half_to_float(uint16_t h);
uint16_t hunch_float_to_half(float f);

/// out[i] = x[i] · (1 / sqrt(mean(x²) + epsilon)) · weight[i], the squares summed in double in a fixed order of 16
/// lanes (activations.c); every level gives the same bits. `level` must be supported by this CPU.
void hunch_rms_norm(int level, const float *x, const float *weight, float epsilon, int64_t n, float *out);

/// gate[i] = silu(gate[i]) · up[i] = gate[i] / (1 + e^-gate[i]) · up[i], e^x as the attention softmax takes it;
/// every level gives the same bits. `level` must be supported by this CPU.
void hunch_swiglu(int level, float *gate, const float *up, int64_t n);
/// x[i] rounded to the nearest half (ties to even) and widened back; the same bits at every supported level.
void hunch_round_to_half(int level, float *x, int64_t n);
/// y[i] = the half nearest x[i] (ties to even), as its bit pattern; the same bits at every supported level.
void hunch_floats_to_halves(int level, const float *x, uint16_t *y, int64_t n);

/// Like hunch_dot4_function for eight activation rows (out[0..<8]), or NULL.
hunch_dot4_fn hunch_dot8_function(uint32_t weight_type, int level);

/// One thread's share of a matrix product: for rows in [row_start, row_end) and every activation row b in
/// [0, batch): output[b * output_stride + row] = dot(weights row, activations row b).
/// weights: (rows, weight_row_bytes); activations: (batch, activation_row_bytes); output: (batch, output_stride).
/// Weight rows are reused across a tile of activation rows so batches read each weight row once per tile; `dot8`
/// and `dot4` (either may be NULL) take activation rows eight and four at a time.
void hunch_matmul_rows(hunch_dot_fn dot, hunch_dot4_fn dot4, hunch_dot4_fn dot8, int64_t columns,
                       const void *weights, size_t weight_row_bytes,
                       int64_t row_start, int64_t row_end, const void *activations, size_t activation_row_bytes,
                       int64_t batch, float *output, int64_t output_stride);

/// Causal attention of `group` query heads sharing one key/value head over positions 0..<visible.
/// queries: (group, head_dim) floats, already rounded to half precision; keys, values: (visible, kv_stride) IEEE
/// half bit patterns with this head's slice at offset 0; keys_t: NULL, or the same keys as floats from
/// hunch_transpose_keys (used when hunch_attention_transposes says so); scores: (group, visible) scratch; out:
/// (group, head_dim). `level` must be supported by this CPU. Every level and both key layouts give the same bits (see
/// attention.c).
void hunch_attend_group(int level, int64_t head_dim, int64_t group, const float *queries, const uint16_t *keys,
                        const float *keys_t, const uint16_t *values, int64_t kv_stride, int64_t visible, float scale,
                        float *scores, float *out);
/// y = e^x as the attention softmax computes it (double-precision evaluation rounded to float; 0 below e^-104);
/// every level gives the same bits.
void hunch_softmax_exp(int level, const float *x, float *y, int64_t count);
/// Whether hunch_attend_group at `level` reads transposed keys (otherwise it ignores them).
int hunch_attention_transposes(int level, int64_t head_dim);
/// Keys 0..<count of one head (half bit patterns) widened to floats into tiles of 16 positions:
/// out[(j / 16) * 16 * head_dim + d * 16 + j % 16], the last tile zero-padded; out holds roundup(count, 16) * head_dim
/// floats.
void hunch_transpose_keys(int64_t head_dim, const uint16_t *keys, int64_t kv_stride, int64_t count, float *out);

/// Prepared activations for Q4_0, Q5_0 and Q8_0 weights (pairs.c): HUNCH_PAIR_BYTES per 64 elements. Used only at
/// HUNCH_LEVEL_AVX512 on x86-64 and when a row is a whole number of block pairs (columns % 64 == 0).
#define HUNCH_PAIR_BYTES 192
/// The unsigned offset the pair kernels remove for a weight type (8, 16, 128), or 0 when the type has none.
int hunch_pairs_offset(uint32_t weight_type);
/// Whether a weight type has pair kernels (Q4_0, Q5_0, Q8_0 against prepared Q8_0 rows; Q4_1 against prepared Q8_1
/// rows), on x86-64.
int hunch_pairs_supported(uint32_t weight_type);
/// Prepares one Q8_0 activation row of `n` elements (n % 64 == 0) for weights with unsigned offset `offset`.
void hunch_prepare_pairs(const void *q8_0_row, int64_t n, int offset, void *out);
/// Prepares one Q8_1 activation row of `n` elements (n % 64 == 0) for Q4_1 weights.
void hunch_prepare_pairs_q8_1(const void *q8_1_row, int64_t n, void *out);
/// The block sums of `batch` prepared Q8_1 rows gathered as (n / 64 pairs, batch, 2) floats, for Q4_1 weights.
void hunch_gather_pair_sums(const void *prepared, int64_t n, int64_t batch, float *sums);
/// The activation scales of `batch` prepared rows of `n` elements gathered as (n / 64 pairs, batch, 2 blocks) floats,
/// for hunch_matmul_pairs.
void hunch_gather_pair_scales(const void *prepared, int64_t n, int64_t batch, float *scales);
/// Like hunch_matmul_rows for prepared activations (batch rows of n / 64 pairs each, their scales gathered by
/// hunch_gather_pair_scales; for Q4_1 also their sums, from hunch_gather_pair_sums, else NULL), bit-identical to it.
/// `byte_permutes`: a single Q5_0 row (batch 1, output_stride unused) may take the AVX512-VBMI kernel where the CPU has
/// it (same bits; 0 keeps the other, for tests).
void hunch_matmul_pairs(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                        int64_t row_start, int64_t row_end, const void *prepared, const float *scales,
                        const float *sums, int64_t batch, float *output, int64_t output_stride, int byte_permutes);

/// Q5_0 and Q8_0 weights interleaved 16 rows at a time (interleaved.c) for the pair kernels' arithmetic with the rows
/// in the lanes: same bytes, same outputs to the bit, far fewer instructions per row when decoding. Whether a matrix
/// of `rows` x `columns` can be interleaved (rows % 16 == 0, columns % 64 == 0).
int hunch_interleave_supported(uint32_t weight_type, int64_t rows, int64_t columns);
/// Interleaves row groups [group_start, group_end) (16 rows each, `row_bytes` apart) from `rows` into `out`, which
/// has the same size as the matrix; group g of `out` starts at g * 16 * row_bytes.
void hunch_interleave(uint32_t weight_type, int64_t columns, const void *rows, size_t row_bytes, int64_t group_start,
                      int64_t group_end, void *out);
/// Row `row` of an interleaved matrix back in its file encoding (row_bytes into `out`).
void hunch_deinterleave_row(uint32_t weight_type, int64_t columns, const void *interleaved, size_t row_bytes,
                            int64_t row, void *out);
/// Row groups [group_start, group_end) of an interleaved matrix (64-byte aligned) against `batch` activation rows
/// prepared by hunch_prepare_pairs (n / 64 pairs each, one after another): output[b * output_stride + 16 g + r] gets
/// row 16 g + r, with the bits hunch_matmul_pairs gives it. x86-64, HUNCH_LEVEL_AVX512 only.
void hunch_matmul_interleaved(uint32_t weight_type, int64_t columns, const void *weights, size_t row_bytes,
                              int64_t group_start, int64_t group_end, const void *prepared, int64_t batch,
                              float *output, int64_t output_stride);

/// Block-sum kernels at HUNCH_LEVEL_AVX512 (blocksums.c) for Q5_0 weights against Q8_0 activations and Q4_K
/// against Q8_K: every output is one float chain over the blocks in order, acc ← fma(weight scale · activation
/// scale, float(exact block dot), acc) from 0 (Q4_K: a second chain for the mins, subtracted at the end), whatever
/// the batch. A different rounding from the lane-wise dot kernels (and llama.cpp's), so opt-in (MatMul).
int hunch_blocksum_supported(uint32_t weight_type);
/// One weight row against one activation row in the block-sum arithmetic (the reference the batch paths match).
float hunch_blocksum_dot(uint32_t weight_type, int64_t n, const void *weights, const void *activations);
/// The unsigned offset of a weight type's stored quants (Q5_0: 16), or 0.
int hunch_blocksum_offset(uint32_t weight_type);
/// Bytes of the activation panel for `batch` rows of `n` elements: 16-row tiles (HUNCH_PANEL_BLOCK_BYTES per Q5_0
/// block).
#define HUNCH_PANEL_BLOCK_BYTES 640
size_t hunch_blocksum_panel_bytes(uint32_t weight_type, int64_t n, int64_t batch);
/// Builds tiles [tile_start, tile_end) of the panel (64-byte aligned) from `batch` partner rows (Q8_0 for Q5_0, Q8_K
/// for Q4_K) `row_bytes` apart.
void hunch_blocksum_prepare(uint32_t weight_type, const void *q8_0_rows, size_t row_bytes, int64_t n, int64_t batch,
                            int64_t tile_start, int64_t tile_end, void *panel);
/// Like hunch_matmul_rows for rows [row_start, row_end): from the panel when `panel` is not NULL (batches), else from
/// the partner rows, 16 weight rows at a time (decoding; also rows too long for the scratch). Uses 64 KiB of stack.
void hunch_blocksum_matmul(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                           int64_t row_start, int64_t row_end, const void *activations, size_t activation_row_bytes,
                           const void *panel, int64_t batch, float *output, int64_t output_stride);

/// Batches of 4+ rows for Q4_0, Q5_0 and Q8_0 weights (pairs.c): the pair kernels' arithmetic with 16 activation
/// rows per vector, bit-identical to them. A panel of HUNCH_LANE_PAIR_BYTES per 64 elements and 16-row tile, built
/// from prepared pairs (64-byte aligned). Rows up to HUNCH_LANES_MAX_COLUMNS (about 70 KiB of stack per call).
#define HUNCH_LANE_PAIR_BYTES 1152
#define HUNCH_LANES_MAX_COLUMNS 10240
size_t hunch_lanes_panel_bytes(int64_t n, int64_t batch);
void hunch_lanes_prepare(const void *prepared, int64_t n, int64_t batch, int64_t tile_start, int64_t tile_end,
                         void *panel);
void hunch_matmul_lanes(uint32_t weight_type, int64_t columns, const void *weights, size_t weight_row_bytes,
                        int64_t row_start, int64_t row_end, const void *panel, int64_t batch, float *output,
                        int64_t output_stride);

/// Q4_K batches (blocksums.c) in the default lane-wise arithmetic, bit-identical to the Q4_K dot kernel, from the
/// block-sum Q4_K panel (hunch_blocksum_panel_bytes / hunch_blocksum_prepare with HUNCH_TYPE_Q4_K). Rows of up to
/// 10240 elements (whole super-blocks); about 40 KiB of stack per call.
int hunch_lanes_q4_K_supported(int64_t columns);
void hunch_matmul_lanes_q4_K(int64_t columns, const void *weights, size_t weight_row_bytes, int64_t row_start,
                             int64_t row_end, const void *panel, int64_t batch, float *output,
                             int64_t output_stride);
/// The same for Q6_K weights (same panel, same limits), bit-identical to the Q6_K dot kernel.
void hunch_matmul_lanes_q6_K(int64_t columns, const void *weights, size_t weight_row_bytes, int64_t row_start,
                             int64_t row_end, const void *panel, int64_t batch, float *output,
                             int64_t output_stride);

/// A spin-wait hint for busy loops (PAUSE on x86).
void hunch_cpu_relax(void);

/// XOR of all 8-byte words in a buffer: a memory read-bandwidth probe for benchmarks.
uint64_t hunch_read_bytes(const void *data, size_t bytes);
