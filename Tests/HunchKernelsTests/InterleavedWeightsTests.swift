import HunchKernels
import XCTest

/// Interleaved Q5_0 and Q8_0 weights (interleaved.c) must hold exactly the file's rows and give exactly the file
/// layout's products: the goldens and exact speculative verification were measured with those bits.
final class InterleavedWeightsTests: XCTestCase {
  static let types: [TensorType] = [.q5_0, .q8_0]

  func testEveryRowComesBackAsInTheFile() throws {
    var rng = SplitMix(seed: 5)
    let pool = ThreadPool(threadCount: 2)
    for type in Self.types {
      for pattern in [TestData.WeightPattern.random, .allOneBits] {
        let (rows, columns) = (48, 192)
        let rowBytes = try XCTUnwrap(type.byteCount(elements: columns))
        let weights = TestData.weights(type, count: rows * columns, rng: &rng, pattern: pattern)
        let interleaved = try weights.withUnsafeBytes { w in
          try InterleavedWeights(type: type, rows: rows, columns: columns, source: w.baseAddress!, pool: pool)
        }
        // Same size, different order: a copy would pass the round trip without testing the layout.
        let moved = weights.withUnsafeBytes { w in
          memcmp(w.baseAddress!, interleaved.data, rows * rowBytes) != 0
        }
        XCTAssertTrue(moved, "\(type) \(pattern): the interleaved bytes equal the file's")
        var row = [UInt8](repeating: 0, count: rowBytes)
        for r in 0..<rows {
          try row.withUnsafeMutableBytes { try interleaved.fileRow(r, into: $0.baseAddress!) }
          XCTAssertEqual(row, Array(weights[(r * rowBytes)..<((r + 1) * rowBytes)]), "\(type) \(pattern) row \(r)")
        }
        XCTAssertThrowsError(try row.withUnsafeMutableBytes { try interleaved.fileRow(rows, into: $0.baseAddress!) })
      }
    }
  }

  func testRefusesShapesItCannotInterleave() {
    let pool = ThreadPool(threadCount: 1)
    let bytes = [UInt8](repeating: 0, count: 40 * 34 * 4)
    for (type, rows, columns) in [(TensorType.q8_0, 40, 128), (.q8_0, 32, 96), (.q4_K, 16, 256), (.q5_0, 0, 64)] {
      XCTAssertThrowsError(
        try bytes.withUnsafeBytes { b in
          try InterleavedWeights(type: type, rows: rows, columns: columns, source: b.baseAddress!, pool: pool)
        }, "\(type) \(rows) x \(columns)"
      ) { error in
        XCTAssertEqual((error as? KernelError)?.code, .badShape)
      }
      XCTAssertFalse(InterleavedWeights.isUseful(type: type, rows: rows, columns: columns, level: .avx512))
    }
    XCTAssertTrue(InterleavedWeights.isUseful(type: .q5_0, rows: 896, columns: 896, level: .avx512))
    XCTAssertFalse(InterleavedWeights.isUseful(type: .q5_0, rows: 896, columns: 896, level: .portable))
  }

  /// Every output of every batch shape, alone and in a shared-input pass, against the file layout's products
  /// (which MatMulTests holds to the row dot kernels' bits).
  func testProductsAreBitIdenticalToTheFileLayout() throws {
    guard KernelLevel.avx512.isSupported else { throw XCTSkip("no AVX-512 VNNI on this CPU") }
    var rng = SplitMix(seed: 83)
    let pool = ThreadPool(threadCount: 2)
    let matmul = MatMul(pool: pool, level: .avx512)
    for type in Self.types {
      for (pattern, rows, columns) in [
        (TestData.WeightPattern.random, 80, 896), (.allOneBits, 32, 896), (.random, 48, 64),
      ] {
        let weights = TestData.weights(type, count: rows * columns, rng: &rng, pattern: pattern)
        let interleaved = try weights.withUnsafeBytes { w in
          try InterleavedWeights(type: type, rows: rows, columns: columns, source: w.baseAddress!, pool: pool)
        }
        for batch in [1, 2, 5, 19] {
          let input = (0..<batch).flatMap { _ in TestData.activations(count: columns, pattern: .gaussian, rng: &rng) }
          var expected = [Float](repeating: .nan, count: batch * rows)
          var got = [Float](repeating: .nan, count: batch * rows)
          try weights.withUnsafeBytes { w in
            try input.withUnsafeBufferPointer { x in
              try expected.withUnsafeMutableBufferPointer { y in
                try matmul.multiply(
                  weights: w.baseAddress!, type: type, rows: rows, columns: columns, input: x.baseAddress!,
                  batch: batch, output: y.baseAddress!)
              }
              try got.withUnsafeMutableBufferPointer { y in
                try matmul.multiply(
                  weights: interleaved.data, type: type, layout: .interleaved, rows: rows, columns: columns,
                  input: x.baseAddress!, batch: batch, output: y.baseAddress!)
              }
            }
          }
          for i in 0..<(batch * rows) {
            XCTAssertEqual(
              got[i].bitPattern, expected[i].bitPattern,
              "\(type) \(pattern) \(rows)x\(columns) batch \(batch) output \(i): \(got[i]) vs \(expected[i])")
          }
        }
      }
    }
  }

