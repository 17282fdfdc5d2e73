import Foundation

/// Choosing a grammar for a document from its LSP languageId or its file extension.
extension GrammarRegistry {
  /// The entry listing this LSP languageId (or named exactly so).
  public func entry(forLanguageId languageId: String) -> GrammarEntry? {
    let id = languageId.lowercased()
    return entries.first { $0.languageIds.contains(id) } ?? entries.first { $0.name == id }
  }

  /// The entry listing this file extension (without the dot; case-insensitive).
  public func entry(forFileExtension fileExtension: String) -> GrammarEntry? {
    let wanted = fileExtension.lowercased()
    guard !wanted.isEmpty else { return nil }
    return entries.first { $0.fileExtensions.contains(wanted) }
  }

  /// The entry for a path or file URI, by its extension.
  public func entry(forPath path: String) -> GrammarEntry? {
    let fileName = path.split(separator: "/").last.map(String.init) ?? path
    guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else { return nil }
    return entry(forFileExtension: String(fileName[fileName.index(after: dot)...]))
  }

  /// The languageId wins when it names a known grammar; otherwise the path's extension decides.
  public func detect(path: String?, languageId: String?) -> GrammarEntry? {
    if let languageId, let entry = entry(forLanguageId: languageId) { return entry }
    if let path { return entry(forPath: path) }
    return nil
  }

  /// The loaded grammar for a document, or nil for plain text (unknown language, or its grammar failed to load).
  public func grammar(forPath path: String?, languageId: String?) -> Grammar? {
    guard let entry = detect(path: path, languageId: languageId) else { return nil }
    return try? grammar(named: entry.name)
  }
}
