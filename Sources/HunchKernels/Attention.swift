import CHunchKernels

/// The inner loop of causal grouped-query attention, in C: scores, softmax, half-precision weights, weighted sum of
/// values. Results are bit-identical at every kernel level (the order of operations is fixed; see attention.c).
public enum Attention {
  /// Attention of `group` query heads that share one key/value head, over positions 0..<visible.
  ///
  /// queries: (group, headDimension) floats; keys, values: (visible, kvStride) IEEE half bit patterns (an F16 cache),
  /// this head's slice at offset 0; transposedKeys: nil, or at least `visible` of the same keys as floats from
  /// `transposeKeys` (faster when many queries share them; same results); scores: scratch of group · visible floats;
  /// out: (group, headDimension).
  public static func attendGroup(
    level: KernelLevel, headDimension: Int, group: Int, queries: UnsafePointer<Float>, keys: UnsafePointer<UInt16>,
    transposedKeys: UnsafePointer<Float>? = nil, values: UnsafePointer<UInt16>, kvStride: Int, visible: Int,
    scale: Float, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
  ) {
    guard visible > 0, group > 0, headDimension > 0 else { return }
    hunch_attend_group(
      level.usableCached.rawValue, Int64(headDimension), Int64(group), queries, keys, transposedKeys, values,
      Int64(kvStride),
      Int64(visible), scale, scores, out)
  }

  /// e^x for each element as the attention softmax computes it (see attention.c); the same bits at every level.
  public static func softmaxExp(level: KernelLevel, _ x: [Float], into y: inout [Float]) {
    let count = min(x.count, y.count)
    let usable = level.usableCached
    y.withUnsafeMutableBufferPointer { out in
      x.withUnsafeBufferPointer { hunch_softmax_exp(usable.rawValue, $0.baseAddress, out.baseAddress, Int64(count)) }
    }
  }

  /// Whether `attendGroup` at `level` makes use of transposed keys for this head size.
  public static func usesTransposedKeys(level: KernelLevel, headDimension: Int) -> Bool {
    level.isSupportedCached && hunch_attention_transposes(level.rawValue, Int64(headDimension)) != 0
  }

  /// Floats `transposeKeys` writes for `count` positions (whole tiles of 16).
  public static func transposedCount(positions count: Int, headDimension: Int) -> Int {
    (count + 15) / 16 * 16 * headDimension
  }

  /// Keys 0..<count of one head (half bit patterns, rows `kvStride` apart) as floats in tiles of 16 positions, for
  /// `attendGroup`.
  public static func transposeKeys(
    headDimension: Int, keys: UnsafePointer<UInt16>, kvStride: Int, count: Int, into out: UnsafeMutablePointer<Float>
  ) {
    guard count > 0 else { return }
    hunch_transpose_keys(Int64(headDimension), keys, Int64(kvStride), Int64(count), out)
  }
}

extension KernelLevel {
  /// `isSupported` without asking the CPU again: every level at or below the best one is supported.
  var isSupportedCached: Bool { rawValue <= hunch_best_level() }

  /// This level when this CPU runs it, else the portable one.
  var usableCached: KernelLevel { isSupportedCached ? self : .portable }
}
