/// A document's URI, as the client wrote it (compared as text).
public typealias DocumentURI = String

/// A place in a document: 0-based line, and character offset counted in the negotiated position encoding.
public struct Position: Codable, Hashable, Sendable, CustomStringConvertible {
  public var line: Int
  public var character: Int

  public init(line: Int, character: Int) {
    self.line = line
    self.character = character
  }

  public var description: String { "\(line):\(character)" }
}

/// A span between two positions; `end` is exclusive.
public struct Range: Codable, Hashable, Sendable {
  public var start: Position
  public var end: Position

  public init(start: Position, end: Position) {
    self.start = start
    self.end = end
  }
}

public struct TextDocumentIdentifier: Codable, Hashable, Sendable {
  public var uri: DocumentURI
  public init(uri: DocumentURI) { self.uri = uri }
}

public struct VersionedTextDocumentIdentifier: Codable, Hashable, Sendable {
  public var uri: DocumentURI
  public var version: Int
  public init(uri: DocumentURI, version: Int) {
    self.uri = uri
    self.version = version
  }
}

public struct TextDocumentItem: Codable, Hashable, Sendable {
  public var uri: DocumentURI
  public var languageId: String
  public var version: Int
  public var text: String

  public init(uri: DocumentURI, languageId: String, version: Int, text: String) {
    self.uri = uri
    self.languageId = languageId
    self.version = version
    self.text = text
  }
}

public struct TextEdit: Codable, Hashable, Sendable {
  public var range: Range
  public var newText: String
  public init(range: Range, newText: String) {
    self.range = range
    self.newText = newText
  }
}

public struct MarkupContent: Codable, Hashable, Sendable {
  public var kind: String
  public var value: String
  public init(kind: String, value: String) {
    self.kind = kind
    self.value = value
  }
  public static func markdown(_ value: String) -> MarkupContent { MarkupContent(kind: "markdown", value: value) }
}

/// How `Position.character` counts: UTF-8 bytes, UTF-16 code units (the LSP default) or Unicode scalars.
public struct PositionEncodingKind: RawRepresentable, Codable, Hashable, Sendable {
  public var rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }

  public static let utf8 = PositionEncodingKind(rawValue: "utf-8")
  public static let utf16 = PositionEncodingKind(rawValue: "utf-16")
  public static let utf32 = PositionEncodingKind(rawValue: "utf-32")
}
