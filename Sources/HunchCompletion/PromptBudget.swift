import Foundation

/// Cuts the prefix and the suffix to token budgets at line boundaries, never mid-line.
public struct PromptBudget {
  /// Counts the tokens of a piece of text (the model's tokenizer).
  public var countTokens: (String) -> Int

  public init(countTokens: @escaping (String) -> Int) {
    self.countTokens = countTokens
  }

  /// Which of the full lines above the cursor to keep (`lines[i]` is line `i`, without its newline), given
  /// `budget` tokens for them plus `currentLinePrefix`, the cursor line's text left of the cursor, which is always kept.
  /// When they do not all fit: the headers of the enclosing scopes (innermost first) and then the import lines are
  /// kept wherever they are, and the rest of the budget goes to the lines nearest the cursor, so bodies far from the
  /// cursor go first.
  /// With `anchorLines` > 1, when the prefix has to be cut, the first line of the window kept above the cursor is
  /// moved down to a multiple of `anchorLines`: the window's start then stays put while lines are typed, so the
  /// cached prompt keeps matching (it moves once every `anchorLines` lines instead of with every Enter).
  public func keptPrefixLines(
    lines: [String], currentLinePrefix: String, budget: Int, scopeHeaderLines: [Int], importLines: [Int],
    anchorLines: Int = 1
  ) -> [Int] {
    let costs = lines.map { countTokens($0 + "\n") }
    var remaining = budget - countTokens(currentLinePrefix)
    if costs.reduce(0, +) <= remaining { return Array(lines.indices) }
    var kept = Set<Int>()
    for line in scopeHeaderLines + importLines where lines.indices.contains(line) && !kept.contains(line) {
      if costs[line] <= remaining {
        kept.insert(line)
        remaining -= costs[line]
      }
    }
    let pinned = kept
    var line = lines.count - 1
    while line >= 0 {
      if !kept.contains(line) {
        guard costs[line] <= remaining else { break }
        kept.insert(line)
        remaining -= costs[line]
      }
      line -= 1
    }
    if line >= 0 && anchorLines > 1 {
      let windowStart = line + 1
      let anchored = min(lines.count, (windowStart + anchorLines - 1) / anchorLines * anchorLines)
      for dropped in windowStart..<anchored where !pinned.contains(dropped) { kept.remove(dropped) }
    }
    return kept.sorted()
  }

  /// How many of the lines below the cursor line to keep: `rightOfCursor` is always kept, then whole lines while
  /// they fit, so the suffix is cut from its far end.
  public func keptSuffixLineCount(rightOfCursor: String, linesBelow: [String], budget: Int) -> Int {
    var remaining = budget - countTokens(rightOfCursor)
    var count = 0
    for line in linesBelow {
      let cost = countTokens("\n" + line)
      guard cost <= remaining else { break }
      remaining -= cost
      count += 1
    }
    return count
  }
}
