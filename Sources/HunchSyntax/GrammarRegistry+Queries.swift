import Foundation

/// Query files shipped per language: `<query directory>/<language>/<kind>.scm`, e.g. queries/python/tags.scm.
extension GrammarRegistry {
  /// Kinds of query file the project ships.
  public enum QueryKind: String, Sendable {
    /// Definitions (`@definition.*` with `@name`).
    case tags
  }

  /// The first query file of that kind for the language, searching `queryDirectories` in order.
  public func queryFile(_ kind: QueryKind, language: String) -> URL? {
    queryDirectories.lazy
      .map { $0.appendingPathComponent(language, isDirectory: true).appendingPathComponent(kind.rawValue + ".scm") }
      .first { FileManager.default.fileExists(atPath: $0.path) }
  }

  /// The compiled query of that kind for the grammar (compiled once, failures cached too).
  public func query(_ kind: QueryKind, for grammar: Grammar) throws(SyntaxError) -> SyntaxQuery {
    let key = grammar.name + "/" + kind.rawValue
    if let cached = withLock({ queries[key] }) { return try cached.get() }
    let result: Result<SyntaxQuery, SyntaxError>
    if let url = queryFile(kind, language: grammar.name) {
      if let source = try? String(contentsOf: url, encoding: .utf8) {
        do { result = .success(try SyntaxQuery(grammar: grammar, source: source)) } catch {
          result = .failure(SyntaxError(error.code, "\(url.path): \(error.message)", cause: error.cause))
        }
      } else {
        result = .failure(SyntaxError(.queryMissing, "cannot read \(url.path) as UTF-8 text"))
      }
    } else {
      let searched = queryDirectories.map(\.path).joined(separator: ", ")
      result = .failure(SyntaxError(.queryMissing, "no \(kind.rawValue).scm for \(grammar.name) in \(searched)"))
    }
    withLock { queries[key] = result }
    return try result.get()
  }
}
