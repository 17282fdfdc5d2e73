import HunchSettings

/// Produces the text to insert at a cursor. The language server calls it one request at a time and trips the
/// token when the answer is no longer wanted (the user typed on, or the client cancelled); a provider should check
/// `cancellation.isCancelled` between tokens and stop early.
public protocol CompletionProvider: Sendable {
  /// A suggestion for `request`, or nil when there is nothing worth showing.
  func complete(_ request: CompletionContextRequest, cancellation: CancellationToken) async throws
    -> CompletionSuggestion?

  /// Gets ready to answer (loads the model). The server calls it after `initialized`, and again after settings that
  /// answered true from `apply`, showing progress meanwhile. The error's description is shown to the user, so it
  /// should say how to fix the problem.
  func prepare() async throws

  /// The settings changed (all sources merged). Returns true when the provider must be prepared again, e.g. because
  /// the model changed.
  func apply(settings: HunchSettings) async -> Bool

  /// Facts for the `hunch.status` command: the model, its counters.
  func statusDetails() async -> JSONValue
}

extension CompletionProvider {
  public func prepare() async throws {}
  public func apply(settings: HunchSettings) async -> Bool { false }
  public func statusDetails() async -> JSONValue { .object([:]) }
}

/// Another open document, offered to the provider as extra context (definitions, recent edits).
public struct ContextDocument: Sendable, Equatable {
  public var uri: DocumentURI
  public var languageID: String
  public var text: String
  /// 0-based line ranges edited recently, most recent first.
  public var recentEdits: [Swift.Range<Int>]

  public init(uri: DocumentURI, languageID: String, text: String, recentEdits: [Swift.Range<Int>] = []) {
    self.uri = uri
    self.languageID = languageID
    self.text = text
    self.recentEdits = recentEdits
  }
}

/// Everything a provider gets to know about one completion request.
public struct CompletionContextRequest: Sendable, Equatable {
  /// How the client asked.
  public enum Trigger: Sendable, Equatable {
    /// The user asked explicitly (a key binding, the popup's "invoke").
    case invoked
    /// The editor asked by itself while the user typed.
    case automatic
    /// The user typed one of the advertised trigger characters.
    case character(String)
  }

  public var documentURI: DocumentURI
  /// The client's language id ("swift", "python", …).
  public var languageID: String
  public var documentVersion: Int
  /// The whole document as the server holds it when the request arrived.
  public var text: String
  /// The cursor as a UTF-8 byte offset into `text`.
  public var cursorOffset: Int
  /// The cursor's 0-based line.
  public var cursorLine: Int
  /// The cursor's column on its line, in UTF-8 bytes.
  public var cursorColumn: Int
  /// True for `textDocument/inlineCompletion` (ghost text), false for `textDocument/completion` (the popup).
  public var isInline: Bool
  public var trigger: Trigger
  /// The other open documents, most recently edited first.
  public var otherDocuments: [ContextDocument]

  public init(
    documentURI: DocumentURI, languageID: String, documentVersion: Int, text: String, cursorOffset: Int,
    cursorLine: Int, cursorColumn: Int, isInline: Bool, trigger: Trigger, otherDocuments: [ContextDocument] = []
  ) {
    self.otherDocuments = otherDocuments
    self.documentURI = documentURI
    self.languageID = languageID
    self.documentVersion = documentVersion
    self.text = text
    self.cursorOffset = cursorOffset
    self.cursorLine = cursorLine
    self.cursorColumn = cursorColumn
    self.isInline = isInline
    self.trigger = trigger
  }

  /// The text before the cursor.
  public var prefix: Substring { Substring(text.utf8.prefix(cursorOffset)) }
  /// The text after the cursor.
  public var suffix: Substring { Substring(text.utf8.dropFirst(cursorOffset)) }
}

/// What to put into the document: `text` replaces the bytes `replacedRange` of the request's text.
/// For a plain insertion at the cursor the range is empty and sits at the cursor.
public struct CompletionSuggestion: Sendable, Equatable {
  public var text: String
  /// UTF-8 byte offsets into `CompletionContextRequest.text`; must contain the cursor.
  public var replacedRange: Swift.Range<Int>

  public init(text: String, replacing replacedRange: Swift.Range<Int>) {
    self.text = text
    self.replacedRange = replacedRange
  }

  /// Inserts `text` at `offset`, replacing nothing.
  public static func insertion(_ text: String, at offset: Int) -> CompletionSuggestion {
    CompletionSuggestion(text: text, replacing: offset..<offset)
  }
}

/// Used until a model is wired in: never suggests anything, so editors get well-formed empty answers.
public struct NoModelCompletionProvider: CompletionProvider {
  public init() {}

  public func complete(_ request: CompletionContextRequest, cancellation: CancellationToken) async throws
    -> CompletionSuggestion?
  {
    nil
  }
}
