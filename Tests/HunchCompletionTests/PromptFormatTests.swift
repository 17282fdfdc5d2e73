import HunchCompletion
import XCTest

final class PromptFormatTests: XCTestCase {
  func table(_ names: [String]) -> [String: Int32] {
    Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Int32(1000 + $0)) })
  }

  func testDetectsEachFamilyFromTheVocabulary() {
    let qwen = PromptFormat.detect(specialTokens: table(qwenSpecials))
    XCTAssertEqual(qwen.family, .qwen)
    XCTAssertEqual(qwen.prefix, 1001)
    XCTAssertEqual(qwen.middle, 1002)
    XCTAssertEqual(qwen.suffix, 1003)
    XCTAssertEqual(qwen.repoName, 1005)
    XCTAssertEqual(qwen.fileSeparator, 1006)
    XCTAssertTrue(qwen.stopTokens.isSuperset(of: [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1008]))
    XCTAssertFalse(qwen.stopTokens.contains(1007), "<|im_start|> is not a stop token")

    let starCoder = PromptFormat.detect(specialTokens: table(starCoderSpecials))
    XCTAssertEqual(starCoder.family, .starCoder)
    XCTAssertEqual(starCoder.fileSeparator, 1006)
    XCTAssertNil(starCoder.fileName)

    let starCoder1 = PromptFormat.detect(
      specialTokens: table(["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<filename>"]))
    XCTAssertEqual(starCoder1.family, .starCoder)
    XCTAssertEqual(starCoder1.fileName, 1004)

    let codeLlama = PromptFormat.detect(specialTokens: table(codeLlamaSpecials))
    XCTAssertEqual(codeLlama.family, .codeLlama)
    XCTAssertTrue(codeLlama.markersCarrySpace)
    XCTAssertTrue(codeLlama.stopTokens.contains(1005))

    let plainCodeLlama = PromptFormat.detect(specialTokens: table(["<PRE>", "<SUF>", "<MID>", "<EOT>"]))
    XCTAssertEqual(plainCodeLlama.family, .codeLlama)
    XCTAssertFalse(plainCodeLlama.markersCarrySpace)

    let smol = PromptFormat.detect(specialTokens: table(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]))
    XCTAssertEqual(smol.family, .prefixOnly)
    XCTAssertEqual(smol.stopTokens, [1000, 1002])
  }

  func testQwenRepositoryFramingPutsOtherFilesFirst() {
    let format = PromptFormat.detect(specialTokens: table(qwenSpecials))
    let pieces = format.pieces(
      repository: "shop", chunks: [ContextChunk(path: "a.py", text: "def a(): pass")], path: "b.py",
      prefix: "x = 1\n", suffix: "\ny = 2", currentLinePrefix: "z = ")
    XCTAssertEqual(
      pieces,
      [
        .special(1005), .text("shop\n"), .special(1006), .text("a.py\ndef a(): pass\n"), .special(1006),
        .text("b.py\n"), .special(1001), .text("x = 1\nz = "), .special(1003), .text("\ny = 2"), .special(1002),
      ])
  }

  func testCurrentLineAfterMiddleBehindAFlag() {
    let format = PromptFormat.detect(specialTokens: table(qwenSpecials))
    let pieces = format.pieces(
      repository: nil, chunks: [], path: nil, prefix: "x = 1\n", suffix: "", currentLinePrefix: "z = ",
      lineAfterMiddle: true)
    XCTAssertEqual(pieces, [.special(1001), .text("x = 1\n"), .special(1003), .special(1002), .text("z = ")])
  }

  func testStarCoderAndCodeLlamaLayouts() {
    let starCoder = PromptFormat.detect(specialTokens: table(starCoderSpecials))
    XCTAssertEqual(
      starCoder.pieces(repository: "r", chunks: [], path: "f.js", prefix: "a", suffix: "b"),
      [.special(1005), .text("r\n"), .special(1006), .text("f.js\n"), .special(1001), .text("a"), .special(1003),
        .text("b"), .special(1002)])
    let codeLlama = PromptFormat.detect(specialTokens: table(codeLlamaSpecials))
    XCTAssertEqual(
      codeLlama.pieces(repository: "r", chunks: [ContextChunk(path: "x", text: "y")], path: "f.js", prefix: "a",
        suffix: "b"),
      [.special(1002), .text("a"), .special(1004), .text("b"), .special(1003)])
    let plain = PromptFormat.detect(specialTokens: table(["<PRE>", "<SUF>", "<MID>"]))
    XCTAssertEqual(
      plain.pieces(repository: nil, chunks: [], path: nil, prefix: "a", suffix: "b"),
      [.special(1000), .text(" a "), .special(1001), .text("b "), .special(1002)])
  }

  func testPrefixOnlyPromptWithoutFIMTokens() {
    let format = PromptFormat.detect(specialTokens: table(["<|endoftext|>"]))
    XCTAssertEqual(
      format.pieces(repository: "r", chunks: [ContextChunk(path: "x", text: "y")], path: "p", prefix: "a\n",
        suffix: "b", currentLinePrefix: "c"),
      [.text("a\nc")])
  }

  func testSpecialTokenTextInTheFileIsTokenizedAsPlainText() throws {
    let marked = "s = \"<|fim_prefix|>\"\nt = ‸\nu = \"<|fim_middle|>\""
    let completed = try complete(marked, language: "python", output: "1")
    let prompt = completed.model.lastPrompt
    // Exactly one of each marker, by id; the file's copies became bytes.
    XCTAssertEqual(prompt.filter { $0 == 1001 }.count, 1)
    XCTAssertEqual(prompt.filter { $0 == 1002 }.count, 1)
    XCTAssertEqual(prompt.last, 1002)
    XCTAssertTrue(completed.model.lastPromptText.contains("s = \"<|fim_prefix|>\""))
    XCTAssertEqual(completed.text, "1")
  }

  func testBeginningOfTextIsPrepended() throws {
    let (text, cursor) = document("int x = ‸;")
    let model = ScriptedCompletionModel(specialTokens: codeLlamaSpecials, script: ["1", "▁<EOT>"], beginningOfText: "<s>")
    let result = try CompletionEngine().complete(
      CompletionRequest(document: OpenDocument(path: "a.c", languageID: "c", text: text), cursor: cursor),
      model: model, oracle: PlainTextSyntaxOracle())
    XCTAssertEqual(model.lastPrompt.first, 1000)
    XCTAssertEqual(model.lastPrompt[1], 1002)
    XCTAssertEqual(result.diagnostics.family, .codeLlama)
    XCTAssertEqual(result.diagnostics.stopReason, .stopToken)
    XCTAssertEqual(result.text, "1")
  }

  func testEnginePromptOrderForQwen() throws {
    let other = OpenDocument(path: "lib/price.py", languageID: "python", text: "def price(item):\n    return item.cost\n")
    let completed = try complete(
      "import lib\n\ndef total(items):\n    return sum(price(‸\n", language: "python", output: "i) for i in items)",
      others: [other], path: "shop/cart.py")
    XCTAssertEqual(
      completed.model.lastPromptText,
      "<|file_sep|>lib/price.py\ndef price(item):\n    return item.cost\n<|file_sep|>shop/cart.py\n"
        + "<|fim_prefix|>import lib\n\ndef total(items):\n    return sum(price(<|fim_suffix|>\n<|fim_middle|>")
  }
}
