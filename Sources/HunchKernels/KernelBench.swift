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
      String(format: "%@: %.1f MB in %.2f ms = %.2f GB/s", label, Double(bytes) / 1e6, seconds * 1e3, gigabytesPerSecond)
    }
  }

  /// Mat-vec y = W·x over a weight matrix of about `weightBytes` bytes of `type`. Columns are the model's shapes:
  /// 4864 for K types (ffn_down), 896 otherwise. Returns the best of `repetitions` passes.
  public static func matVec(
    type: TensorType, weightBytes: Int = 100_000_000, threads: Int, repetitions: Int = 30, level: KernelLevel = .best
  ) throws -> Result {
    let columns = type.blockSize == 256 ? 4864 : 896
    guard let rowBytes = type.byteCount(elements: columns) else {
      throw KernelError(.badShape, "\(columns) columns do not fit \(type)")
    }
    let rows = max(1, weightBytes / rowBytes)
    let weights = UnsafeMutableRawPointer.allocate(byteCount: rows * rowBytes, alignment: 64)
    defer { weights.deallocate() }
    fillRandom(weights, bytes: rows * rowBytes)
    let input = UnsafeMutablePointer<Float>.allocate(capacity: columns)
    defer { input.deallocate() }
    for i in 0..<columns { input[i] = Float(i % 17) - 8 }
    let output = UnsafeMutablePointer<Float>.allocate(capacity: rows)
    defer { output.deallocate() }
    let matmul = MatMul(pool: ThreadPool(threadCount: threads), level: level)
    var best = Double.infinity
    for _ in 0...repetitions {  // the first pass warms up (page faults, workspace)
      let start = DispatchTime.now().uptimeNanoseconds
      try matmul.multiply(weights: weights, type: type, rows: rows, columns: columns, input: input, batch: 1,
                          output: output)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return Result(label: "\(type) mat-vec \(rows)x\(columns) \(threads)T \(matmul.level)", bytes: rows * rowBytes,
                  seconds: best)
  }

  /// Plain read bandwidth over `bytes` bytes with `threads` threads: the ceiling for mat-vec.
  public static func readBandwidth(bytes: Int = 400_000_000, threads: Int, repetitions: Int = 5) -> Result {
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    defer { buffer.deallocate() }
    fillRandom(buffer, bytes: bytes)
    let pool = ThreadPool(threadCount: threads)
    let chunk = 1 << 20
    let sink = UnsafeMutablePointer<UInt64>.allocate(capacity: bytes / chunk + 1)
    defer { sink.deallocate() }
    var best = Double.infinity
    for _ in 0...repetitions {
      let start = DispatchTime.now().uptimeNanoseconds
      pool.parallelFor(count: bytes / chunk, chunk: 4) { range in
        for i in range { sink[i] = hunch_read_bytes(buffer + i * chunk, chunk) }
      }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return Result(label: "read \(threads)T", bytes: (bytes / chunk) * chunk, seconds: best)
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
    try matmul.multiply(weights: weights, type: type, rows: rows, columns: columns, input: input, batch: 1, output: output)
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<calls {
      try matmul.multiply(weights: weights, type: type, rows: rows, columns: columns, input: input, batch: 1,
                          output: output)
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3 / Double(calls)
  }

  /// Activation rows per second for a batch (prompt processing) through one weight matrix.
  public static func batchRowsPerSecond(type: TensorType, rows: Int, columns: Int, batch: Int, threads: Int,
                                        repetitions: Int = 5) throws -> Double {
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
    var best = Double.infinity
    for _ in 0...repetitions {
      let start = DispatchTime.now().uptimeNanoseconds
      try matmul.multiply(weights: weights, type: type, rows: rows, columns: columns, input: input, batch: batch,
                          output: output)
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return Double(batch) / best
  }

  /// Random bytes whose half-float fields are harmless either way (the kernels' speed does not depend on values).
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
