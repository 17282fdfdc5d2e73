import Foundation
import HunchKernels
import XCTest

/// The C attention kernel against a Swift reference with the arithmetic attention.c documents (the forward pass's
/// former loops, with the softmax's exponentials taken in double precision and summed over 8 lanes): the order of
/// operations is fixed, so the tolerance is zero — every level must give the same bits.
final class AttentionTests: XCTestCase {
  /// Allowed difference between a kernel level and the reference, in units in the last place: none.
  static let toleranceULPs = 0

  func testEveryLevelMatchesTheSwiftReferenceBitForBit() {
    var random = SystemRandomNumberGenerator()
    // (head dimension, group, visible): Qwen 0.5B/1.5B and SmolLM shapes, an odd head size for the tail path.
    // 129 and 300 positions end inside the kernel's second and fifth 64-position block of values.
    let shapes = [
      (64, 7, 1), (64, 7, 37), (64, 7, 300), (128, 6, 129), (128, 6, 64), (64, 3, 64), (40, 2, 21), (64, 1, 17),
    ]
    for (headDimension, group, visible) in shapes {
      let kvStride = headDimension * 2 + 16  // another head's slice sits beside this one, as in the cache
      let queries = (0..<group * headDimension).map { _ in Self.half(Float.random(in: -3...3, using: &random)) }
      // The cache's F16 rows; include subnormal halves, which widening must keep exactly.
      let keys = (0..<visible * kvStride).map { i in
        Float16(i % 97 == 0 ? Float.random(in: -1e-5...1e-5, using: &random) : Float.random(in: -2...2, using: &random))
          .bitPattern
      }
      let values = (0..<visible * kvStride).map { _ in Float16(Float.random(in: -1...1, using: &random)).bitPattern }
      let scale = 1 / Float(headDimension).squareRoot()
      let expected = Self.reference(
        headDimension: headDimension, group: group, queries: queries, keys: keys, values: values, kvStride: kvStride,
        visible: visible, scale: scale)
      var transposed = [Float](
        repeating: .nan, count: Attention.transposedCount(positions: visible, headDimension: headDimension))
      Attention.transposeKeys(
        headDimension: headDimension, keys: keys, kvStride: kvStride, count: visible, into: &transposed)
      for level in KernelLevel.allCases where level.isSupported {
        for useTransposed in [false, true] {
          var scores = [Float](repeating: .nan, count: group * visible)
          var out = [Float](repeating: .nan, count: group * headDimension)
          transposed.withUnsafeBufferPointer { t in
            Attention.attendGroup(
              level: level, headDimension: headDimension, group: group, queries: queries, keys: keys,
              transposedKeys: useTransposed ? t.baseAddress : nil, values: values, kvStride: kvStride, visible: visible,
              scale: scale, scores: &scores, out: &out)
          }
          for i in 0..<out.count {
            let ulps = abs(Int(out[i].bitPattern) - Int(expected[i].bitPattern))
            if ulps > Self.toleranceULPs {
              XCTFail(
                "\(level) transposed \(useTransposed) hd \(headDimension) group \(group) visible \(visible) [\(i)]: "
                  + "\(out[i]) vs \(expected[i])")
              break
            }
          }
        }
      }
    }
  }

  func testOutputIsAWeightedAverageOfValues() {
    // One position: softmax gives weight 1, so each head's output is that value row exactly.
    let headDimension = 64
    let queries = [Float](repeating: 0.25, count: 2 * headDimension)
    let keys = (0..<headDimension).map { Float16(Float($0 % 5)).bitPattern }
    let values = (0..<headDimension).map { Float16(Float($0) - 10).bitPattern }
    var scores = [Float](repeating: 0, count: 2)
    var out = [Float](repeating: 0, count: 2 * headDimension)
    Attention.attendGroup(
      level: .best, headDimension: headDimension, group: 2, queries: queries, keys: keys, values: values,
      kvStride: headDimension, visible: 1, scale: 0.125, scores: &scores, out: &out)
    let expected = (0..<headDimension).map { Float($0) - 10 }
    XCTAssertEqual(Array(out[0..<headDimension]), expected)
    XCTAssertEqual(Array(out[headDimension...]), expected)
  }

  /// The softmax's exponential against the C library's double-precision exp rounded to float: the same value but for
  /// rare last-bit cases (values within ~1e-14 of a float rounding boundary).
  static let expToleranceULPs = 1
  /// Share of arguments whose exponential must be exactly the correctly rounded one.
  static let expExactShare = 0.9999

