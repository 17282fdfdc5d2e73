/// Converting between byte offsets, tree-sitter points and LSP positions (line + UTF-16 column).
extension SyntaxDocument {
  static func lineStarts(of bytes: [UInt8]) -> [Int] {
    var starts = [0]
    bytes.withUnsafeBufferPointer { buffer in
      for offset in 0..<buffer.count where buffer[offset] == UInt8(ascii: "\n") { starts.append(offset + 1) }
    }
    return starts
  }

  /// Keeps `lineStarts` in step with an edit without rescanning the text; call before changing `utf8`.
  func updateLineStarts(replacing range: Range<Int>, with inserted: [UInt8]) {
    // Line starts in (lower, upper] came from newlines inside the replaced bytes; later ones shift by the size change.
    let firstAffected = lineIndex(containing: range.lowerBound) + 1
    let lastRemoved = lineIndex(containing: range.upperBound)
    let added = Self.lineStarts(of: inserted).dropFirst().map { $0 + range.lowerBound }
    let removal = firstAffected..<max(firstAffected, lastRemoved + 1)
    lineStarts.replaceSubrange(removal, with: added)
    let delta = inserted.count - range.count
    if delta != 0 {
      for index in (firstAffected + added.count)..<lineStarts.count { lineStarts[index] += delta }
    }
  }

  /// Where the cursor lands after writing `bytes` starting at `start`.
  static func point(after bytes: [UInt8], from start: SyntaxPoint) -> SyntaxPoint {
    guard let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else {
      return SyntaxPoint(row: start.row, column: start.column + bytes.count)
    }
    let newlines = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    return SyntaxPoint(row: start.row + newlines, column: bytes.count - lastNewline - 1)
  }

  /// Row and byte column of a byte offset (clamped to the text).
  public func point(forByteOffset byteOffset: Int) -> SyntaxPoint {
    let offset = min(max(byteOffset, 0), utf8.count)
    let row = lineIndex(containing: offset)
    return SyntaxPoint(row: row, column: offset - lineStarts[row])
  }

  /// Byte offset of a point; rows and columns past the end are clamped to the end of the text / line.
  public func byteOffset(for point: SyntaxPoint) -> Int {
    guard point.row >= 0 else { return 0 }
    guard point.row < lineStarts.count else { return utf8.count }
    let start = lineStarts[point.row]
    return min(start + max(point.column, 0), lineContentEnd(row: point.row))
  }

  /// Byte offset of an LSP position: `line` zero-based, `utf16Column` in UTF-16 code units. A column past the end of
  /// the line means the end of the line, as the LSP specification says.
  public func byteOffset(line: Int, utf16Column: Int) -> Int {
    guard line >= 0 else { return 0 }
    guard line < lineStarts.count else { return utf8.count }
    let end = lineContentEnd(row: line)
    var offset = lineStarts[line]
    var units = 0
    while offset < end, units < utf16Column {
      let lead = utf8[offset]
      let width: Int
      switch lead {
      case 0..<0x80: width = 1
      case 0xC0..<0xE0: width = 2
      case 0xE0..<0xF0: width = 3
      case 0xF0..<0xF8: width = 4
      default: width = 1  // a stray continuation byte counts as one unit, like a replacement character
      }
      units += width == 4 ? 2 : 1
      offset = min(offset + width, end)
    }
    return offset
  }

  /// Offset of the end of the row's content: before its "\n" (and a "\r" preceding it), or the end of the text.
  private func lineContentEnd(row: Int) -> Int {
    var end = row + 1 < lineStarts.count ? lineStarts[row + 1] - 1 : utf8.count
    if end > lineStarts[row], utf8[end - 1] == UInt8(ascii: "\r") { end -= 1 }
    return end
  }

  private func lineIndex(containing offset: Int) -> Int {
    // Last line start <= offset.
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
    }
    return low
  }
}
