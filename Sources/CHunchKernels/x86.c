// Instantiates the x86 kernels for each instruction-set level; selection happens at run time (portable.c).
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "blocks.h"

#define TARGET __attribute__((target("avx2,fma,f16c")))
#define NAME(base) base##_avx2
#define USE_VNNI 0
#include "x86_body.h"
#undef TARGET
#undef NAME
#undef USE_VNNI

#define TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define NAME(base) base##_vnni
#define USE_VNNI 1
#include "x86_body.h"
#endif
