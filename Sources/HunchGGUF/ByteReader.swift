/// A cursor over untrusted bytes: every read is checked against the bytes left.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  private(set) var offset: Int

  init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
    self.bytes = bytes
    self.offset = offset
  }

  var remaining: Int { bytes.count - offset }

  mutating func require(_ count: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
    guard count >= 0, count <= remaining else {
      throw GGUFError(.truncated, "file ends inside \(what()): needs \(count) bytes, \(remaining) left", offset: offset)
    }
  }

  mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
    try require(MemoryLayout<T>.size, what())
    let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
    offset += MemoryLayout<T>.size
    return T(littleEndian: value)
  }

  mutating func readFloat(_ what: @autoclosure () -> String) throws(GGUFError) -> Float {
    Float(bitPattern: try read(UInt32.self, what()))
  }

  mutating func readDouble(_ what: @autoclosure () -> String) throws(GGUFError) -> Double {
    Double(bitPattern: try read(UInt64.self, what()))
  }

  /// A length-prefixed string (u64 length, then UTF-8 bytes).
  mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
    let start = offset
    let length = try read(UInt64.self, "the length of \(what())")
    guard length <= UInt64(remaining) else {
      throw GGUFError(
        .truncated, "\(what()) claims \(length) bytes but only \(remaining) are left in the file", offset: start)
    }
    let count = Int(length)
    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    offset += count
    // Token texts in real vocabularies are UTF-8; anything else is repaired rather than trusted.
    return String(decoding: slice, as: UTF8.self)
  }

  /// A length-prefixed string that must be valid UTF-8 (keys and tensor names).
  mutating func readStrictString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
    let start = offset
    let length = try read(UInt64.self, "the length of \(what())")
    guard length <= UInt64(remaining) else {
      throw GGUFError(
        .truncated, "\(what()) claims \(length) bytes but only \(remaining) are left in the file", offset: start)
    }
    let count = Int(length)
    let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    guard let text = String(validating: slice, as: UTF8.self) else {
      throw GGUFError(.invalidString, "\(what()) is not valid UTF-8", offset: start)
    }
    offset += count
    return text
  }

  mutating func skip(to newOffset: Int, _ what: @autoclosure () -> String) throws(GGUFError) {
    try require(newOffset - offset, what())
    offset = newOffset
  }
}
