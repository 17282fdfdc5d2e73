import CTreeSitter

/// A grammar loaded from its library and checked against the linked libtree-sitter's ABI range.
/// Immutable once made; the TSLanguage it points to is static data inside a library that is never unloaded.
public final class Grammar: @unchecked Sendable {
  public let entry: GrammarEntry
  /// The grammar's language ABI version (ts_language_version).
  public let abiVersion: Int
  /// The library's full path.
  public let libraryPath: String
  let language: OpaquePointer

  init(entry: GrammarEntry, libraryPath: String, language: OpaquePointer) {
    self.entry = entry
    self.libraryPath = libraryPath
    self.language = language
    self.abiVersion = Int(ts_language_version(language))
  }

  public var name: String { entry.name }

  /// Language ABI versions the linked libtree-sitter accepts.
  public static let supportedABIVersions: ClosedRange<Int> =
    Int(TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION)...Int(TREE_SITTER_LANGUAGE_VERSION)

  /// Number of node kinds (named and anonymous) the grammar defines.
  public var symbolCount: Int { Int(ts_language_symbol_count(language)) }
}