  /// A decoding step's fused pass with interleaved and file-layout matrices mixed (as a 0.5B layer has them: Q5_0
  /// query interleaved beside file-layout Q5_0 and Q8_0), each output against its own `multiply`.
  func testSharedInputPassMixesLayouts() throws {
    guard KernelLevel.avx512.isSupported else { throw XCTSkip("no AVX-512 VNNI on this CPU") }
    var rng = SplitMix(seed: 29)
    let pool = ThreadPool(threadCount: 2)
    let matmul = MatMul(pool: pool, level: .avx512)
    let columns = 896
    let group: [(TensorType, Int, WeightLayout)] = [
      (.q5_0, 96, .interleaved), (.q5_0, 40, .rows), (.q8_0, 32, .interleaved),
    ]
    let input = TestData.activations(count: columns, pattern: .gaussian, rng: &rng)
    let files = group.map { type, rows, _ in TestData.weights(type, count: rows * columns, rng: &rng) }
    var owners: [InterleavedWeights] = []
    var pointers: [UnsafeRawPointer] = []
    let pinned = files.map { w in
      let p = UnsafeMutableRawPointer.allocate(byteCount: w.count, alignment: 64)
      w.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: w.count) }
      return p
    }
    defer { pinned.forEach { $0.deallocate() } }
    for (i, (type, rows, layout)) in group.enumerated() {
      if layout == .interleaved {
        let w = try InterleavedWeights(type: type, rows: rows, columns: columns, source: pinned[i], pool: pool)
        owners.append(w)
        pointers.append(UnsafeRawPointer(w.data))
      } else {
        pointers.append(UnsafeRawPointer(pinned[i]))
      }
    }
    let outputs = group.map { _, rows, _ in UnsafeMutablePointer<Float>.allocate(capacity: rows) }
    defer { outputs.forEach { $0.deallocate() } }
    let products = group.indices.map { i in
      SharedInputProduct(
        weights: pointers[i], type: group[i].0, layout: group[i].2, rows: group[i].1, output: outputs[i])
    }
    try input.withUnsafeBufferPointer { x in
      try matmul.multiply(sharing: x.baseAddress!, columns: columns, products: products)
      for (i, (type, rows, _)) in group.enumerated() {
        var alone = [Float](repeating: .nan, count: rows)
        try alone.withUnsafeMutableBufferPointer { y in
          try matmul.multiply(
            weights: pinned[i], type: type, rows: rows, columns: columns, input: x.baseAddress!, batch: 1,
            output: y.baseAddress!)
        }
        for r in 0..<rows {
          XCTAssertEqual(outputs[i][r].bitPattern, alone[r].bitPattern, "\(type) product \(i) row \(r)")
        }
      }
    }
    XCTAssertEqual(owners.count, 2)
  }

  func testInterleavedWeightsNeedTheAVX512Level() throws {
    var rng = SplitMix(seed: 3)
    let pool = ThreadPool(threadCount: 1)
    let (rows, columns) = (16, 64)
    let weights = TestData.weights(.q8_0, count: rows * columns, rng: &rng)
    let interleaved = try weights.withUnsafeBytes { w in
      try InterleavedWeights(type: .q8_0, rows: rows, columns: columns, source: w.baseAddress!, pool: pool)
    }
    var output = [Float](repeating: 0, count: rows)
    let input = [Float](repeating: 1, count: columns)
    // At the portable level; and at the AVX-512 level from a pointer the aligned tile loads would fault on.
    var refusals = [(MatMul(pool: pool, level: .portable), UnsafeRawPointer(interleaved.data))]
    if KernelLevel.avx512.isSupported {
      let unaligned = UnsafeMutableRawPointer.allocate(byteCount: rows * 34 * 2 + 64, alignment: 64)
      defer { unaligned.deallocate() }
      refusals.append((MatMul(pool: pool, level: .avx512), UnsafeRawPointer(unaligned + 8)))
    }
    for (matmul, weights) in refusals {
      XCTAssertThrowsError(
        try input.withUnsafeBufferPointer { x in
          try output.withUnsafeMutableBufferPointer { y in
            try matmul.multiply(
              weights: weights, type: .q8_0, layout: .interleaved, rows: rows, columns: columns,
              input: x.baseAddress!, batch: 1, output: y.baseAddress!)
          }
        }, "\(matmul.level)"
      ) { error in
        XCTAssertEqual((error as? KernelError)?.code, .unsupportedLevel)
      }
    }
  }
}
