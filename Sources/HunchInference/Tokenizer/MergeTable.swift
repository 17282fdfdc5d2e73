/// The BPE merges of a vocabulary: for a pair of adjacent token ids, the merge's rank (lower merges first) and
/// the id of the token it makes.
///
/// An open-addressing hash table keyed by the pair packed in 64 bits: lookups are the inner loop of BPE, and a
/// multiply-shift hash with linear probing is several times cheaper than a general-purpose dictionary.
struct MergeTable: Sendable {
  struct Merge: Equatable, Sendable {
    let rank: Int32
    let result: Int32
  }

  private static let empty = UInt64.max
  private var keys: [UInt64]
  private var ranks: [Int32]
  private var results: [Int32]
  private let shift: UInt64
  private let mask: Int
  private(set) var count = 0

  init(capacity: Int) {
    var slots = 16
    while slots < capacity * 2 { slots <<= 1 }  // at most half full
    keys = [UInt64](repeating: Self.empty, count: slots)
    ranks = [Int32](repeating: 0, count: slots)
    results = [Int32](repeating: 0, count: slots)
    mask = slots - 1
    shift = UInt64(64 - slots.trailingZeroBitCount)
  }

  @inline(__always)
  private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
  }

  @inline(__always)
  private func slot(for key: UInt64) -> Int {
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
  }

  /// Records a merge unless the pair already has one: the first (lowest-ranked) listing wins.
  mutating func insert(left: Int32, right: Int32, rank: Int32, result: Int32) {
    let key = Self.key(left, right)
    var index = slot(for: key)
    while keys[index] != Self.empty {
      if keys[index] == key { return }
      index = (index + 1) & mask
    }
    keys[index] = key
    ranks[index] = rank
    results[index] = result
    count += 1
  }

  @inline(__always)
  func merge(_ left: Int32, _ right: Int32) -> Merge? {
    let key = Self.key(left, right)
    var index = slot(for: key)
    return keys.withUnsafeBufferPointer { keys in
      while true {
        let found = keys[index]
        if found == key { return Merge(rank: ranks[index], result: results[index]) }
        if found == Self.empty { return nil }
        index = (index + 1) & mask
      }
    }
  }
}
