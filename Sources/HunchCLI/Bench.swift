import ArgumentParser
import Foundation
import HunchGGUF
import HunchInference
import HunchKernels
import HunchProvisioning

/// Throughput in the manner of llama-bench, so the two can be put side by side (bench/compare-llama-cpp.sh).
///
/// ppN: one forward pass over N random prompt tokens into a fresh cache (logits of the last token only).
/// tgN: N single-token decode steps after a one-token prompt (llama-bench's tg starts from an empty context).
/// Each test runs once untimed to warm up, then `repetitions` times; tokens/s is reported as mean ± sample stddev.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure prompt (pp) and generation (tg) throughput in tokens per second.",
    discussion: "Example: hunch bench --model qwen2.5-coder-0.5b --threads 2 --repetitions 3 --json")

  @Option(help: "A GGUF file or a pulled model name.")
  var model: String?

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  @Option(help: "Timed repetitions of each test.")
  var repetitions = 5

  @Option(help: "Prompt lengths to time, comma-separated.")
  var prompt = "512,16"

  @Option(help: "Decode steps to time (0 skips the generation test).")
  var generate = 64

  @Option(help: "Tokens already in the KV cache before each test (like llama-bench's -d): attention cost at depth.")
  var depth = 0

  @Flag(help: "Also measure memory read bandwidth and the tg ceiling it implies.")
  var bandwidth = false

  @Flag(help: "Print JSON instead of a table.")
  var json = false

  @Flag(help: "Run the speculative-decoding benchmark instead (the same as `hunch bench-speculative`).")
  var speculative = false

  func validate() throws {
    guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
    guard generate >= 0 else { throw ValidationError("--generate must not be negative") }
    guard depth >= 0 else { throw ValidationError("--depth must not be negative") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    guard promptLengths != nil else { throw ValidationError("--prompt must be positive integers, e.g. 512,16") }
  }

  private var promptLengths: [Int]? {
    let parts = prompt.split(separator: ",")
    let lengths = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
    return lengths.count == parts.count ? lengths : nil
  }

  func run() throws {
    if speculative {
      var arguments = json ? ["--json"] : []
      if let model { arguments += ["--model", model] }
      if let threads { arguments += ["--threads", String(threads)] }
      let command = try SpeculativeBench.parse(arguments)
      try command.run()
      return
    }
    let path = try ModelLocator.resolve(model)
    let file = try GGUFFile(path: path)
    let prompts = promptLengths ?? []
    let longest = max(prompts.max() ?? 1, 1)
    let transformer = try Transformer(file: file, threads: threads, maxBatch: longest)
    let vocabulary = transformer.config.vocabulary
    var random = SplitMix64(seed: 0x5eed)
    func randomTokens(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(random.next() % UInt64(vocabulary)) } }

    // One cache for every test: filled to `depth` once (untimed), trimmed back to it before each run.
    let cache = transformer.makeCache(capacity: depth + max(prompts.max() ?? 0, generate + 1))
    var filled = 0
    while filled < depth {
      let count = min(longest, depth - filled)
      try transformer.forward(randomTokens(count), cache: cache, logits: .last)
      filled += count
    }
    let suffix = depth > 0 ? " @ d\(depth)" : ""
    var results: [BenchResult] = []
    for n in prompts {
      let tokens = randomTokens(n)
      let seconds = try timed(repetitions) { () throws(InferenceError) in
        cache.trim(to: depth)
        return try measure { () throws(InferenceError) in _ = try transformer.forward(tokens, cache: cache) }
      }
      results.append(BenchResult(test: "pp\(n)" + suffix, promptTokens: n, generatedTokens: 0, seconds: seconds))
    }
    // With --bandwidth, a bandwidth reading is taken just before each tg run and paired with it.
    let probe = bandwidth ? BandwidthProbe(threads: transformer.threadCount) : nil
    var readings: [Double] = []  // GB/s, one per tg run (the warm-up's first)
    if generate > 0 {
      let first = randomTokens(1)
      let steps = randomTokens(generate)
      let seconds = try timed(repetitions) { () throws(InferenceError) in
        cache.trim(to: depth)
        try transformer.forward(first, cache: cache)
        if let probe { readings.append(probe.measure().gigabytesPerSecond) }
        return try measure { () throws(InferenceError) in
          for token in steps { _ = try transformer.forward([token], cache: cache) }
        }
      }
      results.append(
        BenchResult(test: "tg\(generate)" + suffix, promptTokens: 0, generatedTokens: generate, seconds: seconds))
    }

    let bytesPerToken = Self.bytesReadPerToken(transformer.weights)
    if let probe, readings.isEmpty { readings.append(probe.measure().gigabytesPerSecond) }
    let timedReadings = Array(readings.suffix(generate > 0 ? repetitions : 1))
    let report = BenchReport(
      model: (path as NSString).lastPathComponent, modelBytes: file.fileSize, threads: transformer.threadCount,
      kernelLevel: KernelLevel.best.description, bytesPerToken: bytesPerToken, readings: timedReadings,
      results: results)
    print(json ? report.json() : report.table())
  }

  /// Weight bytes one decode step reads: every matrix of every layer plus the output matrix; the token embedding
  /// contributes one row, which is left out (norms and biases are negligible).
  static func bytesReadPerToken(_ weights: ModelWeights) -> Int {
    var total = weights.output.rows * weights.output.rowBytes
    for layer in weights.layers {
      for m in [layer.query, layer.key, layer.value, layer.attentionOutput, layer.gate, layer.up, layer.down] {
        total += m.rows * m.rowBytes
      }
    }
    return total
  }

  /// One warm-up run, then `count` timed runs of `body`, which returns the seconds it measured.
  private func timed(_ count: Int, _ body: () throws(InferenceError) -> Double) throws(InferenceError) -> [Double] {
    _ = try body()
    var seconds: [Double] = []
    for _ in 0..<count { seconds.append(try body()) }
    return seconds
  }

  private func measure(_ body: () throws(InferenceError) -> Void) throws(InferenceError) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }
}

