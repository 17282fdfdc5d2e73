import Foundation

/// Reads typed values off the front of a fuzz input. Past the end every read answers zero or empty, so a target never
/// has to check lengths and libFuzzer's mutations of any byte stay meaningful.
struct FuzzInput {
  private let bytes: [UInt8]
  private var offset = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  var isAtEnd: Bool { offset >= bytes.count }
  var remaining: Int { max(0, bytes.count - offset) }

  mutating func byte() -> UInt8 {
    guard offset < bytes.count else { return 0 }
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func bool() -> Bool { byte() & 1 == 1 }

  /// A value in `0..<bound` (bound > 0) from two bytes.
  mutating func int(below bound: Int) -> Int {
    let raw = Int(byte()) << 8 | Int(byte())
    return raw % bound
  }

  /// A full-width Int from eight bytes: the values a hostile JSON number can carry.
  mutating func wideInt() -> Int {
    var value: UInt64 = 0
    for _ in 0..<8 { value = value << 8 | UInt64(byte()) }
    return Int(truncatingIfNeeded: value)
  }

  mutating func bytes(count: Int) -> [UInt8] {
    let end = min(bytes.count, offset + max(0, count))
    defer { offset = max(offset, end) }
    return offset < end ? Array(bytes[offset..<end]) : []
  }

  /// A chunk whose length (up to `maximum`) is read first; invalid UTF-8 becomes U+FFFD.
  mutating func string(maximumBytes: Int) -> String {
    String(decoding: bytes(count: int(below: maximumBytes + 1)), as: UTF8.self)
  }

  /// Picks one of `choices` (not empty).
  mutating func pick<Element>(_ choices: [Element]) -> Element { choices[Int(byte()) % choices.count] }

  mutating func rest() -> [UInt8] { bytes(count: remaining) }
}

/// Ends the process the way libFuzzer records as a crash, with the reason on stderr.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
  if !condition() {
    FileHandleOutput.standardError("fuzz check failed: \(message())\n")
    abort()
  }
}
