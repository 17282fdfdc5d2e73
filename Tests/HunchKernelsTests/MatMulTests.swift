import HunchKernels
import XCTest

final class MatMulTests: XCTestCase {
  static let types: [TensorType] = [.q4_0, .q4_1, .q5_0, .q8_0, .q4_K, .q6_K, .f16, .f32]

  func testMatchesReferenceDotsForEveryTypeAndBatch() throws {
    var rng = SplitMix(seed: 31)
    let pool = ThreadPool(threadCount: 2)
    let matmul = MatMul(pool: pool)
    for type in Self.types {
      let partner = try XCTUnwrap(Quantize.partner(for: type))
      let columns = 512
      let rows = 37
      let rowBytes = try XCTUnwrap(type.byteCount(elements: columns))
      let weights = TestData.weights(type, count: rows * columns, rng: &rng)
      for batch in [1, 3, 20] {
        let input = (0..<batch).flatMap { _ in TestData.activations(count: columns, pattern: .gaussian, rng: &rng) }
        var output = [Float](repeating: .nan, count: batch * rows)
        try weights.withUnsafeBytes { w in
          try input.withUnsafeBufferPointer { x in
            try output.withUnsafeMutableBufferPointer { y in
              try matmul.multiply(
                weights: w.baseAddress!, type: type, rows: rows, columns: columns,
                input: x.baseAddress!, batch: batch, output: y.baseAddress!)
            }
          }
        }
        for b in 0..<batch {
          var activations = [UInt8](repeating: 0, count: try XCTUnwrap(partner.byteCount(elements: columns)))
          try input.withUnsafeBufferPointer { x in
            try activations.withUnsafeMutableBytes { a in
              try Quantize.row(
                partner, source: x.baseAddress! + b * columns, destination: a.baseAddress!, count: columns)
            }
          }
          for r in 0..<rows {
            let (reference, magnitude) = try weights.withUnsafeBytes { w in
              try activations.withUnsafeBytes { a in
                let row = w.baseAddress! + r * rowBytes
                let value = try ReferenceDot.dot(type, count: columns, weights: row, activations: a.baseAddress!)
                var deq = [Float](repeating: 0, count: columns)
                try deq.withUnsafeMutableBufferPointer {
                  try Dequantize.row(type, source: row, destination: $0.baseAddress!, count: columns)
                }
                let acts = TestData.activationValues(partner, a.baseAddress!, count: columns)
                return (value, zip(deq, acts).reduce(Float(0)) { $0 + abs($1.0 * $1.1) })
              }
            }
            XCTAssertEqual(
              output[b * rows + r], reference, accuracy: DotKernel.relativeTolerance * magnitude + 1e-30,
              "\(type) batch \(batch) b=\(b) r=\(r)")
          }
        }
      }
    }
  }

  /// The pair kernels (prepared activations, avx512 level; Q4_1 included) must reproduce the per-row dot kernels
  /// exactly: the goldens were measured with those, and a changed rounding can flip a near-tie.
  static let pairKernelToleranceULPs = 0

