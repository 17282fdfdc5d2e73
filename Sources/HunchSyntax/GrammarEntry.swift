import Foundation

/// One grammar the grammars folder offers: how to find it and which files it is for. Loading happens later.
public struct GrammarEntry: Equatable, Sendable {
  /// Where the entry came from.
  public enum Origin: String, Sendable {
    /// manifest.tsv, written by scripts/setup-grammars.sh.
    case manifest
    /// local.tsv, the user's own additions (same columns; never rewritten by the script).
    case local
    /// A libtree-sitter-<name>.so found in the folder but listed nowhere; its symbol is guessed as tree_sitter_<name>.
    case discovered
  }

  /// Language name, e.g. "python"; also the folder name for its queries.
  public let name: String
  /// File extensions without the dot, lower-cased.
  public let fileExtensions: [String]
  /// LSP languageIds, e.g. "typescriptreact".
  public let languageIds: [String]
  /// Library file name inside the grammars folder.
  public let libraryFile: String
  /// Exported function returning the TSLanguage.
  public let symbol: String
  public let origin: Origin

  public init(
    name: String, fileExtensions: [String], languageIds: [String], libraryFile: String, symbol: String,
    origin: Origin
  ) {
    self.name = name
    self.fileExtensions = fileExtensions.map { $0.lowercased() }
    self.languageIds = languageIds
    self.libraryFile = libraryFile
    self.symbol = symbol
    self.origin = origin
  }
}

extension GrammarEntry {
  /// Parses manifest text: tab-separated `name extensions lsp_ids library symbol`, `#` comments, lists comma-separated.
  /// Bad lines are reported and skipped so one typo does not hide every grammar.
  static func parseManifest(_ text: String, origin: Origin, fileName: String) -> (
    entries: [GrammarEntry], problems: [SyntaxError]
  ) {
    var entries: [GrammarEntry] = []
    var problems: [SyntaxError] = []
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let columns = rawLine.split(separator: "\t", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      guard columns.count >= 5, !columns[0].isEmpty, !columns[3].isEmpty, !columns[4].isEmpty else {
        problems.append(
          SyntaxError(
            .manifestInvalid,
            "\(fileName) line \(index + 1): expected 5 tab-separated columns "
              + "(name, extensions, lsp_ids, library, symbol)",
            cause: line))
        continue
      }
      guard !columns[3].contains("/") else {
        problems.append(
          SyntaxError(
            .manifestInvalid, "\(fileName) line \(index + 1): the library must be a file name in the grammars folder",
            cause: line))
        continue
      }
      func list(_ column: String) -> [String] { column.split(separator: ",").map { String($0) }.filter { !$0.isEmpty } }
      entries.append(
        GrammarEntry(
          name: columns[0], fileExtensions: list(columns[1]), languageIds: list(columns[2]), libraryFile: columns[3],
          symbol: columns[4], origin: origin))
    }
    return (entries, problems)
  }
}
