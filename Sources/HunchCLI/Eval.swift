import ArgumentParser
import Foundation
import HunchCompletion

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

  @Option(help: "replay, replay-exact, or a model (once the inference adapter is wired in EvalModels).")
  var model = "replay"

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
    let makeModel = try EvalModels.factory(named: model)
    var config = CompletionConfig()
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

  static func oracle() -> any SyntaxOracle { PlainTextSyntaxOracle() }

  /// A model for each case.
  static func factory(named name: String) throws -> (EvalCase) -> any CompletionModel {
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
      throw ValidationError(
        "model '\(name)': this build has no inference adapter for `hunch eval` yet; use --model replay or replay-exact")
    }
  }
}