  func testPairKernelsAreBitIdenticalToTheRowDotKernels() throws {
    guard KernelLevel.avx512.isSupported else { throw XCTSkip("no AVX-512 VNNI on this CPU") }
    var rng = SplitMix(seed: 77)
    let matmul = MatMul(pool: ThreadPool(threadCount: 2), level: .avx512)
    matmul.usesBlockSumKernels = false  // the lane-wise kernels the row dot kernels share (BlockSumTests: the others)
    // Single Q5_0 rows take the byte-permute kernel where the CPU has AVX512-VBMI, the general pair kernel otherwise.
    for (type, bytePermutes) in [
      (TensorType.q4_0, false), (.q5_0, true), (.q5_0, false), (.q8_0, false), (.q4_1, false),
    ] {
      matmul.usesBytePermuteKernels = bytePermutes
      let kernel = try DotKernel(weightType: type, level: .avx512)
      let partner = try XCTUnwrap(Quantize.partner(for: type))
      // Shapes: tails of the lane kernels' three-row groups (53 = 17·3 + 2, 49 = 16·3 + 1) and of their tiles.
      for (pattern, rows, columns) in [
        (TestData.WeightPattern.random, 53, 896), (.allOneBits, 53, 896), (.random, 49, 128),
      ] {
        let rowBytes = try XCTUnwrap(type.byteCount(elements: columns))
        let weights = TestData.weights(type, count: rows * columns, rng: &rng, pattern: pattern)
        for batch in [1, 3, 4, 9, 21, 33] {
          let input = (0..<batch).flatMap { _ in TestData.activations(count: columns, pattern: .gaussian, rng: &rng) }
          var output = [Float](repeating: .nan, count: batch * rows)
          try weights.withUnsafeBytes { w in
            try input.withUnsafeBufferPointer { x in
              try output.withUnsafeMutableBufferPointer { y in
                try matmul.multiply(
                  weights: w.baseAddress!, type: type, rows: rows, columns: columns, input: x.baseAddress!,
                  batch: batch, output: y.baseAddress!)
              }
            }
          }
          for b in 0..<batch {
            var activations = [UInt8](repeating: 0, count: try XCTUnwrap(partner.byteCount(elements: columns)))
            try input.withUnsafeBufferPointer { x in
              try activations.withUnsafeMutableBytes { a in
                try Quantize.row(
                  partner, source: x.baseAddress! + b * columns, destination: a.baseAddress!, count: columns)
              }
            }
            for r in 0..<rows {
              let expected = weights.withUnsafeBytes { w in
                activations.withUnsafeBytes { a in
                  kernel.dot(count: columns, weights: w.baseAddress! + r * rowBytes, activations: a.baseAddress!)
                }
              }
              let got = output[b * rows + r]
              let ulps = abs(Int(got.bitPattern) - Int(expected.bitPattern))
              XCTAssertLessThanOrEqual(
                ulps, Self.pairKernelToleranceULPs,
                "\(type) permutes \(bytePermutes) \(pattern) batch \(batch) b=\(b) r=\(r): \(got) vs \(expected)")
            }
          }
        }
      }
    }
  }

  /// Every output of a batched product must be bit-identical to the same activation row multiplied alone, for every
  /// type and batch shape (tails of the four-row and tile loops included).
  func testBatchedOutputsAreBitIdenticalToSingleRowProducts() throws {
    var rng = SplitMix(seed: 91)
    let matmul = MatMul(pool: ThreadPool(threadCount: 2))
    XCTAssertTrue(matmul.usesFourRowKernels)
    for (type, blockSums) in Self.types.map({ ($0, false) }) + [(.q5_0, true), (.q4_K, true)] {
      matmul.usesBlockSumKernels = blockSums
      let columns = type == .q4_K || type == .q6_K ? 1024 : 896
      let rows = 45
      let weights = TestData.weights(type, count: rows * columns, rng: &rng)
      for batch in [2, 4, 7, 8, 21, 37] {
        let input = (0..<batch).flatMap { _ in TestData.activations(count: columns, pattern: .gaussian, rng: &rng) }
        var batched = [Float](repeating: .nan, count: batch * rows)
        var single = [Float](repeating: .nan, count: rows)
        try weights.withUnsafeBytes { w in
          try input.withUnsafeBufferPointer { x in
            try batched.withUnsafeMutableBufferPointer { y in
              try matmul.multiply(
                weights: w.baseAddress!, type: type, rows: rows, columns: columns, input: x.baseAddress!,
                batch: batch, output: y.baseAddress!)
            }
            for b in 0..<batch {
              try single.withUnsafeMutableBufferPointer { y in
                try matmul.multiply(
                  weights: w.baseAddress!, type: type, rows: rows, columns: columns,
                  input: x.baseAddress! + b * columns, batch: 1, output: y.baseAddress!)
              }
              for r in 0..<rows {
                XCTAssertEqual(
                  batched[b * rows + r].bitPattern, single[r].bitPattern,
                  "\(type) block sums \(blockSums) batch \(batch) b=\(b) r=\(r): "
                    + "\(batched[b * rows + r]) vs \(single[r])")
              }
            }
          }
        }
      }
    }
  }

