import Foundation

/// Why an edit or a position could not be used.
public struct TextDocumentError: Error, Equatable, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable {
    case notOpen
    case lineOutOfRange
    case invertedRange
  }

  public let code: Code
  public let message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code.rawValue): \(message)" }
}

/// An open document: its UTF-8 bytes and where each line starts, so positions in any encoding map to byte offsets
/// without rescanning the text.
public struct TextDocument: Sendable {
  public let uri: DocumentURI
  public var languageID: String
  public var version: Int
  /// 0-based line ranges edited recently (incremental changes), most recent first.
  public private(set) var recentEdits: [Swift.Range<Int>] = []
  public private(set) var bytes: [UInt8]
  /// Byte offset of the first byte of each line; line breaks are "\n", "\r\n" and "\r", as in the LSP.
  public private(set) var lineStarts: [Int]

  public init(uri: DocumentURI, languageID: String, version: Int, text: String) {
    self.uri = uri
    self.languageID = languageID
    self.version = version
    self.bytes = Array(text.utf8)
    self.lineStarts = Self.lineStarts(of: bytes)
  }

  public var text: String { String(decoding: bytes, as: UTF8.self) }
  public var lineCount: Int { lineStarts.count }

  /// Byte offset just past the last character of `line`, before its line break.
  public func lineContentEnd(_ line: Int) -> Int {
    guard line + 1 < lineStarts.count else { return bytes.count }
    var end = lineStarts[line + 1]
    if end > lineStarts[line], bytes[end - 1] == 0x0A { end -= 1 }
    if end > lineStarts[line], bytes[end - 1] == 0x0D { end -= 1 }
    return end
  }

  /// The byte offset of a position. A character past the line's end means the line's end (the LSP says so); one
  /// inside a character (half a surrogate pair, the middle of a UTF-8 sequence) means that character's start.
  /// A line past the document's end is an error, or the document's end when `clampingLines`.
  public func offset(
    of position: Position, encoding: PositionEncodingKind, clampingLines: Bool = false
  ) throws(TextDocumentError) -> Int {
    guard position.line >= 0 else {
      if clampingLines { return 0 }
      throw TextDocumentError(.lineOutOfRange, "line \(position.line) is negative")
    }
    guard position.line < lineStarts.count else {
      if clampingLines { return bytes.count }
      throw TextDocumentError(.lineOutOfRange, "line \(position.line) is past the last line \(lineStarts.count - 1)")
    }
    let lineStart = lineStarts[position.line]
    let lineEnd = lineContentEnd(position.line)
    let wanted = max(0, position.character)
    if encoding == .utf8 {
      // Clamped before adding: a client may send Int.max, and lineStart + Int.max overflows.
      var offset = lineStart + min(wanted, lineEnd - lineStart)
      while offset > lineStart, offset < bytes.count, Self.isContinuationByte(bytes[offset]) { offset -= 1 }
      return offset
    }
    var offset = lineStart
    var units = 0
    while offset < lineEnd {
      let scalarLength = Self.scalarLength(leadByte: bytes[offset])
      let scalarUnits = encoding == .utf32 ? 1 : (scalarLength == 4 ? 2 : 1)
      if units + scalarUnits > wanted { break }
      units += scalarUnits
      offset += scalarLength
    }
    return min(offset, lineEnd)
  }

  /// The position of a byte offset (clamped to the document).
  public func position(ofOffset rawOffset: Int, encoding: PositionEncodingKind) -> Position {
    let offset = min(max(0, rawOffset), bytes.count)
    let line = lineIndex(containing: offset)
    let lineStart = lineStarts[line]
    return Position(line: line, character: Self.units(in: bytes[lineStart..<offset], encoding: encoding))
  }