/// One test's timings.
struct BenchResult {
  let test: String
  let promptTokens: Int
  let generatedTokens: Int
  let seconds: [Double]

  var tokensPerSecond: [Double] { seconds.map { Double(promptTokens + generatedTokens) / $0 } }
  var mean: Double { tokensPerSecond.reduce(0, +) / Double(tokensPerSecond.count) }
  var standardDeviation: Double {
    let values = tokensPerSecond
    guard values.count > 1 else { return 0 }
    let m = mean
    return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
  }
}

struct BenchReport {
  let model: String
  let modelBytes: Int
  let threads: Int
  let kernelLevel: String
  let bytesPerToken: Int
  /// Read bandwidth in GB/s: with a tg test, one reading taken just before each of its timed runs.
  let readings: [Double]
  let results: [BenchResult]

  var readGigabytesPerSecond: Double? { readings.isEmpty ? nil : readings.reduce(0, +) / Double(readings.count) }

  /// The tg tokens/s that memory bandwidth alone allows: bandwidth / weight bytes read per token.
  var decodeCeiling: Double? { readGigabytesPerSecond.map { $0 * 1e9 / Double(bytesPerToken) } }

  /// The tg test's share of its ceiling, each run against the reading taken just before it, averaged.
  var decodeCeilingShare: Double? {
    guard let tg = results.first(where: { $0.generatedTokens > 0 }), tg.tokensPerSecond.count == readings.count,
      !readings.isEmpty
    else { return nil }
    let shares = zip(tg.tokensPerSecond, readings).map { rate, gigabytes in
      rate * Double(bytesPerToken) / (gigabytes * 1e9)
    }
    return shares.reduce(0, +) / Double(shares.count)
  }

  func table() -> String {
    var lines = [
      String(
        format: "model: %@ (%.1f MiB), threads: %d, kernels: %@", model, Double(modelBytes) / 1_048_576,
        threads, kernelLevel),
      String(format: "weights read per decoded token: %.1f MiB", Double(bytesPerToken) / 1_048_576),
    ]
    if let readGigabytesPerSecond, let decodeCeiling {
      lines.append(
        String(
          format: "read bandwidth: %.1f GB/s -> tg ceiling %.1f t/s", readGigabytesPerSecond,
          decodeCeiling))
      if let decodeCeilingShare {
        lines.append(
          String(
            format: "tg at %.0f%% of the ceiling (each run against a reading taken just before it)",
            100 * decodeCeilingShare))
      }
    }
    lines.append("")
    lines.append("| test   |              t/s |")
    lines.append("| ------ | ---------------: |")
    for r in results {
      let test = r.test.padding(toLength: max(6, r.test.count), withPad: " ", startingAt: 0)
      let rate = String(format: "%.2f ± %.2f", r.mean, r.standardDeviation)
      lines.append("| \(test) | \(String(repeating: " ", count: max(0, 16 - rate.count)))\(rate) |")
    }
    return lines.joined(separator: "\n")
  }

  func json() -> String {
    var object: [String: Any] = [
      "model": model, "model_bytes": modelBytes, "threads": threads, "kernel_level": kernelLevel,
      "bytes_per_token": bytesPerToken,
      "results": results.map { r in
        [
          "test": r.test, "n_prompt": r.promptTokens, "n_gen": r.generatedTokens, "avg_ts": r.mean,
          "stddev_ts": r.standardDeviation, "samples_ts": r.tokensPerSecond,
        ] as [String: Any]
      },
    ]
    if let readGigabytesPerSecond, let decodeCeiling {
      object["read_gbps"] = readGigabytesPerSecond
      object["read_gbps_samples"] = readings
      object["tg_ceiling_ts"] = decodeCeiling
      if let decodeCeilingShare { object["tg_ceiling_share"] = decodeCeilingShare }
    }
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
      let text = String(data: data, encoding: .utf8)
    else { return "{}" }
    return text
  }
}
