/// Activation quantization for matrix products, the way llama.cpp does it on x86 before calling its dot kernels.
///
/// Each weight type has a partner format for the activations (`partner(for:)`); the dot kernels take one weight row
/// and one activation row in that format. Rounding is to nearest even, as ggml's AVX quantizers round (its scalar
/// reference rounds half away from zero, which this machine never runs), so near-ties land on the same integers.
/// `row` is the Swift reference; `MatMul` uses the C twin (`hunch_quantize_*`), which is tested to be bit-identical.
public enum Quantize {
  /// The activation format a weight type's dot kernel expects; F32 and F16 weights take plain floats (`.f32`).
  public static func partner(for weightType: TensorType) -> TensorType? {
    switch weightType {
    case .q4_0, .q5_0, .q8_0: return .q8_0
    case .q4_1: return .q8_1
    case .q4_K, .q6_K: return .q8_K
    case .f32, .f16: return .f32
    default: return nil
    }
  }

  /// Bytes one activation row of `columns` elements takes in `format`, or nil when `columns` is not whole blocks.
  public static func rowBytes(_ format: TensorType, columns: Int) -> Int? { format.byteCount(elements: columns) }

  /// Quantizes `count` floats into `format` (.q8_0, .q8_1, .q8_K, or .f32 for a plain copy).
  public static func row(
    _ format: TensorType, source: UnsafePointer<Float>, destination: UnsafeMutableRawPointer, count: Int
  ) throws(KernelError) {
    guard [.q8_0, .q8_1, .q8_K, .f32].contains(format) else {
      throw KernelError(.unsupportedType, "\(format) is not an activation format")
    }
    guard count >= 0, count % format.blockSize == 0 else {
      throw KernelError(.badShape, "\(count) elements is not a whole number of \(format) blocks")
    }
    let blocks = count / format.blockSize
    for block in 0..<blocks {
      let x = source + block * format.blockSize
      let y = destination + block * format.blockBytes
      switch format {
      case .q8_0: q8_0(x, y, withSum: false)
      case .q8_1: q8_0(x, y, withSum: true)
      case .q8_K: q8_K(x, y)
      default: y.storeBytes(of: x.pointee, as: Float.self)
      }
    }
  }

  /// Round to nearest even and narrow; NaN becomes 0 and out-of-range values saturate rather than trap.
  @inline(__always)
  static func roundToInt8(_ value: Float) -> Int8 {
    let rounded = value.rounded(.toNearestOrEven)
    guard rounded == rounded else { return 0 }
    return Int8(max(-128, min(127, rounded)))
  }

  /// Q8_0 (d, 32 × int8) or, with `withSum`, Q8_1 (d, s = d·Σq, 32 × int8).
  static func q8_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer, withSum: Bool) {
    var amax: Float = 0
    for j in 0..<32 { amax = max(amax, abs(x[j])) }
    let d = amax / 127
    let inverse: Float = amax != 0 ? 127 / amax : 0
    let header = withSum ? 4 : 2
    var sum = 0
    for j in 0..<32 {
      let q = roundToInt8(x[j] * inverse)
      sum += Int(q)
      y.storeBytes(of: q, toByteOffset: header + j, as: Int8.self)
    }
    y.storeBytes(of: Half.fromFloat(d).littleEndian, toByteOffset: 0, as: UInt16.self)
    if withSum {
      y.storeBytes(of: Half.fromFloat(d * Float(sum)).littleEndian, toByteOffset: 2, as: UInt16.self)
    }
  }

  /// Q8_K: f32 d, 256 × int8, 16 × int16 sums of 16. Scale by −127/max where max is the first element of largest
  /// magnitude, as ggml's reference quantizer (which its x86 build uses) does.
  static func q8_K(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer) {
    var amax: Float = 0
    var extreme: Float = 0
    for j in 0..<256 where abs(x[j]) > amax {
      amax = abs(x[j])
      extreme = x[j]
    }
    guard amax != 0 else {
      y.initializeMemory(as: UInt8.self, repeating: 0, count: 292)
      return
    }
    let inverseScale = -127 / extreme
    for j in 0..<256 {
      y.storeBytes(of: min(127, roundToInt8(inverseScale * x[j])), toByteOffset: 4 + j, as: Int8.self)
    }
    for k in 0..<16 {
      var sum: Int16 = 0
      for j in 0..<16 { sum += Int16(y.load(fromByteOffset: 4 + 16 * k + j, as: Int8.self)) }
      y.storeBytes(of: sum.littleEndian, toByteOffset: 260 + 2 * k, as: Int16.self)
    }
    y.storeBytes(of: 1 / inverseScale, toByteOffset: 0, as: Float.self)
  }
}
