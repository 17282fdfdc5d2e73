/// Ghost text at the cursor (LSP 3.18).
public struct InlineCompletionRequest: RequestType, Hashable {
  public static let method = "textDocument/inlineCompletion"
  public typealias Response = InlineCompletionList

  public struct Context: Codable, Hashable, Sendable {
    /// 1 invoked, 2 automatic.
    public var triggerKind: Int
    public init(triggerKind: Int) { self.triggerKind = triggerKind }
  }

  public var textDocument: TextDocumentIdentifier
  public var position: Position
  public var context: Context?

  public init(textDocument: TextDocumentIdentifier, position: Position, context: Context? = nil) {
    self.textDocument = textDocument
    self.position = position
    self.context = context
  }
}

public struct InlineCompletionList: Codable, Hashable, Sendable {
  public var items: [InlineCompletionItem]
  public init(items: [InlineCompletionItem]) { self.items = items }
}

public struct InlineCompletionItem: Codable, Hashable, Sendable {
  public var insertText: String
  public var filterText: String?
  public var range: Range?

  public init(insertText: String, filterText: String? = nil, range: Range? = nil) {
    self.insertText = insertText
    self.filterText = filterText
    self.range = range
  }
}
