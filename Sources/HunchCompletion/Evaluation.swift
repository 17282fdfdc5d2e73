import Foundation

/// One benchmark case: a hole cut in real code.
public struct EvalCase: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    case singleLine = "single-line"
    case block
  }
  public var id: String
  public var set: String?
  public var language: String
  public var kind: Kind
  public var path: String?
  public var prefix: String
  public var suffix: String
  /// The text the hole held.
  public var expected: String

  public init(
    id: String, set: String? = nil, language: String, kind: Kind, path: String? = nil, prefix: String, suffix: String,
    expected: String
  ) {
    self.id = id
    self.set = set
    self.language = language
    self.kind = kind
    self.path = path
    self.prefix = prefix
    self.suffix = suffix
    self.expected = expected
  }

  /// Reads a JSONL file (one case per line; blank lines skipped).
  public static func load(jsonl text: String, source: String) throws -> [EvalCase] {
    var cases: [EvalCase] = []
    let decoder = JSONDecoder()
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      do {
        cases.append(try decoder.decode(EvalCase.self, from: Data(line.utf8)))
      } catch {
        throw CompletionError(
          .badEvalCase, "\(source):\(number + 1): not a case", cause: String(describing: error))
      }
    }
    return cases
  }
}

/// How one case went.
public struct EvalOutcome: Codable, Sendable {
  public var id: String
  public var language: String
  public var kind: EvalCase.Kind
  public var completion: String
  public var firstLineExact: Bool
  public var editSimilarity: Double
  /// For blocks: the completion went on past the end of the block.
  public var ranPastBlock: Bool
  public var stopReason: String
  public var promptTokens: Int
  public var generatedTokens: Int
  public var milliseconds: Double
  public var error: String?

  public init(
    id: String, language: String, kind: EvalCase.Kind, completion: String, firstLineExact: Bool,
    editSimilarity: Double, ranPastBlock: Bool, stopReason: String, promptTokens: Int, generatedTokens: Int,
    milliseconds: Double, error: String?
  ) {
    self.id = id
    self.language = language
    self.kind = kind
    self.completion = completion
    self.firstLineExact = firstLineExact
    self.editSimilarity = editSimilarity
    self.ranPastBlock = ranPastBlock
    self.stopReason = stopReason
    self.promptTokens = promptTokens
    self.generatedTokens = generatedTokens
    self.milliseconds = milliseconds
    self.error = error
  }
}

/// Metrics of a group of outcomes.
public struct EvalGroupSummary: Codable, Sendable {
  public var language: String
  public var kind: String
  public var cases: Int
  public var failures: Int
  public var firstLineExact: Double
  public var editSimilarity: Double
  /// Share of block cases that ran past the block (nil for single-line groups).
  public var ranPastBlock: Double?
  public var latencyP50Milliseconds: Double
  public var latencyP95Milliseconds: Double
  public var stopReasons: [String: Int]
}

