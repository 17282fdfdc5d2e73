import Foundation

/// A word of 2 to 16 UTF-8 bytes packed into two integers, so looking it up allocates nothing.
struct ShortWord: Equatable {
  static let maximumLength = 16
  let low: UInt64
  let high: UInt64
  let length: UInt8

  init?(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count >= 2, bytes.count <= Self.maximumLength else { return nil }
    var low: UInt64 = 0
    var high: UInt64 = 0
    for (index, byte) in bytes.enumerated() {
      if index < 8 {
        low |= UInt64(byte) << UInt64(index * 8)
      } else {
        high |= UInt64(byte) << UInt64((index - 8) * 8)
      }
    }
    self.low = low
    self.high = high
    self.length = UInt8(bytes.count)
  }

  @inline(__always)
  var hash: UInt64 {
    (low &* 0x9E37_79B9_7F4A_7C15 ^ high &* 0xC2B2_AE3D_27D4_EB4F ^ UInt64(length)) &* 0xFF51_AFD7_ED55_8CCD
  }
}

/// Words and their token ids: an open-addressing table (linear probing) over one arena of ids.
///
/// Looking words up is most of the work of encoding text already seen, and a table specialised to packed words
/// avoids the general dictionary's hashing and the reference counting of an array per word.
struct WordTable {
  private var lows: [UInt64]
  private var highs: [UInt64]
  private var lengths: [UInt8]  // 0 marks an empty slot
  private var spans: [UInt64]  // start << 32 | count, into `ids`
  private(set) var ids: [Int32] = []
  private var shift: UInt64
  private(set) var count = 0

  init(slots requested: Int = 1024) {
    var slots = 16
    while slots < requested { slots <<= 1 }
    lows = [UInt64](repeating: 0, count: slots)
    highs = [UInt64](repeating: 0, count: slots)
    lengths = [UInt8](repeating: 0, count: slots)
    spans = [UInt64](repeating: 0, count: slots)
    shift = UInt64(64 - slots.trailingZeroBitCount)
  }

  var isEmpty: Bool { count == 0 }

  /// Where the ids of `word` are in `ids`, or nil.
  @inline(__always)
  func find(_ word: ShortWord) -> Range<Int>? {
    let mask = lengths.count - 1
    var slot = Int(truncatingIfNeeded: word.hash >> shift)
    while true {
      let length = lengths[slot]
      if length == 0 { return nil }
      if length == word.length, lows[slot] == word.low, highs[slot] == word.high {
        let span = spans[slot]
        let start = Int(truncatingIfNeeded: span >> 32)
        return start..<(start + Int(truncatingIfNeeded: span & 0xFFFF_FFFF))
      }
      slot = (slot + 1) & mask
    }
  }

  /// Adds `word` with its ids; the word must not be in the table yet.
  mutating func insert(_ word: ShortWord, ids wordIDs: ArraySlice<Int32>) {
    if (count + 1) * 2 > lengths.count { grow() }
    let start = ids.count
    ids.append(contentsOf: wordIDs)
    place(word, span: UInt64(start) << 32 | UInt64(wordIDs.count))
    count += 1
  }

  /// Calls `body` with every word and its ids.
  func forEach(_ body: (ShortWord, ArraySlice<Int32>) -> Void) {
    for slot in 0..<lengths.count where lengths[slot] != 0 {
      let word = ShortWord(low: lows[slot], high: highs[slot], length: lengths[slot])
      let start = Int(truncatingIfNeeded: spans[slot] >> 32)
      body(word, ids[start..<(start + Int(truncatingIfNeeded: spans[slot] & 0xFFFF_FFFF))])
    }
  }

  private mutating func place(_ word: ShortWord, span: UInt64) {
    let mask = lengths.count - 1
    var slot = Int(truncatingIfNeeded: word.hash >> shift)
    while lengths[slot] != 0 { slot = (slot + 1) & mask }
    lows[slot] = word.low
    highs[slot] = word.high
    lengths[slot] = word.length
    spans[slot] = span
  }

  private mutating func grow() {
    let old = (lows, highs, lengths, spans)
    let slots = lengths.count * 2
    lows = [UInt64](repeating: 0, count: slots)
    highs = [UInt64](repeating: 0, count: slots)
    lengths = [UInt8](repeating: 0, count: slots)
    spans = [UInt64](repeating: 0, count: slots)
    shift -= 1
    for slot in 0..<old.2.count where old.2[slot] != 0 {
      place(ShortWord(low: old.0[slot], high: old.1[slot], length: old.2[slot]), span: old.3[slot])
    }
  }
}

extension ShortWord {
  fileprivate init(low: UInt64, high: UInt64, length: UInt8) {
    self.low = low
    self.high = high
    self.length = length
  }
}

/// Token ids of words already encoded, shared by every `encode` call of one tokenizer.
///
/// Callers take a snapshot (the table's arrays are copy-on-write, so taking it is cheap) and hand back what they
/// added, so the lock is held twice per call rather than once per word.
final class WordCache: @unchecked Sendable {
  /// Past this many words the cache stops growing; source code reuses a small vocabulary of words.
  static let capacity = 100_000

  private let lock = NSLock()
  private var table = WordTable(slots: 4096)

  func snapshot() -> WordTable {
    lock.withLock { table }
  }

  func add(_ fresh: WordTable) {
    guard !fresh.isEmpty else { return }
    lock.withLock {
      fresh.forEach { word, ids in
        if table.count < Self.capacity, table.find(word) == nil { table.insert(word, ids: ids) }
      }
    }
  }
}
