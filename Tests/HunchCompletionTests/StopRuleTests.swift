import HunchCompletion
import XCTest

/// Every stop rule, each in Python, Swift and JavaScript, through the engine and a scripted model.
final class StopRuleTests: XCTestCase {
  struct Case {
    var language: String
    var source: String
    var output: String
    var expected: String
    var reason: StopReason
    var config = CompletionConfig()
  }

  func check(_ cases: [Case], file: StaticString = #filePath, line: UInt = #line) throws {
    for item in cases {
      let completed = try complete(item.source, language: item.language, output: item.output, config: item.config)
      XCTAssertEqual(completed.text, item.expected, "\(item.language)", file: file, line: line)
      XCTAssertEqual(completed.reason, item.reason, "\(item.language)", file: file, line: line)
      // Stopping early: nothing after the piece where the rule fired was asked for.
      if item.reason != .stopToken {
        XCTAssertLessThan(
          completed.model.delivered.count, ScriptedCompletionModel.pieces(of: item.output, specials: qwenSpecials).count,
          "\(item.language): generation did not stop early", file: file, line: line)
      }
    }
  }

  func testEndOfLineForSingleLineCompletions() throws {
    try check([
      Case(language: "python", source: "def f(a, b):\n    return ‸\n", output: "a + b\n\nprint(f(1, 2))",
        expected: "a + b", reason: .endOfLine),
      Case(language: "swift", source: "func f(a: Int, b: Int) -> Int {\n  return ‸\n}\n", output: "a + b\n}\nlet x = 1",
        expected: "a + b", reason: .endOfLine),
      Case(language: "javascript", source: "function f(a, b) {\n  return ‸\n}\n", output: "a + b;\n}\nf(1, 2);",
        expected: "a + b;", reason: .endOfLine),
    ])
  }

  func testFillsOnlyUpToTheTextRightOfTheCursor() throws {
    try check([
      Case(language: "python", source: "print(‸)\n", output: "\"hello\")\nprint(2)", expected: "\"hello\"",
        reason: .filledToRightText),
      Case(language: "python", source: "x = f(‸)\n", output: "g(1), h(2))\n", expected: "g(1), h(2)",
        reason: .filledToRightText),
      Case(language: "swift", source: "let x = max(‸)\n", output: "a, min(b, c))\n", expected: "a, min(b, c)",
        reason: .filledToRightText),
      Case(language: "javascript", source: "if (‸) {\n  go();\n}\n", output: "a && b) {\n  stop();",
        expected: "a && b", reason: .filledToRightText),
    ])
  }

  func testBlockStopsWhenALineDedentsOutOfIt() throws {
    try check([
      Case(language: "python", source: "class A:\n    def f(self, x):\n        ‸\n\nprint(1)\n",
        output: "y = x * 2\n        return y\n\n    def g(self):\n        pass", expected: "y = x * 2\n        return y",
        reason: .dedent),
      Case(language: "swift", source: "func f(x: Int) -> Int {\n  ‸\n}\n", output: "let y = x * 2\n  return y\nfunc g() {}",
        expected: "let y = x * 2\n  return y", reason: .dedent),
      Case(language: "javascript", source: "function f(x) {\n  ‸\n}\n",
        output: "const y = x * 2;\n  return y;\nfunction g() {}", expected: "const y = x * 2;\n  return y;",
        reason: .dedent),
    ])
  }

  func testBlockStopsWhenTheEnclosingNodeCloses() throws {
    try check([
      // The document already has the closer: stop before the model's copy.
      Case(language: "swift", source: "struct A {\n  func f() -> Int {\n    ‸\n  }\n}\n",
        output: "let y = 2\n    return y\n  }\n\n  func g() {}", expected: "let y = 2\n    return y", reason: .blockClosed),
      Case(language: "javascript", source: "class A {\n  f() {\n    ‸\n  }\n}\n",
        output: "const y = 2;\n    return y;\n  }\n  g() {}", expected: "const y = 2;\n    return y;",
        reason: .blockClosed),
      // The document lacks the closer: keep the model's, then stop.
      Case(language: "swift", source: "func f() -> Int {‸", output: "\n  return 1\n}\n\nfunc g() {}",
        expected: "\n  return 1\n}", reason: .blockClosed),
      Case(language: "javascript", source: "function f() {‸", output: "\n  return 1;\n}\n\nfunction g() {}",
        expected: "\n  return 1;\n}", reason: .blockClosed),
      // Python closes a block by dedenting: a dedent to the header's column closes the function.
      Case(language: "python", source: "def f():‸", output: "\n    return 1\ndef g():\n    pass",
        expected: "\n    return 1", reason: .dedent),
    ])
  }

  func testStopTokensEndTheCompletion() throws {
    try check([
      Case(language: "python", source: "x = ‸\n", output: "1<|endoftext|> + 2", expected: "1", reason: .stopToken),
      Case(language: "swift", source: "let x = ‸\n", output: "1<|file_sep|>main.swift", expected: "1", reason: .stopToken),
      Case(language: "javascript", source: "const x = ‸;\n", output: "1<|fim_pad|>", expected: "1", reason: .stopToken),
    ])
  }

