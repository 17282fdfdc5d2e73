import Foundation
import HunchCompletion
import HunchRuntime
import HunchSyntax
import XCTest

/// The tree-sitter oracle's view of the cursor, as the engine's shape decision and stop rules use it.
final class TreeSitterSyntaxOracleTests: XCTestCase {
  private func oracle() throws -> TreeSitterSyntaxOracle {
    let registry = GrammarRegistry.standard()
    guard registry.entry(named: "python") != nil, registry.entry(named: "javascript") != nil else {
      throw XCTSkip("python and javascript grammars are not installed: run scripts/setup-grammars.sh")
    }
    return TreeSitterSyntaxOracle(registry: registry)
  }

  private func shape(_ text: String, at marker: String, language: String) throws -> CompletionShape {
    let range = try XCTUnwrap(text.range(of: marker))
    let cursor = text.utf8.distance(from: text.utf8.startIndex, to: range.lowerBound)
    let document = text.replacingOccurrences(of: marker, with: "")
    let context = try oracle().cursorContext(text: document, cursor: cursor, languageID: language)
    let before = Array(document.utf8.prefix(cursor))
    let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
    let linePrefix = String(decoding: before[lineStart...], as: UTF8.self)
    return CompletionShape.decide(
      context: context, linePrefix: linePrefix, lineSuffix: "", text: document, cursor: cursor, policy: .automatic)
  }

  /// In an empty `if` body inside a function, the block ends where the `if` ends, not where the function does.
  func testTheInnermostBlockHeaderBoundsABlockInPython() throws {
    let text = "def lookup(cache, name):\n    if name in cache:\n        ‸\n    return None\n"
    XCTAssertEqual(try shape(text, at: "‸", language: "python"), .block(headerIndent: 4, suffixClosesBlock: false))
    let function = "def lookup(cache, name):\n    ‸\n"
    XCTAssertEqual(try shape(function, at: "‸", language: "python"), .block(headerIndent: 0, suffixClosesBlock: false))
  }

  func testTheInnermostBlockHeaderBoundsABlockInJavaScript() throws {
    let text = "function run(items) {\n  for (const item of items) {\n    ‸\n  }\n  return items\n}\n"
    XCTAssertEqual(
      try shape(text, at: "‸", language: "javascript"), .block(headerIndent: 2, suffixClosesBlock: true))
  }
}
