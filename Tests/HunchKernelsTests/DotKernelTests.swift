import XCTest

@testable import HunchKernels

/// Every C kernel level against the Swift reference, and the reference against plain float arithmetic.
final class DotKernelTests: XCTestCase {
  static let types: [TensorType] = [.q4_0, .q4_1, .q5_0, .q8_0, .q4_K, .q6_K, .f16, .f32]

  /// Element counts: one block, odd block counts (tail loops) and the model's widths.
  static func counts(_ type: TensorType) -> [Int] {
    switch type {
    case .q4_K, .q6_K: return [256, 768, 4864]
    case .f16, .f32: return [37, 256, 896]
    default: return [32, 96, 896, 4864]
    }
  }

  struct Case {
    var weights: [UInt8]
    var activations: [UInt8]
    var reference: Float
    var magnitude: Float  // Σ |w_i · a_i| with both sides dequantized: the scale of rounding error
    var exact: Float  // Σ w_i · a_i in double, rounded once
  }

  static func makeCase(
    _ type: TensorType, count: Int, weightPattern: TestData.WeightPattern,
    activationPattern: TestData.ActivationPattern, rng: inout SplitMix
  ) throws -> Case {
    let partner = try XCTUnwrap(Quantize.partner(for: type))
    let weights = TestData.weights(type, count: count, rng: &rng, pattern: weightPattern)
    let input = TestData.activations(count: count, pattern: activationPattern, rng: &rng)
    var activations = [UInt8](repeating: 0, count: try XCTUnwrap(partner.byteCount(elements: count)))
    try input.withUnsafeBufferPointer { x in
      try activations.withUnsafeMutableBytes { y in
        try Quantize.row(partner, source: x.baseAddress!, destination: y.baseAddress!, count: count)
      }
    }
    var w = [Float](repeating: 0, count: count)
    try weights.withUnsafeBytes { raw in
      try w.withUnsafeMutableBufferPointer {
        try Dequantize.row(type, source: raw.baseAddress!, destination: $0.baseAddress!, count: count)
      }
    }
    let a = activations.withUnsafeBytes { TestData.activationValues(partner, $0.baseAddress!, count: count) }
    var magnitude: Float = 0
    var exact: Double = 0
    if type == .q4_1 {
      // Q4_1 × Q8_1 takes the min term from the activation block's stored s (d·Σq rounded to half), not Σ d·q.
      for block in 0..<(count / 32) {
        let d = Double(half(weights, 20 * block)), m = Double(half(weights, 20 * block + 2))
        let s = Double(half(activations, 36 * block + 2))
        for j in 0..<32 {
          let byte = weights[20 * block + 4 + j % 16]
          let q = Double(j < 16 ? byte & 0xF : byte >> 4)
          exact += d * q * Double(a[32 * block + j])
          magnitude += Float(abs(d * q * Double(a[32 * block + j])))
        }
        exact += m * s
        magnitude += Float(abs(m * s))
      }
    } else {
      for i in 0..<count {
        magnitude += abs(w[i] * a[i])
        exact += Double(w[i]) * Double(a[i])
      }
    }
    let reference = try weights.withUnsafeBytes { wr in
      try activations.withUnsafeBytes { ar in
        try ReferenceDot.dot(type, count: count, weights: wr.baseAddress!, activations: ar.baseAddress!)
      }
    }
    return Case(
      weights: weights, activations: activations, reference: reference, magnitude: magnitude, exact: Float(exact))
  }

