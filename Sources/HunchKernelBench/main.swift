// Kernel throughput for benchmark notes: `swift build -c release --product hunch-kernel-bench`, then
// `.build/release/hunch-kernel-bench [threads] [level: portable|avx2|avx512-vnni|avx512] [types, e.g. Q5_0,Q8_0]
// [batches, e.g. 16,512] [shapes rows x columns, e.g. 4864x896,1536x8960]`. With one thread, batch figures are
// timed in CPU seconds of the process (best of the passes), so they hold up on a shared machine.
import HunchKernels

let arguments = Array(CommandLine.arguments.dropFirst())
let threads = arguments.first.flatMap { Int($0) } ?? 2
let level =
  arguments.dropFirst().first.flatMap { name in KernelLevel.allCases.first { $0.description == name } }
  ?? .best
let typeNames = arguments.dropFirst(2).first?.split(separator: ",").map(String.init)
let types =
  typeNames.map { names in TensorType.allCases.filter { names.contains($0.description) } }
  ?? [.q5_0, .q8_0, .q4_K, .q6_K, .q4_1, .q4_0, .f16]
print("level: \(level), threads: \(threads)")
if typeNames == nil {
  for t in Set([1, threads]).sorted() { print(KernelBench.readBandwidth(threads: t)) }
}
for type in types {
  do {
    print(try KernelBench.matVec(type: type, threads: threads, level: level))
    if InterleavedWeights.isUseful(type: type, rows: 16, columns: 896, level: level) {
      print(try KernelBench.matVec(type: type, threads: threads, level: level, interleaved: true))
    }
  } catch {
    print("\(type): \(error)")
  }
}
if typeNames == nil {
  for (type, rows, columns) in [(TensorType.q5_0, 896, 896), (.q5_0, 4864, 896), (.q4_K, 896, 4864)] {
    if let us = try? KernelBench.smallMatVecMicroseconds(type: type, rows: rows, columns: columns, threads: threads) {
      print("\(type) \(rows)x\(columns) mat-vec: \(us) µs per call")
    }
  }
}
// Prompt processing: 64 activation rows through the model's large matrices (or, with types given, a 4864x896 and a
// 896x4864 matrix of each), with and without the four-row kernels.
let batches = arguments.dropFirst(3).first.map { $0.split(separator: ",").compactMap { Int($0) } } ?? [64]
let shapes: [(Int, Int)]? = arguments.dropFirst(4).first.map { list in
  list.split(separator: ",").compactMap { shape in
    let sides = shape.split(separator: "x").compactMap { Int($0) }
    return sides.count == 2 ? (sides[0], sides[1]) : nil
  }
}
let batchShapes: [(TensorType, Int, Int)] =
  typeNames == nil
  ? [(.q5_0, 4864, 896), (.q8_0, 4864, 896), (.q4_K, 896, 4864), (.q6_K, 896, 4864)]
  : types.flatMap { type in (shapes ?? [(4864, 896), (896, 4864)]).map { (type, $0.0, $0.1) } }
for (type, rows, columns) in batchShapes {
  for batch in batches {
    for fourRow in batches.count == 1 ? [false, true] : [true] {
      if let perSecond = try? KernelBench.batchRowsPerSecond(
        type: type, rows: rows, columns: columns, batch: batch, threads: threads, fourRowKernels: fourRow)
      {
        let note = fourRow ? "" : " (row kernels only)"
        print("\(type) \(rows)x\(columns) batch \(batch)\(note): \(Int(perSecond)) rows/s")
      }
    }
  }
}
if typeNames == nil, let forward = try? KernelBench.qwen05Forward(threads: threads) {
  let gigabytes = Double(forward.weightBytes) / 1e9
  print(
    String(
      format: "Qwen 0.5B shapes: decode mat-vecs %.2f ms/token (%.0f tok/s ceiling, %.1f GB/s over %.2f GB); "
        + "prompt %.0f rows/s at batch 64", forward.decodeMilliseconds, 1000 / forward.decodeMilliseconds,
      gigabytes / (forward.decodeMilliseconds / 1000), gigabytes, forward.promptRowsPerSecond))
}
