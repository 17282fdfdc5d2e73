import XCTest

@testable import HunchCompletion

/// Every clean-up rule, each in Python, Swift and JavaScript.
final class CleanupTests: XCTestCase {
  func testTrailingWhitespaceIsStripped() throws {
    let python = try complete("x = ‸\n", language: "python", output: "compute(1)   ")
    XCTAssertEqual(python.text, "compute(1)")
    let swift = try complete("func f() {\n  ‸\n}\n", language: "swift", output: "a()  \n  b()\t\n\n")
    XCTAssertEqual(swift.text, "a()\n  b()")
    let js = try complete("function f() {\n  ‸\n}\n", language: "javascript", output: "a(); \n  b();   \n  ")
    XCTAssertEqual(js.text, "a();\n  b();")
  }

  func testOverlapWithTheSuffixIsTrimmed() {
    let python = CompletionCleanup(shape: .line, suffix: ")\nprint(2)", linePrefix: "print(")
    XCTAssertEqual(python.trimmingSuffixOverlap("\"hi\")"), "\"hi\"")
    XCTAssertEqual(python.trimmingSuffixOverlap("f(a)"), "f(a)", "its own closer stays")
    let swift = CompletionCleanup(
      shape: .block(headerIndent: 0, suffixClosesBlock: true), suffix: "\n}\n", linePrefix: "  ")
    XCTAssertEqual(swift.trimmingSuffixOverlap("return 1\n}"), "return 1")
    let js = CompletionCleanup(shape: .line, suffix: "]);\n", linePrefix: "run([")
    XCTAssertEqual(js.trimmingSuffixOverlap("1, 2]);"), "1, 2")
    XCTAssertEqual(js.trimmingSuffixOverlap("1, 2"), "1, 2")
  }

  func testOverlapTrimmedThroughTheEngine() throws {
    // A model that ignores the right text and ends with the suffix's own characters.
    let python = try complete("items = sorted(‸)\n", language: "python", output: "data, key=len)")
    XCTAssertEqual(python.text, "data, key=len")
    let swift = try complete("let n = max(‸)\n", language: "swift", output: "a, b)")
    XCTAssertEqual(swift.text, "a, b")
    let js = try complete("const n = Math.max(‸);\n", language: "javascript", output: "a, b);")
    XCTAssertEqual(js.text, "a, b")
  }

  func testBracketsTheCompletionOpenedAreClosed() throws {
    let python = try complete("x = ‸\n", language: "python", output: "compute(a, [1, 2")
    XCTAssertEqual(python.text, "compute(a, [1, 2])")
    let swift = try complete("let x = ‸\n", language: "swift", output: "compute(a, b")
    XCTAssertEqual(swift.text, "compute(a, b)")
    let js = try complete("function f() {\n  ‸\n}\n", language: "javascript", output: "if (x) {\n    go();")
    XCTAssertEqual(js.text, "if (x) {\n    go();\n  }")
  }

  func testNoCloserTheSuffixAlreadyHas() throws {
    // The suffix's `)` closes the `f(` typed before the cursor, so the completion's own opener still needs closing…
    let python = try complete("x = f(‸)\n", language: "python", output: "g(1")
    XCTAssertEqual(python.text, "g(1)")
    let swift = try complete("let x = f(‸)\n", language: "swift", output: "[1, 2")
    XCTAssertEqual(swift.text, "[1, 2]")
    let js = try complete("const x = [‸];\n", language: "javascript", output: "f(1")
    XCTAssertEqual(js.text, "f(1)")
    // … but a closer the suffix has beyond those is not emitted again.
    let pythonSurplus = try complete("x = f(‸))\n", language: "python", output: "g(1")
    XCTAssertEqual(pythonSurplus.text, "g(1")
    let swiftSurplus = try complete("let x = f(‸))\n", language: "swift", output: "g(1")
    XCTAssertEqual(swiftSurplus.text, "g(1")
    let jsSurplus = try complete("const x = [‸]];\n", language: "javascript", output: "[1")
    XCTAssertEqual(jsSurplus.text, "[1")
  }

  func testACompletionThatRetypesExistingTextIsDropped() throws {
    let python = try complete("x = 1\n‸\ny = compute(x)\n", language: "python", output: "y = compute(x)\n")
    XCTAssertEqual(python.text, "")
    let swift = try complete("func f() {\n  ‸\n  return 1\n}\n", language: "swift", output: "return 1")
    XCTAssertEqual(swift.text, "")
    let js = try complete("const a = 1;\n‸const b = 2;\n", language: "javascript", output: "const b = 2;")
    XCTAssertEqual(js.text, "")
    let kept = try complete("x = 1\n‸\ny = compute(x)\n", language: "python", output: "z = 2\n")
    XCTAssertEqual(kept.text, "z = 2")
  }

