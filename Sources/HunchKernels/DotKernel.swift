import CHunchKernels

/// A family of C dot kernels; `best` is the fastest this CPU runs.
public enum KernelLevel: Int32, Sendable, CaseIterable, CustomStringConvertible {
  case portable = 0  // plain C
  case avx2 = 1  // AVX2 + FMA + F16C
  case avx512Vnni = 2  // the AVX2 kernels using AVX-512 VL/BW/VNNI on 256-bit vectors
  case avx512 = 3  // avx512Vnni plus 512-bit kernels (two blocks per vector) for Q4_0, Q4_1, Q5_0, Q8_0

  public var isSupported: Bool { hunch_level_supported(rawValue) != 0 }

  public static var best: KernelLevel { KernelLevel(rawValue: hunch_best_level()) ?? .portable }

  public var description: String {
    switch self {
    case .portable: return "portable"
    case .avx2: return "avx2"
    case .avx512Vnni: return "avx512-vnni"
    case .avx512: return "avx512"
    }
  }
}

/// One C dot kernel: weight row × activation row in the partner format (`Quantize.partner(for:)`).
public struct DotKernel: @unchecked Sendable {
  public let weightType: TensorType
  public let level: KernelLevel
  let function: hunch_dot_fn
  let function4: hunch_dot4_fn?  // four activation rows per call, where the level has such a kernel
  let function8: hunch_dot4_fn?  // eight activation rows per call, likewise

  /// Weight types that have kernels at every level.
  public static let supportedTypes: Set<TensorType> = [.f32, .f16, .q4_0, .q4_1, .q5_0, .q8_0, .q4_K, .q6_K]

  public init(weightType: TensorType, level: KernelLevel = .best) throws(KernelError) {
    guard level.isSupported else { throw KernelError(.unsupportedLevel, "this CPU cannot run \(level) kernels") }
    guard let function = hunch_dot_function(weightType.rawValue, level.rawValue) else {
      throw KernelError(.unsupportedType, "no \(level) dot kernel for \(weightType) weights")
    }
    self.weightType = weightType
    self.level = level
    self.function = function
    function4 = hunch_dot4_function(weightType.rawValue, level.rawValue)
    function8 = hunch_dot8_function(weightType.rawValue, level.rawValue)
  }

  /// Dot products of one weight row with eight activation rows `activationStride` bytes apart, into `out[0..<8]`
  /// (the four-row kernel twice, or `dot` eight times, where there is no eight-row kernel).
  public func dot8(
    count: Int, weights: UnsafeRawPointer, activations: UnsafeRawPointer, activationStride: Int,
    out: UnsafeMutablePointer<Float>
  ) {
    if let function8 {
      function8(Int64(count), weights, activations, activationStride, out)
    } else {
      for half in 0..<2 {
        dot4(
          count: count, weights: weights, activations: activations + 4 * half * activationStride,
          activationStride: activationStride, out: out + 4 * half)
      }
    }
  }

  /// Whether `dot4` has its own kernel (otherwise it runs `dot` four times).
  public var hasFourRowKernel: Bool { function4 != nil }

  /// Dot products of one weight row with four activation rows `activationStride` bytes apart, into `out[0..<4]`.
  public func dot4(
    count: Int, weights: UnsafeRawPointer, activations: UnsafeRawPointer, activationStride: Int,
    out: UnsafeMutablePointer<Float>
  ) {
    if let function4 {
      function4(Int64(count), weights, activations, activationStride, out)
    } else {
      for r in 0..<4 { out[r] = dot(count: count, weights: weights, activations: activations + r * activationStride) }
    }
  }

  /// Dot product of `count` elements; `count` must be whole blocks of the weight type and its partner format.
  @inline(__always)
  public func dot(count: Int, weights: UnsafeRawPointer, activations: UnsafeRawPointer) -> Float {
    function(Int64(count), weights, activations)
  }

  /// How far a SIMD kernel may stray from `ReferenceDot` for a row: float rounding of per-block terms summed in a
  /// different order. `magnitude` is Σ|term| over the row (see tests); 2⁻¹⁸ relative covers a few thousand blocks.
  public static let relativeTolerance: Float = 1.0 / 262_144
}

/// The C twins of `Quantize.row` used on the hot path (bit-identical; see tests).
enum FastQuantize {
  static func row(_ format: TensorType, source: UnsafePointer<Float>, destination: UnsafeMutableRawPointer, count: Int)
  {
    switch format {
    case .q8_0: hunch_quantize_q8_0(source, destination, Int64(count))
    case .q8_1: hunch_quantize_q8_1(source, destination, Int64(count))
    case .q8_K: hunch_quantize_q8_K(source, destination, Int64(count))
    default: destination.copyMemory(from: source, byteCount: count * MemoryLayout<Float>.stride)
    }
  }
}
