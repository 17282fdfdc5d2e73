import Foundation
import HunchKernels
import XCTest

/// The vectorized elementwise steps against the portable loops (bit for bit) and against independent references.
final class ElementwiseTests: XCTestCase {
  /// SwiGLU against silu computed with the C library's double-precision exp: the softmax's exp differs from it only
  /// in rare last bits (see AttentionTests), so a result may be off by an ulp or two after the division.
  static let swiGLUToleranceULPs = 2

  /// RMS norm against the same formula in double: the float result rounds the mean, the scale and two products, so
  /// it may be off by a few ulps.
  static let rmsNormToleranceULPs = 4

  func testRMSNormIsTheSameAtEveryLevelAndMatchesDoublePrecision() {
    var random = SystemRandomNumberGenerator()
    // Tail lengths around the 16-lane step, the models' widths, and values spread over many binades.
    for count in [1, 7, 8, 15, 16, 17, 31, 576, 896, 1001] {
      let x = (0..<count).map { i in
        i % 97 == 3 ? 0 : Float.random(in: -4...4, using: &random) * powf(10, Float(i % 5) - 2)
      }
      let weight = (0..<count).map { _ in Float.random(in: -2...2, using: &random) }
      let epsilon: Float = 1e-6
      var portable = [Float](repeating: .nan, count: count)
      Elementwise.rmsNorm(level: .portable, x, weight: weight, epsilon: epsilon, count: count, into: &portable)
      let sum = x.reduce(0.0) { $0 + Double($1) * Double($1) }
      let scale = 1 / (sum / Double(count) + Double(epsilon)).squareRoot()
      for i in 0..<count {
        let expected = Float(Double(x[i]) * scale * Double(weight[i]))
        XCTAssertLessThanOrEqual(
          abs(Int(portable[i].bitPattern) - Int(expected.bitPattern)), Self.rmsNormToleranceULPs,
          "count \(count), element \(i): \(portable[i]) vs \(expected)")
      }
      for level in KernelLevel.allCases where level.isSupported && level != .portable {
        var out = [Float](repeating: .nan, count: count)
        Elementwise.rmsNorm(level: level, x, weight: weight, epsilon: epsilon, count: count, into: &out)
        XCTAssertEqual(out.map(\.bitPattern), portable.map(\.bitPattern), "\(level) differs from portable at \(count)")
      }
    }
  }

  func testSwiGLUIsTheSameAtEveryLevelAndMatchesSilu() {
    var random = SystemRandomNumberGenerator()
    // Gate values across silu's range, the saturated tails (e^-g under/overflow), zeros and an odd count for tails.
    var gates: [Float] = [0, -0.0, 1e-30, -1e-30, 88, 89.5, -89.5, -104.5, 200, -200, 1, -1]
    gates += (0..<1001).map { _ in Float.random(in: -20...20, using: &random) }
    let ups = gates.indices.map { _ in Float.random(in: -3...3, using: &random) }
    var portable = gates
    Elementwise.swiGLU(level: .portable, gate: &portable, up: ups, count: gates.count)
    for (i, (g, u)) in zip(gates, ups).enumerated() {
      let expected = g / (1 + Float(exp(Double(-g)))) * u
      XCTAssertLessThanOrEqual(
        abs(Int(portable[i].bitPattern) - Int(expected.bitPattern)), Self.swiGLUToleranceULPs,
        "silu(\(g)) * \(u): \(portable[i]) vs \(expected)")
    }
    for level in KernelLevel.allCases where level.isSupported && level != .portable {
      var out = gates
      Elementwise.swiGLU(level: level, gate: &out, up: ups, count: gates.count)
      XCTAssertEqual(out.map(\.bitPattern), portable.map(\.bitPattern), "\(level) differs from portable")
    }
  }

  /// Floats that probe half rounding: ties to even in normal and subnormal range, the overflow edge, tiny values.
  static func halfProbes() -> [Float] {
    var random = SystemRandomNumberGenerator()
    var values: [Float] = [
      0, -0.0, 1, -1, 65504, 65519.99, 65520, -65520, 1e9, .infinity, -.infinity, 1e-8, -1e-8, 2.98e-8, 2.99e-8,
      5.96e-8, 6e-5, 6.1e-5, 1.0009765625 + 0.00048828125, 1.0009765625 * 2 + 0.0009765625,
    ]
    for _ in 0..<2000 {
      values.append(Float.random(in: -70000...70000, using: &random))
      values.append(Float.random(in: -1e-4...1e-4, using: &random))
      // Exactly halfway between two neighbouring halves.
      let h = Float(Float16(Float.random(in: -100...100, using: &random)))
      values.append(h + (Float(Float16(h).nextUp) - h) / 2)
    }
    return values
  }

  func testHalfRoundingMatchesSwiftFloat16AtEveryLevel() {
    let values = Self.halfProbes()
    let expectedBits = values.map { Float16($0).bitPattern }
    let expectedFloats = values.map { Float(Float16($0)).bitPattern }
    for level in KernelLevel.allCases where level.isSupported {
      var halves = [UInt16](repeating: 0xFFFF, count: values.count)
      Elementwise.storeHalves(level: level, values, into: &halves, count: values.count)
      XCTAssertEqual(halves, expectedBits, "\(level) storeHalves")
      var rounded = values
      Elementwise.roundToHalf(level: level, &rounded, count: values.count)
      XCTAssertEqual(rounded.map(\.bitPattern), expectedFloats, "\(level) roundToHalf")
    }
  }
}