  func testBlockBeforeAClosingBraceOnTheSameLineEndsOnItsOwnLine() throws {
    let swift = try complete("func f() -> Int {‸}\n", language: "swift", output: "\n  return 1\n")
    XCTAssertEqual(swift.text, "\n  return 1\n")
    let js = try complete("function f() {‸}\n", language: "javascript", output: "\n  return 1;")
    XCTAssertEqual(js.text, "\n  return 1;\n")
  }

  /// An oracle that counts one error per occurrence of a marker, to watch the candidate choice.
  struct MarkerOracle: SyntaxOracle {
    var marker: String
    func cursorContext(text: String, cursor: Int, languageID: String) -> CursorContext {
      PlainTextSyntaxOracle().cursorContext(text: text, cursor: cursor, languageID: languageID)
    }
    func definitions(text: String, languageID: String) -> [SyntaxDefinition] { [] }
    func errorCount(text: String, languageID: String) -> Int {
      text.components(separatedBy: marker).count - 1
    }
  }

  func testPrefersTheCandidateThatParsesCleanly() throws {
    // Python's plain oracle counts a header without a body as an error: the unfinished last line is dropped.
    let python = try complete("def f(x):\n    ‸\n", language: "python", output: "y = x * 2\n    if y > 2:")
    XCTAssertEqual(python.text, "y = x * 2")
    XCTAssertGreaterThan(python.result.diagnostics.candidates, 1)
    // With an oracle that dislikes `broken`, the candidate without the last line wins in Swift and JavaScript too.
    for (language, source, output, expected) in [
      ("swift", "func f() {\n  ‸\n}\n", "let a = 1\n  broken", "let a = 1"),
      ("javascript", "function f() {\n  ‸\n}\n", "const a = 1;\n  broken", "const a = 1;"),
    ] {
      let (text, cursor) = document(source)
      let model = ScriptedCompletionModel(
        specialTokens: qwenSpecials, script: ScriptedCompletionModel.pieces(of: output) + ["<|endoftext|>"])
      let result = try CompletionEngine().complete(
        CompletionRequest(document: OpenDocument(path: "a", languageID: language, text: text), cursor: cursor),
        model: model, oracle: MarkerOracle(marker: "broken"))
      XCTAssertEqual(result.text, expected, language)
    }
    XCTAssertEqual(
      CompletionEngine.preferParsing(
        ["a broken", "a", "b"], prefix: "", suffix: "", languageID: "x", oracle: MarkerOracle(marker: "broken")), "a")
  }

  func testReplacementRangeAndCursorErrors() throws {
    let completed = try complete("x = ‸   \ny = 2\n", language: "python", output: "1")
    XCTAssertEqual(completed.result.replacing, 4..<7, "trailing blanks right of the cursor are replaced")
    let plain = try complete("x = ‸\n", language: "python", output: "1")
    XCTAssertEqual(plain.result.replacing, 4..<4)
    let model = ScriptedCompletionModel(specialTokens: qwenSpecials, script: ["1"])
    let engine = CompletionEngine()
    let request = CompletionRequest(document: OpenDocument(path: "a", languageID: "python", text: "é = 1"), cursor: 1)
    XCTAssertThrowsError(try engine.complete(request, model: model, oracle: PlainTextSyntaxOracle())) { error in
      XCTAssertEqual((error as? CompletionError)?.code, .cursorInsideCharacter)
    }
    let outside = CompletionRequest(document: OpenDocument(path: "a", languageID: "python", text: "x"), cursor: 9)
    XCTAssertThrowsError(try engine.complete(outside, model: model, oracle: PlainTextSyntaxOracle())) { error in
      XCTAssertEqual((error as? CompletionError)?.code, .cursorOutOfRange)
    }
  }

  func testUnknownLanguageFallsBackToPlainText() throws {
    let completed = try complete("proc main() =\n  echo ‸\n", language: "nimble-unknown", output: "\"hi\"\n  quit()")
    XCTAssertEqual(completed.text, "\"hi\"")
    XCTAssertEqual(completed.reason, .endOfLine)
  }
}

final class CleanupContinuationTests: XCTestCase {
  func testAnOpenerEndingTheLineIsLeftForTheLinesBelow() throws {
    let python = try complete(
      "def f():\n    raise ‸\n        \"message\")\n", language: "python", output: "ValueError(")
    XCTAssertEqual(python.text, "ValueError(")
    let swift = try complete("struct A {\n  enum ‸\n    case a\n  }\n}\n", language: "swift", output: "Kind {")
    XCTAssertEqual(swift.text, "Kind {")
    let js = try complete("const f = async (args) => ‸\n  go(args)\n}\n", language: "javascript", output: "{")
    XCTAssertEqual(js.text, "{")
  }

  func testAStatementClosedOnTheNextLinesIsNotClosedTwice() throws {
    let python = try complete("x = ‸\n    b)\n", language: "python", output: "f(a,")
    XCTAssertEqual(python.text, "f(a,")
    let swift = try complete("let x = ‸\n  b)\n", language: "swift", output: "f(a,")
    XCTAssertEqual(swift.text, "f(a,")
    let js = try complete("const x = ‸\n  b]);\n", language: "javascript", output: "f([a,")
    XCTAssertEqual(js.text, "f([a,")
  }

