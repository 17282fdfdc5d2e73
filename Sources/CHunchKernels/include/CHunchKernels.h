// Innermost SIMD kernels, in C because x86 intrinsics are most at home there. Everything around them is Swift.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// Instruction-set features found at run time (bit 0: AVX2+FMA, bit 1: AVX-512 F/BW/VL, bit 2: AVX-512 VNNI).
int hunch_cpu_features(void);