  func testMarkdownFenceStops() throws {
    try check([
      Case(language: "python", source: "def f(x):\n    ‸\n", output: "return x\n```\n\nThis returns x.",
        expected: "return x", reason: .markdownFence),
      Case(language: "swift", source: "func f() {\n  ‸\n}\n", output: "print(1)\n  ```swift\n  print(2)",
        expected: "print(1)", reason: .markdownFence),
      Case(language: "javascript", source: "function f() {\n  ‸\n}\n", output: "```javascript\n  go();",
        expected: "", reason: .markdownFence),
    ])
  }

  func testProseAfterCodeStops() throws {
    var topLevel = CompletionConfig()
    topLevel.shapePolicy = .block
    try check([
      Case(language: "python", source: "import os\n‸", output: "x = 1\ny = 2\nThis code sets two variables.\nprint(x)",
        expected: "x = 1\ny = 2", reason: .prose, config: topLevel),
      Case(language: "python", source: "def f(x):\n    ‸\n", output: "return x\n    Note: x is returned.\n    pass",
        expected: "return x", reason: .prose),
      Case(language: "swift", source: "func f() {\n  ‸\n}\n", output: "print(1)\n  Explanation: prints one\n  x()",
        expected: "print(1)", reason: .prose),
      Case(language: "javascript", source: "import fs from 'fs';\n‸", output: "fs.readFileSync('a');\nHere is the code that reads a file.\nfs.x();",
        expected: "fs.readFileSync('a');", reason: .prose, config: topLevel),
    ])
  }

  func testProseInsideADocstringOrCommentDoesNotStop() throws {
    let completed = try complete(
      "def f(x):\n    ‸\n", language: "python",
      output: "\"\"\"\n    This function returns the value given.\n    \"\"\"\n    return x")
    XCTAssertEqual(completed.text, "\"\"\"\n    This function returns the value given.\n    \"\"\"\n    return x")
    XCTAssertEqual(completed.reason, .stopToken)
    let comment = try complete(
      "function f(x) {\n  ‸\n}\n", language: "javascript", output: "/*\n   This function returns the value.\n  */\n  return x;")
    XCTAssertEqual(comment.text, "/*\n   This function returns the value.\n  */\n  return x;")
  }

  func testRepeatingTheLinesBelowStops() throws {
    var block = CompletionConfig()
    block.shapePolicy = .block
    try check([
      Case(language: "python", source: "def f(x):\n    ‸\n    return y\n", output: "y = x * 2\n    return y\n    pass",
        expected: "y = x * 2", reason: .repeatsSuffix, config: block),
      Case(language: "swift", source: "func f(x: Int) -> Int {\n  ‸\n  return y\n}\n",
        output: "let y = x * 2\n  return y\n}", expected: "let y = x * 2", reason: .repeatsSuffix, config: block),
      Case(language: "javascript", source: "function f(x) {\n  ‸\n  return y;\n}\n",
        output: "const y = x * 2;\n  return y;\n}", expected: "const y = x * 2;", reason: .repeatsSuffix, config: block),
    ])
  }

  func testBlockLineLimitAndTokenLimit() throws {
    var limited = CompletionConfig()
    limited.maxBlockLines = 2
    var fewTokens = CompletionConfig()
    fewTokens.maxTokens = 2
    try check([
      Case(language: "python", source: "def f():\n    ‸\n", output: "a = 1\n    b = 2\n    c = 3\n    d = 4",
        expected: "a = 1\n    b = 2", reason: .maxLines, config: limited),
      Case(language: "swift", source: "func f() {\n  ‸\n}\n", output: "a()\n  b()\n  c()\n  d()",
        expected: "a()\n  b()", reason: .maxLines, config: limited),
      Case(language: "javascript", source: "function f() {\n  ‸\n}\n", output: "a();\n  b();\n  c();\n  d();",
        expected: "a();\n  b();", reason: .maxLines, config: limited),
      Case(language: "python", source: "x = ‸\n", output: "alpha + beta", expected: "alpha", reason: .maxTokens,
        config: fewTokens),
    ])
  }

  func testCancellationBetweenTokens() throws {
    let (text, cursor) = document("let x = ‸\n")
    let model = ScriptedCompletionModel(specialTokens: qwenSpecials, script: ["1", " +", " 2"])
    var calls = 0
    let result = try CompletionEngine().complete(
      CompletionRequest(document: OpenDocument(path: "a.swift", languageID: "swift", text: text), cursor: cursor),
      model: model, oracle: PlainTextSyntaxOracle(),
      isCancelled: {
        calls += 1
        return calls > 1
      })
    XCTAssertEqual(result.diagnostics.stopReason, .cancelled)
    XCTAssertEqual(result.text, "")
    XCTAssertEqual(model.delivered, ["1"])
  }
}