  func testACutOffBlockLosesItsUnfinishedLastLine() throws {
    var config = CompletionConfig()
    config.maxBlockTokens = 12
    for (language, source, output, expected) in [
      ("python", "def f(x):\n    ‸\n", "y = x + 1\n    return compute(y, x, 1, 2)", "y = x + 1"),
      ("swift", "func f(x: Int) {\n  ‸\n}\n", "let y = x + 1\n  print(y, x, 1, 2)", "let y = x + 1"),
      ("javascript", "function f(x) {\n  ‸\n}\n", "const y = x + 1;\n  log(y, x, 1, 2);", "const y = x + 1;"),
    ] {
      let completed = try complete(source, language: language, output: output, config: config)
      XCTAssertEqual(completed.reason, .maxTokens, language)
      XCTAssertEqual(completed.text, expected, language)
    }
  }

  func testOnlyTheNextLineCountsAsRepeatingTheSuffix() throws {
    // The body's second line equals a line of the `else` branch further down: it is kept.
    let python = try complete(
      "if ok:\n    ‸\nelse:\n    log(x)\n", language: "python", output: "run(x)\n    log(x)")
    XCTAssertEqual(python.text, "run(x)\n    log(x)")
    let swift = try complete(
      "if ok {\n    ‸\n} else {\n    log(x)\n}\n", language: "swift", output: "run(x)\n    log(x)")
    XCTAssertEqual(swift.text, "run(x)\n    log(x)")
    let js = try complete(
      "if (ok) {\n    ‸\n} else {\n    log(x);\n}\n", language: "javascript", output: "run(x);\n    log(x);")
    XCTAssertEqual(js.text, "run(x);\n    log(x);")
  }
}

final class HeldBackWhitespaceTests: XCTestCase {
  func testAnIndentationOnlyLineLeavesThePromptAndTheModelsCopyLeavesTheOutput() throws {
    for heals in [false, true] {
      for (language, source, output, expected, promptEnd) in [
        ("python", "def f(x):\n    y = x\n    ‸\n", "    return y", "return y", "    y = x\n<|fim_suffix|>"),
        ("swift", "func f() -> Int {\n  let y = 1\n  ‸\n}\n", "  return y", "return y", "  let y = 1\n<|fim_suffix|>"),
        (
          "javascript", "function f() {\n  let y = 1;\n  ‸\n}\n", "  return y;", "return y;",
          "  let y = 1;\n<|fim_suffix|>"
        ),
      ] {
        let completed = try complete(source, language: language, output: output, healsPromptEnd: heals)
        XCTAssertEqual(completed.text, expected, "\(language) heals \(heals)")
        XCTAssertTrue(completed.model.lastPromptText.contains(promptEnd), "\(language) heals \(heals)")
      }
    }
    // In an empty body, a first line the model leaves empty is dropped with the indentation.
    let block = try complete("def f(x):\n    ‸\n", language: "python", output: "\n    return x")
    XCTAssertEqual(block.text, "return x")
    var keep = CompletionConfig()
    keep.holdBackTrailingWhitespace = false
    let kept = try complete("def f(x):\n    ‸\n", language: "python", output: "return x", config: keep)
    XCTAssertTrue(kept.model.lastPromptText.contains("def f(x):\n    <|fim_suffix|>"))
    XCTAssertEqual(kept.text, "return x")
  }

  func testBlanksAfterCodeAreHeldBackOnlyFromAModelThatDoesNotHeal() throws {
    for (language, source, held, kept) in [
      ("python", "def f(x):\n    return ‸\n", "    return<|fim_suffix|>", "    return <|fim_suffix|>"),
      ("swift", "func f() -> Int {\n  return ‸\n}\n", "  return<|fim_suffix|>", "  return <|fim_suffix|>"),
      ("javascript", "function f() {\n  return ‸\n}\n", "  return<|fim_suffix|>", "  return <|fim_suffix|>"),
    ] {
      // A remote server cannot heal: the blank is held back and the model's copy of it removed.
      let remote = try complete(source, language: language, output: " x")
      XCTAssertEqual(remote.text, "x", language)
      XCTAssertTrue(remote.model.lastPromptText.contains(held), language)
      // The local engine heals: the user typed the blank, so the completion starts after it, and the word before it
      // is not the model's to finish.
      let local = try complete(source, language: language, output: "x", healsPromptEnd: true)
      XCTAssertEqual(local.text, "x", language)
      XCTAssertTrue(local.model.lastPromptText.contains(kept), language)
    }
    // Without the model's copy, nothing is lost; a held-back single blank removes at most one.
    let plain = try complete("x = ‸\n", language: "python", output: "1")
    XCTAssertEqual(plain.text, "1")
    let indented = try complete("x = ‸\n", language: "python", output: "   1")
    XCTAssertEqual(indented.text, "  1")
  }
}
