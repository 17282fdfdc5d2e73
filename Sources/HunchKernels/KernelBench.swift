import CHunchKernels
import Foundation

/// Throughput probes for benchmark notes (never unit-test assertions).
public enum KernelBench {
  public struct Result: Sendable, CustomStringConvertible {
    public let label: String
    public let bytes: Int
    public let seconds: Double  // best time of one pass
    public var gigabytesPerSecond: Double { Double(bytes) / seconds / 1e9 }
    public var description: String {
      String(
        format: "%@: %.1f MB in %.2f ms = %.2f GB/s", label, Double(bytes) / 1e6, seconds * 1e3, gigabytesPerSecond)
    }
  }

  /// Mat-vec y = W·x over a weight matrix of about `weightBytes` bytes of `type`. Columns are the model's shapes:
  /// 4864 for K types (ffn_down), 896 otherwise. Returns the best of `repetitions` passes.
  /// With `interleaved`, in `WeightLayout.interleaved` where the level takes it.
  public static func matVec(
    type: TensorType, weightBytes: Int = 100_000_000, threads: Int, repetitions: Int = 30, level: KernelLevel = .best,
    interleaved: Bool = false
  ) throws -> Result {
    let columns = type.blockSize == 256 ? 4864 : 896
    guard let rowBytes = type.byteCount(elements: columns) else {
      throw KernelError(.badShape, "\(columns) columns do not fit \(type)")
    }
    let rows = max(16, weightBytes / rowBytes / 16 * 16)
    let file = UnsafeMutableRawPointer.allocate(byteCount: rows * rowBytes, alignment: 64)
    defer { file.deallocate() }
    fillRandom(file, bytes: rows * rowBytes)
    let pool = ThreadPool(threadCount: threads)
    let rearranged =
      interleaved && InterleavedWeights.isUseful(type: type, rows: rows, columns: columns, level: level)
      ? try InterleavedWeights(type: type, rows: rows, columns: columns, source: file, pool: pool) : nil
    let weights = UnsafeRawPointer(rearranged?.data ?? file)
    let input = UnsafeMutablePointer<Float>.allocate(capacity: columns)
    defer { input.deallocate() }
    for i in 0..<columns { input[i] = Float(i % 17) - 8 }
    let output = UnsafeMutablePointer<Float>.allocate(capacity: rows)
    defer { output.deallocate() }
    let matmul = MatMul(pool: pool, level: level)
    var best = Double.infinity
    for _ in 0...repetitions {  // the first pass warms up (page faults, workspace)
      let start = DispatchTime.now().uptimeNanoseconds
      try matmul.multiply(
        weights: weights, type: type, layout: rearranged == nil ? .rows : .interleaved, rows: rows, columns: columns,
        input: input, batch: 1, output: output)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return Result(
      label: "\(type) mat-vec \(rows)x\(columns) \(threads)T \(matmul.level)\(rearranged == nil ? "" : " interleaved")",
      bytes: rows * rowBytes, seconds: best)
  }

  /// Plain read bandwidth over `bytes` bytes with `threads` threads: the ceiling for mat-vec.
  public static func readBandwidth(bytes: Int = 400_000_000, threads: Int, repetitions: Int = 5) -> Result {
    BandwidthProbe(bytes: bytes, threads: threads).measure(passes: repetitions + 1)
  }

  /// Time of one small mat-vec (the per-call cost a decode step pays ~170 times per token).
  public static func smallMatVecMicroseconds(type: TensorType, rows: Int, columns: Int, threads: Int) throws -> Double {
    guard let rowBytes = type.byteCount(elements: columns) else { throw KernelError(.badShape, "bad columns") }
    let weights = UnsafeMutableRawPointer.allocate(byteCount: rows * rowBytes, alignment: 64)
    defer { weights.deallocate() }
    fillRandom(weights, bytes: rows * rowBytes)
    let input = UnsafeMutablePointer<Float>.allocate(capacity: columns)
    defer { input.deallocate() }
    input.initialize(repeating: 0.5, count: columns)
    let output = UnsafeMutablePointer<Float>.allocate(capacity: rows)
    defer { output.deallocate() }
    let matmul = MatMul(pool: ThreadPool(threadCount: threads))
    let calls = 2000
    try matmul.multiply(
      weights: weights, type: type, rows: rows, columns: columns, input: input, batch: 1, output: output)
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<calls {
      try matmul.multiply(
        weights: weights, type: type, rows: rows, columns: columns, input: input, batch: 1,
        output: output)
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(calls)
  }

  /// Activation rows per second for a batch (prompt processing) through one weight matrix.
  public static func batchRowsPerSecond(
    type: TensorType, rows: Int, columns: Int, batch: Int, threads: Int,
    repetitions: Int = 20, fourRowKernels: Bool = true
  ) throws -> Double {
    guard let rowBytes = type.byteCount(elements: columns) else { throw KernelError(.badShape, "bad columns") }
    let weights = UnsafeMutableRawPointer.allocate(byteCount: rows * rowBytes, alignment: 64)
    defer { weights.deallocate() }
    fillRandom(weights, bytes: rows * rowBytes)
    let input = UnsafeMutablePointer<Float>.allocate(capacity: batch * columns)
    defer { input.deallocate() }
    for i in 0..<(batch * columns) { input[i] = Float(i % 23) - 11 }
    let output = UnsafeMutablePointer<Float>.allocate(capacity: batch * rows)
    defer { output.deallocate() }
    let matmul = MatMul(pool: ThreadPool(threadCount: threads))
    matmul.usesFourRowKernels = fourRowKernels
    var best = Double.infinity
    for _ in 0...repetitions {
      // One thread is timed in CPU seconds: on a shared machine wall time mostly measures the other processes.
      let start = threads == 1 ? processCPUSeconds() : Double(DispatchTime.now().uptimeNanoseconds) / 1e9
      try matmul.multiply(
        weights: weights, type: type, rows: rows, columns: columns, input: input, batch: batch,
        output: output)
      let end = threads == 1 ? processCPUSeconds() : Double(DispatchTime.now().uptimeNanoseconds) / 1e9
      best = min(best, end - start)
    }
    return Double(batch) / best
  }

  /// The weight matrices of Qwen2.5-Coder-0.5B as the GGUF stores them (type, rows, columns), for one token's worth
  /// of mat-vecs: 24 layers of q, k, v, o, gate, up, down, then the output projection.
  public static let qwen05Matrices: [(TensorType, Int, Int)] = {
    var matrices: [(TensorType, Int, Int)] = []
    for layer in 0..<24 {
      let half = layer % 2 == 0  // the file has 12 layers each of V in Q5_0/Q8_0 and down in Q4_K/Q6_K
      matrices += [
        (.q5_0, 896, 896), (.q5_0, 128, 896), (half ? .q5_0 : .q8_0, 128, 896), (.q5_0, 896, 896),
        (.q5_0, 4864, 896), (.q5_0, 4864, 896), (half ? .q4_K : .q6_K, 896, 4864),
      ]
    }
    return matrices + [(.q8_0, 151936, 896)]
  }()

  /// Milliseconds for one decode step's mat-vecs (batch 1) and prompt rows per second (batch `promptBatch`, all
  /// matrices but the output projection) over freshly allocated Qwen 0.5B-shaped weights.
  public static func qwen05Forward(threads: Int, promptBatch: Int = 64, tokens: Int = 20) throws -> (
    decodeMilliseconds: Double, weightBytes: Int, promptRowsPerSecond: Double
  ) {
    var buffers: [(UnsafeMutableRawPointer, TensorType, Int, Int)] = []
    defer { for (buffer, _, _, _) in buffers { buffer.deallocate() } }
    var total = 0
    for (type, rows, columns) in qwen05Matrices {
      guard let rowBytes = type.byteCount(elements: columns) else { throw KernelError(.badShape, "bad columns") }
      let buffer = UnsafeMutableRawPointer.allocate(byteCount: rows * rowBytes, alignment: 64)
      fillRandom(buffer, bytes: rows * rowBytes)
      buffers.append((buffer, type, rows, columns))
      total += rows * rowBytes
    }
    let input = UnsafeMutablePointer<Float>.allocate(capacity: promptBatch * 4864)
    defer { input.deallocate() }
    for i in 0..<(promptBatch * 4864) { input[i] = Float(i % 29) * 0.1 - 1.4 }
    let output = UnsafeMutablePointer<Float>.allocate(capacity: max(151936, promptBatch * 4864))
    defer { output.deallocate() }
    let matmul = MatMul(pool: ThreadPool(threadCount: threads))
    var best = Double.infinity
    for _ in 0...tokens {
      let start = DispatchTime.now().uptimeNanoseconds
      for (buffer, type, rows, columns) in buffers {
        try matmul.multiply(
          weights: buffer, type: type, rows: rows, columns: columns, input: input, batch: 1,
          output: output)
      }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    var promptBest = Double.infinity
    for _ in 0..<3 {
      let start = DispatchTime.now().uptimeNanoseconds
      for (buffer, type, rows, columns) in buffers.dropLast() {
        try matmul.multiply(
          weights: buffer, type: type, rows: rows, columns: columns, input: input,
          batch: promptBatch, output: output)
      }
      promptBest = min(promptBest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (best, total, Double(promptBatch) / promptBest)
  }

  /// Random bytes whose half-float fields are harmless either way (the kernels' speed does not depend on values).
  static func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
  }

  static func fillRandom(_ buffer: UnsafeMutableRawPointer, bytes: Int) {
    var state: UInt64 = 0x1234_5678_9ABC_DEF1
    let words = buffer.bindMemory(to: UInt64.self, capacity: bytes / 8)
    for i in 0..<(bytes / 8) {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      words[i] = state & 0x3BFF_3BFF_3BFF_3BFF  // keeps every 16-bit lane a finite half below 1
    }
    for i in (bytes / 8 * 8)..<bytes { buffer.storeBytes(of: 0, toByteOffset: i, as: UInt8.self) }
  }
}

/// A read-bandwidth probe that can be run many times: the buffer is filled and the threads started once, so a
/// benchmark can take a reading right next to each timed run (on a shared host the bandwidth left over by
/// neighbours moves by 2x within a minute, and a single reading says little about a run minutes later).
public final class BandwidthProbe {
  private let buffer: UnsafeMutableRawPointer  // (bytes)
  private let sink: UnsafeMutablePointer<UInt64>  // (chunks): keeps the reads from being optimized away
  private let pool: ThreadPool
  private let threads: Int
  private let chunks: Int
  private static let chunkBytes = 1 << 20

  public init(bytes: Int = 400_000_000, threads: Int) {
    chunks = max(1, bytes / Self.chunkBytes)
    buffer = UnsafeMutableRawPointer.allocate(byteCount: chunks * Self.chunkBytes, alignment: 64)
    KernelBench.fillRandom(buffer, bytes: chunks * Self.chunkBytes)
    sink = .allocate(capacity: chunks)
    self.threads = threads
    pool = ThreadPool(threadCount: threads)
  }

  deinit {
    buffer.deallocate()
    sink.deallocate()
  }

  /// The best of `passes` passes of 512-bit loads over the whole buffer.
  public func measure(passes: Int = 3) -> KernelBench.Result {
    let buffer = self.buffer, sink = self.sink, chunkBytes = Self.chunkBytes
    var best = Double.infinity
    for _ in 0..<max(1, passes) {
      let start = DispatchTime.now().uptimeNanoseconds
      pool.parallelFor(count: chunks, chunk: 4) { range in
        for i in range { sink[i] = hunch_read_bytes(buffer + i * chunkBytes, chunkBytes) }
      }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return KernelBench.Result(label: "read \(threads)T", bytes: chunks * chunkBytes, seconds: best)
  }
}