  func testSoftmaxExpIsCorrectlyRoundedAndTheSameAtEveryLevel() {
    // Every float from -104 to 88.7 in steps that hit many exponents and mantissas, plus the edges.
    var arguments: [Float] = [
      -Float.infinity, -200, -104.5, -104, -103.9, -87.4, -1e-30, -0.0, 0, 1e-30, 88.7, 89.5, .nan,
    ]
    var x: Float = -104
    while x < 88.7 {
      arguments.append(x)
      x += 0.0037
    }
    for level in KernelLevel.allCases where level.isSupported {
      var results = [Float](repeating: .nan, count: arguments.count)
      Attention.softmaxExp(level: level, arguments, into: &results)
      var exact = 0
      for (argument, result) in zip(arguments, results) {
        if argument.isNaN || argument < -104 {
          XCTAssertEqual(result, 0, "\(level) exp(\(argument))")
          exact += 1
          continue
        }
        if argument > 89 {
          XCTAssertEqual(result, .infinity, "\(level) exp(\(argument))")
          exact += 1
          continue
        }
        let expected = Float(exp(Double(argument)))
        let ulps = abs(Int(result.bitPattern) - Int(expected.bitPattern))
        XCTAssertLessThanOrEqual(ulps, Self.expToleranceULPs, "\(level) exp(\(argument)): \(result) vs \(expected)")
        if ulps == 0 { exact += 1 }
      }
      XCTAssertGreaterThanOrEqual(Double(exact) / Double(arguments.count), Self.expExactShare, "\(level)")
      if level != .portable {
        var portable = [Float](repeating: .nan, count: arguments.count)
        Attention.softmaxExp(level: .portable, arguments, into: &portable)
        XCTAssertEqual(results.map(\.bitPattern), portable.map(\.bitPattern), "\(level) differs from portable")
      }
    }
  }

  static func half(_ x: Float) -> Float { Float(Float16(x)) }

  /// The forward pass's former per-head Swift loops, verbatim in arithmetic, over keys and values widened from halves.
  static func reference(
    headDimension hd: Int, group: Int, queries: [Float], keys keyHalves: [UInt16], values valueHalves: [UInt16],
    kvStride: Int, visible: Int, scale: Float
  ) -> [Float] {
    let keys = keyHalves.map { Float(Float16(bitPattern: $0)) }
    let values = valueHalves.map { Float(Float16(bitPattern: $0)) }
    var out = [Float](repeating: 0, count: group * hd)
    for h in 0..<group {
      var s = [Float](repeating: 0, count: visible)
      for j in 0..<visible {
        var sum = SIMD16<Float>()
        var i = 0
        while i + 16 <= hd {
          var a = SIMD16<Float>()
          var b = SIMD16<Float>()
          for l in 0..<16 {
            a[l] = queries[h * hd + i + l]
            b[l] = keys[j * kvStride + i + l]
          }
          sum.addProduct(a, b)
          i += 16
        }
        var total = sum.sum()
        while i < hd {
          total += queries[h * hd + i] * keys[j * kvStride + i]
          i += 1
        }
        s[j] = total * scale
      }
      var maximum = -Float.infinity
      for j in 0..<visible where s[j] > maximum { maximum = s[j] }
      var lanes = [Double](repeating: 0, count: 8)
      for j in 0..<visible {
        let e = Float(exp(Double(s[j] - maximum)))
        s[j] = e
        lanes[j % 8] += Double(e)
      }
      var sum = lanes[0]
      for l in 1..<8 { sum += lanes[l] }
      let inverse = Float(1 / sum)
      for j in 0..<visible { s[j] = half(s[j] * inverse) }
      for j in 0..<visible {
        var i = 0
        while i + 16 <= hd {
          var acc = SIMD16<Float>()
          var x = SIMD16<Float>()
          for l in 0..<16 {
            acc[l] = out[h * hd + i + l]
            x[l] = values[j * kvStride + i + l]
          }
          acc.addProduct(SIMD16(repeating: s[j]), x)
          for l in 0..<16 { out[h * hd + i + l] = acc[l] }
          i += 16
        }
        while i < hd {
          out[h * hd + i] += s[j] * values[j * kvStride + i]
          i += 1
        }
      }
    }
    return out
  }
}
