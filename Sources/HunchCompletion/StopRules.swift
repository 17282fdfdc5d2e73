import Foundation

/// Why a completion ended.
public enum StopReason: String, Sendable, Equatable {
  case endOfLine = "end-of-line"
  case filledToRightText = "filled-to-right-text"
  case dedent
  case blockClosed = "block-closed"
  case maxLines = "max-lines"
  case markdownFence = "markdown-fence"
  case prose
  case repeatsSuffix = "repeats-suffix"
  case stopToken = "stop-token"
  case maxTokens = "max-tokens"
  case cancelled
}

/// The stop rules, run on the model's output after every streamed piece.
public final class StopRules {
  public let shape: CompletionShape
  /// The cursor line's text left of the cursor (the first output line continues it).
  let linePrefix: String
  /// Lines of the suffix after the cursor line (the text right of the cursor is `shape`'s business).
  let linesBelow: [String]
  let rules: LexicalRules
  let cursorInStringOrComment: Bool
  public var maxBlockLines: Int

  /// Everything the model produced so far.
  public private(set) var output = ""
  /// The completion: `output` cut where a rule fired.
  public private(set) var completion: String?
  public private(set) var reason: StopReason?
  /// Start of the line being produced, and its number (0 = the cursor line).
  private var lineStart: String.Index
  private var lineNumber = 0

  public init(
    shape: CompletionShape, linePrefix: String, suffix: String, languageID: String, cursorInStringOrComment: Bool,
    maxBlockLines: Int = 40
  ) {
    self.shape = shape
    self.linePrefix = linePrefix
    var below = suffix.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    below = Array(below.dropFirst())
    self.linesBelow = below
    self.rules = LexicalRules.forLanguage(languageID)
    self.cursorInStringOrComment = cursorInStringOrComment
    self.maxBlockLines = maxBlockLines
    lineStart = output.startIndex
  }

  public var hasStopped: Bool { reason != nil }

  /// Feeds one piece; answers `.stop` once a rule fired (later pieces are ignored).
  public func feed(_ piece: String) -> StopDecision {
    guard reason == nil else { return .stop }
    output += piece
    lineStart = output.index(output.startIndex, offsetBy: min(lineStartOffset, output.count))
    while reason == nil, let newline = output[lineStart...].firstIndex(of: "\n") {
      evaluate(line: lineStart..<newline, complete: true)
      if reason != nil { break }
      lineStart = output.index(after: newline)
      lineStartOffset = output.distance(from: output.startIndex, to: lineStart)
      lineNumber += 1
    }
    if reason == nil { evaluate(line: lineStart..<output.endIndex, complete: false) }
    return reason == nil ? .continue : .stop
  }

  private var lineStartOffset = 0

  /// Ends the stream for a reason outside the rules (stop token, limit, cancel); the last line is judged as complete.
  public func finish(modelReason: StopReason) -> (completion: String, reason: StopReason) {
    if reason == nil {
      lineStart = output.index(output.startIndex, offsetBy: min(lineStartOffset, output.count))
      evaluate(line: lineStart..<output.endIndex, complete: true)
    }
    if let completion, let reason { return (completion, reason) }
    return (output, modelReason)
  }

  private func stop(_ reason: StopReason, at cut: String.Index) {
    self.reason = reason
    completion = String(output[..<cut])
  }

  /// The index just before the newline that precedes the current line (so that line is dropped whole).
  private var beforeCurrentLine: String.Index {
    lineStart == output.startIndex ? lineStart : output.index(before: lineStart)
  }

  private func evaluate(line range: Range<String.Index>, complete: Bool) {
    let line = output[range]
    let fullLine = lineNumber == 0 ? linePrefix + line : String(line)
    let trimmed = fullLine.trimmingCharacters(in: .whitespaces)

    if lineNumber == 0, case .fillLine(let rightText) = shape, let cut = fillCut(line: line, rightText: rightText) {
      return stop(.filledToRightText, at: cut)
    }
    if let (reason, cut) = generalRule(range: range, fullLine: fullLine, trimmed: trimmed, complete: complete) {
      return stop(reason, at: cut)
    }
    if !shape.isBlock && complete && range.upperBound < output.endIndex { return stop(.endOfLine, at: range.upperBound) }
  }

  /// Rules for every shape: fences, prose, repeating the lines below; for blocks, dedent, closing and length.
  private func generalRule(range: Range<String.Index>, fullLine: String, trimmed: String, complete: Bool)
    -> (StopReason, String.Index)?
  {
    guard lineNumber > 0 || linePrefix.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
    let insideString = lineNumber > 0 && startsInsideStringOrComment(lineStart: range.lowerBound)
    if trimmed.hasPrefix("```") && !insideString { return (.markdownFence, beforeCurrentLine) }
    if case .block(let headerIndent, let suffixCloses) = shape, lineNumber > 0, !trimmed.isEmpty, !insideString {
      let indent = Self.indentWidth(fullLine)
      // A line that may still become a Markdown fence is judged once it is longer.
      let mayBeFence = !complete && trimmed.count < 3 && "```".hasPrefix(trimmed)
      if indent <= headerIndent && !mayBeFence {
        let isCloser = trimmed.first.map { "})]".contains($0) } ?? false
        if isCloser {
          if suffixCloses { return (.blockClosed, beforeCurrentLine) }
          // The document lacks the closer: keep this line (once it is complete), then stop.
          return complete ? (.blockClosed, range.upperBound) : nil
        }
        return (.dedent, beforeCurrentLine)
      }
      if lineNumber >= maxBlockLines { return (.maxLines, beforeCurrentLine) }
    }
    guard complete else { return nil }
    if lineNumber > 0 && !insideString && !cursorInStringOrComment && Self.isProse(trimmed) {
      return (.prose, beforeCurrentLine)
    }
    if !trimmed.isEmpty && repeatsLineBelow(fullLine) { return (.repeatsSuffix, beforeCurrentLine) }
    return nil
  }

