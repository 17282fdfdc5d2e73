import ArgumentParser
import Foundation
import HunchCompletion
import HunchGGUF
import HunchInference
import HunchProvisioning
import HunchRuntime

/// `hunch eval CASES…`: completion quality on hole-in-real-code case sets (see scripts/make-eval-cases.py).
struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure completion quality on case sets (JSONL files or directories of them).",
    discussion: """
      Metrics per language and kind: first-line exact match, edit similarity (1 − normalized Levenshtein), for blocks
      the share that ran past the end of the block, and latency p50/p95.
      Models: `replay` writes the hidden text and then the rest of the file, as a model that never stops would, so the
      stop rules and clean-up are measured alone; `replay-exact` writes the hidden text then end-of-text.
      Example: hunch eval bench/cases --model replay --json
      """)

  @Argument(help: "JSONL case files, or directories holding *.jsonl.")
  var cases: [String]

  @Option(
    help:
      "A pulled model name or GGUF path (Hunch's own engine), replay, replay-exact, or llama-cpp:MODEL.gguf (a reference run through llama.cpp's Python bindings)."
  )
  var model = ModelCatalog.defaultModelName

  @Flag(help: "Put the current line's text left of the cursor after the FIM middle marker (the server's layout).")
  var lineAfterMiddle = false

  @Option(help: "The helper process for llama-cpp: models.")
  var llamaCppHelper = "scripts/llama-cpp-model.py"

  @Flag(help: "Print the report as JSON.")
  var json = false

  @Flag(help: "With --json: include every case's outcome.")
  var details = false

  @Option(help: "Run only the first N cases of each file.")
  var limit: Int?

  @Option(help: "Only cases of this kind (single-line or block).")
  var kind: EvalCase.Kind?

  @Option(name: .customLong("case"), help: "Only the case with this id (repeatable).")
  var caseIDs: [String] = []

  @Option(help: "Most tokens to generate for a single-line case.")
  var maxTokens = 96

  @Option(help: "Most tokens to generate for a block case.")
  var maxBlockTokens = 256

  func run() throws {
    var loaded: [EvalCase] = []
    for path in try Self.caseFiles(cases) {
      let text: String
      do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
        throw ValidationError("cannot read \(path): \(error.localizedDescription)")
      }
      var fileCases = try EvalCase.load(jsonl: text, source: path)
      if let kind { fileCases = fileCases.filter { $0.kind == kind } }
      if !caseIDs.isEmpty { fileCases = fileCases.filter { caseIDs.contains($0.id) } }
      if let limit { fileCases = Array(fileCases.prefix(limit)) }
      loaded += fileCases
    }
    guard !loaded.isEmpty else { throw ValidationError("no cases in \(cases.joined(separator: ", "))") }
    EvalModels.helperPath = llamaCppHelper
    let makeModel = try EvalModels.factory(named: model)
    var config = CompletionConfig()
    config.currentLineAfterMiddle = lineAfterMiddle
    config.maxTokens = maxTokens
    config.maxBlockTokens = maxBlockTokens
    let runner = EvalRunner(engine: CompletionEngine(config: config), oracle: EvalModels.oracle())
    var outcomes: [EvalOutcome] = []
    for item in loaded { outcomes.append(runner.run(item, model: makeModel(item))) }
    let summary = EvalMetrics.summarize(outcomes)
    if json {
      try printJSON(summary: summary, outcomes: outcomes)
    } else {
      printTable(summary)
    }
  }

  static func caseFiles(_ arguments: [String]) throws -> [String] {
    var files: [String] = []
    for argument in arguments {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
        throw ValidationError("no such file or directory: \(argument)")
      }
      if isDirectory.boolValue {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
        files += names.filter { $0.hasSuffix(".jsonl") }.sorted().map { (argument as NSString).appendingPathComponent($0) }
      } else {
        files.append(argument)
      }
    }
    return files
  }

  func printJSON(summary: [EvalGroupSummary], outcomes: [EvalOutcome]) throws {
    struct Report: Encodable {
      var model: String
      var cases: Int
      var groups: [EvalGroupSummary]
      var outcomes: [EvalOutcome]?
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let report = Report(model: model, cases: outcomes.count, groups: summary, outcomes: details ? outcomes : nil)
    print(String(decoding: try encoder.encode(report), as: UTF8.self))
  }

  func printTable(_ summary: [EvalGroupSummary]) {
    print("model: \(model)")
    let header = ["language", "kind", "cases", "first-line", "edit-sim", "past-block", "p50 ms", "p95 ms", "stops"]
    var rows = [header]
    for group in summary {
      let stops = group.stopReasons.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) \($0.value)" }
      rows.append([
        group.language, group.kind, "\(group.cases)" + (group.failures > 0 ? " (\(group.failures) failed)" : ""),
        Self.percent(group.firstLineExact), String(format: "%.3f", group.editSimilarity),
        group.ranPastBlock.map(Self.percent) ?? "-", String(format: "%.1f", group.latencyP50Milliseconds),
        String(format: "%.1f", group.latencyP95Milliseconds), stops.joined(separator: ", "),
      ])
    }
    let widths = (0..<header.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
      print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
    }
  }

  static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}

extension EvalCase.Kind: ExpressibleByArgument {}

/// The models and the syntax oracle `hunch eval` runs with. The integrator wires the inference adapter and the
/// tree-sitter oracle here.
enum EvalModels {
  static let qwenSpecialTokens = [
    "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
    "<|file_sep|>",
  ]

  static func oracle() -> any SyntaxOracle { TreeSitterSyntaxOracle() }

