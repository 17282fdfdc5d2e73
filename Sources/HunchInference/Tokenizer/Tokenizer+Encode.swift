/// Text to token ids.
extension Tokenizer {
  /// The token ids of `text`, read as ordinary text (special-token spellings stay plain), without a BOS.
  /// Bytes the vocabulary has no token for are left out, as llama.cpp does.
  public func encode(_ text: String) -> [Int32] {
    var text = text
    return text.withUTF8 { encode(validUTF8: $0) }
  }

  /// `bytes` must be valid UTF-8, as a String's storage is.
  private func encode(validUTF8 bytes: UnsafeBufferPointer<UInt8>) -> [Int32] {
    let byteCount = bytes.count
    if byteCount == 0 { return [] }

    // Code points with their classes and where each starts in `bytes`. (codePointCount), starts (+1)
    var codePoints: [UInt32] = []
    var classes: [CharacterClass] = []
    var starts: [Int] = []
    codePoints.reserveCapacity(byteCount)
    classes.reserveCapacity(byteCount)
    starts.reserveCapacity(byteCount + 1)
    var offset = 0
    while offset < byteCount {
      let (codePoint, length) = Self.decodeScalar(bytes, at: offset)
      codePoints.append(codePoint)
      classes.append(CharacterClass.of(codePoint))
      starts.append(offset)
      offset += length
    }
    starts.append(byteCount)

    var ends: [Int] = []
    ends.reserveCapacity(codePoints.count / 2 + 1)
    codePoints.withUnsafeBufferPointer { codePoints in
      classes.withUnsafeBufferPointer { classes in
        preTokenizer.split(ScalarText(codePoints: codePoints, classes: classes), into: &ends)
      }
    }

    var known = cache.snapshot()
    var fresh = WordTable(slots: 256)
    var merger = BytePairMerger()
    var output: [Int32] = []
    output.reserveCapacity(byteCount / 3 + 1)
    var wordStart = 0
    for wordEnd in ends {
      let word = UnsafeBufferPointer(rebasing: bytes[starts[wordStart]..<starts[wordEnd]])
      wordStart = wordEnd
      if word.count == 1 {
        let id = byteTokens[Int(word[0])]
        if id >= 0 { output.append(id) }  // a byte the vocabulary lacks is dropped
        continue
      }
      guard let key = ShortWord(word) else {
        merger.encode(word, byteTokens: byteTokens, merges: merges, into: &output)
        continue
      }
      if let span = known.find(key) {
        output.append(contentsOf: known.ids[span])
      } else if let span = fresh.find(key) {
        output.append(contentsOf: fresh.ids[span])
      } else {
        let before = output.count
        merger.encode(word, byteTokens: byteTokens, merges: merges, into: &output)
        fresh.insert(key, ids: output[before...])
      }
    }
    known = WordTable(slots: 0)  // let go of the snapshot so the shared cache can grow in place
    cache.add(fresh)
    return output
  }

  /// The code point at `offset` of valid UTF-8 and its length in bytes.
  @inline(__always)
  private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> (UInt32, Int) {
    let lead = UInt32(bytes[offset])
    let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    guard length > 1, offset + length <= bytes.count else { return (lead, 1) }
    var codePoint = lead & (0x7F >> UInt32(length))
    for index in 1..<length { codePoint = codePoint << 6 | UInt32(bytes[offset + index] & 0x3F) }
    return (codePoint, length)
  }
}
