/// Edits to an open document, applied in order.
public struct DidChangeTextDocumentNotification: NotificationType, Hashable {
  public static let method = "textDocument/didChange"
  public var textDocument: VersionedTextDocumentIdentifier
  public var contentChanges: [TextDocumentContentChangeEvent]

  public init(textDocument: VersionedTextDocumentIdentifier, contentChanges: [TextDocumentContentChangeEvent]) {
    self.textDocument = textDocument
    self.contentChanges = contentChanges
  }
}

/// One change: with a range it replaces that range; without, it replaces the whole document.
public struct TextDocumentContentChangeEvent: Codable, Hashable, Sendable {
  public var range: Range?
  public var text: String

  public init(range: Range? = nil, text: String) {
    self.range = range
    self.text = text
  }
}