  /// The line whose span (including its break) contains `offset`.
  public func lineIndex(containing offset: Int) -> Int {
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// Applies one change from `didChange`. On error the document is left as it was.
  public mutating func apply(
    _ change: TextDocumentContentChangeEvent, encoding: PositionEncodingKind
  ) throws(TextDocumentError) {
    guard let range = change.range else {
      bytes = Array(change.text.utf8)
      lineStarts = Self.lineStarts(of: bytes)
      // A whole-text replacement says nothing about where the user is working.
      recentEdits = []
      return
    }
    let start = try offset(of: range.start, encoding: encoding)
    let end = try offset(of: range.end, encoding: encoding)
    guard start <= end else {
      throw TextDocumentError(.invertedRange, "range end \(range.end) is before its start \(range.start)")
    }
    replace(start..<end, with: Array(change.text.utf8))
  }

  /// Replaces a byte range. The bounds must lie on character boundaries.
  public mutating func replace(_ range: Swift.Range<Int>, with newBytes: [UInt8]) {
    let firstLine = lineIndex(containing: range.lowerBound)
    let removedBreaks = lineIndex(containing: range.upperBound) - firstLine
    bytes.replaceSubrange(range, with: newBytes)
    // Rescanning is one memchr pass; cheap enough even for large files, and leaves no "\r\n"-straddling cases.
    lineStarts = Self.lineStarts(of: bytes)
    noteEdit(firstLine: firstLine, lastLine: lineIndex(containing: range.lowerBound + newBytes.count), removedBreaks)
  }

  /// Most edits a document remembers as recent.
  static let recentEditLimit = 8

  /// Records lines `firstLine...lastLine` as just edited (merging with an overlapping or adjacent recent edit) and
  /// moves the older edits below it by the lines the edit added or removed.
  private mutating func noteEdit(firstLine: Int, lastLine: Int, _ removedBreaks: Int) {
    let shift = (lastLine - firstLine) - removedBreaks
    var edited = firstLine..<(lastLine + 1)
    var kept: [Swift.Range<Int>] = []
    for old in recentEdits {
      var moved = old
      if old.lowerBound > firstLine {
        moved = max(firstLine, old.lowerBound + shift)..<max(firstLine + 1, old.upperBound + shift)
      }
      if moved.overlaps(edited) || moved.upperBound == edited.lowerBound || moved.lowerBound == edited.upperBound {
        edited = min(moved.lowerBound, edited.lowerBound)..<max(moved.upperBound, edited.upperBound)
      } else {
        kept.append(moved)
      }
    }
    recentEdits = Array(([edited] + kept).prefix(Self.recentEditLimit))
  }

  static func lineStarts(of bytes: [UInt8]) -> [Int] {
    var starts = [0]
    bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress, buffer.count > 0 else { return }
      let hasCarriageReturn = memchr(base, 0x0D, buffer.count) != nil
      if !hasCarriageReturn {
        var offset = 0
        while offset < buffer.count, let found = memchr(base + offset, 0x0A, buffer.count - offset) {
          offset = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
          starts.append(offset)
        }
        return
      }
      var index = 0
      while index < buffer.count {
        let byte = buffer[index]
        if byte == 0x0A {
          starts.append(index + 1)
        } else if byte == 0x0D {
          if index + 1 < buffer.count, buffer[index + 1] == 0x0A { index += 1 }
          starts.append(index + 1)
        }
        index += 1
      }
    }
    return starts
  }

  static func units(in slice: ArraySlice<UInt8>, encoding: PositionEncodingKind) -> Int {
    if encoding == .utf8 { return slice.count }
    var units = 0
    for byte in slice where !isContinuationByte(byte) {
      units += encoding == .utf16 && byte >= 0xF0 ? 2 : 1
    }
    return units
  }

  static func isContinuationByte(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

  static func scalarLength(leadByte: UInt8) -> Int {
    switch leadByte {
    case 0..<0x80: return 1
    case 0xC0..<0xE0: return 2
    case 0xE0..<0xF0: return 3
    case 0xF0...: return 4
    default: return 1  // a stray continuation byte: step over it rather than loop
    }
  }
}
