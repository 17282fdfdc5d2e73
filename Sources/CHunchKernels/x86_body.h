// The x86 dot kernels, compiled twice by x86.c: once for AVX2 and once with AVX-512 VL/BW/VNNI instructions on
// 256-bit vectors. The includer defines TARGET (a target attribute), NAME(base) and USE_VNNI (0 or 1).
// Integer parts are exact; floats are combined per block with FMA, so results differ from the scalar reference only
// in float rounding order.

// Half to float in a freshly zeroed register. Left to itself the compiler inserts the half into whatever register
// is at hand (often the accumulator), which chains every block's scale behind the previous block's FMA.
static inline TARGET float NAME(half)(uint16_t h) {
  __m128i v;
  __asm__("vmovd %k1, %0" : "=x"(v) : "r"((uint32_t)h));  // zero-extending: no stale upper lanes
  return _mm_cvtss_f32(_mm_cvtph_ps(v));
}

static inline TARGET float NAME(hsum)(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Eight int32 sums of four unsigned×signed byte products each.
static inline TARGET __m256i NAME(dot_u8_i8)(__m256i u, __m256i s) {
#if USE_VNNI
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

// Signed×signed through the unsigned×signed instruction: |a| · (b with a's sign).
static inline TARGET __m256i NAME(dot_i8_i8)(__m256i a, __m256i b) {
  return NAME(dot_u8_i8)(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
}

// 32 nibbles of a 16-byte array in element order: low nibbles then high nibbles.
static inline TARGET __m256i NAME(nibbles32)(const uint8_t *p) {
  __m128i packed = _mm_loadu_si128((const __m128i *)p);
  __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

TARGET float NAME(hunch_dot_q4_0)(int64_t n, const void *w, const void *a) {
  const block_q4_0 *x = w;
  const block_q8_0 *y = a;
  const int64_t nb = n / HUNCH_QK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const __m256i eight = _mm256_set1_epi8(8);
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    __m256i q0 = _mm256_sub_epi8(NAME(nibbles32)(x[i].qs), eight);
    __m256i q1 = _mm256_sub_epi8(NAME(nibbles32)(x[i + 1].qs), eight);
    __m256i s0 = NAME(dot_i8_i8)(q0, _mm256_loadu_si256((const __m256i *)y[i].qs));
    __m256i s1 = NAME(dot_i8_i8)(q1, _mm256_loadu_si256((const __m256i *)y[i + 1].qs));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i].d) * NAME(half)(y[i].d)), _mm256_cvtepi32_ps(s0), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i + 1].d) * NAME(half)(y[i + 1].d)), _mm256_cvtepi32_ps(s1),
                           acc1);
  }
  for (; i < nb; i++) {
    __m256i q = _mm256_sub_epi8(NAME(nibbles32)(x[i].qs), eight);
    __m256i s = NAME(dot_i8_i8)(q, _mm256_loadu_si256((const __m256i *)y[i].qs));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i].d) * NAME(half)(y[i].d)), _mm256_cvtepi32_ps(s), acc0);
  }
  return NAME(hsum)(_mm256_add_ps(acc0, acc1));
}

TARGET float NAME(hunch_dot_q4_1)(int64_t n, const void *w, const void *a) {
  const block_q4_1 *x = w;
  const block_q8_1 *y = a;
  const int64_t nb = n / HUNCH_QK;
  __m256 acc = _mm256_setzero_ps();
  float offsets = 0;
  for (int64_t i = 0; i < nb; i++) {
    __m256i s = NAME(dot_u8_i8)(NAME(nibbles32)(x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i].d) * NAME(half)(y[i].d)), _mm256_cvtepi32_ps(s), acc);
    offsets += NAME(half)(x[i].m) * NAME(half)(y[i].s);
  }
  return NAME(hsum)(acc) + offsets;
}

// Bytes that are 0xFF where the matching bit of a 32-bit mask is set.
static inline TARGET __m256i NAME(bits_to_bytes)(uint32_t bits) {
#if USE_VNNI
  return _mm256_movm_epi8((__mmask32)bits);
#else
  const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3,
                                          3, 3, 3, 3, 3, 3);
  const __m256i select = _mm256_set1_epi64x(0x8040201008040201LL);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), spread);
  return _mm256_cmpeq_epi8(_mm256_and_si256(bytes, select), select);
#endif
}

