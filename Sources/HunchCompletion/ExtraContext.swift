import Foundation

/// An open buffer other than the one being completed (or the one being completed, for `CompletionRequest.document`).
public struct OpenDocument: Sendable, Equatable {
  public var path: String
  public var languageID: String
  public var text: String
  /// 0-based line ranges edited recently, most recent first.
  public var recentEdits: [Range<Int>]

  public init(path: String, languageID: String, text: String, recentEdits: [Range<Int>] = []) {
    self.path = path
    self.languageID = languageID
    self.text = text
    self.recentEdits = recentEdits
  }
}

/// Picks context from other open buffers: definitions of identifiers used near the cursor, then recently edited
/// regions; skips what the prompt already holds; returns one chunk per file in a stable order (by path, then line).
public struct ExtraContextSelector {
  public var budget: PromptBudget
  /// Lines of context kept around a recent edit.
  public var editContextLines = 2

  public init(budget: PromptBudget) {
    self.budget = budget
  }

  static let commonWords: Set<String> = [
    "if", "else", "for", "while", "return", "let", "var", "const", "def", "class", "func", "function", "in", "of",
    "and", "or", "not", "is", "self", "this", "true", "false", "nil", "null", "None", "True", "False", "new", "import",
    "from", "as", "try", "catch", "throw", "throws", "await", "async", "case", "switch", "break", "continue", "guard",
    "public", "private", "static", "struct", "enum", "with", "pass", "elif", "except", "raise", "yield", "lambda",
    "int", "str", "String", "Int", "Bool", "void", "print", "do", "then", "end", "fn", "pub", "mut", "use", "type",
  ]

  /// Identifiers of `text` ordered by first appearance.
  static func identifiers(in text: Substring) -> [String] {
    var seen = Set<String>()
    var ordered: [String] = []
    var current = ""
    func flush() {
      if current.count >= 2, let first = current.first, !first.isNumber, !commonWords.contains(current),
        seen.insert(current).inserted
      {
        ordered.append(current)
      }
      current = ""
    }
    for character in text {
      if character.isLetter || character.isNumber || character == "_" || character == "$" {
        current.append(character)
      } else {
        flush()
      }
    }
    flush()
    return ordered
  }

  /// Identifiers near the cursor, nearest first: the cursor line, then alternately the lines above and below.
  public static func identifiersNearCursor(prefixLines: [String], currentLine: String, suffixLines: [String], window: Int)
    -> [String]
  {
    var order: [Substring] = [Substring(currentLine)]
    for distance in 1...max(window, 1) {
      if prefixLines.count - distance >= 0 { order.append(Substring(prefixLines[prefixLines.count - distance])) }
      if distance - 1 < suffixLines.count { order.append(Substring(suffixLines[distance - 1])) }
    }
    var seen = Set<String>()
    var result: [String] = []
    for line in order {
      for name in identifiers(in: line) where seen.insert(name).inserted { result.append(name) }
    }
    return result
  }

  static func normalized(_ text: String) -> String {
    text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
  }

  struct Candidate {
    var path: String
    var line: Int
    var text: String
  }

  /// Chunks within `tokenBudget`, de-duplicated against `promptText` and against each other.
  public func select(
    identifiers: [String], documents: [OpenDocument], oracle: any SyntaxOracle, promptText: String, tokenBudget: Int
  ) -> [ContextChunk] {
    guard tokenBudget > 0, !documents.isEmpty else { return [] }
    let promptNormalized = Self.normalized(promptText)
    var candidates: [Candidate] = []
    var definitionsByName: [String: [Candidate]] = [:]
    for document in documents {
      for definition in oracle.definitions(text: document.text, languageID: document.languageID) {
        var text = definition.text
        // A long definition is shown by its header lines only.
        if budget.countTokens(text) > tokenBudget / 3 {
          text = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(2).joined(separator: "\n")
        }
        definitionsByName[definition.name, default: []].append(
          Candidate(path: document.path, line: definition.line, text: text))
      }
    }
    for name in identifiers { candidates += definitionsByName[name] ?? [] }
    for document in documents {
      let lines = document.text.split(separator: "\n", omittingEmptySubsequences: false)
      for edit in document.recentEdits {
        let start = max(0, edit.lowerBound - editContextLines)
        let end = min(lines.count, edit.upperBound + editContextLines)
        guard start < end else { continue }
        candidates.append(Candidate(path: document.path, line: start, text: lines[start..<end].joined(separator: "\n")))
      }
    }
    var chosen: [Candidate] = []
    var chosenNormalized: [String] = []
    var remaining = tokenBudget
    for candidate in candidates {
      let normalized = Self.normalized(candidate.text)
      guard !normalized.isEmpty, !promptNormalized.contains(normalized) else { continue }
      if chosenNormalized.contains(where: { $0.contains(normalized) }) { continue }
      let cost = budget.countTokens(candidate.text + "\n")
      guard cost <= remaining else { continue }
      // A chosen chunk that this one contains is replaced by it.
      if let inner = chosenNormalized.firstIndex(where: { normalized.contains($0) }) {
        remaining += budget.countTokens(chosen[inner].text + "\n")
        chosen.remove(at: inner)
        chosenNormalized.remove(at: inner)
      }
      chosen.append(candidate)
      chosenNormalized.append(normalized)
      remaining -= cost
    }
    let ordered = chosen.sorted { ($0.path, $0.line) < ($1.path, $1.line) }
    var chunks: [ContextChunk] = []
    for candidate in ordered {
      if let last = chunks.last, last.path == candidate.path {
        chunks[chunks.count - 1].text += "\n" + candidate.text
      } else {
        chunks.append(ContextChunk(path: candidate.path, text: candidate.text))
      }
    }
    return chunks
  }
}
