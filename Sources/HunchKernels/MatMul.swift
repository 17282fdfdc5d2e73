import CHunchKernels
import Foundation

/// y = W·x for a batch of activation rows, on a thread pool, with quantized weights.
///
/// weights: (rows, columns) in `type`, one quantized row per output; input: (batch, columns) floats;
/// output: (batch, rows) floats. The input is quantized once per call into the weight type's partner format
/// (`Quantize.partner(for:)`) in a workspace that grows to the largest call and is then reused, so steady-state calls
/// do not allocate. Rows are split into chunks across the pool; inside a chunk each weight row is reused against a
/// tile of activation rows, so prompt batches read weights from cache rather than memory.
/// Not thread-safe: one `multiply` at a time per instance (the workspace is shared).
public final class MatMul {
  public let pool: ThreadPool
  public let level: KernelLevel
  private(set) var kernels: [TensorType: DotKernel] = [:]
  private var workspace: UnsafeMutableRawPointer?
  private var workspaceBytes = 0

  /// Whether batches use the four- and eight-activation-row kernels. They give every row exactly the one-row kernel's bits
  /// (same integer lanes, same float steps in the same order; see DotKernelTests and MatMulTests), so a token's
  /// logits do not depend on how many tokens share its batch, which exact speculative verification and prompt reuse
  /// rely on. The switch stays for benchmarks.
  public var usesFourRowKernels = true

  /// Whether Q5_0 and Q4_K weights take the block-sum kernels (blocksums.c, AVX-512 level): exact integer sums per
  /// block and one float chain per output, with batches run 16 activation rows per vector (pp512 through the 0.5B
  /// 1.5x, Q4_K batches 3x in the kernel bench). Batched and single rows stay bit-identical either way, but this
  /// rounds differently from the lane-wise kernels, whose order follows llama.cpp's, and moves the model goldens'
  /// agreement figures (see docs/inference.md), so it is off unless set, or HUNCH_BLOCK_SUMS=1 in the environment.
  public var usesBlockSumKernels = ProcessInfo.processInfo.environment["HUNCH_BLOCK_SUMS"] == "1"

  /// Whether a single Q5_0 activation row may take the byte-permute kernel (pairs.c, CPUs with AVX512-VBMI): the same
  /// bits as the other pair kernel, faster when decoding. The switch lets tests cover both.
  public var usesBytePermuteKernels = true

  public init(pool: ThreadPool, level: KernelLevel = .best) {
    self.pool = pool
    self.level = level.isSupported ? level : .best
    for type in DotKernel.supportedTypes {
      if let kernel = try? DotKernel(weightType: type, level: self.level) { kernels[type] = kernel }
    }
  }

  deinit { workspace?.deallocate() }

  /// Whether `multiply` can take weights of `type` with `columns` columns (whole blocks of the type and its partner).
  public static func validate(type: TensorType, columns: Int) throws(KernelError) {
    guard DotKernel.supportedTypes.contains(type), let partner = Quantize.partner(for: type) else {
      throw KernelError(.unsupportedType, "no matmul for \(type) weights")
    }
    guard columns > 0, columns % type.blockSize == 0, columns % partner.blockSize == 0 else {
      throw KernelError(.badShape, "\(columns) columns is not whole blocks of \(type) and its activations \(partner)")
    }
  }