  /// Runs `hunch eval --model llama-cpp:MODEL.gguf` (a reference through llama.cpp's Python bindings).
  nonisolated(unsafe) static var helperPath = "scripts/llama-cpp-model.py"

  /// A model for each case.
  static func factory(named name: String) throws -> (EvalCase) -> any CompletionModel {
    if name.hasPrefix("llama-cpp:") {
      let model = try ProcessCompletionModel(helper: helperPath, modelPath: String(name.dropFirst("llama-cpp:".count)))
      return { _ in model }
    }
    switch name {
    case "replay":
      return { item in
        ScriptedCompletionModel(
          specialTokens: qwenSpecialTokens, script: ScriptedCompletionModel.pieces(of: item.expected + item.suffix))
      }
    case "replay-exact":
      return { item in
        ScriptedCompletionModel(
          specialTokens: qwenSpecialTokens, script: ScriptedCompletionModel.pieces(of: item.expected) + ["<|endoftext|>"])
      }
    default:
      // Hunch's own engine: one model (and one KV cache, so prompt reuse works across cases of one file) for all.
      let file = try GGUFFile(path: try ModelLocator.resolve(name))
      let session = GenerationSession(model: try Transformer(file: file), contextLength: 4096)
      let local = LocalCompletionModel(session: session, tokenizer: try Tokenizer(gguf: file))
      return { _ in local }
    }
  }
}

/// A `CompletionModel` served by a helper process speaking JSON lines (scripts/llama-cpp-model.py, llama.cpp's Python
/// bindings): reference measurements of the engine with a real model before Hunch's own inference is wired in.
final class ProcessCompletionModel: CompletionModel {
  struct Failure: Error, CustomStringConvertible {
    let message: String
    var description: String { "model process: \(message)" }
  }

  private let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private var buffer = Data()
  private(set) var specialTokens: [String: Int32] = [:]
  private(set) var beginningOfText: Int32?
  private var tokenCache: [String: [Int32]] = [:]

  init(helper: String, modelPath: String) throws {
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", helper, modelPath]
    var environment = ProcessInfo.processInfo.environment
    let root = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/hunch/llama.cpp-0.3.36")
    if environment["PYTHONPATH"] == nil { environment["PYTHONPATH"] = root.appendingPathComponent("pythonpath").path }
    if environment["LLAMA_CPP_LIB_PATH"] == nil { environment["LLAMA_CPP_LIB_PATH"] = root.appendingPathComponent("lib").path }
    process.environment = environment
    process.standardInput = input
    process.standardOutput = output
    do { try process.run() } catch { throw Failure(message: "cannot start \(helper): \(error)") }
    let info = try request(["op": "info"])
    guard let table = info["special"] as? [String: Int] else { throw Failure(message: "no special-token table") }
    specialTokens = table.mapValues { Int32($0) }
    beginningOfText = (info["bos"] as? Int).map(Int32.init)
  }

  deinit {
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
  }

  private func send(_ object: [String: Any]) throws {
    guard process.isRunning else { throw Failure(message: "the helper exited") }
    var data = try JSONSerialization.data(withJSONObject: object)
    data.append(UInt8(ascii: "\n"))
    try input.fileHandleForWriting.write(contentsOf: data)
  }

  private func readObject() throws -> [String: Any] {
    while true {
      if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = buffer[buffer.startIndex..<newline]
        buffer = Data(buffer[(newline + 1)...])
        guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
          throw Failure(message: "not a JSON object")
        }
        if let error = object["error"] as? String { throw Failure(message: error) }
        return object
      }
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { throw Failure(message: "the helper closed its output") }
      buffer.append(chunk)
    }
  }

  private func request(_ object: [String: Any]) throws -> [String: Any] {
    try send(object)
    return try readObject()
  }

  func tokenize(_ text: String) -> [Int32] {
    if let cached = tokenCache[text] { return cached }
    let tokens = ((try? request(["op": "tokenize", "text": text]))?["tokens"] as? [Int] ?? []).map(Int32.init)
    if tokenCache.count > 50_000 { tokenCache.removeAll() }
    tokenCache[text] = tokens
    return tokens
  }

  func detokenize(_ tokens: [Int32]) -> String {
    (try? request(["op": "detokenize", "tokens": tokens.map(Int.init)]))?["text"] as? String ?? ""
  }

  func generate(
    prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>, isCancelled: () -> Bool,
    onPiece: (String) -> StopDecision
  ) throws -> Generation {
    try send([
      "op": "generate", "prompt": prompt.map(Int.init), "max_tokens": maxTokens, "stop": stopTokens.map(Int.init),
    ])
    var text = ""
    var cancelled = false
    while true {
      let message = try readObject()
      if let piece = message["piece"] as? String {
        text += piece
        let goOn = !isCancelled() && onPiece(piece) == .continue
        if isCancelled() { cancelled = true }
        try send(["continue": goOn])
        continue
      }
      guard message["done"] as? Bool == true else { throw Failure(message: "unexpected message") }
      let tokens = (message["tokens"] as? [Int] ?? []).map(Int32.init)
      let finish: GenerationFinish
      switch message["finish"] as? String {
      case "stop-token": finish = .stopToken(Int32(message["token"] as? Int ?? -1))
      case "caller": finish = cancelled ? .cancelled : .stoppedByCaller
      default: finish = .maxTokens
      }
      return Generation(
        tokens: tokens, text: text, finish: finish, promptTokenCount: message["prompt_tokens"] as? Int ?? prompt.count,
        reusedPromptTokenCount: message["reused"] as? Int ?? 0,
        promptMilliseconds: message["prompt_ms"] as? Double ?? 0,
        generationMilliseconds: message["generation_ms"] as? Double ?? 0)
    }
  }
}
