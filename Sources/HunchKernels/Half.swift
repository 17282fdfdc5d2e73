import CHunchKernels

/// IEEE binary16 ("half") conversions as ggml stores scales: raw 16-bit patterns, rounding to nearest even.
public enum Half {
  @inline(__always)
  public static func toFloat(_ bits: UInt16) -> Float { hunch_half_to_float(bits) }

  @inline(__always)
  public static func fromFloat(_ value: Float) -> UInt16 { hunch_float_to_half(value) }

  /// Loads the half at `offset` bytes from `base` (no alignment needed) as a Float.
  @inline(__always)
  static func load(_ base: UnsafeRawPointer, _ offset: Int) -> Float {
    toFloat(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
  }
}
