/// Token ids to bytes and text.
extension Tokenizer {
  /// The bytes token `id` stands for: its byte-level spelling decoded for ordinary tokens, the literal UTF-8 text
  /// for special ones; empty for an id outside the vocabulary. A token may hold part of a UTF-8 sequence.
  public func tokenBytes(_ id: Int32) -> [UInt8] {
    guard id >= 0, Int(id) < vocabularySize else { return [] }
    return Array(pieceBytes[Int(pieceStarts[Int(id)])..<Int(pieceStarts[Int(id) + 1])])
  }

  /// Appends the bytes of token `id` to `bytes` (nothing for an id outside the vocabulary).
  public func appendBytes(of id: Int32, to bytes: inout [UInt8]) {
    guard id >= 0, Int(id) < vocabularySize else { return }
    bytes.append(contentsOf: pieceBytes[Int(pieceStarts[Int(id)])..<Int(pieceStarts[Int(id) + 1])])
  }

  /// The text of a whole sequence of tokens; bytes that do not form UTF-8 become U+FFFD.
  public func decode(_ ids: [Int32]) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(ids.count * 4)
    for id in ids { appendBytes(of: id, to: &bytes) }
    return String(decoding: bytes, as: UTF8.self)
  }
}
