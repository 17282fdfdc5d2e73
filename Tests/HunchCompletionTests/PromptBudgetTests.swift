import HunchCompletion
import XCTest

final class PromptBudgetTests: XCTestCase {
  let budget = PromptBudget(countTokens: { $0.utf8.count })

  func lines(_ text: String) -> [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

  func testEverythingFitsUntouched() {
    let all = lines("a\nbb\nccc")
    XCTAssertEqual(
      budget.keptPrefixLines(lines: all, currentLinePrefix: "x", budget: 100, scopeHeaderLines: [], importLines: []),
      [0, 1, 2])
  }

  /// A long body above the cursor inside a function of a class: the class and function headers and the imports stay,
  /// the far body lines go, the nearest lines stay, whole lines only.
  func checkKeepsHeaders(language: String, source: String, headerTexts: [String], importText: String) throws {
    let (text, cursor) = document(source)
    let context = PlainTextSyntaxOracle().cursorContext(text: text, cursor: cursor, languageID: language)
    var all = lines(String(text.prefix(cursor)))
    let current = all.removeLast()
    let headers = context.scopes.flatMap { Array($0.headerLines) }
    let kept = budget.keptPrefixLines(
      lines: all, currentLinePrefix: current, budget: 160, scopeHeaderLines: headers, importLines: context.importLines)
    let keptText = kept.map { all[$0] }
    for header in headerTexts { XCTAssertTrue(keptText.contains(header), "\(language): \(header) dropped") }
    XCTAssertTrue(keptText.contains(importText), "\(language): import dropped")
    XCTAssertLessThan(kept.count, all.count)
    XCTAssertEqual(kept.last, all.count - 1, "the line above the cursor stays")
    XCTAssertFalse(keptText.contains(where: { $0.contains("filler 0 ") }), "\(language): the far body stays")
    XCTAssertLessThanOrEqual(kept.map { all[$0].utf8.count + 1 }.reduce(0, +) + current.utf8.count, 160)
    // The window near the cursor is contiguous.
    let window = kept.drop { !keptText[kept.firstIndex(of: $0) ?? 0].contains("filler") }
    XCTAssertEqual(Array(window), Array((window.first ?? 0)...(window.last ?? 0)))
  }

  func testKeepsScopeHeadersInPythonSwiftAndJavaScript() throws {
    let filler = (0..<20).map { "        value\($0) = filler \($0) + 1" }.joined(separator: "\n")
    try checkKeepsHeaders(
      language: "python", source: "import os\n\nclass Cart:\n    def total(self):\n\(filler)\n        ‸",
      headerTexts: ["class Cart:", "    def total(self):"], importText: "import os")
    let swiftFiller = (0..<20).map { "    let value\($0) = filler \($0) + 1" }.joined(separator: "\n")
    try checkKeepsHeaders(
      language: "swift", source: "import Foundation\n\nstruct Cart {\n  func total() -> Int {\n\(swiftFiller)\n    ‸",
      headerTexts: ["struct Cart {", "  func total() -> Int {"], importText: "import Foundation")
    let jsFiller = (0..<20).map { "    const value\($0) = filler \($0) + 1;" }.joined(separator: "\n")
    try checkKeepsHeaders(
      language: "javascript", source: "const fs = require('fs');\n\nclass Cart {\n  total() {\n\(jsFiller)\n    ‸",
      headerTexts: ["class Cart {"], importText: "const fs = require('fs');")
  }

  func testSuffixIsCutFromItsFarEnd() {
    let below = ["line one", "line two", "line three", "line four"]
    let count = budget.keptSuffixLineCount(rightOfCursor: ")", linesBelow: below, budget: 1 + 9 + 9 + 5)
    XCTAssertEqual(count, 2)
    XCTAssertEqual(budget.keptSuffixLineCount(rightOfCursor: ")", linesBelow: below, budget: 0), 0)
  }

  func testEngineTrimsAtLineBoundariesAndReportsDroppedLines() throws {
    var config = CompletionConfig()
    config.prefixTokens = 120
    config.suffixTokens = 30
    let body = (0..<30).map { "    total += item\($0)" }.joined(separator: "\n")
    let after = (0..<10).map { "print(\($0))" }.joined(separator: "\n")
    let completed = try complete(
      "import math\n\ndef total(items):\n\(body)\n    return ‸\n\(after)", language: "python", output: "total",
      config: config)
    let prompt = completed.model.lastPromptText
    let prefixPart = prompt.components(separatedBy: "<|fim_prefix|>")[1].components(separatedBy: "<|fim_suffix|>")[0]
    let suffixPart = prompt.components(separatedBy: "<|fim_suffix|>")[1].components(separatedBy: "<|fim_middle|>")[0]
    XCTAssertTrue(prefixPart.hasPrefix("import math\ndef total(items):\n"))
    XCTAssertTrue(prefixPart.hasSuffix("    total += item29\n    return"), "the blank after return is held back")
    XCTAssertFalse(prefixPart.contains("item0\n"))
    for line in prefixPart.split(separator: "\n").dropLast() {
      XCTAssertTrue(line.hasPrefix("    total += item") || line == "import math" || line == "def total(items):")
    }
    XCTAssertTrue(suffixPart.hasPrefix("\nprint(0)\nprint(1)"))
    XCTAssertFalse(suffixPart.contains("print(9)"))
    XCTAssertTrue(suffixPart.hasSuffix(")"), "cut after a whole line")
    XCTAssertGreaterThan(completed.result.diagnostics.prefixLinesDropped, 0)
    XCTAssertGreaterThan(completed.result.diagnostics.suffixLinesDropped, 0)
    XCTAssertEqual(completed.text, "total")
  }
}