  /// output[b][r] = Σ_c weights[r][c] · input[b][c] for b in 0..<batch, r in 0..<rows.
  /// `layout` says how the weights are arranged; `.interleaved` needs `level == .avx512` (`InterleavedWeights`).
  public func multiply(
    weights: UnsafeRawPointer, type: TensorType, layout: WeightLayout = .rows, rows: Int, columns: Int,
    input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>
  ) throws(KernelError) {
    try Self.validate(type: type, columns: columns)
    guard rows >= 0, batch >= 0 else { throw KernelError(.badShape, "negative rows \(rows) or batch \(batch)") }
    guard rows > 0, batch > 0 else { return }
    guard let kernel = kernels[type], let partner = Quantize.partner(for: type),
      let activationRowBytes = Quantize.rowBytes(partner, columns: columns),
      let weightRowBytes = type.byteCount(elements: columns)
    else { throw KernelError(.unsupportedType, "no \(level) kernel for \(type) weights") }

    // Batches: at least eight chunks per thread, and chunks of about 2M multiply-adds (~0.1 ms): the caller
    // waits for the last chunk another thread holds, so chunks must be small next to the whole product, while
    // claiming one costs only an atomic increment. But never under 32 rows for batches: a chunk runs its rows
    // against one 16-row activation tile at a time, and with a row or two per chunk every tile of a long batch is
    // fetched again per row, from L3 (pp512 through 896x4864 Q4_K: 1.3x faster with the floor). One row: see
    // decodeSchedule.
    let perThread = max(1, rows / (pool.threadCount * 8))
    let bySize = max(1, (1 << 21) / max(1, batch * columns))
    let chunk = batch == 1 ? Self.decodeUnitRows(rowBytes: weightRowBytes) : max(min(perThread, bySize), 32)
    let schedule: ThreadPool.Schedule = batch == 1 ? Self.decodeSchedule : .uniform

    if layout == .interleaved {
      try multiplyInterleaved(
        weights: weights, type: type, rows: rows, columns: columns, input: input, batch: batch, output: output,
        weightRowBytes: weightRowBytes, activationRowBytes: activationRowBytes)
      return
    }

    if usesBlockSumKernels, level == .avx512, hunch_blocksum_supported(type.rawValue) != 0 {
      multiplyBlockSums(
        weights: weights, type: type, partner: partner, rows: rows, columns: columns, input: input, batch: batch,
        output: output, weightRowBytes: weightRowBytes, activationRowBytes: activationRowBytes)
      return
    }

    if level == .avx512, hunch_pairs_supported(type.rawValue) != 0, partner == .q8_0 || partner == .q8_1,
      columns % 64 == 0
    {
      // Activations prepared once per call for the pair kernels (bit-identical, far fewer instructions per row).
      let pairsOffset = hunch_pairs_offset(type.rawValue)
      let pairBytes = columns / 64 * Int(HUNCH_PAIR_BYTES)
      let scaleBytes = columns / 64 * 2 * MemoryLayout<Float>.stride  // per row: (pairs, 2) activation scales
      let sumBytes = partner == .q8_1 ? scaleBytes : 0  // and for Q8_1 the blocks' sums
      // Batches of Q8_0-partner types: 16 activation rows per vector against a panel of the prepared rows.
      let usesLanes = batch >= 4 && partner == .q8_0 && columns <= Int(HUNCH_LANES_MAX_COLUMNS)
      let panelOffset = (activationRowBytes + pairBytes + scaleBytes + sumBytes) * batch
      let panelBytes = usesLanes ? 64 + hunch_lanes_panel_bytes(Int64(columns), Int64(batch)) : 0
      let buffer = reserveWorkspace(bytes: panelOffset + panelBytes)
      let prepared = buffer + activationRowBytes * batch
      let scales = (prepared + pairBytes * batch).assumingMemoryBound(to: Float.self)
      let sums = partner == .q8_1 ? scales + scaleBytes / MemoryLayout<Float>.stride * batch : nil
      preparePairs(
        partner: partner, offset: pairsOffset, input: input, columns: columns, batch: batch, quantized: buffer,
        activationRowBytes: activationRowBytes, prepared: prepared)
      if usesLanes {
        let panel = buffer + (panelOffset + 63) / 64 * 64  // the workspace is 64-byte aligned
        let tiles = (batch + 15) / 16
        pool.parallelFor(count: tiles, chunk: 1) { range in
          hunch_lanes_prepare(
            prepared, Int64(columns), Int64(batch), Int64(range.lowerBound), Int64(range.upperBound), panel)
        }
        pool.parallelFor(count: rows, chunk: max(chunk, 24)) { range in
          hunch_matmul_lanes(
            type.rawValue, Int64(columns), weights, weightRowBytes, Int64(range.lowerBound), Int64(range.upperBound),
            panel, Int64(batch), output, Int64(rows))
        }
        return
      }
      if batch >= 4 {
        hunch_gather_pair_scales(prepared, Int64(columns), Int64(batch), scales)
        if let sums { hunch_gather_pair_sums(prepared, Int64(columns), Int64(batch), sums) }
      }
      let bytePermutes: Int32 = usesBytePermuteKernels ? 1 : 0
      pool.parallelFor(count: rows, chunk: chunk, schedule: schedule) { range in
        hunch_matmul_pairs(
          type.rawValue, Int64(columns), weights, weightRowBytes, Int64(range.lowerBound), Int64(range.upperBound),
          prepared, scales, sums, Int64(batch), output, Int64(rows), bytePermutes)
      }
      return
    }

    if level == .avx512, type == .q4_K || type == .q6_K, batch >= 4, hunch_lanes_q4_K_supported(Int64(columns)) != 0 {
      // K-quant batches: 16 activation rows per vector against a panel, in the dot kernel's arithmetic
      // (bit-identical).
      let quantizedBytes = (activationRowBytes * batch + 63) / 64 * 64
      let panelBytes = hunch_blocksum_panel_bytes(type.rawValue, Int64(columns), Int64(batch))
      let buffer = reserveWorkspace(bytes: quantizedBytes + panelBytes)
      let panel = buffer + quantizedBytes
      buildPanel(
        type: type, partner: partner, input: input, columns: columns, batch: batch, quantized: buffer,
        activationRowBytes: activationRowBytes, panel: panel)
      let kernel = type == .q4_K ? hunch_matmul_lanes_q4_K : hunch_matmul_lanes_q6_K
      pool.parallelFor(count: rows, chunk: max(chunk, 24)) { range in
        kernel(
          Int64(columns), weights, weightRowBytes, Int64(range.lowerBound), Int64(range.upperBound), panel,
          Int64(batch), output, Int64(rows))
      }
      return
    }

    let activations: UnsafeRawPointer
    if partner == .f32 {
      activations = UnsafeRawPointer(input)
    } else {
      let buffer = reserveWorkspace(bytes: activationRowBytes * batch)
      if batch >= 4 {
        pool.parallelFor(count: batch, chunk: 1) { range in
          for b in range {
            FastQuantize.row(
              partner, source: input + b * columns, destination: buffer + b * activationRowBytes,
              count: columns)
          }
        }
      } else {
        for b in 0..<batch {
          FastQuantize.row(
            partner, source: input + b * columns, destination: buffer + b * activationRowBytes,
            count: columns)
        }
      }
      activations = UnsafeRawPointer(buffer)
    }

    let function = kernel.function
    let function4 = batch >= 4 && usesFourRowKernels ? kernel.function4 : nil
    let function8 = batch >= 8 && usesFourRowKernels ? kernel.function8 : nil
    pool.parallelFor(count: rows, chunk: chunk, schedule: schedule) { range in
      hunch_matmul_rows(
        function, function4, function8, Int64(columns), weights, weightRowBytes, Int64(range.lowerBound),
        Int64(range.upperBound), activations, activationRowBytes, Int64(batch), output, Int64(rows))
    }
  }

