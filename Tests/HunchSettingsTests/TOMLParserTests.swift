import XCTest

@testable import HunchSettings

final class TOMLParserTests: XCTestCase {
  func testScalarsCommentsAndTables() throws {
    let table = try TOMLParser.parse(
      """
      # Hunch settings
      model = "qwen2.5-coder-1.5b"   # trailing comment
      threads = 2
      big = 1_000_000
      hex = 0xff
      octal = 0o17
      binary = 0b101
      negative = -42
      ratio = 0.25
      exponent = 5e-3
      infinite = -inf
      speculative = true
      off = false
      'literal key' = 'C:\\path\\with\\backslashes'
      "quoted.key" = "tab\\there \\u00e9 \\U0001F600"

      [remote]
      url = "http://127.0.0.1:8080"
      timeout_ms = 2500

      [a.b.c]
      d = 1
      """)
    XCTAssertEqual(table["model"], .string("qwen2.5-coder-1.5b"))
    XCTAssertEqual(table["threads"], .integer(2))
    XCTAssertEqual(table["big"], .integer(1_000_000))
    XCTAssertEqual(table["hex"], .integer(255))
    XCTAssertEqual(table["octal"], .integer(15))
    XCTAssertEqual(table["binary"], .integer(5))
    XCTAssertEqual(table["negative"], .integer(-42))
    XCTAssertEqual(table["ratio"], .float(0.25))
    XCTAssertEqual(table["exponent"], .float(0.005))
    XCTAssertEqual(table["infinite"], .float(-.infinity))
    XCTAssertEqual(table["speculative"], .boolean(true))
    XCTAssertEqual(table["off"], .boolean(false))
    XCTAssertEqual(table["literal key"], .string("C:\\path\\with\\backslashes"))
    XCTAssertEqual(table["quoted.key"], .string("tab\there é 😀"))
    XCTAssertEqual(table["remote"], .table(["url": .string("http://127.0.0.1:8080"), "timeout_ms": .integer(2500)]))
    XCTAssertEqual(table["a"], .table(["b": .table(["c": .table(["d": .integer(1)])])]))
  }

  func testArraysInlineTablesDottedKeysAndArraysOfTables() throws {
    let table = try TOMLParser.parse(
      """
      list = [
        1, 2, # a comment inside
        3,
      ]
      nested = [[1, 2], ["a"]]
      point = { x = 1, y = { z = "deep" } }
      site.name = "hunch"
      site.port = 80

      [[servers]]
      host = "one"
      [[servers]]
      host = "two"
      """)
    XCTAssertEqual(table["list"], .array([.integer(1), .integer(2), .integer(3)]))
    XCTAssertEqual(table["nested"], .array([.array([.integer(1), .integer(2)]), .array([.string("a")])]))
    XCTAssertEqual(table["point"], .table(["x": .integer(1), "y": .table(["z": .string("deep")])]))
    XCTAssertEqual(table["site"], .table(["name": .string("hunch"), "port": .integer(80)]))
    XCTAssertEqual(
      table["servers"], .array([.table(["host": .string("one")]), .table(["host": .string("two")])]))
  }

  func testMultilineStrings() throws {
    let table = try TOMLParser.parse(
      "basic = \"\"\"\nfirst\nsecond \\\n    joined\"\"\"\nliteral = '''\nraw \\n stays'''\nquotes = \"\"\"a \"\"quoted\"\"\"\"\"\n")
    XCTAssertEqual(table["basic"], .string("first\nsecond joined"))
    XCTAssertEqual(table["literal"], .string("raw \\n stays"))
    XCTAssertEqual(table["quotes"], .string("a \"\"quoted\"\""))
  }

  func testCRLFLineEndingsAndByteOrderMark() throws {
    let table = try TOMLParser.parse("\u{FEFF}a = 1\r\n[t]\r\nb = \"x\"\r\n")
    XCTAssertEqual(table["a"], .integer(1))
    XCTAssertEqual(table["t"], .table(["b": .string("x")]))
  }

  func testErrorsNameTheLine() {
    let cases: [(String, Int, String)] = [
      ("a = 1\nb = \n", 2, "expected a value"),
      ("a = 1\na = 2\n", 2, "defined twice"),
      ("[t]\nx = 1\n[t]\n", 3, "defined twice"),
      ("a = \"open\n", 1, "not closed"),
      ("a = 1 b = 2\n", 1, "one key = value per line"),
      ("a = bare\n", 1, "not a value"),
      ("a = 1979-05-27\n", 1, "dates and times"),
      ("a = [1, 2\n", 2, "not closed"),
      ("a = 1__0\n", 1, "not a number"),
      ("a = 012\n", 1, "leading zeros"),
      ("a = \"\\q\"\n", 1, "unknown escape"),
      ("a = 1\na.b = 2\n", 2, "not a table"),
      ("x = { a = 1 }\n[x]\n", 2, "already defined"),
      ("= 3\n", 1, "expected a key"),
      ("a = \"\u{1}\"\n", 1, "control character"),
    ]
    for (text, line, fragment) in cases {
      XCTAssertThrowsError(try TOMLParser.parse(text), text) { error in
        guard let error = error as? SettingsError else { return XCTFail("\(text): \(error)") }
        XCTAssertEqual(error.code, .syntax, text)
        XCTAssertEqual(error.line, line, "\(text): \(error)")
        XCTAssertTrue(error.message.contains(fragment), "\(text): \(error.message)")
      }
    }
  }

  func testDeepNestingIsRefusedNotACrash() {
    let deep = "a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    XCTAssertThrowsError(try TOMLParser.parse(deep)) { error in
      XCTAssertTrue(String(describing: error).contains("nest"))
    }
  }

  func testRandomBytesNeverCrash() {
    // A linear congruential sequence: deterministic, so a failing input can be replayed.
    var state: UInt64 = 42
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33)
    }
    let alphabet = Array("ab=[]{}\"'.,#\n\r\\ 01e_+-tf\u{1}é".utf8)
    for _ in 0..<3_000 {
      let length = next() % 64
      let bytes = (0..<length).map { _ in alphabet[next() % alphabet.count] }
      _ = try? TOMLParser.parse(String(decoding: bytes, as: UTF8.self))
    }
  }
}