  /// A decoding step multiplies its query/key/value (and gate/up) matrices in one pool pass; every output must keep
  /// the bits of its own `multiply`, at every kernel level, whatever mix of types (and so of prepared activations)
  /// shares the input.
  func testSharedInputProductsAreBitIdenticalToSeparateProducts() throws {
    var rng = SplitMix(seed: 37)
    let columns = 512
    let groups: [[(TensorType, Int)]] = [
      [(.q5_0, 64), (.q5_0, 8), (.q8_0, 8)],  // a Qwen 0.5B attention block's mix
      [(.q4_K, 70), (.q6_K, 33), (.q4_K, 5)],
      [(.q4_1, 41), (.q8_0, 9), (.f32, 6), (.q6_K, 17)],
      [(.q5_0, 3), (.f16, 50)],
    ]
    for level in KernelLevel.allCases where level.isSupported {
      let matmul = MatMul(pool: ThreadPool(threadCount: 2), level: level)
      for group in groups {
        let input = TestData.activations(count: columns, pattern: .gaussian, rng: &rng)
        let weights = group.map { type, rows in TestData.weights(type, count: rows * columns, rng: &rng) }
        var separate: [[Float]] = []
        for ((type, rows), w) in zip(group, weights) {
          var out = [Float](repeating: .nan, count: rows)
          try w.withUnsafeBytes { wb in
            try input.withUnsafeBufferPointer { x in
              try out.withUnsafeMutableBufferPointer { y in
                try matmul.multiply(
                  weights: wb.baseAddress!, type: type, rows: rows, columns: columns, input: x.baseAddress!, batch: 1,
                  output: y.baseAddress!)
              }
            }
          }
          separate.append(out)
        }
        let outputs = group.map { _, rows in UnsafeMutablePointer<Float>.allocate(capacity: rows) }
        defer { outputs.forEach { $0.deallocate() } }
        let pinned = weights.map { w in
          let p = UnsafeMutableRawPointer.allocate(byteCount: w.count, alignment: 64)
          w.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: w.count) }
          return p
        }
        defer { pinned.forEach { $0.deallocate() } }
        let products = group.indices.map { i in
          SharedInputProduct(
            weights: UnsafeRawPointer(pinned[i]), type: group[i].0, rows: group[i].1, output: outputs[i])
        }
        try input.withUnsafeBufferPointer { x in
          try matmul.multiply(sharing: x.baseAddress!, columns: columns, products: products)
        }
        for (i, (type, rows)) in group.enumerated() {
          for r in 0..<rows {
            XCTAssertEqual(
              outputs[i][r].bitPattern, separate[i][r].bitPattern,
              "\(level) \(type) product \(i) row \(r): \(outputs[i][r]) vs \(separate[i][r])")
          }
        }
      }
    }
  }

  func testRejectsBadShapesAndTypes() throws {
    let matmul = MatMul(pool: ThreadPool(threadCount: 1))
    let weights = [UInt8](repeating: 0, count: 4096)
    let input = [Float](repeating: 1, count: 512)
    var output = [Float](repeating: 0, count: 16)
    try weights.withUnsafeBytes { w in
      try input.withUnsafeBufferPointer { x in
        try output.withUnsafeMutableBufferPointer { y in
          XCTAssertThrowsError(
            try matmul.multiply(
              weights: w.baseAddress!, type: .q4_K, rows: 1, columns: 288,
              input: x.baseAddress!, batch: 1, output: y.baseAddress!)
          ) {
            XCTAssertEqual(($0 as? KernelError)?.code, .badShape)
          }
          XCTAssertThrowsError(
            try matmul.multiply(
              weights: w.baseAddress!, type: .q2_K, rows: 1, columns: 256,
              input: x.baseAddress!, batch: 1, output: y.baseAddress!)
          ) {
            XCTAssertEqual(($0 as? KernelError)?.code, .unsupportedType)
          }
        }
      }
    }
  }
}
