/// Turns tokens into text one at a time, as a model emits them.
///
/// A token can end in the middle of a UTF-8 sequence (an emoji is often two or three tokens); the decoder holds
/// those bytes back until the rest arrives, so every string it returns is whole characters and the pieces join
/// up to exactly `tokenizer.decode(allIDs)`.
public struct StreamingDecoder: Sendable {
  public let tokenizer: Tokenizer
  /// Bytes of a UTF-8 sequence still waiting for its continuation bytes (at most 3).
  private var pending: [UInt8] = []

  public init(tokenizer: Tokenizer) {
    self.tokenizer = tokenizer
  }

  /// Whether bytes are held back waiting for the rest of a character.
  public var hasPendingBytes: Bool { !pending.isEmpty }

  /// Adds one token and returns the text it completes (possibly empty).
  public mutating func append(_ id: Int32) -> String {
    tokenizer.appendBytes(of: id, to: &pending)
    let ready = Self.completePrefixLength(pending)
    guard ready > 0 else { return "" }
    let text = String(decoding: pending[..<ready], as: UTF8.self)
    pending.removeFirst(ready)
    return text
  }

  /// Adds several tokens and returns the text they complete.
  public mutating func append(contentsOf ids: some Sequence<Int32>) -> String {
    var text = ""
    for id in ids { text += append(id) }
    return text
  }

  /// Ends the stream: returns whatever is held back, an unfinished sequence as U+FFFD.
  public mutating func finish() -> String {
    defer { pending.removeAll() }
    return String(decoding: pending, as: UTF8.self)
  }

  /// How many leading bytes can be decoded now: all of them, unless the tail is the start of a multi-byte
  /// sequence whose remaining bytes have not arrived. Malformed bytes are not held (they decode as U+FFFD).
  static func completePrefixLength(_ bytes: [UInt8]) -> Int {
    let count = bytes.count
    // Look back at most 3 bytes for the lead byte of the last sequence.
    var index = count - 1
    let lowest = max(0, count - 4)
    while index >= lowest {
      let byte = bytes[index]
      if byte & 0xC0 != 0x80 {
        let needed: Int
        switch byte {
        case 0xC2...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF4: needed = 4
        default: return count  // ASCII or a byte that never starts a sequence
        }
        return count - index < needed ? index : count
      }
      index -= 1
    }
    return count  // only continuation bytes at the end: malformed, nothing to wait for
  }
}