TARGET float NAME(hunch_dot_q5_0)(int64_t n, const void *w, const void *a) {
  const block_q5_0 *x = w;
  const block_q8_0 *y = a;
  const int64_t nb = n / HUNCH_QK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const __m256i high = _mm256_set1_epi8((char)0xF0);
  int64_t i = 0;
  // nibble + 16·bit − 16 equals the nibble when the bit is set and (nibble | 0xF0) as int8 when it is clear.
  for (; i + 1 < nb; i += 2) {
    uint32_t h0, h1;
    memcpy(&h0, x[i].qh, 4);
    memcpy(&h1, x[i + 1].qh, 4);
    __m256i q0 = _mm256_or_si256(NAME(nibbles32)(x[i].qs), _mm256_andnot_si256(NAME(bits_to_bytes)(h0), high));
    __m256i q1 = _mm256_or_si256(NAME(nibbles32)(x[i + 1].qs), _mm256_andnot_si256(NAME(bits_to_bytes)(h1), high));
    __m256i s0 = NAME(dot_i8_i8)(q0, _mm256_loadu_si256((const __m256i *)y[i].qs));
    __m256i s1 = NAME(dot_i8_i8)(q1, _mm256_loadu_si256((const __m256i *)y[i + 1].qs));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i].d) * NAME(half)(y[i].d)), _mm256_cvtepi32_ps(s0), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i + 1].d) * NAME(half)(y[i + 1].d)), _mm256_cvtepi32_ps(s1),
                           acc1);
  }
  for (; i < nb; i++) {
    uint32_t h;
    memcpy(&h, x[i].qh, 4);
    __m256i q = _mm256_or_si256(NAME(nibbles32)(x[i].qs), _mm256_andnot_si256(NAME(bits_to_bytes)(h), high));
    __m256i s = NAME(dot_i8_i8)(q, _mm256_loadu_si256((const __m256i *)y[i].qs));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i].d) * NAME(half)(y[i].d)), _mm256_cvtepi32_ps(s), acc0);
  }
  return NAME(hsum)(_mm256_add_ps(acc0, acc1));
}

TARGET float NAME(hunch_dot_q8_0)(int64_t n, const void *w, const void *a) {
  const block_q8_0 *x = w;
  const block_q8_0 *y = a;
  const int64_t nb = n / HUNCH_QK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    __m256i s0 = NAME(dot_i8_i8)(_mm256_loadu_si256((const __m256i *)x[i].qs),
                                 _mm256_loadu_si256((const __m256i *)y[i].qs));
    __m256i s1 = NAME(dot_i8_i8)(_mm256_loadu_si256((const __m256i *)x[i + 1].qs),
                                 _mm256_loadu_si256((const __m256i *)y[i + 1].qs));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i].d) * NAME(half)(y[i].d)), _mm256_cvtepi32_ps(s0), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i + 1].d) * NAME(half)(y[i + 1].d)), _mm256_cvtepi32_ps(s1),
                           acc1);
  }
  for (; i < nb; i++) {
    __m256i s = NAME(dot_i8_i8)(_mm256_loadu_si256((const __m256i *)x[i].qs),
                                _mm256_loadu_si256((const __m256i *)y[i].qs));
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(NAME(half)(x[i].d) * NAME(half)(y[i].d)), _mm256_cvtepi32_ps(s), acc0);
  }
  return NAME(hsum)(_mm256_add_ps(acc0, acc1));
}

TARGET float NAME(hunch_dot_q4_K)(int64_t n, const void *w, const void *a) {
  const block_q4_K *x = w;
  const block_q8_K *y = a;
  const int64_t nb = n / HUNCH_QK_K;
  const __m256i low_mask = _mm256_set1_epi8(0x0F);
  __m256 acc = _mm256_setzero_ps();
  float mins = 0;
  for (int64_t i = 0; i < nb; i++) {
    uint8_t scale[8], min[8];
    int msum = 0;
    for (int j = 0; j < 8; j++) {
      hunch_q4_K_scale_min(j, x[i].scales, &scale[j], &min[j]);
      msum += min[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
    }
    __m256i isum = _mm256_setzero_si256();
    for (int j = 0; j < 4; j++) {
      __m256i raw = _mm256_loadu_si256((const __m256i *)(x[i].qs + 32 * j));
      __m256i lo = _mm256_and_si256(raw, low_mask);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low_mask);
      __m256i p0 = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(y[i].qs + 64 * j)));
      __m256i p1 = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(y[i].qs + 64 * j + 32)));
      isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p0, _mm256_set1_epi16(scale[2 * j])));
      isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p1, _mm256_set1_epi16(scale[2 * j + 1])));
    }
    const float d = y[i].d * NAME(half)(x[i].d);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(isum), acc);
    mins = fmaf(y[i].d * NAME(half)(x[i].dmin), (float)msum, mins);  // one rounding (the four-row kernels match it)
  }
  return NAME(hsum)(acc) - mins;
}

