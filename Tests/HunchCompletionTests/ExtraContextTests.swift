import HunchCompletion
import XCTest

final class ExtraContextTests: XCTestCase {
  let selector = ExtraContextSelector(budget: PromptBudget(countTokens: { $0.utf8.count }))
  let oracle = PlainTextSyntaxOracle()

  func testIdentifiersNearestFirst() {
    let names = ExtraContextSelector.identifiersNearCursor(
      prefixLines: ["far = 1", "near = compute(far)"], currentLine: "total = price(", suffixLines: ["after()"],
      window: 2)
    XCTAssertEqual(names, ["total", "price", "near", "compute", "far", "after"])
  }

  func checkSelectsDefinitions(language: String, library: String, used: [String], unused: String) {
    let document = OpenDocument(path: "lib.\(language)", languageID: language, text: library)
    let chunks = selector.select(
      identifiers: used, documents: [document], oracle: oracle, promptText: "", tokenBudget: 400)
    XCTAssertEqual(chunks.count, 1, language)
    let text = chunks.first?.text ?? ""
    XCTAssertFalse(text.contains(unused), "\(language): an unused definition was picked")
    for name in used { XCTAssertTrue(text.contains(name), "\(language): \(name) missing") }
    // Stable order: the order of the file, whatever the order of use.
    let reversed = selector.select(
      identifiers: used.reversed(), documents: [document], oracle: oracle, promptText: "", tokenBudget: 400)
    XCTAssertEqual(reversed, chunks, language)
  }

  func testDefinitionsOfUsedIdentifiersInThreeLanguages() {
    checkSelectsDefinitions(
      language: "python", library: "def price(item):\n    return item.cost\n\ndef unused():\n    pass\n\ndef tax(x):\n    return x * 0.2\n",
      used: ["tax", "price"], unused: "unused")
    checkSelectsDefinitions(
      language: "swift", library: "func price(_ item: Item) -> Int {\n  item.cost\n}\nfunc unused() {}\nstruct Tax {\n  var rate: Double\n}\n",
      used: ["Tax", "price"], unused: "unused")
    checkSelectsDefinitions(
      language: "javascript", library: "function price(item) {\n  return item.cost;\n}\nfunction unused() {}\nconst tax = (x) => x * 0.2;\n",
      used: ["tax", "price"], unused: "unused")
  }

  func testDeduplicatesAgainstThePromptAndAcrossBuffers() {
    let definition = "def price(item):\n    return item.cost"
    let first = OpenDocument(path: "a.py", languageID: "python", text: definition + "\n")
    let second = OpenDocument(path: "b.py", languageID: "python", text: definition + "\n\ndef tax(x):\n    return x\n")
    let chunks = selector.select(
      identifiers: ["price", "tax"], documents: [first, second], oracle: oracle, promptText: "", tokenBudget: 400)
    XCTAssertEqual(chunks.map(\.path), ["a.py", "b.py"])
    XCTAssertEqual(chunks[0].text, definition)
    XCTAssertEqual(chunks[1].text, "def tax(x):\n    return x", "the copy of price in b.py is not repeated")
    // Already in the prompt (whitespace aside): nothing to add.
    let none = selector.select(
      identifiers: ["price"], documents: [first], oracle: oracle,
      promptText: "x = 1\ndef price(item):\n        return item.cost\n", tokenBudget: 400)
    XCTAssertEqual(none, [])
  }

  func testRecentEditsAndBudget() {
    let lines = (0..<20).map { "let v\($0) = \($0)" }
    let document = OpenDocument(
      path: "e.swift", languageID: "swift", text: lines.joined(separator: "\n"), recentEdits: [10..<11, 2..<3])
    let chunks = selector.select(
      identifiers: [], documents: [document], oracle: oracle, promptText: "", tokenBudget: 400)
    XCTAssertEqual(chunks.count, 1)
    XCTAssertEqual(
      chunks[0].text, (lines[0..<5] + lines[8..<13]).joined(separator: "\n"), "file order, two lines around each")
    // With room for one region only, the most recent edit wins.
    let small = selector.select(identifiers: [], documents: [document], oracle: oracle, promptText: "", tokenBudget: 62)
    XCTAssertEqual(small.map(\.text), [lines[8..<13].joined(separator: "\n")])
  }

  func testEngineAddsOtherBuffersInStableOrder() throws {
    let helper = OpenDocument(
      path: "src/util.js", languageID: "javascript", text: "function clamp(x, lo, hi) {\n  return Math.min(hi, Math.max(lo, x));\n}\n")
    let model = OpenDocument(path: "src/a.js", languageID: "javascript", text: "function area(r) {\n  return r * r;\n}\n")
    let completed = try complete(
      "function draw(r) {\n  const a = area(clamp(r, 0, 10‸\n}\n", language: "javascript", output: "));",
      others: [helper, model], path: "src/draw.js")
    let prompt = completed.model.lastPromptText
    let aIndex = try XCTUnwrap(prompt.range(of: "<|file_sep|>src/a.js\n"))
    let utilIndex = try XCTUnwrap(prompt.range(of: "<|file_sep|>src/util.js\n"))
    let ownIndex = try XCTUnwrap(prompt.range(of: "<|file_sep|>src/draw.js\n<|fim_prefix|>"))
    XCTAssertLessThan(aIndex.lowerBound, utilIndex.lowerBound)
    XCTAssertLessThan(utilIndex.lowerBound, ownIndex.lowerBound)
    XCTAssertEqual(completed.result.diagnostics.contextChunks, 2)
    XCTAssertEqual(completed.text, "));")
  }
}