  /// For `.fillLine`: where the output reaches the text right of the cursor with its own brackets balanced.
  private func fillCut(line: Substring, rightText: String) -> String.Index? {
    let content = line.trimmingCharacters(in: .whitespaces)
    guard content.hasSuffix(rightText) else { return nil }
    guard let end = line.range(of: rightText, options: .backwards)?.lowerBound else { return nil }
    let before = line[..<end]
    return BracketBalance.unclosedOpeners(in: String(before)).isEmpty ? end : nil
  }

  private func startsInsideStringOrComment(lineStart: String.Index) -> Bool {
    let text = linePrefix + output[..<lineStart]
    let state = CodeScanner(rules: rules).classify(Array(text.utf8)).endState
    return state != .code && state != .lineComment
  }

  /// The line repeats the first non-blank line below the cursor (indentation included). Lines further down are not
  /// compared: a body often shares lines with its neighbours (`else` branches, sibling methods).
  private func repeatsLineBelow(_ line: String) -> Bool {
    let candidate = Self.trimmingTrailingWhitespace(line)
    guard let next = linesBelow.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return false }
    return Self.trimmingTrailingWhitespace(next) == candidate
  }

  static func trimmingTrailingWhitespace(_ text: String) -> String {
    var result = Substring(text)
    while let last = result.last, last == " " || last == "\t" || last == "\r" { result = result.dropLast() }
    return String(result)
  }

  static func indentWidth(_ line: String) -> Int {
    var width = 0
    for character in line {
      if character == " " { width += 1 } else if character == "\t" { width += 4 } else { break }
    }
    return width
  }

  static let proseLabels = ["Explanation", "Note", "Notes", "Output", "Example usage", "Usage", "Summary", "Example"]
  static let proseOpeners: Set<String> = [
    "This", "The", "These", "Here", "Here's", "In", "It", "Now", "We", "I", "Let's", "To", "Finally", "First",
  ]

  /// A line of English explanation, as instruct models write after the code.
  static func isProse(_ trimmed: String) -> Bool {
    for label in proseLabels where trimmed.hasPrefix(label) {
      let rest = trimmed.dropFirst(label.count).drop { $0 == " " || $0 == "*" }
      if rest.hasPrefix(":") { return true }
    }
    if trimmed.contains(where: { "=;{}".contains($0) }) { return false }
    let words = trimmed.split(separator: " ")
    guard words.count >= 4, let first = words.first else { return false }
    let second = words[1]
    guard let initial = second.first, initial.isLowercase, second.allSatisfy({ $0.isLetter || $0 == "'" || $0 == "," })
    else { return false }
    if proseOpeners.contains(String(first)) { return true }
    // "1. The function …"
    if first.hasSuffix("."), first.dropLast().allSatisfy(\.isNumber) { return proseOpeners.contains(String(second)) }
    return false
  }
}

/// Bracket accounting on code text (strings and comments are not discounted: completions are short).
enum BracketBalance {
  /// Openers left unclosed, outermost first.
  static func unclosedOpeners(in text: String) -> [Character] {
    var stack: [Character] = []
    var quote: Character?
    var escaped = false
    for character in text {
      if let open = quote {
        if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == open {
          quote = nil
        }
        continue
      }
      switch character {
      case "\"", "'", "`": quote = character
      case "(", "[", "{": stack.append(character)
      case ")", "]", "}":
        if let last = stack.last, pairs[last] == character { stack.removeLast() }
      default: break
      }
    }
    return stack
  }

  /// Closers without an opener in `text`, in order.
  static func unmatchedClosers(in text: String) -> [Character] {
    var stack: [Character] = []
    var unmatched: [Character] = []
    var quote: Character?
    var escaped = false
    for character in text {
      if let open = quote {
        if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == open {
          quote = nil
        }
        continue
      }
      switch character {
      case "\"", "'", "`": quote = character
      case "(", "[", "{": stack.append(character)
      case ")", "]", "}":
        if let last = stack.last, pairs[last] == character { stack.removeLast() } else { unmatched.append(character) }
      default: break
      }
    }
    return unmatched
  }

  /// Unclosed openers plus unmatched closers.
  static func imbalance(_ text: String) -> Int {
    unclosedOpeners(in: text).count + unmatchedClosers(in: text).count
  }

  static let pairs: [Character: Character] = ["(": ")", "[": "]", "{": "}"]
}