TARGET float NAME(hunch_dot_q6_K)(int64_t n, const void *w, const void *a) {
  const block_q6_K *x = w;
  const block_q8_K *y = a;
  const int64_t nb = n / HUNCH_QK_K;
  const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03), m30 = _mm256_set1_epi8(0x30);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; i++) {
    // Elements are stored as q + 32 (0..63): sum sc·q·y with unsigned bytes, then take 32·Σ sc·bsum back off.
    int offset = 0;
    for (int k = 0; k < 16; k++) offset += x[i].scales[k] * y[i].bsums[k];
    __m256i isum = _mm256_setzero_si256();
    for (int half = 0; half < 2; half++) {
      const uint8_t *ql = x[i].ql + 64 * half;
      const int8_t *sc = x[i].scales + 8 * half;
      const int8_t *yq = y[i].qs + 128 * half;
      __m256i bits = _mm256_loadu_si256((const __m256i *)(x[i].qh + 32 * half));
      __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
      __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
      __m256i q1 = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(bits, m2), 4));
      __m256i q2 = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(bits, 2), m2), 4));
      __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(bits, m30));
      __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                   _mm256_and_si256(_mm256_srli_epi16(bits, 2), m30));
      __m256i p1 = _mm256_maddubs_epi16(q1, _mm256_loadu_si256((const __m256i *)yq));
      __m256i p2 = _mm256_maddubs_epi16(q2, _mm256_loadu_si256((const __m256i *)(yq + 32)));
      __m256i p3 = _mm256_maddubs_epi16(q3, _mm256_loadu_si256((const __m256i *)(yq + 64)));
      __m256i p4 = _mm256_maddubs_epi16(q4, _mm256_loadu_si256((const __m256i *)(yq + 96)));
      // Each 32-element group spans two 16-element sub-blocks: one scale per 128-bit lane.
      isum = _mm256_add_epi32(
        isum, _mm256_madd_epi16(p1, _mm256_set_m128i(_mm_set1_epi16(sc[1]), _mm_set1_epi16(sc[0]))));
      isum = _mm256_add_epi32(
        isum, _mm256_madd_epi16(p2, _mm256_set_m128i(_mm_set1_epi16(sc[3]), _mm_set1_epi16(sc[2]))));
      isum = _mm256_add_epi32(
        isum, _mm256_madd_epi16(p3, _mm256_set_m128i(_mm_set1_epi16(sc[5]), _mm_set1_epi16(sc[4]))));
      isum = _mm256_add_epi32(
        isum, _mm256_madd_epi16(p4, _mm256_set_m128i(_mm_set1_epi16(sc[7]), _mm_set1_epi16(sc[6]))));
    }
    isum = _mm256_sub_epi32(isum, _mm256_zextsi128_si256(_mm_cvtsi32_si128(32 * offset)));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * NAME(half)(x[i].d)), _mm256_cvtepi32_ps(isum), acc);
  }
  return NAME(hsum)(acc);
}

TARGET float NAME(hunch_dot_f16)(int64_t n, const void *w, const void *a) {
  const uint16_t *x = w;
  const float *y = a;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
         acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))), _mm256_loadu_ps(y + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i + 8))), _mm256_loadu_ps(y + i + 8),
                           acc1);
    acc2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i + 16))),
                           _mm256_loadu_ps(y + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i + 24))),
                           _mm256_loadu_ps(y + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))), _mm256_loadu_ps(y + i), acc0);
  }
  float sum = NAME(hsum)(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; i++) sum += NAME(half)(x[i]) * y[i];
  return sum;
}

TARGET float NAME(hunch_dot_f32)(int64_t n, const void *w, const void *a) {
  const float *x = w;
  const float *y = a;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
         acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc0);
  float sum = NAME(hsum)(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; i++) sum += x[i] * y[i];
  return sum;
}
