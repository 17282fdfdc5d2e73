import Foundation

/// A word of at most 16 UTF-8 bytes packed into a hashable value, so cache lookups allocate nothing.
struct ShortWord: Hashable {
  static let maximumLength = 16
  let low: UInt64
  let high: UInt64
  let length: UInt8

  init?(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count <= Self.maximumLength else { return nil }
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
}

/// Token ids of words already encoded, shared by every `encode` call of one tokenizer.
///
/// Callers take a snapshot (a copy-on-write dictionary, so taking it is cheap) and hand back what they added, so
/// the lock is held twice per call rather than once per word.
final class WordCache: @unchecked Sendable {
  /// Past this many words the cache stops growing; source files reuse a small vocabulary of words.
  static let capacity = 200_000

  private let lock = NSLock()
  private var words: [ShortWord: [Int32]] = [:]

  func snapshot() -> [ShortWord: [Int32]] {
    lock.lock()
    defer { lock.unlock() }
    return words
  }

  func add(_ fresh: [ShortWord: [Int32]]) {
    guard !fresh.isEmpty else { return }
    lock.lock()
    defer { lock.unlock() }
    for (word, ids) in fresh where words.count < Self.capacity { words[word] = ids }
  }
}
