/// The open documents, keyed by URI, in the encoding negotiated at initialize.
public struct DocumentStore: Sendable {
  public var encoding: PositionEncodingKind
  private var documents: [DocumentURI: TextDocument] = [:]

  public init(encoding: PositionEncodingKind = .utf16) {
    self.encoding = encoding
  }

  public var openDocumentCount: Int { documents.count }

  public subscript(uri: DocumentURI) -> TextDocument? { documents[uri] }

  public mutating func open(_ item: TextDocumentItem) {
    documents[item.uri] = TextDocument(
      uri: item.uri, languageID: item.languageId, version: item.version, text: item.text)
  }

  /// Applies the changes in order. If one cannot be applied, none are kept: the document stays as it was.
  public mutating func change(
    _ identifier: VersionedTextDocumentIdentifier, _ changes: [TextDocumentContentChangeEvent]
  ) throws(TextDocumentError) {
    guard var document = documents[identifier.uri] else {
      throw TextDocumentError(.notOpen, "\(identifier.uri) is not open")
    }
    for change in changes {
      try document.apply(change, encoding: encoding)
    }
    document.version = identifier.version
    documents[identifier.uri] = document
  }

  public mutating func close(_ uri: DocumentURI) throws(TextDocumentError) {
    guard documents.removeValue(forKey: uri) != nil else {
      throw TextDocumentError(.notOpen, "\(uri) is not open")
    }
  }
}
