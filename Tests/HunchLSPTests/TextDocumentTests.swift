import XCTest

@testable import HunchLSP

final class TextDocumentTests: XCTestCase {
  private func document(_ text: String) -> TextDocument {
    TextDocument(uri: "file:///t", languageID: "swift", version: 1, text: text)
  }

  private func change(_ l1: Int, _ c1: Int, _ l2: Int, _ c2: Int, _ text: String) -> TextDocumentContentChangeEvent {
    TextDocumentContentChangeEvent(
      range: Range(start: .init(line: l1, character: c1), end: .init(line: l2, character: c2)), text: text)
  }

  func testPositionsInEachEncodingAroundAnEmoji() throws {
    // "a😀b": 😀 is 4 UTF-8 bytes, 2 UTF-16 units, 1 scalar.
    let doc = document("x\na😀b\n")
    let bOffset = 2 + 1 + 4
    XCTAssertEqual(try doc.offset(of: .init(line: 1, character: 3), encoding: .utf16), bOffset)
    XCTAssertEqual(try doc.offset(of: .init(line: 1, character: 2), encoding: .utf32), bOffset)
    XCTAssertEqual(try doc.offset(of: .init(line: 1, character: 5), encoding: .utf8), bOffset)
    XCTAssertEqual(doc.position(ofOffset: bOffset, encoding: .utf16), Position(line: 1, character: 3))
    XCTAssertEqual(doc.position(ofOffset: bOffset, encoding: .utf32), Position(line: 1, character: 2))
    XCTAssertEqual(doc.position(ofOffset: bOffset, encoding: .utf8), Position(line: 1, character: 5))
    // Half a surrogate pair, or the middle of a UTF-8 sequence, means the character's start.
    XCTAssertEqual(try doc.offset(of: .init(line: 1, character: 2), encoding: .utf16), 3)
    XCTAssertEqual(try doc.offset(of: .init(line: 1, character: 3), encoding: .utf8), 3)
  }

  func testPositionsPastTheLineEndClampToIt() throws {
    let doc = document("abc\r\ndé\rlast")
    XCTAssertEqual(doc.lineCount, 3)
    XCTAssertEqual(try doc.offset(of: .init(line: 0, character: 99), encoding: .utf16), 3)
    XCTAssertEqual(try doc.offset(of: .init(line: 1, character: 99), encoding: .utf16), 5 + 3)
    XCTAssertEqual(try doc.offset(of: .init(line: 1, character: 99), encoding: .utf8), 5 + 3)
    XCTAssertEqual(try doc.offset(of: .init(line: 2, character: 99), encoding: .utf16), doc.bytes.count)
    XCTAssertEqual(try doc.offset(of: .init(line: 0, character: -4), encoding: .utf16), 0)
    XCTAssertThrowsError(try doc.offset(of: .init(line: 3, character: 0), encoding: .utf16))
    XCTAssertThrowsError(try doc.offset(of: .init(line: -1, character: 0), encoding: .utf16))
    XCTAssertEqual(
      try doc.offset(of: .init(line: 9, character: 0), encoding: .utf16, clampingLines: true), doc.bytes.count)
  }

  func testIncrementalEditsAcrossSurrogatePairs() throws {
    var store = DocumentStore(encoding: .utf16)
    store.open(.init(uri: "u", languageId: "swift", version: 1, text: "let s = \"😀😀\"\nprint(s)\n"))
    // Replace the second emoji (UTF-16 columns 11..<13) with 🎉x, then insert after the first line's end.
    try store.change(.init(uri: "u", version: 2), [change(0, 11, 0, 13, "🎉x"), change(0, 99, 0, 99, " // ok")])
    XCTAssertEqual(store["u"]?.text, "let s = \"😀🎉x\" // ok\nprint(s)\n")
    XCTAssertEqual(store["u"]?.version, 2)
    // A full replacement.
    try store.change(.init(uri: "u", version: 3), [TextDocumentContentChangeEvent(text: "new")])
    XCTAssertEqual(store["u"]?.text, "new")
  }

