import Foundation
import HunchSyntax
import XCTest

final class SyntaxDocumentTests: XCTestCase {
  func testEveryInstalledLanguageParsesItsSampleWithoutErrors() throws {
    let registry = try SyntaxFixtures.builtRegistry()
    var parsed: [String] = []
    for (entry, result) in registry.loadAll() where entry.origin == .manifest {
      let grammar = try result.get()
      guard let sample = try SyntaxFixtures.sampleFile(for: entry.name) else {
        XCTFail("no sample file for \(entry.name) in Samples/")
        continue
      }
      XCTAssertEqual(registry.entry(forPath: sample.path)?.name, entry.name, "extension of \(sample.lastPathComponent)")
      let text = try String(contentsOf: sample, encoding: .utf8)
      let document = SyntaxDocument(text: text, grammar: grammar)
      XCTAssertEqual(document.state, .parsed, entry.name)
      guard let tree = document.tree else { continue }
      XCTAssertFalse(tree.hasError, "\(entry.name) sample has parse errors: \(tree.sExpression.prefix(400))")
      // The root spans the whole program (tree-sitter may or may not count the trailing newlines).
      XCTAssertEqual(tree.rootNode.startByte, 0, entry.name)
      XCTAssertTrue(
        (text.utf8.count - trailingWhitespace(text)...text.utf8.count).contains(tree.rootNode.endByte), entry.name)
      XCTAssertGreaterThan(tree.rootNode.namedChildCount, 0, entry.name)
      parsed.append(entry.name)
    }
    XCTAssertGreaterThanOrEqual(parsed.count, SyntaxFixtures.requiredLanguages.count, "parsed: \(parsed)")
  }

