/// Why a grammar, a parse or a query could not be used. None of these is fatal: callers fall back to plain text.
public struct SyntaxError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Code: String, Sendable {
    /// The grammars folder does not exist (run scripts/setup-grammars.sh).
    case grammarsFolderMissing
    /// A manifest line could not be understood.
    case manifestInvalid
    /// No grammar of that name is listed.
    case unknownLanguage
    /// The grammar's library file is not in the grammars folder.
    case libraryMissing
    /// dlopen refused the library.
    case libraryLoadFailed
    /// The library does not export the grammar's symbol.
    case symbolMissing
    /// The grammar's language ABI is outside what the linked libtree-sitter accepts.
    case incompatibleABI
    /// ts_parser_set_language returned false.
    case languageRejected
    /// The text is larger than the parse cap.
    case inputTooLarge
    /// The parse took longer than the time limit.
    case parseTimedOut
    /// ts_parser_parse returned no tree for another reason.
    case parseFailed
    /// An edit's byte range is outside the text.
    case invalidEdit
    /// The query source is not valid for this grammar.
    case queryInvalid
    /// No query file of that kind exists for the language.
    case queryMissing
  }

  public let code: Code
  public let message: String
  /// What went wrong underneath (dlerror text, the offending query fragment), when there is something to add.
  public let cause: String?

  public init(_ code: Code, _ message: String, cause: String? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    guard let cause, !cause.isEmpty else { return message }
    return "\(message)\n  cause: \(cause)"
  }
}
