#!/usr/bin/env python3
"""Writes dequantization fixtures for HunchKernelsTests from an independent implementation (gguf-py).

For each type: `<type>.blocks` holds random but valid blocks exactly as ggml stores them, and `<type>.f32` holds the
little-endian float32 values gguf-py's `gguf.quants.dequantize` decodes them to. Scales are drawn as finite halves of
moderate size so the decoded values are ordinary floats.

Usage: PYTHONPATH=<llama.cpp>/gguf-py python3 scripts/make-quant-fixtures.py [output-dir]
"""
import os
import sys

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize

# (type, block bytes, byte offsets of f16 scale fields, elements per block)
LAYOUTS = {
  "q4_0": (T.Q4_0, 18, [0], 32),
  "q4_1": (T.Q4_1, 20, [0, 2], 32),
  "q5_0": (T.Q5_0, 22, [0], 32),
  "q8_0": (T.Q8_0, 34, [0], 32),
  "q4_k": (T.Q4_K, 144, [0, 2], 256),
  "q6_k": (T.Q6_K, 210, [208], 256),
}
BLOCKS = 8  # per type: enough for every bit pattern to show up, small enough to commit


def random_halves(rng, count):
  # Magnitudes between 2^-12 and 2^2 with either sign, plus an exact zero now and then.
  values = rng.choice([-1.0, 1.0], size=count) * np.exp2(rng.uniform(-12, 2, size=count))
  values[rng.random(count) < 0.05] = 0.0
  return values.astype(np.float16)


def main():
  out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "Tests", "HunchKernelsTests", "Fixtures")
  os.makedirs(out, exist_ok=True)
  rng = np.random.default_rng(20261123)
  for name, (qtype, block_bytes, scale_offsets, block_size) in LAYOUTS.items():
    blocks = rng.integers(0, 256, size=(BLOCKS, block_bytes), dtype=np.uint8)
    for offset in scale_offsets:
      blocks[:, offset:offset + 2] = random_halves(rng, BLOCKS).view(np.uint8).reshape(BLOCKS, 2)
    values = dequantize(blocks.reshape(-1), qtype).astype("<f4").reshape(-1)
    assert values.size == BLOCKS * block_size, (name, values.size)
    blocks.tofile(os.path.join(out, f"{name}.blocks"))
    values.tofile(os.path.join(out, f"{name}.f32"))

  # F16: every finite half pattern class: normals, subnormals, zeros, infinities; NaNs are left out (NaN != NaN).
  halves = rng.integers(0, 65536, size=512, dtype=np.uint16)
  halves = halves[(halves & 0x7C00) != 0x7C00]
  halves = np.concatenate([halves, np.array([0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00],
                                            dtype=np.uint16)])
  halves = halves[: (halves.size // 32) * 32]
  halves.astype("<u2").tofile(os.path.join(out, "f16.blocks"))
  dequantize(halves.view(np.uint8), T.F16).astype("<f4").tofile(os.path.join(out, "f16.f32"))


if __name__ == "__main__":
  main()
