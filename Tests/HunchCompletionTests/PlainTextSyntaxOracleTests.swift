import HunchCompletion
import XCTest

final class PlainTextSyntaxOracleTests: XCTestCase {
  let oracle = PlainTextSyntaxOracle()

  func context(_ marked: String, _ language: String) -> CursorContext {
    let (text, cursor) = document(marked)
    return oracle.cursorContext(text: text, cursor: cursor, languageID: language)
  }

  func testPythonScopesInnermostFirst() {
    let marked = """
      import os

      class Cart:
          def total(self,
                    tax):
              x = 1
              ‸
          def other(self):
              pass
      """
    let found = context(marked, "python")
    XCTAssertEqual(found.scopes.map(\.kind), ["def", "class"])
    XCTAssertEqual(found.scopes.map(\.headerLines), [3..<5, 2..<3])
    XCTAssertEqual(found.importLines, [0])
    XCTAssertFalse(found.isInEmptyBlockBody)
    XCTAssertFalse(found.isMidExpression)
  }

  func testSwiftAndJavaScriptScopes() {
    let swift = context("import Foundation\nstruct A {\n  func f() -> Int {\n    let x = 1\n    ‸\n  }\n}\n", "swift")
    XCTAssertEqual(swift.scopes.map(\.kind), ["func", "struct"])
    XCTAssertEqual(swift.importLines, [0])
    let (text, _) = document("import Foundation\nstruct A {\n  func f() -> Int {\n    let x = 1\n    ‸\n  }\n}\n")
    let bytes = Array(text.utf8)
    XCTAssertEqual(bytes[swift.scopes[0].body.upperBound - 1], UInt8(ascii: "}"))
    let js = context("const fs = require('fs');\nfunction f(a) {\n  if (a) {\n    ‸\n  }\n}\n", "javascript")
    XCTAssertEqual(js.scopes.map(\.kind), ["if", "function"])
    XCTAssertEqual(js.importLines, [0])
    XCTAssertTrue(js.isInEmptyBlockBody)
  }

  func testEmptyBlockBodies() {
    XCTAssertTrue(context("def f(x):\n    ‸\n\ny = 2\n", "python").isInEmptyBlockBody)
    XCTAssertTrue(context("def f(x):‸\n", "python").isInEmptyBlockBody)
    XCTAssertTrue(context("def f(x):\n‸", "python").isInEmptyBlockBody)
    XCTAssertFalse(context("def f(x):\n    ‸\n    return x\n", "python").isInEmptyBlockBody)
    XCTAssertTrue(context("func f() {‸}\n", "swift").isInEmptyBlockBody)
    XCTAssertTrue(context("func f() {\n  ‸\n}\n", "swift").isInEmptyBlockBody)
    XCTAssertFalse(context("func f() {\n  ‸\n  return 1\n}\n", "swift").isInEmptyBlockBody)
    XCTAssertTrue(context("function f() {\n  ‸\n}\n", "javascript").isInEmptyBlockBody)
    XCTAssertFalse(context("function f() {\n  g(‸\n}\n", "javascript").isInEmptyBlockBody)
  }

  func testMidExpressionAndStrings() {
    XCTAssertTrue(context("x = foo(‸", "python").isMidExpression)
    XCTAssertTrue(context("let y = a +‸", "swift").isMidExpression)
    XCTAssertFalse(context("let y = a;‸", "javascript").isMidExpression)
    XCTAssertTrue(context("x = \"abc‸", "python").isInStringOrComment)
    XCTAssertTrue(context("x = 1  # note ‸", "python").isInStringOrComment)
    XCTAssertTrue(context("let s = 1 // ‸", "swift").isInStringOrComment)
    XCTAssertTrue(context("/* block\n ‸", "javascript").isInStringOrComment)
    XCTAssertTrue(context("def f():\n    \"\"\"Doc\n    ‸", "python").isInStringOrComment)
    XCTAssertFalse(context("x = \"abc\" + ‸", "python").isInStringOrComment)
  }

  func testDefinitions() {
    let python = oracle.definitions(text: "import os\n\ndef a(x):\n    return x\n\nclass B:\n    def c(self): pass\n", languageID: "python")
    XCTAssertEqual(python.map(\.name), ["a", "B", "c"])
    XCTAssertEqual(python[0].text, "def a(x):\n    return x")
    let swift = oracle.definitions(text: "public struct P {\n  var x: Int\n}\nfunc g() -> Int { 1 }\n", languageID: "swift")
    XCTAssertEqual(swift.map(\.name), ["P", "g"])
    XCTAssertEqual(swift[0].text, "public struct P {\n  var x: Int\n}")
    let js = oracle.definitions(
      text: "export function h(a) {\n  return a;\n}\nconst k = (b) => b * 2;\nfunction z() {\n  const inner = 1;\n}\n",
      languageID: "javascript")
    XCTAssertEqual(js.map(\.name), ["h", "k", "z"])
  }

  func testErrorCounts() {
    XCTAssertEqual(oracle.errorCount(text: "def f(x):\n    return (x + 1)\n", languageID: "python"), 0)
    XCTAssertEqual(oracle.errorCount(text: "def f(x):\n    return (x + 1\n", languageID: "python"), 1)
    XCTAssertEqual(oracle.errorCount(text: "def f(x):\ny = 2\n", languageID: "python"), 1)
    XCTAssertEqual(oracle.errorCount(text: "func f() { g(\"(\") }", languageID: "swift"), 0)
    XCTAssertEqual(oracle.errorCount(text: "func f() { g() }}", languageID: "swift"), 1)
    XCTAssertEqual(oracle.errorCount(text: "function f() { // }\n", languageID: "javascript"), 1)
    XCTAssertTrue(oracle.parsesCleanly(text: "const a = [1, 2];", languageID: "javascript"))
  }
}
