import XCTest

@testable import HunchKernels

/// The block-sum kernels (blocksums.c, Q5_0 and Q4_K; opt-in through MatMul.usesBlockSumKernels): the one-row kernel,
/// the 16-row decode path and the batch panel must all give every output exactly the bits of a scalar model of their
/// arithmetic, and stay within the dot kernels' tolerance of the exact reference.
final class BlockSumTests: XCTestCase {
  /// Bits allowed between any block-sum path and the scalar model (and between batched and single-row products).
  static let toleranceULPs = 0

  /// Σ over blocks in order of fma(float(wd) · float(ad), float(exact integer block dot), acc), from 0.
  static func model(weights: UnsafeRawPointer, activations: UnsafeRawPointer, count: Int) -> Float {
    var acc: Float = 0
    for block in 0..<(count / 32) {
      let x = weights + block * 22  // d, qh[4], qs[16]
      let y = activations + block * 34  // d, qs[32]
      let high = x.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
      var sum: Int32 = 0
      for j in 0..<32 {
        let packed = x.load(fromByteOffset: 6 + j % 16, as: UInt8.self)
        let nibble = Int32(j < 16 ? packed & 0x0F : packed >> 4)
        let quant = (nibble | Int32((high >> UInt32(j)) & 1) << 4) - 16
        sum += quant * Int32(y.load(fromByteOffset: 2 + j, as: Int8.self))
      }
      let scale = Half.load(x, 0) * Half.load(y, 0)
      acc = acc.addingProduct(scale, Float(sum))
    }
    return acc
  }

  /// Q4_K: per super-block ISUM = Σ scale_j · Σ q·y and MSUM = Σ min_j · Σ y over sub-block j (exact), then
  /// acc = fma(yd · d, ISUM, acc) and mins = fma(yd · dmin, MSUM, mins) in block order; acc − mins.
  static func modelQ4_K(weights: UnsafeRawPointer, activations: UnsafeRawPointer, count: Int) -> Float {
    var acc: Float = 0
    var mins: Float = 0
    for block in 0..<(count / 256) {
      let x = weights + block * 144  // d, dmin, scales[12], qs[128]
      let y = activations + block * 292  // d (float), qs[256], bsums[16]
      var isum: Int32 = 0
      var msum: Int32 = 0
      for j in 0..<8 {
        let (scale, min) = Dequantize.q4_KScaleMin(j, x + 4)
        var dot: Int32 = 0
        var sum: Int32 = 0
        for e in 0..<32 {
          let packed = x.load(fromByteOffset: 16 + 32 * (j / 2) + e, as: UInt8.self)
          let quant = Int32(j % 2 == 0 ? packed & 0x0F : packed >> 4)
          let activation = Int32(y.load(fromByteOffset: 4 + 32 * j + e, as: Int8.self))
          dot += quant * activation
          sum += activation
        }
        isum += Int32(scale) * dot
        msum += Int32(min) * sum
      }
      let yd = y.loadUnaligned(as: Float.self)
      acc = acc.addingProduct(yd * Half.load(x, 0), Float(isum))
      mins = mins.addingProduct(yd * Half.load(x, 2), Float(msum))
    }
    return acc - mins
  }

  /// `matmul`'s product of (rows, columns) `weights` of `type` with a (batch, columns) input: (batch, rows).
  static func multiply(
    _ matmul: MatMul, weights: [UInt8], type: TensorType, rows: Int, columns: Int, input: [Float], batch: Int
  ) throws -> [Float] {
    var output = [Float](repeating: .nan, count: batch * rows)
    try weights.withUnsafeBytes { w in
      try input.withUnsafeBufferPointer { x in
        try output.withUnsafeMutableBufferPointer { y in
          try matmul.multiply(
            weights: w.baseAddress!, type: type, rows: rows, columns: columns, input: x.baseAddress!, batch: batch,
            output: y.baseAddress!)
        }
      }
    }
    return output
  }

