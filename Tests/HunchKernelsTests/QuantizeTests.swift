import XCTest

@testable import HunchKernels

final class QuantizeTests: XCTestCase {
  static let formats: [TensorType] = [.q8_0, .q8_1, .q8_K]

  private func quantize(_ format: TensorType, _ values: [Float], fast: Bool) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0xAA, count: format.byteCount(elements: values.count) ?? 0)
    try values.withUnsafeBufferPointer { x in
      try bytes.withUnsafeMutableBytes { y in
        if fast {
          FastQuantize.row(format, source: x.baseAddress!, destination: y.baseAddress!, count: values.count)
        } else {
          try Quantize.row(format, source: x.baseAddress!, destination: y.baseAddress!, count: values.count)
        }
      }
    }
    return bytes
  }

  func testCQuantizersAreBitIdenticalToSwiftReference() throws {
    var rng = SplitMix(seed: 11)
    for format in Self.formats {
      for pattern in TestData.ActivationPattern.allCases {
        let values = TestData.activations(count: 1024, pattern: pattern, rng: &rng)
        XCTAssertEqual(
          try quantize(format, values, fast: true), try quantize(format, values, fast: false), "\(format) \(pattern)")
      }
    }
  }

  func testQ8_0RoundsTiesToEven() throws {
    // Scale is exactly 1 (amax 127): 2.5 → 2, −2.5 → −2, 3.5 → 4, 0.5 → 0.
    var values = [Float](repeating: 0, count: 32)
    values[0] = 127
    values[1] = 2.5
    values[2] = -2.5
    values[3] = 3.5
    values[4] = 0.5
    values[5] = -126.5
    for format in [TensorType.q8_0, .q8_1] {
      let bytes = try quantize(format, values, fast: false)
      let header = format == .q8_0 ? 2 : 4
      let q = (0..<6).map { Int8(bitPattern: bytes[header + $0]) }
      XCTAssertEqual(q, [127, 2, -2, 4, 0, -126], "\(format)")
      XCTAssertEqual(Half.toFloat(UInt16(bytes[0]) | UInt16(bytes[1]) << 8), 1)
    }
  }

  func testQ8_1SumAndQ8_KBlockSumsMatchTheirQuants() throws {
    var rng = SplitMix(seed: 12)
    let values = TestData.activations(count: 512, pattern: .gaussian, rng: &rng)
    let q81 = try quantize(.q8_1, values, fast: true)
    for block in 0..<16 {
      let base = block * 36
      let d = Half.toFloat(UInt16(q81[base]) | UInt16(q81[base + 1]) << 8)
      let s = Half.toFloat(UInt16(q81[base + 2]) | UInt16(q81[base + 3]) << 8)
      let sum = (0..<32).reduce(0) { $0 + Int(Int8(bitPattern: q81[base + 4 + $1])) }
      // s is rounded to half from the unrounded d, so compare at half precision.
      XCTAssertEqual(s, d * Float(sum), accuracy: abs(d * Float(sum)) * 0x1p-9 + 1e-6)
    }
    let q8k = try quantize(.q8_K, values, fast: true)
    for block in 0..<2 {
      let base = block * 292
      for k in 0..<16 {
        let sum = (0..<16).reduce(0) { $0 + Int(Int8(bitPattern: q8k[base + 4 + 16 * k + $1])) }
        let stored = Int16(bitPattern: UInt16(q8k[base + 260 + 2 * k]) | UInt16(q8k[base + 261 + 2 * k]) << 8)
        XCTAssertEqual(Int(stored), sum)
      }
    }
  }

  func testQuantizedValuesStayWithinHalfAStepOfTheInput() throws {
    var rng = SplitMix(seed: 13)
    for format in Self.formats {
      let values = TestData.activations(count: 512, pattern: .gaussian, rng: &rng)
      let bytes = try quantize(format, values, fast: true)
      let decoded = bytes.withUnsafeBytes { TestData.activationValues(format, $0.baseAddress!, count: 512) }
      let blockSize = format.blockSize
      for block in 0..<(512 / blockSize) {
        let range = block * blockSize..<(block + 1) * blockSize
        let amax = range.map { abs(values[$0]) }.max() ?? 0
        let step = amax / 127
        for i in range {
          // Half-rounded scales (Q8_0/Q8_1) add up to 2^-11 relative on top of the half step.
          XCTAssertEqual(decoded[i], values[i], accuracy: step * 0.5 + amax * 0x1p-10 + 1e-7, "\(format)[\(i)]")
        }
      }
    }
  }

  func testQ8_KScalesByTheFirstElementOfLargestMagnitude() throws {
    var values = [Float](repeating: 0.25, count: 256)
    values[3] = -2  // first of the largest magnitude: the scale is −127/−2, so d = 2/127 > 0
    values[9] = 2  // same magnitude later: choosing it would flip the sign of d and of every quant
    let bytes = try quantize(.q8_K, values, fast: false)
    let d = bytes.withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
    XCTAssertEqual(d, 1 / (-127 / Float(-2)))
    XCTAssertGreaterThan(d, 0)
    XCTAssertEqual(Int8(bitPattern: bytes[4 + 3]), -127)
    XCTAssertEqual(Int8(bitPattern: bytes[4 + 9]), 127)
    XCTAssertEqual(Int8(bitPattern: bytes[4 + 0]), 16)  // 0.25 · 63.5 = 15.875
    XCTAssertEqual(try quantize(.q8_K, values, fast: true), bytes)
  }

  func testPartnerFormats() {
    XCTAssertEqual(Quantize.partner(for: .q4_0), .q8_0)
    XCTAssertEqual(Quantize.partner(for: .q5_0), .q8_0)
    XCTAssertEqual(Quantize.partner(for: .q8_0), .q8_0)
    XCTAssertEqual(Quantize.partner(for: .q4_1), .q8_1)
    XCTAssertEqual(Quantize.partner(for: .q4_K), .q8_K)
    XCTAssertEqual(Quantize.partner(for: .q6_K), .q8_K)
    XCTAssertEqual(Quantize.partner(for: .f16), .f32)
    XCTAssertNil(Quantize.partner(for: .q3_K))
  }
}