  private func trailingWhitespace(_ text: String) -> Int {
    text.utf8.reversed().prefix { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: " ") }.count
  }

  func testNodeNavigation() throws {
    let grammar = try SyntaxFixtures.grammar("python")
    let text = "def greet(name):\n    return \"hé \" + name\n"
    let document = SyntaxDocument(text: text, grammar: grammar)
    let tree = try XCTUnwrap(document.tree)
    let root = tree.rootNode
    XCTAssertEqual(root.type, "module")
    XCTAssertNil(root.parent)
    let function = try XCTUnwrap(root.namedChild(at: 0))
    XCTAssertEqual(function.type, "function_definition")
    XCTAssertEqual(function.child(byFieldName: "name")?.text, "greet")
    XCTAssertEqual(function.children.first?.type, "def")
    XCTAssertFalse(function.children.first?.isNamed ?? true)
    XCTAssertEqual(function.parent, root)
    XCTAssertNil(root.namedChild(at: 5))
    XCTAssertNil(root.child(at: -1))

    // Byte offsets, not characters: "é" is two bytes, so `name` on line 1 starts at byte 22 of its row.
    let nameOffset = try XCTUnwrap(text.byteOffset(of: "+ name")) + 2
    let identifier = try XCTUnwrap(tree.namedDescendant(forByteRange: nameOffset..<(nameOffset + 4)))
    XCTAssertEqual(identifier.type, "identifier")
    XCTAssertEqual(identifier.text, "name")
    XCTAssertEqual(identifier.byteRange, nameOffset..<(nameOffset + 4))
    XCTAssertEqual(identifier.startPoint, SyntaxPoint(row: 1, column: 20))
    XCTAssertEqual(identifier.startPoint, document.point(forByteOffset: nameOffset))
    XCTAssertEqual(
      identifier.ancestors.map(\.type),
      ["binary_operator", "return_statement", "block", "function_definition", "module"])
    XCTAssertEqual(
      tree.enclosingNodes(atByteOffset: nameOffset).map(\.type).prefix(2), ["identifier", "binary_operator"])
    // Out-of-range byte ranges are clamped, not trapped.
    XCTAssertNotNil(tree.namedDescendant(forByteRange: -5..<1_000_000))
  }

  func testPositionsConvertBetweenLSPUTF16AndBytes() {
    // "é" is 2 UTF-8 bytes / 1 UTF-16 unit; "😀" is 4 bytes / 2 units.
    let document = SyntaxDocument(text: "aé😀b\r\nsecond\nlast", grammar: nil)
    XCTAssertEqual(document.lineCount, 3)
    XCTAssertEqual(document.byteOffset(line: 0, utf16Column: 0), 0)
    XCTAssertEqual(document.byteOffset(line: 0, utf16Column: 2), 3)
    XCTAssertEqual(document.byteOffset(line: 0, utf16Column: 4), 7)
    XCTAssertEqual(document.byteOffset(line: 0, utf16Column: 5), 8)
    XCTAssertEqual(document.byteOffset(line: 0, utf16Column: 99), 8, "past the end means the end, before CR LF")
    XCTAssertEqual(document.byteOffset(line: 1, utf16Column: 3), 13)
    XCTAssertEqual(document.byteOffset(line: 7, utf16Column: 0), document.utf8.count)
    XCTAssertEqual(document.point(forByteOffset: 13), SyntaxPoint(row: 1, column: 3))
    XCTAssertEqual(document.byteOffset(for: SyntaxPoint(row: 2, column: 2)), 19)
    XCTAssertEqual(document.point(forByteOffset: 10_000), SyntaxPoint(row: 2, column: 4))
  }

  /// Applies edits one by one and checks after each that the incremental tree equals a fresh parse of the same text.
  private func assertIncrementalMatchesFresh(
    _ language: String, edits: [(String, String)], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let grammar = try SyntaxFixtures.grammar(language)
    let document = SyntaxDocument(text: try SyntaxFixtures.sampleText(language), grammar: grammar)
    for (needle, replacement) in edits {
      let text = document.text
      let start = try XCTUnwrap(
        text.byteOffset(of: needle), "'\(needle)' not in \(language) text", file: file, line: line)
      let oldTree = try XCTUnwrap(document.tree, file: file, line: line)
      let oldSExpression = oldTree.sExpression
      let oldChildRanges = oldTree.rootNode.namedChildren.map(\.byteRange)
      try document.edit(replacingBytes: start..<(start + needle.utf8.count), with: replacement)
      let expectedText = text.replacingOccurrences(
        of: needle, with: replacement, options: [], range: text.range(of: needle))
      XCTAssertEqual(document.text, expectedText, file: file, line: line)
      let fresh = SyntaxDocument(text: expectedText, grammar: grammar)
      let incremental = try XCTUnwrap(document.tree, file: file, line: line)
      XCTAssertEqual(
        incremental.sExpression, fresh.tree?.sExpression, "\(language) after '\(needle)'", file: file, line: line)
      XCTAssertEqual(incremental.rootNode.endPoint, fresh.tree?.rootNode.endPoint, file: file, line: line)
      XCTAssertEqual(incremental.source, Array(expectedText.utf8), file: file, line: line)
      // Line bookkeeping, updated in place by the edit, agrees with a fresh scan.
      XCTAssertEqual(document.lineCount, fresh.lineCount, file: file, line: line)
      for offset in stride(from: 0, through: expectedText.utf8.count, by: 5) {
        XCTAssertEqual(
          document.point(forByteOffset: offset), fresh.point(forByteOffset: offset), file: file, line: line)
      }
      XCTAssertEqual(
        incremental.rootNode.namedChildren.map(\.byteRange), fresh.tree?.rootNode.namedChildren.map(\.byteRange),
        file: file, line: line)
      // The previous tree is not disturbed by the edit: same shape, same positions.
      XCTAssertEqual(oldTree.sExpression, oldSExpression, file: file, line: line)
      XCTAssertEqual(oldTree.rootNode.namedChildren.map(\.byteRange), oldChildRanges, file: file, line: line)
    }
  }

  func testIncrementalEditsMatchAFreshParse() throws {
    try assertIncrementalMatchesFresh(
      "python",
      edits: [
        ("TAX_RATE = 0.2\n", "TAX_RATE = 0.2\nDISCOUNT = 0.1  # été\n"),  // insert a line with multi-byte text
        ("return round(", "return int("),  // rename a call
        ("    def total_value(self) -> float:\n", "    def total_value(self, currency) -> float:\n"),
        ("if __name__", "while __name__"),  // change statement kind
        ("\n\ndef load_inventory(path):\n", "\n\n"),  // delete a line: the body becomes a stray indented block
      ])
    try assertIncrementalMatchesFresh(
      "swift",
      edits: [
        ("func add(_ shape: Shape) {", "func insert(_ shape: Shape, at index: Int) {"),
        ("  let radius: Double\n", ""),
        ("final class Canvas {", "struct Canvas {"),
      ])
    try assertIncrementalMatchesFresh(
      "javascript", edits: [("class EventEmitter {", "class Emitter extends Base {"), ("running += 1;", "running++;")])
    try assertIncrementalMatchesFresh("rust", edits: [("pub fn count_words(", "pub(crate) fn count_words(")])
  }

  func testLineBookkeepingFollowsEditsThatAddAndRemoveLines() throws {
    let document = SyntaxDocument(text: "one\ntwo\nthree\nfour\n", grammar: nil)
    let edits: [(Range<Int>, String)] = [
      (4..<8, "2a\n2b\n2c"),  // one line becomes three
      (0..<0, "\n"),  // a blank first line
      (1..<15, ""),  // join across several lines
      (2..<2, "é\r\n😀\n"),  // multi-byte text and CR LF
      (0..<document.utf8.count, "all\nnew"),
    ]
    for (range, replacement) in edits {
      let clamped = range.clamped(to: 0..<document.utf8.count)
      try document.edit(replacingBytes: clamped, with: replacement)
      let fresh = SyntaxDocument(text: document.text, grammar: nil)
      XCTAssertEqual(document.lineCount, fresh.lineCount, "after replacing \(clamped)")
      for offset in 0...document.utf8.count {
        XCTAssertEqual(document.point(forByteOffset: offset), fresh.point(forByteOffset: offset), "offset \(offset)")
      }
    }
  }

  func testEditOutsideTheTextIsRefusedAndLeavesTheDocumentAlone() throws {
    let grammar = try SyntaxFixtures.grammar("json")
    let document = SyntaxDocument(text: "{\"a\": 1}", grammar: grammar)
    XCTAssertThrowsError(try document.edit(replacingBytes: 3..<99, with: "x")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .invalidEdit)
    }
    XCTAssertThrowsError(try document.edit(replacingBytes: -1..<0, with: "x"))
    XCTAssertEqual(document.text, "{\"a\": 1}")
    XCTAssertEqual(document.state, .parsed)
    document.replaceAll(with: "[1, 2")
    XCTAssertEqual(document.tree?.hasError, true)
    try document.edit(replacingBytes: 5..<5, with: "]")
    XCTAssertEqual(document.tree?.hasError, false)
  }

  func testOversizedInputIsRefusedByTheCap() throws {
    let grammar = try SyntaxFixtures.grammar("python")
    let limits = ParseLimits(maxBytes: 1_000, timeoutMicroseconds: 0)
    let big = String(repeating: "x = 1\n", count: 200)  // 1,200 bytes
    let document = SyntaxDocument(text: big, grammar: grammar, limits: limits)
    XCTAssertEqual(document.state, .tooLarge(byteCount: 1_200, limit: 1_000))
    XCTAssertNil(document.tree)
    // Shrinking below the cap brings the tree back; growing past it drops it again.
    try document.edit(replacingBytes: 0..<600, with: "")
    XCTAssertEqual(document.state, .parsed)
    XCTAssertEqual(document.tree?.rootNode.namedChildCount, 100)
    try document.edit(replacingBytes: 0..<0, with: big)
    XCTAssertEqual(document.state, .tooLarge(byteCount: 1_800, limit: 1_000))
    XCTAssertNil(document.tree)
    // The default cap is 4 MiB.
    XCTAssertEqual(ParseLimits.standard.maxBytes, 4 << 20)
  }

  func testParseOverTheTimeLimitIsAbandonedAndTheParserRecovers() throws {
    let grammar = try SyntaxFixtures.grammar("python")
    // ~1.7 MB of nested expressions: far more than 1 µs of work.
    let text = String(repeating: "value = ((a + b) * (c - d)) / [e, f, {g: h}]\n", count: 40_000)
    let document = SyntaxDocument(text: text, grammar: grammar, limits: ParseLimits(timeoutMicroseconds: 1))
    guard case .failed(let error) = document.state else {
      return XCTFail("expected the parse to time out, got \(document.state)")
    }
    XCTAssertEqual(error.code, .parseTimedOut)
    XCTAssertNil(document.tree)
    // The same grammar parses normally in a document with the default limit after that.
    let small = SyntaxDocument(text: "x = 1\n", grammar: grammar)
    XCTAssertEqual(small.state, .parsed)
  }
}