  /// Row `row` of a (rows, columns) input quantized to `type` (`bytes` long).
  static func quantizedRow(_ type: TensorType, of input: [Float], row: Int, columns: Int, bytes: Int) throws -> [UInt8]
  {
    var quantized = [UInt8](repeating: 0, count: bytes)
    try input.withUnsafeBufferPointer { x in
      try quantized.withUnsafeMutableBytes { a in
        try Quantize.row(type, source: x.baseAddress! + row * columns, destination: a.baseAddress!, count: columns)
      }
    }
    return quantized
  }

  func testQ4_KPathsMatchTheScalarModelAndTheReference() throws {
    guard KernelLevel.avx512.isSupported else { throw XCTSkip("no AVX-512 VNNI on this CPU") }
    var rng = SplitMix(seed: 8)
    let matmul = MatMul(pool: ThreadPool(threadCount: 2), level: .avx512)
    matmul.usesBlockSumKernels = true
    for (rows, columns) in [(37, 768), (16, 256), (21, 4864)] {
      let rowBytes = try XCTUnwrap(TensorType.q4_K.byteCount(elements: columns))
      let activationBytes = try XCTUnwrap(TensorType.q8_K.byteCount(elements: columns))
      for pattern in [TestData.WeightPattern.random, .allOneBits, .allZeroBits] {
        let weights = TestData.weights(.q4_K, count: rows * columns, rng: &rng, pattern: pattern)
        for batch in [1, 3, 16, 19, 35] {
          let input = (0..<batch).flatMap { b in
            TestData.activations(count: columns, pattern: b % 4 == 1 ? .spiky : .gaussian, rng: &rng)
          }
          let output = try Self.multiply(
            matmul, weights: weights, type: .q4_K, rows: rows, columns: columns, input: input, batch: batch)
          for b in 0..<batch {
            let activations = try Self.quantizedRow(
              .q8_K, of: input, row: b, columns: columns, bytes: activationBytes)
            for r in 0..<rows {
              try weights.withUnsafeBytes { w in
                try activations.withUnsafeBytes { a in
                  let row = w.baseAddress! + r * rowBytes
                  let model = Self.modelQ4_K(weights: row, activations: a.baseAddress!, count: columns)
                  let single = try XCTUnwrap(
                    MatMul.blockSumDot(type: .q4_K, count: columns, weights: row, activations: a.baseAddress!))
                  let got = output[b * rows + r]
                  XCTAssertLessThanOrEqual(
                    abs(Int(got.bitPattern) - Int(model.bitPattern)), Self.toleranceULPs,
                    "Q4_K \(rows)x\(columns) \(pattern) batch \(batch) b=\(b) r=\(r): \(got) vs model \(model)")
                  XCTAssertLessThanOrEqual(
                    abs(Int(single.bitPattern) - Int(model.bitPattern)), Self.toleranceULPs,
                    "Q4_K one-row \(columns) \(pattern): \(single) vs model \(model)")
                  if b == 0 {
                    let reference = try ReferenceDot.dot(
                      .q4_K, count: columns, weights: row, activations: a.baseAddress!)
                    var deq = [Float](repeating: 0, count: columns)
                    try deq.withUnsafeMutableBufferPointer {
                      try Dequantize.row(.q4_K, source: row, destination: $0.baseAddress!, count: columns)
                    }
                    let acts = TestData.activationValues(.q8_K, a.baseAddress!, count: columns)
                    let magnitude = zip(deq, acts).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
                    XCTAssertEqual(
                      single, reference,
                      accuracy: DotKernel.relativeTolerance * magnitude + Float.leastNormalMagnitude,
                      "Q4_K \(columns) \(pattern) r=\(r)")
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Off by default (unless HUNCH_BLOCK_SUMS=1): the default path keeps the lane-wise rounding the goldens measure.
  func testBlockSumsAreOptIn() {
    let matmul = MatMul(pool: ThreadPool(threadCount: 1))
    XCTAssertEqual(matmul.usesBlockSumKernels, ProcessInfo.processInfo.environment["HUNCH_BLOCK_SUMS"] == "1")
  }

  func testOneRowKernelMatchesTheScalarModelAndTheReference() throws {
    guard KernelLevel.avx512.isSupported else { throw XCTSkip("no AVX-512 VNNI on this CPU") }
    var rng = SplitMix(seed: 5)
    for count in [32, 96, 896, 4864] {
      for weightPattern in [TestData.WeightPattern.random, .allZeroBits, .allOneBits] {
        for activationPattern in TestData.ActivationPattern.allCases {
          let weights = TestData.weights(.q5_0, count: count, rng: &rng, pattern: weightPattern)
          let input = TestData.activations(count: count, pattern: activationPattern, rng: &rng)
          var activations = [UInt8](repeating: 0, count: try XCTUnwrap(TensorType.q8_0.byteCount(elements: count)))
          try input.withUnsafeBufferPointer { x in
            try activations.withUnsafeMutableBytes { a in
              try Quantize.row(.q8_0, source: x.baseAddress!, destination: a.baseAddress!, count: count)
            }
          }
          try weights.withUnsafeBytes { w in
            try activations.withUnsafeBytes { a in
              let fast = try XCTUnwrap(
                MatMul.blockSumDot(type: .q5_0, count: count, weights: w.baseAddress!, activations: a.baseAddress!))
              let model = Self.model(weights: w.baseAddress!, activations: a.baseAddress!, count: count)
              XCTAssertLessThanOrEqual(
                abs(Int(fast.bitPattern) - Int(model.bitPattern)), Self.toleranceULPs,
                "n=\(count) \(weightPattern) \(activationPattern): \(fast) vs model \(model)")
              let reference = try ReferenceDot.dot(
                .q5_0, count: count, weights: w.baseAddress!, activations: a.baseAddress!)
              var deq = [Float](repeating: 0, count: count)
              try deq.withUnsafeMutableBufferPointer {
                try Dequantize.row(.q5_0, source: w.baseAddress!, destination: $0.baseAddress!, count: count)
              }
              let acts = TestData.activationValues(.q8_0, a.baseAddress!, count: count)
              let magnitude = zip(deq, acts).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
              XCTAssertEqual(
                fast, reference, accuracy: DotKernel.relativeTolerance * magnitude + Float.leastNormalMagnitude,
                "n=\(count) \(weightPattern) \(activationPattern)")
            }
          }
        }
      }
    }
  }

  /// MatMul's decode path (batch 1, 16 weight rows per step, tails of 1..15 rows) and batch panel (tiles of 16
  /// activation rows, tails, 4-row weight groups) against the model, row by row, for odd and even block counts.
  func testMatMulPathsMatchTheScalarModel() throws {
    guard KernelLevel.avx512.isSupported else { throw XCTSkip("no AVX-512 VNNI on this CPU") }
    var rng = SplitMix(seed: 6)
    let matmul = MatMul(pool: ThreadPool(threadCount: 2), level: .avx512)
    matmul.usesBlockSumKernels = true
    for (rows, columns) in [(53, 896), (16, 96), (37, 800), (7, 64)] {
      let rowBytes = try XCTUnwrap(TensorType.q5_0.byteCount(elements: columns))
      let activationBytes = try XCTUnwrap(TensorType.q8_0.byteCount(elements: columns))
      for pattern in [TestData.WeightPattern.random, .allOneBits] {
        let weights = TestData.weights(.q5_0, count: rows * columns, rng: &rng, pattern: pattern)
        for batch in [1, 2, 5, 16, 17, 33] {
          let input = (0..<batch).flatMap { b in
            TestData.activations(count: columns, pattern: b % 5 == 3 ? .spiky : .gaussian, rng: &rng)
          }
          let output = try Self.multiply(
            matmul, weights: weights, type: .q5_0, rows: rows, columns: columns, input: input, batch: batch)
          for b in 0..<batch {
            let activations = try Self.quantizedRow(
              .q8_0, of: input, row: b, columns: columns, bytes: activationBytes)
            for r in 0..<rows {
              let model = weights.withUnsafeBytes { w in
                activations.withUnsafeBytes { a in
                  Self.model(weights: w.baseAddress! + r * rowBytes, activations: a.baseAddress!, count: columns)
                }
              }
              let got = output[b * rows + r]
              XCTAssertLessThanOrEqual(
                abs(Int(got.bitPattern) - Int(model.bitPattern)), Self.toleranceULPs,
                "\(rows)x\(columns) \(pattern) batch \(batch) b=\(b) r=\(r): \(got) vs model \(model)")
            }
          }
        }
      }
    }
  }
}