  /// Q5_0 and Q4_K weights at the AVX-512 level (blocksums.c): one decode kernel for a single activation row,
  /// and for batches a panel of 16-row activation tiles built once per call, which every weight row is run against.
  /// Both give each output the bits of `DotKernel.dot` at that level (see MatMulTests).
  private func multiplyBlockSums(
    weights: UnsafeRawPointer, type: TensorType, partner: TensorType, rows: Int, columns: Int,
    input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, weightRowBytes: Int,
    activationRowBytes: Int
  ) {
    let quantizedBytes = (activationRowBytes * batch + 63) / 64 * 64  // the panel after it stays 64-byte aligned
    let panelBytes = batch >= 2 ? hunch_blocksum_panel_bytes(type.rawValue, Int64(columns), Int64(batch)) : 0
    let buffer = reserveWorkspace(bytes: quantizedBytes + panelBytes)
    let panel = batch >= 2 ? buffer + quantizedBytes : nil
    if batch >= 2 {
      // Each task quantizes a tile's 16 rows and builds that tile of the panel.
      buildPanel(
        type: type, partner: partner, input: input, columns: columns, batch: batch, quantized: buffer,
        activationRowBytes: activationRowBytes, panel: panel)
    } else {
      FastQuantize.row(partner, source: input, destination: buffer, count: columns)
    }
    // Chunks of whole 16-row groups (both kernels' unit): eight per thread, and for batches about 2M multiply-adds.
    let groups = (rows + 15) / 16
    let perThread = max(1, groups / (pool.threadCount * 8))
    let chunk = 16 * (batch == 1 ? perThread : min(perThread, max(1, (1 << 21) / max(1, batch * columns * 16))))
    pool.parallelFor(count: rows, chunk: chunk) { range in
      hunch_blocksum_matmul(
        type.rawValue, Int64(columns), weights, weightRowBytes, Int64(range.lowerBound), Int64(range.upperBound),
        buffer, activationRowBytes, panel, Int64(batch), output, Int64(rows))
    }
  }