  static func half(_ bytes: [UInt8], _ offset: Int) -> Float {
    Half.toFloat(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
  }

  func testReferenceAgreesWithFloatDotOfDequantizedRows() throws {
    var rng = SplitMix(seed: 21)
    for type in Self.types {
      for count in Self.counts(type) {
        for pattern in TestData.ActivationPattern.allCases {
          let c = try Self.makeCase(type, count: count, weightPattern: .random, activationPattern: pattern, rng: &rng)
          let tolerance = DotKernel.relativeTolerance * c.magnitude + Float.leastNormalMagnitude
          XCTAssertEqual(c.reference, c.exact, accuracy: tolerance, "\(type) n=\(count) \(pattern)")
        }
      }
    }
  }

  func testEveryKernelLevelMatchesReference() throws {
    var rng = SplitMix(seed: 22)
    let levels = KernelLevel.allCases.filter(\.isSupported)
    XCTAssertTrue(levels.contains(.portable))
    for type in Self.types {
      let kernels = try levels.map { try DotKernel(weightType: type, level: $0) }
      for count in Self.counts(type) {
        for weightPattern in [TestData.WeightPattern.random, .allZeroBits, .allOneBits] {
          for activationPattern in TestData.ActivationPattern.allCases {
            let c = try Self.makeCase(
              type, count: count, weightPattern: weightPattern,
              activationPattern: activationPattern, rng: &rng)
            let tolerance = DotKernel.relativeTolerance * c.magnitude + Float.leastNormalMagnitude
            for kernel in kernels {
              let fast = c.weights.withUnsafeBytes { w in
                c.activations.withUnsafeBytes { a in
                  kernel.dot(count: count, weights: w.baseAddress!, activations: a.baseAddress!)
                }
              }
              XCTAssertEqual(
                fast, c.reference, accuracy: tolerance,
                "\(type) \(kernel.level) n=\(count) \(weightPattern) \(activationPattern)")
            }
          }
        }
      }
    }
  }

  func testFourRowKernelsMatchReference() throws {
    var rng = SplitMix(seed: 23)
    for type in Self.types {
      let partner = try XCTUnwrap(Quantize.partner(for: type))
      for level in KernelLevel.allCases where level.isSupported {
        let kernel = try DotKernel(weightType: type, level: level)
        for count in Self.counts(type) {
          let weights = TestData.weights(type, count: count, rng: &rng)
          let rowBytes = try XCTUnwrap(partner.byteCount(elements: count))
          let stride = rowBytes + 6  // rows need not be packed
          var activations = [UInt8](repeating: 0, count: 4 * stride)
          let patterns: [TestData.ActivationPattern] = [.gaussian, .ties, .spiky, .zeros]
          for r in 0..<4 {
            let input = TestData.activations(count: count, pattern: patterns[r], rng: &rng)
            try input.withUnsafeBufferPointer { x in
              try activations.withUnsafeMutableBytes { y in
                try Quantize.row(
                  partner, source: x.baseAddress!, destination: y.baseAddress! + r * stride, count: count)
              }
            }
          }
          var out = [Float](repeating: .nan, count: 4)
          try weights.withUnsafeBytes { w in
            try activations.withUnsafeBytes { a in
              kernel.dot4(
                count: count, weights: w.baseAddress!, activations: a.baseAddress!, activationStride: stride,
                out: &out)
              for r in 0..<4 {
                let reference = try ReferenceDot.dot(
                  type, count: count, weights: w.baseAddress!,
                  activations: a.baseAddress! + r * stride)
                // Error scale: Σ|w·a| over the dequantized rows (Q4_1's min term is inside w).
                var deq = [Float](repeating: 0, count: count)
                try deq.withUnsafeMutableBufferPointer {
                  try Dequantize.row(type, source: w.baseAddress!, destination: $0.baseAddress!, count: count)
                }
                let acts = TestData.activationValues(partner, a.baseAddress! + r * stride, count: count)
                let magnitude = zip(deq, acts).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
                XCTAssertEqual(
                  out[r], reference, accuracy: DotKernel.relativeTolerance * magnitude + Float.leastNormalMagnitude,
                  "\(type) \(level) n=\(count) row \(r) (four-row kernel: \(kernel.hasFourRowKernel))")
              }
            }
          }
        }
      }
    }
  }

  /// The four- and eight-row kernels must give each row exactly the one-row kernel's bits: batched prompts,
  /// speculative verification and prompt reuse rely on a token's logits not depending on its batch.
  func testMultiRowKernelsAreBitIdenticalToTheRowKernel() throws {
    var rng = SplitMix(seed: 41)
    for type in Self.types {
      let partner = try XCTUnwrap(Quantize.partner(for: type))
      for level in KernelLevel.allCases where level.isSupported {
        let kernel = try DotKernel(weightType: type, level: level)
        for count in Self.counts(type) {
          for weightPattern in [TestData.WeightPattern.random, .allOneBits] {
            let weights = TestData.weights(type, count: count, rng: &rng, pattern: weightPattern)
            let stride = try XCTUnwrap(partner.byteCount(elements: count)) + 10
            var activations = [UInt8](repeating: 0, count: 8 * stride)
            let patterns: [TestData.ActivationPattern] = [
              .gaussian, .spiky, .ties, .tiny, .gaussian, .constant, .zeros, .gaussian,
            ]
            for r in 0..<8 {
              let input = TestData.activations(count: count, pattern: patterns[r], rng: &rng)
              try input.withUnsafeBufferPointer { x in
                try activations.withUnsafeMutableBytes { y in
                  try Quantize.row(
                    partner, source: x.baseAddress!, destination: y.baseAddress! + r * stride, count: count)
                }
              }
            }
            var four = [Float](repeating: .nan, count: 4)
            var eight = [Float](repeating: .nan, count: 8)
            weights.withUnsafeBytes { w in
              activations.withUnsafeBytes { a in
                kernel.dot4(
                  count: count, weights: w.baseAddress!, activations: a.baseAddress!, activationStride: stride,
                  out: &four)
                kernel.dot8(
                  count: count, weights: w.baseAddress!, activations: a.baseAddress!, activationStride: stride,
                  out: &eight)
                for r in 0..<8 {
                  let single = kernel.dot(
                    count: count, weights: w.baseAddress!, activations: a.baseAddress! + r * stride)
                  if r < 4 {
                    XCTAssertEqual(
                      four[r].bitPattern, single.bitPattern,
                      "dot4 \(type) \(level) n=\(count) \(weightPattern) row \(r): \(four[r]) vs \(single)")
                  }
                  XCTAssertEqual(
                    eight[r].bitPattern, single.bitPattern,
                    "dot8 \(type) \(level) n=\(count) \(weightPattern) row \(r): \(eight[r]) vs \(single)")
                }
              }
            }
          }
        }
      }
    }
  }

  /// The 512-bit Q4_K and Q6_K row kernels regroup the 256-bit kernels' integer work but must keep their bits: the
  /// goldens and every cached result were made with the narrower kernels' arithmetic.
  func testWideKFormatRowKernelsKeepTheNarrowKernelsBits() throws {
    guard KernelLevel.avx512.isSupported else { throw XCTSkip("no AVX-512 on this machine") }
    var rng = SplitMix(seed: 43)
    for type in [TensorType.q4_K, .q6_K] {
      let wide = try DotKernel(weightType: type, level: .avx512)
      let narrow = try DotKernel(weightType: type, level: .avx512Vnni)
      for count in Self.counts(type) {
        for weightPattern in [TestData.WeightPattern.random, .allZeroBits, .allOneBits] {
          for activationPattern in TestData.ActivationPattern.allCases {
            let c = try Self.makeCase(
              type, count: count, weightPattern: weightPattern, activationPattern: activationPattern, rng: &rng)
            let (a, b) = c.weights.withUnsafeBytes { w in
              c.activations.withUnsafeBytes { x in
                (
                  wide.dot(count: count, weights: w.baseAddress!, activations: x.baseAddress!),
                  narrow.dot(count: count, weights: w.baseAddress!, activations: x.baseAddress!)
                )
              }
            }
            XCTAssertEqual(
              a.bitPattern, b.bitPattern, "\(type) n=\(count) \(weightPattern) \(activationPattern): \(a) vs \(b)")
          }
        }
      }
    }
  }

  func testBestLevelOnThisMachine() throws {
    // Informational on other machines; on x86 with AVX2 the SIMD path must be chosen.
    if KernelLevel.avx2.isSupported {
      XCTAssertGreaterThanOrEqual(KernelLevel.best.rawValue, KernelLevel.avx2.rawValue)
    }
    XCTAssertThrowsError(try DotKernel(weightType: .q3_K)) {
      XCTAssertEqual(($0 as? KernelError)?.code, .unsupportedType)
    }
  }
}
