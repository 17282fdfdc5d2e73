/// Scalar reference dot products, weight row × activation row in the partner format (`Quantize.partner(for:)`).
///
/// Integer parts are computed exactly; per block the float combination follows ggml's formulas. The SIMD kernels in
/// CHunchKernels must agree with these within float rounding (see `DotKernel.tolerance`).
public enum ReferenceDot {
  public static func dot(
    _ weightType: TensorType, count: Int, weights: UnsafeRawPointer, activations: UnsafeRawPointer
  ) throws(KernelError) -> Float {
    guard let partner = Quantize.partner(for: weightType) else {
      throw KernelError(.unsupportedType, "no dot product for \(weightType) weights")
    }
    guard count >= 0, count % weightType.blockSize == 0, count % partner.blockSize == 0 else {
      throw KernelError(.badShape, "\(count) elements is not whole blocks of \(weightType) and \(partner)")
    }
    var sum: Float = 0
    for block in 0..<(count / partner.blockSize) {
      let a = activations + block * partner.blockBytes
      switch weightType {
      case .q4_0, .q5_0, .q8_0:
        let w = weights + block * weightType.blockBytes
        let integer = blockIntegerDot(weightType, w, a + 2)
        sum += Half.load(w, 0) * Half.load(a, 0) * Float(integer)
      case .q4_1:
        let w = weights + block * 20
        var integer = 0
        for j in 0..<16 {
          let byte = w.load(fromByteOffset: 4 + j, as: UInt8.self)
          integer += Int(byte & 0xF) * Int(a.load(fromByteOffset: 4 + j, as: Int8.self))
          integer += Int(byte >> 4) * Int(a.load(fromByteOffset: 4 + j + 16, as: Int8.self))
        }
        sum += Half.load(w, 0) * Half.load(a, 0) * Float(integer) + Half.load(w, 2) * Half.load(a, 2)
      case .q4_K: sum += q4_KBlock(weights + block * 144, a)
      case .q6_K: sum += q6_KBlock(weights + block * 210, a)
      case .f16: sum += Half.load(weights, 2 * block) * a.loadUnaligned(as: Float.self)
      case .f32:
        sum += weights.loadUnaligned(fromByteOffset: 4 * block, as: Float.self) * a.loadUnaligned(as: Float.self)
      default: break  // excluded by the partner guard
      }
    }
    return sum
  }

  /// Σ q·y over one 32-element block of Q4_0, Q5_0 or Q8_0 against Q8_0 quants at `quants`.
  static func blockIntegerDot(_ type: TensorType, _ w: UnsafeRawPointer, _ quants: UnsafeRawPointer) -> Int {
    func y(_ j: Int) -> Int { Int(quants.load(fromByteOffset: j, as: Int8.self)) }
    var integer = 0
    switch type {
    case .q4_0:
      for j in 0..<16 {
        let byte = w.load(fromByteOffset: 2 + j, as: UInt8.self)
        integer += (Int(byte & 0xF) - 8) * y(j) + (Int(byte >> 4) - 8) * y(j + 16)
      }
    case .q5_0:
      let qh = UInt32(littleEndian: w.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
      for j in 0..<16 {
        let byte = w.load(fromByteOffset: 6 + j, as: UInt8.self)
        let low = Int(byte & 0xF) | Int((qh >> UInt32(j)) & 1) << 4
        let high = Int(byte >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
        integer += (low - 16) * y(j) + (high - 16) * y(j + 16)
      }
    default:
      for j in 0..<32 { integer += Int(w.load(fromByteOffset: 2 + j, as: Int8.self)) * y(j) }
    }
    return integer
  }

  static func q4_KBlock(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer) -> Float {
    let yd = a.loadUnaligned(as: Float.self)
    var integer = 0
    var mins = 0
    for j in 0..<8 {
      let (scale, min) = Dequantize.q4_KScaleMin(j, w + 4)
      var sub = 0
      for l in 0..<32 {
        let byte = w.load(fromByteOffset: 16 + 32 * (j / 2) + l, as: UInt8.self)
        let q = j & 1 == 0 ? byte & 0xF : byte >> 4
        sub += Int(q) * Int(a.load(fromByteOffset: 4 + 32 * j + l, as: Int8.self))
      }
      integer += Int(scale) * sub
      let bsums =
        Int(a.loadUnaligned(fromByteOffset: 260 + 4 * j, as: Int16.self))
        + Int(a.loadUnaligned(fromByteOffset: 262 + 4 * j, as: Int16.self))
      mins += Int(min) * bsums
    }
    return yd * Half.load(w, 0) * Float(integer) - yd * Half.load(w, 2) * Float(mins)
  }

  static func q6_KBlock(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer) -> Float {
    var integer = 0
    // Decode the 6-bit values exactly as the dequantizer does, but keep them as integers with their int8 scales.
    for half in 0..<2 {
      for l in 0..<32 {
        let s = l / 16
        let low0 = w.load(fromByteOffset: 64 * half + l, as: UInt8.self)
        let low1 = w.load(fromByteOffset: 64 * half + l + 32, as: UInt8.self)
        let high = w.load(fromByteOffset: 128 + 32 * half + l, as: UInt8.self)
        func q(_ k: Int) -> Int {
          switch k {
          case 0: return Int((low0 & 0xF) | ((high & 3) << 4)) - 32
          case 1: return Int((low1 & 0xF) | (((high >> 2) & 3) << 4)) - 32
          case 2: return Int((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
          default: return Int((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32
          }
        }
        // Element l + 32k of this half uses scale s + 2k.
        for k in 0..<4 {
          let scale = Int(w.load(fromByteOffset: 192 + 8 * half + s + 2 * k, as: Int8.self))
          integer += scale * q(k) * Int(a.load(fromByteOffset: 4 + 128 * half + l + 32 * k, as: Int8.self))
        }
      }
    }
    return a.loadUnaligned(as: Float.self) * Half.load(w, 208) * Float(integer)
  }
}
