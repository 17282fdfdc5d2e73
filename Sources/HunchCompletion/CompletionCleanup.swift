import Foundation

/// Clean-up of a stopped completion: trailing whitespace, overlap with the suffix, brackets, re-typed text.
public struct CompletionCleanup {
  public var shape: CompletionShape
  /// The document's text right of the cursor (all of it).
  public var suffix: String
  /// The cursor line's text left of the cursor.
  public var linePrefix: String

  public init(shape: CompletionShape, suffix: String, linePrefix: String) {
    self.shape = shape
    self.suffix = suffix
    self.linePrefix = linePrefix
  }

  var rightText: String {
    String(suffix.prefix { $0 != "\n" })
  }

  /// Removes trailing whitespace on every line and at the end (leading newlines of a block are kept).
  public static func stripTrailingWhitespace(_ text: String) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      StopRules.trimmingTrailingWhitespace(String($0))
    }
    while lines.count > 1, let last = lines.last, last.isEmpty { lines.removeLast() }
    return lines.joined(separator: "\n")
  }

  /// Drops the end of `text` that the suffix already starts with, when that does not unbalance brackets.
  public func trimmingSuffixOverlap(_ text: String) -> String {
    let limit = min(text.count, suffix.count, 400)
    guard limit > 0 else { return text }
    let before = BracketBalance.imbalance(text)
    for length in stride(from: limit, through: 1, by: -1) {
      let overlap = suffix.prefix(length)
      guard text.hasSuffix(overlap), !overlap.allSatisfy(\.isWhitespace) else { continue }
      let kept = String(text.dropLast(length))
      if BracketBalance.imbalance(kept) <= before { return kept }
    }
    return text
  }

  /// Closes brackets the completion opened and the suffix does not close: `(` and `[` at the end of the text, `{` on
  /// a line of its own at the opener line's indentation.
  public func balancingBrackets(_ text: String) -> String {
    var open = BracketBalance.unclosedOpeners(in: text)
    guard !open.isEmpty else { return text }
    // An opener ending the text starts a construct continued on the next lines (`{` of a body, `(` of arguments).
    if let last = text.last(where: { !$0.isWhitespace }), "([{".contains(last) { return text }
    // The suffix's own unmatched closers (nearest first) close the completion's innermost openers.
    let suffixHead: String
    if shape.isBlock {
      suffixHead = String(suffix.prefix(2000))
    } else {
      // The rest of the line and a few lines more: a statement may continue below.
      suffixHead = suffix.split(separator: "\n", omittingEmptySubsequences: false).prefix(4).joined(separator: "\n")
    }
    var suffixClosers = BracketBalance.unmatchedClosers(in: suffixHead)
    if case .block(_, true) = shape, let first = suffixClosers.firstIndex(of: "}") {
      // That closer ends the enclosing block, not what the completion opened.
      suffixClosers.remove(at: first)
    }
    // The suffix's closers first close what the cursor line opened before the completion was inserted.
    suffixClosers.removeFirst(min(BracketBalance.unclosedOpeners(in: linePrefix).count, suffixClosers.count))
    for closer in suffixClosers {
      guard let last = open.last, BracketBalance.pairs[last] == closer else { break }
      open.removeLast()
    }
    var result = text
    let lines = (linePrefix + text).split(separator: "\n", omittingEmptySubsequences: false)
    for opener in open.reversed() {
      guard let closer = BracketBalance.pairs[opener] else { continue }
      if opener == "{" && text.contains("\n") {
        let openerLine = lines.last { $0.contains("{") } ?? ""
        let indent = String(openerLine.prefix { $0 == " " || $0 == "\t" })
        result += "\n" + indent + String(closer)
      } else {
        result.append(closer)
      }
    }
    return result
  }

  /// True when the completion only re-types what follows the cursor.
  public func retypesExistingText(_ text: String) -> Bool {
    let typed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    if typed.isEmpty { return true }
    let following = suffix.drop { $0.isWhitespace }
    let normalizedTyped = ExtraContextSelector.normalized(typed)
    let normalizedFollowing = ExtraContextSelector.normalized(String(following.prefix(typed.count * 2 + 64)))
    return normalizedFollowing.hasPrefix(normalizedTyped)
  }

  /// A block inserted before a closer on the cursor line (`{|}`) must end on a line of its own.
  func closingLineBreak(_ text: String) -> String {
    guard case .block(let headerIndent, _) = shape, text.contains("\n") else { return text }
    let right = rightText.trimmingCharacters(in: .whitespaces)
    guard let first = right.first, "})]".contains(first) else { return text }
    return text + "\n" + String(repeating: " ", count: max(headerIndent, 0))
  }

  /// Cleaned candidates, preferred first (duplicates removed). An empty list means: offer nothing.
  /// `truncated`: the generation hit its token limit, so the last line is probably unfinished.
  public func candidates(for raw: String, truncated: Bool = false) -> [String] {
    let stripped = Self.stripTrailingWhitespace(raw)
    let trimmed = trimmingSuffixOverlap(stripped)
    var options = [balancingBrackets(trimmed), trimmed]
    if stripped != trimmed { options.append(balancingBrackets(stripped)) }
    if shape.isBlock, let lastBreak = trimmed.lastIndex(of: "\n"), lastBreak != trimmed.startIndex {
      // Without the last line, in case the model stopped mid-statement; first choice when it was cut off.
      let withoutLastLine = balancingBrackets(Self.stripTrailingWhitespace(String(trimmed[..<lastBreak])))
      if truncated { options.insert(withoutLastLine, at: 0) } else { options.append(withoutLastLine) }
    }
    var unique: [String] = []
    for option in options.map(closingLineBreak) where !unique.contains(option) && !retypesExistingText(option) {
      unique.append(option)
    }
    return unique
  }
}
