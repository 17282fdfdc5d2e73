import Foundation
import HunchCompletion
import HunchRuntime
import HunchSyntax
import HunchTestSupport
import XCTest

/// The whole completion path with the real default model: context, prompt, generation, stop rules, prompt reuse.
final class CompletionServiceTests: XCTestCase {
  nonisolated(unsafe) static var shared: CompletionService?

  private func service() throws -> CompletionService {
    if let shared = Self.shared { return shared }
    let path = try TestModels.require("qwen2.5-coder-0.5b")
    let service = CompletionService(settings: LocalModelSettings(modelPath: path))
    try service.load()
    Self.shared = service
    return service
  }

  private func sample() throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return try String(contentsOf: root.appendingPathComponent("samples/inventory.py"), encoding: .utf8)
  }

  /// Byte offset just after `marker` in `text`.
  private func offset(after marker: String, in text: String) throws -> Int {
    let range = try XCTUnwrap(text.range(of: marker))
    return text.utf8.distance(from: text.utf8.startIndex, to: range.upperBound)
  }

  func testCompletesTheSampleInOneLine() throws {
    let text = try sample()
    let cursor = try offset(after: "\"\"\"Price times quantity.\"\"\"\n        return ", in: text)
    let document = OpenDocument(path: "inventory.py", languageID: "python", text: text)
    let (result, _) = try service().complete(CompletionRequest(document: document, cursor: cursor))
    XCTAssertFalse(result.text.isEmpty)
    XCTAssertFalse(result.text.contains("\n"), "a single-line spot gets one line: \(result.text)")
    XCTAssertTrue(result.text.contains("price") && result.text.contains("quantity"), result.text)
    XCTAssertEqual(result.replacing, cursor..<cursor)
  }

  /// Typing one more character: the second request reuses almost the whole prompt and answers exactly as a cold
  /// run on the same prompt would.
  func testOneMoreCharacterReusesThePrompt() throws {
    let base = try sample()
    let cursor = try offset(after: "\"\"\"Price times quantity.\"\"\"\n        return ", in: base)
    let service = try service()
    let first = OpenDocument(path: "inventory.py", languageID: "python", text: base)
    let (_, firstStats) = try service.complete(CompletionRequest(document: first, cursor: cursor))
    var typed = base
    typed.insert("s", at: typed.utf8.index(typed.utf8.startIndex, offsetBy: cursor))
    let second = OpenDocument(path: "inventory.py", languageID: "python", text: typed)
    let (warm, warmStats) = try service.complete(CompletionRequest(document: second, cursor: cursor + 1))
    let fraction = Double(warmStats.promptTokensComputed) / Double(max(1, firstStats.promptTokensComputed))
    print("prompt tokens computed: first \(firstStats.promptTokensComputed), one character later "
      + "\(warmStats.promptTokensComputed) (\(Int(fraction * 1000)) per mille), reused \(warmStats.promptTokensReused)")
    XCTAssertLessThan(fraction, 0.05)

    let cold = CompletionService(settings: LocalModelSettings(modelPath: try TestModels.require("qwen2.5-coder-0.5b")))
    let (coldResult, coldStats) = try cold.complete(CompletionRequest(document: second, cursor: cursor + 1))
    XCTAssertEqual(coldStats.promptTokensReused, 0)
    XCTAssertEqual(warm.text, coldResult.text)
  }

  func testEmptyBlockBodyGetsABlockThatStops() throws {
    let text = "import math\n\n\ndef circle_area(radius):\n    \n\n\ndef main():\n    print(circle_area(2))\n"
    let cursor = try offset(after: "def circle_area(radius):\n    ", in: text)
    let document = OpenDocument(path: "geometry.py", languageID: "python", text: text)
    let (result, _) = try service().complete(CompletionRequest(document: document, cursor: cursor))
    XCTAssertTrue(result.diagnostics.shape.isBlock, "\(result.diagnostics.shape)")
    XCTAssertFalse(result.text.isEmpty)
    XCTAssertFalse(result.text.contains("def main"), "the block must stop before the next function: \(result.text)")
    XCTAssertFalse(result.text.contains("```"))
  }

  /// The server decodes speculatively (the previous suggestion and prompt lookup as drafters): the completions must
  /// be exactly those of plain decoding, and the previous suggestion must actually be drafted from.
  func testSpeculativeCompletionsEqualPlainOnes() throws {
    let text = try sample()
    var plainSettings = LocalModelSettings(modelPath: try TestModels.require("qwen2.5-coder-0.5b"))
    plainSettings.speculative = false
    let plain = CompletionService(settings: plainSettings)
    let speculative = try service()
    var accepted = 0
    for marker in ["def add(self, item: Item) -> None:\n        self.", "\"\"\"Price times quantity.\"\"\"\n        return "] {
      let cursor = try offset(after: marker, in: text)
      for typed in ["", "s"] {
        var edited = text
        edited.insert(contentsOf: typed, at: edited.utf8.index(edited.utf8.startIndex, offsetBy: cursor))
        let request = CompletionRequest(
          document: OpenDocument(path: "inventory.py", languageID: "python", text: edited),
          cursor: cursor + typed.utf8.count)
        let (expected, _) = try plain.complete(request)
        let (actual, stats) = try speculative.complete(request)
        XCTAssertEqual(actual.text, expected.text, "after \(marker.debugDescription) + \(typed.debugDescription)")
        accepted += stats.drafters.reduce(0) { $0 + $1.accepted }
      }
    }
    XCTAssertGreaterThan(accepted, 0, "no drafted token was ever accepted")
  }
}
