import HunchKernels
import XCTest

final class WeightArenaTests: XCTestCase {
  func testHandsOutAlignedDisjointMemoryUntilFull() throws {
    let sizes = [100, 64, 1, 3000]
    let capacity = WeightArena.capacity(for: sizes)
    XCTAssertEqual(capacity, 128 + 64 + 64 + 3008)
    let arena = try WeightArena(capacity: capacity)
    var blocks: [UnsafeMutableRawPointer] = []
    for (i, size) in sizes.enumerated() {
      let p = try arena.allocate(bytes: size)
      XCTAssertEqual(Int(bitPattern: p) % 64, 0)
      p.initializeMemory(as: UInt8.self, repeating: UInt8(i + 1), count: size)
      blocks.append(p)
    }
    for (i, (p, size)) in zip(blocks, sizes).enumerated() {
      let bytes = UnsafeRawBufferPointer(start: p, count: size)
      XCTAssertTrue(bytes.allSatisfy { $0 == UInt8(i + 1) }, "block \(i) was overwritten by a later one")
    }
    // The arena rounds its capacity up to whole 2 MB pages: what is left is usable, and no more.
    let left = arena.capacity - (128 + 64 + 64 + 3000)
    XCTAssertThrowsError(try arena.allocate(bytes: left + 64)) { error in
      XCTAssertEqual((error as? KernelError)?.code, .outOfMemory)
    }
    XCTAssertNoThrow(try arena.allocate(bytes: left - 64))
    XCTAssertThrowsError(try WeightArena(capacity: 0))
  }

  func testInterleavedWeightsCanLiveInAnArena() throws {
    var rng = SplitMix(seed: 17)
    let (rows, columns) = (32, 128)
    let type = TensorType.q5_0
    let rowBytes = try XCTUnwrap(type.byteCount(elements: columns))
    let weights = TestData.weights(type, count: rows * columns, rng: &rng)
    let arena = try WeightArena(capacity: rows * rowBytes)
    let interleaved = try weights.withUnsafeBytes { w in
      try InterleavedWeights(
        type: type, rows: rows, columns: columns, source: w.baseAddress!, pool: ThreadPool(threadCount: 1),
        arena: arena)
    }
    var row = [UInt8](repeating: 0, count: rowBytes)
    for r in 0..<rows {
      try row.withUnsafeMutableBytes { try interleaved.fileRow(r, into: $0.baseAddress!) }
      XCTAssertEqual(row, Array(weights[(r * rowBytes)..<((r + 1) * rowBytes)]), "row \(r)")
    }
  }
}
