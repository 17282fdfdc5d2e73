import HunchKernels
import XCTest

final class HalfTests: XCTestCase {
  func testEveryHalfPatternDecodesLikeSwiftFloat16() {
    for bits in UInt16.min...UInt16.max {
      let expected = Float(Float16(bitPattern: bits))
      let actual = Half.toFloat(bits)
      if expected.isNaN {
        XCTAssertTrue(actual.isNaN, "pattern \(bits)")
      } else {
        XCTAssertEqual(actual.bitPattern, expected.bitPattern, "pattern \(bits)")
      }
    }
  }

  func testEncodingRoundsToNearestEvenLikeSwiftFloat16() {
    var rng = SplitMix(seed: 7)
    var samples: [Float] = [
      0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e9, .infinity, -.infinity, 0x1p-24, 0x1p-25, 0x1.8p-25,
      0x1p-26, 0x1.ffcp-15, 0x1p-14, 6.1e-5, 1.0009765625, 1.00048828125, 1.00146484375, .leastNonzeroMagnitude,
    ]
    for _ in 0..<20000 {
      samples.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng)))
      samples.append(Float.random(in: -70000...70000, using: &rng))
    }
    // Every half and every midpoint between neighbouring halves: the exact ties.
    for bits in UInt16(0)..<0x7C00 {
      let low = Float(Float16(bitPattern: bits)), high = Float(Float16(bitPattern: bits + 1))
      samples.append(low)
      samples.append(-(low + (high - low) / 2))
    }
    for value in samples where !value.isNaN {
      XCTAssertEqual(Half.fromFloat(value), Float16(value).bitPattern, "value \(value)")
    }
    XCTAssertTrue(Half.toFloat(Half.fromFloat(.nan)).isNaN)
  }
}
