import ArgumentParser
import Foundation
import HunchGGUF
import HunchInference
import HunchProvisioning

/// `hunch bench-speculative`: plain against speculative decoding on completions cut from real code, in one run.
struct SpeculativeBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench-speculative",
    abstract: "Measure speculative decoding against plain greedy decoding on a code-completion workload.",
    discussion: """
      Each case is decoded plainly, then with each drafter set (interleaved per case, so background load hits all
      alike). Generation tokens/s counts only the decoding, not the prompt. `suggestion` replays a user typing the
      first 3 tokens of the plain suggestion, with the suggestion drafter seeded with it. Outputs are checked to equal
      the plain greedy output token for token.
      Example: hunch bench-speculative --model qwen2.5-coder-1.5b --draft-model qwen2.5-coder-0.5b --limit 6
      """)

  @Option(help: "The target model: a GGUF file or a pulled model name.")
  var model: String?

  @Option(help: "A draft model sharing the target's tokenizer.")
  var draftModel: String?

  @Option(help: "The workload (JSONL with a `prompt` per line).")
  var workload = "bench/workloads/speculative-completion.jsonl"

  @Option(help: "Tokens to generate per case.")
  var maxTokens = 64

  @Option(help: "Run only the first N cases.")
  var limit: Int?

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  @Option(help: "Initial draft length.")
  var draftLength = 6

  @Flag(help: "Keep every drafter on even when it does not pay for itself.")
  var noAdaptiveDrafters = false

  @Option(help: "Most tokens per verification pass; 0 verifies a whole draft in one pass (see SpeculationOptions).")
  var verifyChunk = SpeculationOptions().verifyChunk

  @Flag(help: "Print the report as JSON.")
  var json = false

  @Flag(help: "Only time one target forward pass per batch size 1…16 after a 256-token context (verification cost).")
  var batchCost = false

  struct WorkloadCase: Decodable {
    var id: String
    var prompt: String
  }

  /// One configuration's totals over the workload.
  struct ConfigResult: Codable {
    var name: String
    var cases = 0
    var generatedTokens = 0
    var generationSeconds = 0.0
    var promptSeconds = 0.0
    var targetSteps = 0
    var mismatches: [String] = []
    var drafters: [DrafterStats] = []
    /// Cases that ended with a drafter switched off by the controller, per drafter.
    var switchedOffAtCaseEnd: [String: Int] = [:]
    var tokensPerSecond: Double { generationSeconds > 0 ? Double(generatedTokens) / generationSeconds : 0 }

    mutating func add(_ stats: GenerationStats) {
      cases += 1
      generatedTokens += stats.generatedTokens
      generationSeconds += stats.generationSeconds
      promptSeconds += stats.promptSeconds
      targetSteps += stats.targetSteps
      for entry in stats.drafters {
        if let i = drafters.firstIndex(where: { $0.name == entry.name }) {
          drafters[i].steps += entry.steps
          drafters[i].drafted += entry.drafted
          drafters[i].accepted += entry.accepted
          drafters[i].proposeSeconds += entry.proposeSeconds
          drafters[i].verifySeconds += entry.verifySeconds
        } else {
          drafters.append(entry)
        }
      }
    }
  }

  struct Report: Codable {
    var model: String
    var draftModel: String?
    var maxTokens: Int
    var configs: [ConfigResult]
    var tokensPerSecond: [String: Double]
    var speedup: [String: Double]
  }

  func validate() throws {
    guard maxTokens > 4 else { throw ValidationError("--max-tokens must be more than 4") }
    if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
  }

  func run() throws {
    let cases = try loadWorkload()
    let modelPath = try ModelLocator.resolve(model)
    let file = try GGUFFile(path: modelPath)
    let target = try Transformer(file: file, threads: threads)
    let tokenizer = try Tokenizer(gguf: file)
    let contextLength = 4096
    let session = GenerationSession(model: target, contextLength: contextLength)
    if batchCost {
      try printBatchCost(target, contextLength: contextLength)
      return
    }
    var draftPath: String?
    var draft: DraftModelDrafter?
    if let draftModel {
      let path = try ModelLocator.resolve(draftModel)
      draftPath = path
      draft = DraftModelDrafter(
        model: try Transformer(file: try GGUFFile(path: path), threads: threads), contextLength: contextLength)
    }
    var options = SpeculationOptions()
    options.initialDraft = draftLength
    options.maxDraft = max(options.maxDraft, draftLength)
    options.adaptive = !noAdaptiveDrafters
    options.verifyChunk = verifyChunk

    var configNames = ["plain", "lookup", "suggestion"]
    if draft != nil { configNames += ["draft-model", "lookup+draft-model"] }
    var results = configNames.map { ConfigResult(name: $0) }
    // One controller per configuration for the whole run, as the server keeps one for its life: what a drafter
    // earned or lost in one case carries into the next, so a drafter that loses stays switched off.
    let suggestion = SuggestionDrafter()
    var controllers: [String: SpeculationController] = [:]
    for name in configNames.dropFirst() {
      let drafters: [Drafter]
      switch name {
      case "lookup": drafters = [PromptLookupDrafter()]
      case "suggestion": drafters = [suggestion]
      case "draft-model": drafters = draft.map { [$0] } ?? []
      default: drafters = [PromptLookupDrafter()] + (draft.map { [$0] } ?? [])
      }
      controllers[name] = SpeculationController(drafters: drafters, options: options)
    }
    let stop = tokenizer.endOfTextIDs
    let typed = 3
    for (index, workloadCase) in cases.enumerated() {
      let prompt = tokenizer.encode(workloadCase.prompt)
      guard !prompt.isEmpty else { continue }
      // Prefill once first, so every run below (plain too) recomputes only the prompt's last token, alone: a prompt
      // whose last token came out of a many-row prefill batch starts from slightly different numbers (the kernels'
      // four-row path rounds differently), which would make "plain" a different reference from the rest.
      var warmStats = GenerationStats()
      _ = try session.generate(prompt: prompt, maxTokens: 1, stopTokens: stop, stats: &warmStats)
      var plainStats = GenerationStats()
      let plain = try session.generate(prompt: prompt, maxTokens: maxTokens, stopTokens: stop, stats: &plainStats)
      results[0].add(plainStats)
      for c in 1..<configNames.count {
        var runPrompt = prompt
        var expected = plain
        var runMax = maxTokens
        if configNames[c] == "suggestion" {
          // The user typed the first tokens of the suggestion; the rest of it should come back.
          guard plain.count > typed + 1 else { continue }
          runPrompt = prompt + plain.prefix(typed)
          expected = Array(plain.dropFirst(typed))
          runMax = maxTokens - typed
          suggestion.seed(suggestion: plain, after: prompt)
        }
        guard let controller = controllers[configNames[c]] else { continue }
        var stats = GenerationStats()
        let output = try session.generate(
          prompt: runPrompt, maxTokens: runMax, stopTokens: stop,
          speculation: controller, stats: &stats)
        results[c].add(stats)
        for name in controller.disabledDrafters { results[c].switchedOffAtCaseEnd[name, default: 0] += 1 }
        if output != expected { results[c].mismatches.append(workloadCase.id) }
      }
      if !json {
        let line =
          String(format: "[%d/%d] ", index + 1, cases.count) + workloadCase.id + ": "
          + results.map { $0.name + String(format: " %.1f t/s", $0.tokensPerSecond) }.joined(separator: ", ")
        FileHandle.standardError.write(Data((line + "\n").utf8))
      }
    }
    let plainRate = results[0].tokensPerSecond
    let report = Report(
      model: modelPath, draftModel: draftPath, maxTokens: maxTokens, configs: results,
      tokensPerSecond: Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0.tokensPerSecond) }),
      speedup: Dictionary(
        uniqueKeysWithValues: results.map { ($0.name, plainRate > 0 ? $0.tokensPerSecond / plainRate : 0) }))
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(table(report))
    }
  }

  /// Seconds of one forward pass over n tokens (median of 5), the price of verifying n − 1 drafted tokens.
  func printBatchCost(_ target: Transformer, contextLength: Int) throws {
    let cache = target.makeCache(capacity: contextLength)
    let context = (0..<256).map { Int32(($0 * 7919) % 5000 + 100) }
    try target.forward(context, cache: cache, logits: .last)
    var single = 0.0
    for n in 1...16 {
      var times: [Double] = []
      for _ in 0..<5 {
        let started = DispatchTime.now()
        try target.forward(Array(context.prefix(n)), cache: cache, logits: .all)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
        cache.trim(to: context.count)
      }
      let median = times.sorted()[2]
      if n == 1 { single = median }
      // The same tokens one at a time: the logits a batch row must reproduce for exact greedy verification.
      let batch = Array(context.prefix(n))
      let rows = Array(try target.forward(batch, cache: cache, logits: .all))
      cache.trim(to: context.count)
      var worst: Float = 0
      var flips = 0
      let v = target.config.vocabulary
      for (i, t) in batch.enumerated() {
        let one = Array(try target.forward([t], cache: cache, logits: .last))
        let row = Array(rows[(i * v)..<((i + 1) * v)])
        for j in 0..<v { worst = max(worst, abs(one[j] - row[j])) }
        if one.indices.max(by: { one[$0] < one[$1] }) != row.indices.max(by: { row[$0] < row[$1] }) { flips += 1 }
      }
      cache.trim(to: context.count)
      print(
        String(
          format: "batch %2d: %.1f ms (%.2fx one token); rows vs one at a time: max |diff| %.2e, argmax flips %d",
          n, median * 1000, median / single, worst, flips))
    }
  }

  func loadWorkload() throws -> [WorkloadCase] {
    let text: String
    do { text = try String(contentsOfFile: workload, encoding: .utf8) } catch {
      throw ValidationError("cannot read \(workload): \(error.localizedDescription)")
    }
    var cases: [WorkloadCase] = []
    for (number, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
      do { cases.append(try JSONDecoder().decode(WorkloadCase.self, from: Data(line.utf8))) } catch {
        throw ValidationError("\(workload):\(number + 1): not a workload case: \(error)")
      }
    }
    return Array(cases.prefix(limit ?? cases.count))
  }

  func table(_ report: Report) -> String {
    var lines = ["model: \(report.model)"]
    if let draft = report.draftModel { lines.append("draft: \(draft)") }
    lines.append(
      "config               cases  tokens  gen s    tok/s  speedup  passes  drafter: drafted/accepted (rate, cases ending switched off)  mismatches"
    )
    for r in report.configs {
      let drafters = r.drafters.map {
        "\($0.name): \($0.drafted)/\($0.accepted) (" + String(format: "%.0f%%", 100 * $0.acceptanceRate)
          + ", off \(r.switchedOffAtCaseEnd[$0.name] ?? 0))"
      }.joined(separator: "; ")
      let name = r.name.padding(toLength: 20, withPad: " ", startingAt: 0)
      lines.append(
        name
          + String(
            format: " %5d  %6d  %6.2f  %7.1f  %6.2fx  %6d  ", r.cases, r.generatedTokens, r.generationSeconds,
            r.tokensPerSecond, report.speedup[r.name] ?? 0, r.targetSteps)
          + (drafters.isEmpty ? "-" : drafters) + "  "
          + (r.mismatches.isEmpty ? "0" : r.mismatches.joined(separator: ",")))
    }
    return lines.joined(separator: "\n")
  }
}
