/// The client opened a document; from now on its content is what the client sends, not what is on disk.
public struct DidOpenTextDocumentNotification: NotificationType, Hashable {
  public static let method = "textDocument/didOpen"
  public var textDocument: TextDocumentItem
  public init(textDocument: TextDocumentItem) { self.textDocument = textDocument }
}
