/// Scalar reference dequantizers: every element computed with the same float operations, in the same order, as ggml's
/// `dequantize_row_*`. Used for embedding lookups and as the ground truth the SIMD kernels are tested against.
public enum Dequantize {
  /// Types `row` can decode.
  public static let supportedTypes: Set<TensorType> = [.f32, .f16, .q4_0, .q4_1, .q5_0, .q8_0, .q4_K, .q6_K]

  /// Decodes `count` elements (a whole number of blocks) from `source` into `destination`.
  public static func row(
    _ type: TensorType, source: UnsafeRawPointer, destination: UnsafeMutablePointer<Float>, count: Int
  ) throws(KernelError) {
    guard supportedTypes.contains(type) else {
      throw KernelError(.unsupportedType, "no dequantizer for \(type)")
    }
    guard count >= 0, count % type.blockSize == 0 else {
      throw KernelError(.badShape, "\(count) elements is not a whole number of \(type) blocks of \(type.blockSize)")
    }
    let blocks = count / type.blockSize
    for block in 0..<blocks {
      let x = source + block * type.blockBytes
      let y = destination + block * type.blockSize
      switch type {
      case .f32: y.pointee = x.loadUnaligned(as: Float.self)
      case .f16: y.pointee = Half.load(x, 0)
      case .q4_0: q4_0(x, y)
      case .q4_1: q4_1(x, y)
      case .q5_0: q5_0(x, y)
      case .q8_0: q8_0(x, y)
      case .q4_K: q4_K(x, y)
      case .q6_K: q6_K(x, y)
      default: break  // excluded by the guard above
      }
    }
  }

  // Block layouts: see Sources/CHunchKernels/blocks.h.

  static func q4_0(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = Half.load(x, 0)
    for j in 0..<16 {
      let byte = x.load(fromByteOffset: 2 + j, as: UInt8.self)
      y[j] = Float(Int(byte & 0xF) - 8) * d
      y[j + 16] = Float(Int(byte >> 4) - 8) * d
    }
  }

  static func q4_1(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = Half.load(x, 0)
    let m = Half.load(x, 2)
    for j in 0..<16 {
      let byte = x.load(fromByteOffset: 4 + j, as: UInt8.self)
      y[j] = Float(byte & 0xF) * d + m
      y[j + 16] = Float(byte >> 4) * d + m
    }
  }

  static func q5_0(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = Half.load(x, 0)
    let qh = UInt32(littleEndian: x.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
    for j in 0..<16 {
      let byte = x.load(fromByteOffset: 6 + j, as: UInt8.self)
      let low = Int(byte & 0xF) | Int((qh >> UInt32(j)) & 1) << 4
      let high = Int(byte >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
      y[j] = Float(low - 16) * d
      y[j + 16] = Float(high - 16) * d
    }
  }

  static func q8_0(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = Half.load(x, 0)
    for j in 0..<32 { y[j] = Float(x.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
  }

  /// The 6-bit scale and min of sub-block `j` (0..<8) of a Q4_K block whose 12 packed bytes start at `packed`.
  static func q4_KScaleMin(_ j: Int, _ packed: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
    func byte(_ i: Int) -> UInt8 { packed.load(fromByteOffset: i, as: UInt8.self) }
    if j < 4 { return (byte(j) & 63, byte(j + 4) & 63) }
    return ((byte(j + 4) & 0xF) | ((byte(j - 4) >> 6) << 4), (byte(j + 4) >> 4) | ((byte(j) >> 6) << 4))
  }

  static func q4_K(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = Half.load(x, 0)
    let dmin = Half.load(x, 2)
    let scales = x + 4
    let qs = x + 16
    for pair in 0..<4 {
      let (sc0, m0) = q4_KScaleMin(2 * pair, scales)
      let (sc1, m1) = q4_KScaleMin(2 * pair + 1, scales)
      let d0 = d * Float(sc0), min0 = dmin * Float(m0)
      let d1 = d * Float(sc1), min1 = dmin * Float(m1)
      for l in 0..<32 {
        let byte = qs.load(fromByteOffset: 32 * pair + l, as: UInt8.self)
        y[64 * pair + l] = d0 * Float(byte & 0xF) - min0
        y[64 * pair + 32 + l] = d1 * Float(byte >> 4) - min1
      }
    }
  }

  static func q6_K(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
    let d = Half.load(x, 208)
    for half in 0..<2 {
      let ql = x + 64 * half
      let qh = x + 128 + 32 * half
      let sc = x + 192 + 8 * half
      let out = y + 128 * half
      for l in 0..<32 {
        let s = l / 16
        let low0 = ql.load(fromByteOffset: l, as: UInt8.self)
        let low1 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
        let high = qh.load(fromByteOffset: l, as: UInt8.self)
        let q1 = Int((low0 & 0xF) | ((high & 3) << 4)) - 32
        let q2 = Int((low1 & 0xF) | (((high >> 2) & 3) << 4)) - 32
        let q3 = Int((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
        let q4 = Int((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32
        func scale(_ k: Int) -> Float { Float(sc.load(fromByteOffset: k, as: Int8.self)) }
        out[l] = d * scale(s) * Float(q1)
        out[l + 32] = d * scale(s + 2) * Float(q2)
        out[l + 64] = d * scale(s + 4) * Float(q3)
        out[l + 96] = d * scale(s + 6) * Float(q4)
      }
    }
  }
}
