/// GPT-2's reversible map between bytes and printable code points, used to spell byte-level BPE tokens as text.
///
/// Bytes that are printable Latin-1 (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the other 68 bytes are
/// spelled, in byte order, by the code points U+0100, U+0101, … so that every token text is visible characters.
enum ByteLevel {
  /// The code point that spells each byte. (256)
  static let scalarForByte: [UInt32] = {
    var table = [UInt32](repeating: 0, count: 256)
    var next: UInt32 = 256
    for byte in 0..<256 {
      if standsForItself(UInt8(byte)) {
        table[byte] = UInt32(byte)
      } else {
        table[byte] = next
        next += 1
      }
    }
    return table
  }()

  /// The byte each spelling code point stands for, indexed by code point below 0x144; -1 where none.
  static let byteForScalar: [Int16] = {
    var table = [Int16](repeating: -1, count: 0x144)
    for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar)] = Int16(byte) }
    return table
  }()

  static func standsForItself(_ byte: UInt8) -> Bool {
    (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
  }

  /// The bytes a token text spells, or nil when it holds a code point outside the byte alphabet.
  static func bytes(spelledBy text: String) -> [UInt8]? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      let value = Int(scalar.value)
      guard value < byteForScalar.count, byteForScalar[value] >= 0 else { return nil }
      bytes.append(UInt8(byteForScalar[value]))
    }
    return bytes
  }

  /// The token text that spells `bytes`.
  static func spelling(of bytes: some Sequence<UInt8>) -> String {
    var text = String.UnicodeScalarView()
    for byte in bytes {
      if let scalar = Unicode.Scalar(scalarForByte[Int(byte)]) { text.append(scalar) }
    }
    return String(text)
  }
}
