import CHunchKernels

extension MatMul {
  /// Whether a (rows, columns) matrix of `type` in `WeightLayout.interleaved` at `weights` can be multiplied at this
  /// level (the kernels read whole 64-byte tiles with aligned loads).
  func takesInterleaved(weights: UnsafeRawPointer, type: TensorType, rows: Int, columns: Int) -> Bool {
    InterleavedWeights.isUseful(type: type, rows: rows, columns: columns, level: level)
      && Int(bitPattern: weights) % 64 == 0
  }

  /// Row groups per chunk for an interleaved matrix: for one activation row the smallest guided claim
  /// (`decodeSchedule`); for batches eight per thread and about 2M multiply-adds each.
  func interleavedChunk(groups: Int, batch: Int, columns: Int) -> Int {
    if batch == 1 { return 1 }
    return max(1, min(groups / (pool.threadCount * 8), (1 << 21) / max(1, batch * columns * 16)))
  }

  /// `multiply` for weights in `WeightLayout.interleaved`: every activation row is quantized and prepared as for
  /// the pair kernels, then each chunk of 16-row groups runs against all of them.
  func multiplyInterleaved(
    weights: UnsafeRawPointer, type: TensorType, rows: Int, columns: Int, input: UnsafePointer<Float>, batch: Int,
    output: UnsafeMutablePointer<Float>, weightRowBytes: Int, activationRowBytes: Int
  ) throws(KernelError) {
    guard takesInterleaved(weights: weights, type: type, rows: rows, columns: columns) else {
      throw KernelError(
        .unsupportedLevel, "no \(level) kernel for interleaved \(type) weights of \(rows) x \(columns) at \(weights)")
    }
    let pairBytes = columns / 64 * Int(HUNCH_PAIR_BYTES)
    let quantizedBytes = (activationRowBytes * batch + 63) / 64 * 64
    let buffer = reserveWorkspace(bytes: quantizedBytes + pairBytes * batch)
    let prepared = buffer + quantizedBytes  // (batch, pairs) prepared pairs
    preparePairs(
      partner: .q8_0, offset: hunch_pairs_offset(type.rawValue), input: input, columns: columns, batch: batch,
      quantized: buffer, activationRowBytes: activationRowBytes, prepared: prepared)
    let groups = rows / 16
    let chunk = interleavedChunk(groups: groups, batch: batch, columns: columns)
    pool.parallelFor(count: groups, chunk: chunk, schedule: batch == 1 ? Self.decodeSchedule : .uniform) { range in
      hunch_matmul_interleaved(
        type.rawValue, Int64(columns), weights, weightRowBytes, Int64(range.lowerBound), Int64(range.upperBound),
        prepared, Int64(batch), output, Int64(rows))
    }
  }
}