  func testAChangeThatCannotBeAppliedLeavesTheDocumentAsItWas() {
    var store = DocumentStore()
    store.open(.init(uri: "u", languageId: "c", version: 1, text: "one\ntwo\n"))
    XCTAssertThrowsError(
      try store.change(.init(uri: "u", version: 2), [change(0, 0, 0, 0, "ok "), change(7, 0, 7, 1, "x")]))
    XCTAssertThrowsError(try store.change(.init(uri: "u", version: 2), [change(1, 2, 0, 1, "x")]))
    XCTAssertEqual(store["u"]?.text, "one\ntwo\n")
    XCTAssertEqual(store["u"]?.version, 1)
    XCTAssertThrowsError(try store.change(.init(uri: "never-opened", version: 1), [change(0, 0, 0, 0, "x")])) {
      XCTAssertEqual(($0 as? TextDocumentError)?.code, .notOpen)
    }
  }

  func testRecentEditsFollowTheEditsAndMoveWithInsertedLines() throws {
    var document = document("l0\nl1\nl2\nl3\nl4\nl5\nl6\nl7\n")
    func edit(_ line: Int, _ character: Int, _ text: String) throws {
      try document.apply(change(line, character, line, character, text), encoding: .utf16)
    }
    try edit(6, 2, "x")
    XCTAssertEqual(document.recentEdits, [6..<7])
    try edit(6, 3, "y")  // same line: merged
    XCTAssertEqual(document.recentEdits, [6..<7])
    try edit(1, 0, "a\nb\n")  // two new lines above: the older edit moves down by two
    XCTAssertEqual(document.recentEdits, [1..<4, 8..<9])
    try document.apply(TextDocumentContentChangeEvent(range: nil, text: "new"), encoding: .utf16)
    XCTAssertEqual(document.recentEdits, [], "a whole-text replacement is not an edit location")
  }

  func testLineStartsForEveryKindOfLineBreak() {
    XCTAssertEqual(TextDocument.lineStarts(of: Array("a\nb\r\nc\rd\n".utf8)), [0, 2, 5, 7, 9])
    XCTAssertEqual(TextDocument.lineStarts(of: []), [0])
    XCTAssertEqual(TextDocument.lineStarts(of: Array("\n\n".utf8)), [0, 1, 2])
  }

  /// Random edits through the store equal the same edits applied to a plain String, in every encoding.
  func testRandomEditSequencesMatchAPlainString() throws {
    let alphabet: [String] = ["a", "b", " ", "\n", "é", "中", "😀", "🎉", "x\ny", "\n\n"]
    var generator = SeededGenerator(seed: 0x5EED)
    for encoding in [PositionEncodingKind.utf16, .utf8, .utf32] {
      var store = DocumentStore(encoding: encoding)
      var reference = "start😀\nline two\n"
      store.open(.init(uri: "u", languageId: "txt", version: 0, text: reference))
      for step in 1...400 {
        let scalars = Array(reference.unicodeScalars)
        var a = Int.random(in: 0...scalars.count, using: &generator)
        var b = Int.random(in: 0...min(scalars.count, a + 6), using: &generator)
        if a > b { swap(&a, &b) }
        let insertion = (0..<Int.random(in: 0...3, using: &generator))
          .map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }.joined()
        let range = Range(
          start: Self.position(ofScalar: a, in: scalars, encoding: encoding),
          end: Self.position(ofScalar: b, in: scalars, encoding: encoding))
        var edited = scalars
        edited.replaceSubrange(a..<b, with: Array(insertion.unicodeScalars))
        reference = String(String.UnicodeScalarView(edited))
        try store.change(
          .init(uri: "u", version: step), [TextDocumentContentChangeEvent(range: range, text: insertion)])
        XCTAssertEqual(store["u"]?.text, reference, "\(encoding.rawValue) step \(step)")
        guard store["u"]?.text == reference else { return }
      }
    }
  }

  /// A position computed the slow, obvious way: count lines and units over the scalars before the offset.
  private static func position(ofScalar index: Int, in scalars: [Unicode.Scalar], encoding: PositionEncodingKind)
    -> Position
  {
    var line = 0
    var character = 0
    for scalar in scalars[..<index] {
      if scalar == "\n" {
        line += 1
        character = 0
      } else if encoding == .utf8 {
        character += UTF8.width(scalar)
      } else if encoding == .utf16 {
        character += UTF16.width(scalar)
      } else {
        character += 1
      }
    }
    return Position(line: line, character: character)
  }
}

/// A small deterministic generator (SplitMix64) so a failing sequence can be replayed.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
