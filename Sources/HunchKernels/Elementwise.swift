import CHunchKernels

/// The forward pass's elementwise steps between matrix products, in C (activations.c): they run on the calling thread
/// while the pool's workers wait, so they are vectorized. Every level gives the same bits.
public enum Elementwise {
  /// out = x / sqrt(mean(x²) + ε) · weight: the squares rounded to float as ggml rounds them, summed in double (in
  /// 16 interleaved partial sums rather than ggml's one running sum, so it vectorizes; see activations.c).
  public static func rmsNorm(
    level: KernelLevel, _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, epsilon: Float, count: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    guard count > 0 else { return }
    hunch_rms_norm(level.usableCached.rawValue, x, weight, epsilon, Int64(count), out)
  }

  /// gate[i] = silu(gate[i]) · up[i], with e^x as the attention softmax computes it (`Attention.softmaxExp`).
  public static func swiGLU(
    level: KernelLevel, gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int
  ) {
    guard count > 0 else { return }
    hunch_swiglu(level.usableCached.rawValue, gate, up, Int64(count))
  }

  /// Each value rounded to the nearest half (ties to even), kept as a float.
  public static func roundToHalf(level: KernelLevel, _ x: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0 else { return }
    hunch_round_to_half(level.usableCached.rawValue, x, Int64(count))
  }

  /// Each value rounded to the nearest half (ties to even), stored as its IEEE binary16 bit pattern.
  public static func storeHalves(
    level: KernelLevel, _ x: UnsafePointer<Float>, into halves: UnsafeMutablePointer<UInt16>, count: Int
  ) {
    guard count > 0 else { return }
    hunch_floats_to_halves(level.usableCached.rawValue, x, halves, Int64(count))
  }
}
