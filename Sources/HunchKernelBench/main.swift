// Kernel throughput for benchmark notes: `swift build -c release --product hunch-kernel-bench` then
// `.build/release/hunch-kernel-bench [threads]`.
import HunchKernels

let threads = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 2
print("best level: \(KernelLevel.best), threads: \(threads)")
for t in Set([1, threads]).sorted() { print(KernelBench.readBandwidth(threads: t)) }
for type in [TensorType.q5_0, .q8_0, .q4_K, .q6_K, .q4_1, .q4_0, .f16] {
  do {
    print(try KernelBench.matVec(type: type, threads: threads))
  } catch {
    print("\(type): \(error)")
  }
}
for (type, rows, columns) in [(TensorType.q5_0, 896, 896), (.q5_0, 4864, 896), (.q4_K, 896, 4864)] {
  if let us = try? KernelBench.smallMatVecMicroseconds(type: type, rows: rows, columns: columns, threads: threads) {
    print("\(type) \(rows)x\(columns) mat-vec: \(us) µs per call")
  }
}
