/// The open documents, keyed by URI, in the encoding negotiated at initialize.
public struct DocumentStore: Sendable {
  public var encoding: PositionEncodingKind
  private var documents: [DocumentURI: TextDocument] = [:]
  /// When each document was last opened or edited (a counter), to offer the most recent ones as context first.
  private var lastTouched: [DocumentURI: Int] = [:]
  private var clock = 0

  public init(encoding: PositionEncodingKind = .utf16) {
    self.encoding = encoding
  }

  public var openDocumentCount: Int { documents.count }

  public subscript(uri: DocumentURI) -> TextDocument? { documents[uri] }

  public mutating func open(_ item: TextDocumentItem) {
    documents[item.uri] = TextDocument(
      uri: item.uri, languageID: item.languageId, version: item.version, text: item.text)
    touch(item.uri)
  }

  private mutating func touch(_ uri: DocumentURI) {
    clock += 1
    lastTouched[uri] = clock
  }

  /// Up to `limit` open documents other than `uri`, most recently edited first, skipping any larger than
  /// `maximumBytes` (generated or minified files make poor context and cost time).
  public func recentDocuments(otherThan uri: DocumentURI, limit: Int, maximumBytes: Int = 512 * 1024)
    -> [TextDocument]
  {
    documents.values
      .filter { $0.uri != uri && $0.text.utf8.count <= maximumBytes }
      .sorted { (lastTouched[$0.uri] ?? 0) > (lastTouched[$1.uri] ?? 0) }
      .prefix(limit).map { $0 }
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
    touch(identifier.uri)
  }

  public mutating func close(_ uri: DocumentURI) throws(TextDocumentError) {
    guard documents.removeValue(forKey: uri) != nil else {
      throw TextDocumentError(.notOpen, "\(uri) is not open")
    }
    lastTouched[uri] = nil
  }
}
