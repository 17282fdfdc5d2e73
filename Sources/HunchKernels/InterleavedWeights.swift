import CHunchKernels

/// How a weight matrix's bytes are arranged.
public enum WeightLayout: Sendable {
  /// As in the model file: one encoded row after another.
  case rows
  /// Q5_0 and Q8_0 rearranged 16 rows at a time so that one vector holds the same four columns of 16 rows
  /// (interleaved.c): the same bytes and the same products to the bit, with far fewer instructions per row, which
  /// decoding needs once the memory bus is fast. Only `MatMul` at `KernelLevel.avx512` reads it.
  case interleaved
}

/// A weight matrix rearranged into `WeightLayout.interleaved`, in memory this object owns or takes from an arena
/// (64-byte aligned either way).
public final class InterleavedWeights: @unchecked Sendable {
  public let type: TensorType
  public let rows: Int
  public let columns: Int
  public let rowBytes: Int
  public let data: UnsafeMutableRawPointer  // (rows / 16 groups, columns / 64 tiles, 16 · 2 blocks)
  private let arena: WeightArena?  // holds `data` when set

  /// Whether `MatMul` at `level` would take a (rows, columns) matrix of `type` interleaved.
  public static func isUseful(type: TensorType, rows: Int, columns: Int, level: KernelLevel) -> Bool {
    level == .avx512 && hunch_interleave_supported(type.rawValue, Int64(rows), Int64(columns)) != 0
  }

  /// Interleaves `source` ((rows, columns) of `type` in the file layout), spreading the work over `pool`, into memory
  /// from `arena` when given.
  public init(
    type: TensorType, rows: Int, columns: Int, source: UnsafeRawPointer, pool: ThreadPool, arena: WeightArena? = nil
  ) throws(KernelError) {
    guard hunch_interleave_supported(type.rawValue, Int64(rows), Int64(columns)) != 0,
      let rowBytes = type.byteCount(elements: columns)
    else {
      throw KernelError(.badShape, "a \(rows) x \(columns) \(type) matrix cannot be interleaved")
    }
    self.type = type
    self.rows = rows
    self.columns = columns
    self.rowBytes = rowBytes
    data = try arena?.allocate(bytes: rows * rowBytes) ?? .allocate(byteCount: rows * rowBytes, alignment: 64)
    self.arena = arena
    let groups = rows / 16
    let destination = data
    pool.parallelFor(count: groups, chunk: max(1, groups / (pool.threadCount * 4))) { range in
      hunch_interleave(
        type.rawValue, Int64(columns), source, rowBytes, Int64(range.lowerBound), Int64(range.upperBound), destination)
    }
  }

  deinit { if arena == nil { data.deallocate() } }

  /// Row `row` back in the file's encoding (`rowBytes` into `destination`).
  public func fileRow(_ row: Int, into destination: UnsafeMutableRawPointer) throws(KernelError) {
    guard row >= 0, row < rows else { throw KernelError(.badShape, "row \(row) is outside 0..<\(rows)") }
    hunch_deinterleave_row(type.rawValue, Int64(columns), data, rowBytes, Int64(row), destination)
  }
}
