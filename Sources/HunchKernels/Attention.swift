import CHunchKernels

/// The inner loop of causal grouped-query attention, in C: scores, softmax, half-precision weights, weighted sum of
/// values. Results are bit-identical at every kernel level (the order of operations is fixed; see attention.c).
public enum Attention {
  /// Attention of `group` query heads that share one key/value head, over positions 0..<visible.
  ///
  /// queries: (group, headDimension); keys, values: (visible, kvStride) floats, this head's slice at offset 0;
  /// scores: scratch of group · visible floats; out: (group, headDimension).
  public static func attendGroup(
    level: KernelLevel, headDimension: Int, group: Int, queries: UnsafePointer<Float>, keys: UnsafePointer<Float>,
    values: UnsafePointer<Float>, kvStride: Int, visible: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
    out: UnsafeMutablePointer<Float>
  ) {
    guard visible > 0, group > 0, headDimension > 0 else { return }
    let usable = level.isSupportedCached ? level : .portable
    hunch_attend_group(
      usable.rawValue, Int64(headDimension), Int64(group), queries, keys, values, Int64(kvStride), Int64(visible),
      scale, scores, out)
  }
}

extension KernelLevel {
  /// `isSupported` without asking the CPU again: every level at or below the best one is supported.
  var isSupportedCached: Bool { rawValue <= hunch_best_level() }
}
