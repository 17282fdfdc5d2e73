import Foundation

/// Token texts to ids, looked up by raw UTF-8 bytes; used while loading, to resolve 150k merges quickly.
///
/// Token texts are exact byte strings, so hashing bytes (FNV-1a) and comparing them with `memcmp` is both right
/// and several times cheaper than `String` keys, which hash and compare by Unicode canonical equivalence.
struct TextIndex {
  private var arena: [UInt8] = []
  private var starts: [Int] = [0]  // (tokenCount + 1)
  private var slots: [Int32]  // -1 when empty, else a token id
  private let shift: UInt64

  init(tokens: [String]) {
    var count = 16
    while count < tokens.count * 2 { count <<= 1 }  // at most half full
    slots = [Int32](repeating: -1, count: count)
    shift = UInt64(64 - count.trailingZeroBitCount)
    arena.reserveCapacity(tokens.count * 8)
    starts.reserveCapacity(tokens.count + 1)
    for var text in tokens {
      text.withUTF8 { arena.append(contentsOf: $0) }
      starts.append(arena.count)
    }
    for id in 0..<tokens.count { insert(Int32(id)) }
  }

  /// The id of the token spelled `bytes`; the last one when a vocabulary lists a text twice.
  func id(of bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
    id(of: bytes, followedBy: UnsafeBufferPointer(start: nil, count: 0))
  }

  /// The id of the token spelled `first` then `second`, without building the concatenation.
  func id(of first: UnsafeBufferPointer<UInt8>, followedBy second: UnsafeBufferPointer<UInt8>) -> Int32? {
    let hash = Self.hash(second, seed: Self.hash(first, seed: Self.fnvOffset))
    let length = first.count + second.count
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: (hash &* Self.spread) >> shift)
    return arena.withUnsafeBufferPointer { arena in
      while true {
        let id = slots[slot]
        if id < 0 { return nil }
        let start = starts[Int(id)]
        if starts[Int(id) + 1] - start == length,
          Self.equal(arena, from: start, first),
          Self.equal(arena, from: start + first.count, second)
        {
          return id
        }
        slot = (slot + 1) & mask
      }
    }
  }

  private mutating func insert(_ id: Int32) {
    let start = starts[Int(id)]
    let end = starts[Int(id) + 1]
    let mask = slots.count - 1
    arena.withUnsafeBufferPointer { arena in
      let text = UnsafeBufferPointer(rebasing: arena[start..<end])
      var slot = Int(truncatingIfNeeded: (Self.hash(text, seed: Self.fnvOffset) &* Self.spread) >> shift)
      while slots[slot] >= 0 {
        let other = slots[slot]
        let otherStart = starts[Int(other)]
        if starts[Int(other) + 1] - otherStart == text.count, Self.equal(arena, from: otherStart, text) { break }
        slot = (slot + 1) & mask
      }
      slots[slot] = id
    }
  }

  private static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
  private static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3
  private static let spread: UInt64 = 0x9E37_79B9_7F4A_7C15

  @inline(__always)
  private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
    var hash = seed
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* fnvPrime }
    return hash
  }

  @inline(__always)
  private static func equal(_ arena: UnsafeBufferPointer<UInt8>, from start: Int, _ bytes: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    guard let base = bytes.baseAddress, let arenaBase = arena.baseAddress else { return bytes.isEmpty }
    return memcmp(arenaBase + start, base, bytes.count) == 0
  }
}
