import HunchCompletion
import XCTest

final class EvaluationTests: XCTestCase {
  func testEditSimilarity() {
    XCTAssertEqual(EvalMetrics.editDistance("kitten", "sitting"), 3)
    XCTAssertEqual(EvalMetrics.editDistance("", "abc"), 3)
    XCTAssertEqual(EvalMetrics.editSimilarity("abcd", "abcd"), 1)
    XCTAssertEqual(EvalMetrics.editSimilarity("", ""), 1)
    XCTAssertEqual(EvalMetrics.editSimilarity("abcd", "abXd"), 0.75, accuracy: 1e-9)
    XCTAssertEqual(EvalMetrics.editSimilarity("", "ab"), 0)
  }

  func testFirstLineAndRanPastBlock() {
    XCTAssertTrue(EvalMetrics.firstLineExact(completion: "x = 1  \ny", expected: "x = 1\nz"))
    XCTAssertFalse(EvalMetrics.firstLineExact(completion: "x = 2", expected: "x = 1"))
    let prefix = "def f():\n    "
    XCTAssertFalse(EvalMetrics.ranPastBlock(completion: "a = 1\n    return a", expected: "return 1", prefix: prefix, suffix: "\n\ndef g(): pass"))
    XCTAssertTrue(EvalMetrics.ranPastBlock(completion: "return 1\n\ndef g():", expected: "return 1", prefix: prefix, suffix: "\n"))
    XCTAssertTrue(
      EvalMetrics.ranPastBlock(
        completion: "return 1\n    close()", expected: "return 1", prefix: prefix, suffix: "\n    close()\n"))
    let braces = "class A {\n  "
    XCTAssertFalse(
      EvalMetrics.ranPastBlock(
        completion: "f() {\n    g()\n  }", expected: "f() {\n    h()", prefix: braces, suffix: "\n}\n"),
      "a nested closer is not the block's")
    XCTAssertTrue(
      EvalMetrics.ranPastBlock(completion: "f()\n}", expected: "f()", prefix: braces, suffix: "\n}\n"))
  }

  func testPercentilesAndSummary() {
    XCTAssertEqual(EvalMetrics.percentile([5, 1, 3, 2, 4], 0.5), 3)
    XCTAssertEqual(EvalMetrics.percentile(Array(1...100).map(Double.init), 0.95), 95)
    XCTAssertEqual(EvalMetrics.percentile([], 0.5), 0)
    func outcome(_ language: String, _ kind: EvalCase.Kind, exact: Bool, past: Bool, ms: Double) -> EvalOutcome {
      EvalOutcome(
        id: "x", language: language, kind: kind, completion: "", firstLineExact: exact, editSimilarity: exact ? 1 : 0.5,
        ranPastBlock: past, stopReason: "dedent", promptTokens: 1, generatedTokens: 1, milliseconds: ms, error: nil)
    }
    let groups = EvalMetrics.summarize([
      outcome("python", .singleLine, exact: true, past: false, ms: 10),
      outcome("python", .singleLine, exact: false, past: false, ms: 30),
      outcome("python", .block, exact: true, past: true, ms: 50),
      outcome("swift", .block, exact: true, past: false, ms: 70),
    ])
    let pythonLines = groups.first { $0.language == "python" && $0.kind == "single-line" }
    XCTAssertEqual(pythonLines?.cases, 2)
    XCTAssertEqual(pythonLines?.firstLineExact, 0.5)
    XCTAssertEqual(pythonLines?.editSimilarity, 0.75)
    XCTAssertNil(pythonLines?.ranPastBlock)
    XCTAssertEqual(pythonLines?.latencyP50Milliseconds, 10)
    XCTAssertEqual(pythonLines?.latencyP95Milliseconds, 30)
    let allBlocks = groups.first { $0.language == "all" && $0.kind == "block" }
    XCTAssertEqual(allBlocks?.ranPastBlock, 0.5)
    XCTAssertEqual(groups.last?.cases, 4)
    XCTAssertEqual(groups.last?.stopReasons["dedent"], 4)
  }

  func testLoadsCasesAndReportsBadLines() throws {
    let line = #"{"id":"a","language":"python","kind":"block","prefix":"def f():\n    ","suffix":"\n","expected":"return 1"}"#
    let cases = try EvalCase.load(jsonl: line + "\n\n", source: "t.jsonl")
    XCTAssertEqual(cases.first?.kind, .block)
    XCTAssertThrowsError(try EvalCase.load(jsonl: line + "\n{\"id\": 1}\n", source: "t.jsonl")) { error in
      XCTAssertEqual((error as? CompletionError)?.code, .badEvalCase)
      XCTAssertTrue(String(describing: error).contains("t.jsonl:2"))
    }
  }

  func testRunnerScoresAReplayedCase() throws {
    let item = EvalCase(
      id: "c", language: "python", kind: .block, prefix: "def f(x):\n    ", suffix: "\n\ndef g():\n    pass\n",
      expected: "y = x * 2\n    return y")
    // A model that writes the hole and then keeps going through the rest of the file: the stop rules must cut it.
    let model = ScriptedCompletionModel(
      specialTokens: qwenSpecials, script: ScriptedCompletionModel.pieces(of: item.expected + item.suffix))
    let outcome = EvalRunner(engine: CompletionEngine(), oracle: PlainTextSyntaxOracle()).run(item, model: model)
    XCTAssertNil(outcome.error)
    XCTAssertEqual(outcome.completion, item.expected)
    XCTAssertTrue(outcome.firstLineExact)
    XCTAssertEqual(outcome.editSimilarity, 1)
    XCTAssertFalse(outcome.ranPastBlock)
    XCTAssertEqual(outcome.stopReason, "dedent")
  }
}