  /// One weight row against one activation row (in the partner format) in the block-sum arithmetic: the single-row
  /// reference the block-sum batch paths must match bit for bit. Nil when `type` has no block-sum kernel here.
  static func blockSumDot(type: TensorType, count: Int, weights: UnsafeRawPointer, activations: UnsafeRawPointer)
    -> Float?
  {
    guard KernelLevel.avx512.isSupported, hunch_blocksum_supported(type.rawValue) != 0 else { return nil }
    return hunch_blocksum_dot(type.rawValue, Int64(count), weights, activations)
  }

  /// Row `row` of a (rows, columns) weight matrix of `type`, dequantized into `destination` (columns floats):
  /// the embedding lookup.
  public static func dequantizeRow(
    weights: UnsafeRawPointer, type: TensorType, columns: Int, row: Int, destination: UnsafeMutablePointer<Float>
  ) throws(KernelError) {
    guard row >= 0, let rowBytes = type.byteCount(elements: columns) else {
      throw KernelError(.badShape, "row \(row) of \(columns) columns is not addressable in \(type)")
    }
    try Dequantize.row(type, source: weights + row * rowBytes, destination: destination, count: columns)
  }

  /// Quantizes the batch's activation rows into `quantized` and builds the 16-row activation panel the blocksums.c
  /// batch kernels read; each task takes one tile of 16 rows.
  private func buildPanel(
    type: TensorType, partner: TensorType, input: UnsafePointer<Float>, columns: Int, batch: Int,
    quantized: UnsafeMutableRawPointer, activationRowBytes: Int, panel: UnsafeMutableRawPointer?
  ) {
    pool.parallelFor(count: (batch + 15) / 16, chunk: 1) { range in
      for tile in range {
        for b in (tile * 16)..<min(batch, tile * 16 + 16) {
          FastQuantize.row(
            partner, source: input + b * columns, destination: quantized + b * activationRowBytes, count: columns)
        }
        hunch_blocksum_prepare(
          type.rawValue, quantized, activationRowBytes, Int64(columns), Int64(batch), Int64(tile), Int64(tile + 1),
          panel)
      }
    }
  }

  /// Quantizes `batch` activation rows into `quantized` (`activationRowBytes` apart, in `partner`) and prepares each
  /// for the pair kernels into `prepared` (HUNCH_PAIR_BYTES per 64 elements; `offset`: the weights' unsigned offset),
  /// on the pool from four rows up.
  func preparePairs(
    partner: TensorType, offset: Int32, input: UnsafePointer<Float>, columns: Int, batch: Int,
    quantized: UnsafeMutableRawPointer, activationRowBytes: Int, prepared: UnsafeMutableRawPointer
  ) {
    let pairBytes = columns / 64 * Int(HUNCH_PAIR_BYTES)
    let prepare = { (b: Int) in
      let row = quantized + b * activationRowBytes
      FastQuantize.row(partner, source: input + b * columns, destination: row, count: columns)
      if partner == .q8_1 {
        hunch_prepare_pairs_q8_1(row, Int64(columns), prepared + b * pairBytes)
      } else {
        hunch_prepare_pairs(row, Int64(columns), offset, prepared + b * pairBytes)
      }
    }
    if batch >= 4 {
      pool.parallelFor(count: batch, chunk: 1) { range in for b in range { prepare(b) } }
    } else {
      for b in 0..<batch { prepare(b) }
    }
  }

  /// How one activation row (a decoding step) is cut over the threads: guided claims of at least `decodeUnitRows`. Long chunks stream best: with eight uniform chunks per thread the 1.5B decoded 46 t/s, with two 48.6, and
  /// SmolLM2-135M 295 -> 357 t/s; with 16 or 32 per thread the wait at the barrier shrank but every model got slower.
  /// But two uniform chunks per thread left the first thread done waiting up to a whole chunk for the other (a
  /// quarter of the output projection, ~0.5 ms a token): guided claims start at half the rows and halve, so a pass
  /// has a few long streams and ends within one short claim.
  static let decodeSchedule = ThreadPool.Schedule.guided

  /// The shortest decoding claim of a matrix in the file layout: about 8 KB of weights (a fraction of a microsecond
  /// from memory), so the last claim of a wide matrix (896 x 4864 down projections: 2.7 KB a row) is short too.
  static func decodeUnitRows(rowBytes: Int) -> Int { max(1, 8192 / max(1, rowBytes)) }

  func reserveWorkspace(bytes: Int) -> UnsafeMutableRawPointer {
    if let workspace, workspaceBytes >= bytes { return workspace }
    workspace?.deallocate()
    let grown = max(bytes, workspaceBytes * 2)
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 64)
    workspace = buffer
    workspaceBytes = grown
    return buffer
  }
}