public enum EvalMetrics {
  /// Levenshtein distance over characters.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
        current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }

  /// 1 − distance / longer length; 1 for two empty texts.
  public static func editSimilarity(_ a: String, _ b: String) -> Double {
    let longer = max(a.count, b.count)
    return longer == 0 ? 1 : 1 - Double(editDistance(a, b)) / Double(longer)
  }

  static func firstLine(_ text: String) -> String {
    StopRules.trimmingTrailingWhitespace(String(text.prefix { $0 != "\n" }))
  }

  public static func firstLineExact(completion: String, expected: String) -> Bool {
    firstLine(completion) == firstLine(expected)
  }

  /// A block completion ran past its block when a later line dedents to the header's column (or less), or when it
  /// has more lines than the hole and the first extra one repeats the line after the hole.
  public static func ranPastBlock(completion: String, expected: String, prefix: String, suffix: String) -> Bool {
    let prefixLines = prefix.split(separator: "\n", omittingEmptySubsequences: false)
    let header = prefixLines.dropLast().last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    let headerIndent = header.map { StopRules.indentWidth(String($0)) } ?? -1
    let lines = completion.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for line in lines.dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
      if StopRules.indentWidth(line) <= headerIndent { return true }
    }
    let expectedCount = expected.split(separator: "\n", omittingEmptySubsequences: false).count
    guard lines.count > expectedCount else { return false }
    // Compared with its indentation: a lone `}` deeper in the completion is not the block's own closer.
    let next = suffix.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    return next.map {
      StopRules.trimmingTrailingWhitespace(lines[expectedCount]) == StopRules.trimmingTrailingWhitespace(String($0))
    } ?? false
  }

  /// Nearest-rank percentile of `values` (0 when empty).
  public static func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank - 1, 0), sorted.count - 1)]
  }

  /// One summary per (language, kind), then one per language over both kinds, then "all".
  public static func summarize(_ outcomes: [EvalOutcome]) -> [EvalGroupSummary] {
    var groups: [(String, String, [EvalOutcome])] = []
    let languages = Array(Set(outcomes.map(\.language))).sorted()
    for language in languages {
      for kind in [EvalCase.Kind.singleLine, .block] {
        let members = outcomes.filter { $0.language == language && $0.kind == kind }
        if !members.isEmpty { groups.append((language, kind.rawValue, members)) }
      }
    }
    for kind in [EvalCase.Kind.singleLine, .block] {
      let members = outcomes.filter { $0.kind == kind }
      if !members.isEmpty && languages.count > 1 { groups.append(("all", kind.rawValue, members)) }
    }
    groups.append(("all", "all", outcomes))
    return groups.map { language, kind, members in
      let scored = members.filter { $0.error == nil }
      let count = Double(max(members.count, 1))
      let blocks = members.filter { $0.kind == .block }
      var reasons: [String: Int] = [:]
      for member in members { reasons[member.stopReason, default: 0] += 1 }
      return EvalGroupSummary(
        language: language, kind: kind, cases: members.count, failures: members.count - scored.count,
        firstLineExact: Double(scored.filter(\.firstLineExact).count) / count,
        editSimilarity: scored.map(\.editSimilarity).reduce(0, +) / count,
        ranPastBlock: blocks.isEmpty ? nil : Double(blocks.filter(\.ranPastBlock).count) / Double(blocks.count),
        latencyP50Milliseconds: percentile(scored.map(\.milliseconds), 0.5),
        latencyP95Milliseconds: percentile(scored.map(\.milliseconds), 0.95), stopReasons: reasons)
    }
  }
}

/// Runs cases through the engine.
public struct EvalRunner {
  public var engine: CompletionEngine
  public var oracle: any SyntaxOracle

  public init(engine: CompletionEngine, oracle: any SyntaxOracle) {
    self.engine = engine
    self.oracle = oracle
  }

  /// The document of a case: prefix + suffix, the cursor between them.
  public static func request(for item: EvalCase) -> CompletionRequest {
    let path = item.path ?? "\(item.id).\(item.language)"
    return CompletionRequest(
      document: OpenDocument(path: path, languageID: item.language, text: item.prefix + item.suffix),
      cursor: item.prefix.utf8.count)
  }

  public func run(_ item: EvalCase, model: any CompletionModel) -> EvalOutcome {
    let start = Date()
    var outcome = EvalOutcome(
      id: item.id, language: item.language, kind: item.kind, completion: "", firstLineExact: false, editSimilarity: 0,
      ranPastBlock: false, stopReason: "error", promptTokens: 0, generatedTokens: 0, milliseconds: 0, error: nil)
    do {
      let result = try engine.complete(Self.request(for: item), model: model, oracle: oracle)
      let completion = result.text
      let expected = StopRules.trimmingTrailingWhitespace(item.expected)
      outcome.completion = completion
      outcome.firstLineExact = EvalMetrics.firstLineExact(completion: completion, expected: expected)
      outcome.editSimilarity = EvalMetrics.editSimilarity(completion, expected)
      if item.kind == .block {
        outcome.ranPastBlock = EvalMetrics.ranPastBlock(
          completion: completion, expected: expected, prefix: item.prefix, suffix: item.suffix)
      }
      outcome.stopReason = result.diagnostics.stopReason.rawValue
      outcome.promptTokens = result.diagnostics.promptTokens
      outcome.generatedTokens = result.diagnostics.generatedTokens
    } catch {
      outcome.error = String(describing: error)
    }
    outcome.milliseconds = Date().timeIntervalSince(start) * 1000
    return outcome
  }
}
