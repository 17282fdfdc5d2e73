import HunchCompletion
import XCTest

final class CompletionShapeTests: XCTestCase {
  func shape(_ marked: String, _ language: String, policy: ShapePolicy = .automatic) -> CompletionShape {
    let (text, cursor) = document(marked)
    let context = PlainTextSyntaxOracle().cursorContext(text: text, cursor: cursor, languageID: language)
    let prefixLine = String(text.prefix(cursor).split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
    let suffixLine = String(
      String(text.dropFirst(text.prefix(cursor).count)).split(separator: "\n", omittingEmptySubsequences: false).first
        ?? "")
    return CompletionShape.decide(
      context: context, linePrefix: prefixLine, lineSuffix: suffixLine, text: text, cursor: cursor, policy: policy)
  }

  func testEmptyBodyIsABlock() {
    XCTAssertEqual(shape("class A:\n    def f(self):\n        ‸\n", "python"), .block(headerIndent: 4, suffixClosesBlock: false))
    XCTAssertEqual(shape("def f(self):‸", "python"), .block(headerIndent: 0, suffixClosesBlock: false))
    XCTAssertEqual(shape("struct A {\n  func f() {\n    ‸\n  }\n}\n", "swift"), .block(headerIndent: 2, suffixClosesBlock: true))
    XCTAssertEqual(shape("func f() {‸", "swift"), .block(headerIndent: 0, suffixClosesBlock: false))
    XCTAssertEqual(shape("func f() {‸}", "swift"), .block(headerIndent: 0, suffixClosesBlock: true))
    XCTAssertEqual(shape("if (x) {\n  ‸\n}\n", "javascript"), .block(headerIndent: 0, suffixClosesBlock: true))
  }

  func testMidExpressionIsTheRestOfTheLine() {
    XCTAssertEqual(shape("def f(x):\n    return x +‸\n", "python"), .line)
    XCTAssertEqual(shape("let total = items.‸\n", "swift"), .line)
    XCTAssertEqual(shape("const total = items.‸\n", "javascript"), .line)
  }

  func testTextRightOfTheCursorIsFilledUpTo() {
    XCTAssertEqual(shape("print(‸)\n", "python"), .fillLine(rightText: ")"))
    XCTAssertEqual(shape("let x = f(‸) + 1\n", "swift"), .fillLine(rightText: ") + 1"))
    XCTAssertEqual(shape("if (‸) {\n", "javascript"), .fillLine(rightText: ") {"))
  }

  func testPolicies() {
    XCTAssertEqual(shape("def f(self):\n    ‸\n", "python", policy: .singleLine), .line)
    XCTAssertEqual(shape("x = 1\n‸\n", "python"), .line)
    XCTAssertEqual(shape("x = 1\n‸\n", "python", policy: .block), .block(headerIndent: -1, suffixClosesBlock: false))
    XCTAssertEqual(shape("def f():\n    \"\"\"‸\n", "python"), .line, "inside a string")
  }
}
