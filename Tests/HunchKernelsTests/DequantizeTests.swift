import HunchKernels
import XCTest

/// Compares the scalar dequantizers with values decoded by gguf-py (scripts/make-quant-fixtures.py).
final class DequantizeTests: XCTestCase {
  static let fixtures: [(TensorType, String)] = [
    (.q4_0, "q4_0"), (.q4_1, "q4_1"), (.q5_0, "q5_0"), (.q8_0, "q8_0"), (.q4_K, "q4_k"), (.q6_K, "q6_k"),
    (.f16, "f16"),
  ]

  func testMatchesGGUFPyFixtures() throws {
    for (type, name) in Self.fixtures {
      let blocks = try TestData.fixture("\(name).blocks")
      let expectedBytes = try TestData.fixture("\(name).f32")
      let count = expectedBytes.count / 4
      XCTAssertEqual(type.byteCount(elements: count), blocks.count, "\(type) fixture sizes")
      XCTAssertGreaterThan(count, 0)
      let expected = expectedBytes.withUnsafeBytes { raw in
        (0..<count).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
      }
      var actual = [Float](repeating: .nan, count: count)
      try blocks.withUnsafeBytes { raw in
        try actual.withUnsafeMutableBufferPointer { out in
          try Dequantize.row(type, source: raw.baseAddress!, destination: out.baseAddress!, count: count)
        }
      }
      var mismatches = 0
      for i in 0..<count {
        // numpy may order a multiply-add differently; one unit in the last place is the most that can cause.
        let close = actual[i] == expected[i] || abs(actual[i] - expected[i]) <= expected[i].ulp
        if !close {
          mismatches += 1
          if mismatches < 5 { XCTFail("\(type)[\(i)]: \(actual[i]) vs gguf-py \(expected[i])") }
        }
      }
      XCTAssertEqual(mismatches, 0, "\(type)")
    }
  }

  func testF32IsCopiedAndRowOffsetsAreRespected() throws {
    let values: [Float] = [1.5, -2, 0, 3.25, 7, 8]
    var out = [Float](repeating: 0, count: 3)
    try values.withUnsafeBytes { raw in
      try out.withUnsafeMutableBufferPointer { buffer in
        try MatMul.dequantizeRow(
          weights: raw.baseAddress!, type: .f32, columns: 3, row: 1, destination: buffer.baseAddress!)
      }
    }
    XCTAssertEqual(out, [3.25, 7, 8])
  }

  func testRejectsPartialBlocksAndUnsupportedTypes() throws {
    var out = [Float](repeating: 0, count: 64)
    let bytes = [UInt8](repeating: 0, count: 64)
    try bytes.withUnsafeBytes { raw in
      try out.withUnsafeMutableBufferPointer { buffer in
        XCTAssertThrowsError(
          try Dequantize.row(.q4_0, source: raw.baseAddress!, destination: buffer.baseAddress!, count: 31)
        ) {
          XCTAssertEqual(($0 as? KernelError)?.code, .badShape)
        }
        XCTAssertThrowsError(
          try Dequantize.row(.q3_K, source: raw.baseAddress!, destination: buffer.baseAddress!, count: 256)
        ) {
          XCTAssertEqual(($0 as? KernelError)?.code, .unsupportedType)
        }
      }
    }
  }
}
