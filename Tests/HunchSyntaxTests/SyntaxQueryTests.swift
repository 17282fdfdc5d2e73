import Foundation
import HunchSyntax
import XCTest

final class SyntaxQueryTests: XCTestCase {
  private func definitions(_ language: String) throws -> (SyntaxTree, [SyntaxDefinition], SyntaxQuery) {
    let registry = try SyntaxFixtures.builtRegistry()
    let grammar = try SyntaxFixtures.grammar(language)
    let document = SyntaxDocument(text: try SyntaxFixtures.sampleText(language), grammar: grammar)
    let tree = try XCTUnwrap(document.tree)
    let query = try registry.query(.tags, for: grammar)
    return (tree, query.definitions(in: tree), query)
  }

  private func pairs(_ definitions: [SyntaxDefinition]) -> [String] { definitions.map { "\($0.kind) \($0.name)" } }

  func testPythonTags() throws {
    let (tree, found, query) = try definitions("python")
    let names = pairs(found)
    for expected in [
      "class Item", "method price_with_tax", "class Inventory", "method __init__", "method add", "method total_value",
      "method from_json", "function load_inventory", "variable TAX_RATE", "field price",
    ] {
      XCTAssertTrue(names.contains(expected), "\(expected) not in \(names)")
    }
    XCTAssertFalse(names.contains("function add"), "a method must not also be reported as a function")
    for definition in found {
      XCTAssertEqual(tree.text(inByteRange: definition.nameByteRange), definition.name)
      XCTAssertTrue(definition.byteRange.contains(definition.nameByteRange.lowerBound))
    }
    XCTAssertEqual(found.first { $0.name == "total_value" }?.headerText, "def total_value(self) -> float:")
    XCTAssertEqual(found.first { $0.name == "Inventory" }?.headerText, "class Inventory:")

    // The cursor inside Inventory.add: enclosing scopes are the class, then the method.
    let cursor = try XCTUnwrap(String(decoding: tree.source, as: UTF8.self).byteOffset(of: "current + count"))
    let enclosing = query.enclosingDefinitions(in: tree, atByteOffset: cursor)
    XCTAssertEqual(pairs(enclosing), ["class Inventory", "method add"])
    XCTAssertEqual(
      enclosing.map(\.headerText), ["class Inventory:", "def add(self, item: Item, count: int = 1) -> None:"])
    XCTAssertEqual(query.enclosingDefinitions(in: tree, atByteOffset: 0).count, 0)
  }

  func testSwiftTags() throws {
    let (tree, found, query) = try definitions("swift")
    let names = pairs(found)
    for expected in [
      "interface Shape", "struct Circle", "enum Unit", "class Canvas", "constructor init", "method add",
      "method totalArea", "extension Canvas", "method describe", "function makeCanvas", "property radius",
      "enum_case metres",
    ] {
      XCTAssertTrue(names.contains(expected), "\(expected) not in \(names)")
    }
    XCTAssertEqual(found.first { $0.name == "makeCanvas" }?.headerText, "func makeCanvas(radii: [Double]) -> Canvas")
    let cursor = try XCTUnwrap(String(decoding: tree.source, as: UTF8.self).byteOffset(of: "shapes.append"))
    XCTAssertEqual(pairs(query.enclosingDefinitions(in: tree, atByteOffset: cursor)), ["class Canvas", "method add"])
  }

  func testJavaScriptTags() throws {
    let (_, found, _) = try definitions("javascript")
    let names = pairs(found)
    for expected in [
      "class EventEmitter", "method constructor", "method on", "method off", "method emit", "function createQueue",
      "function next", "function enqueue", "function formatBytes", "variable DEFAULT_LIMIT",
    ] {
      XCTAssertTrue(names.contains(expected), "\(expected) not in \(names)")
    }
    XCTAssertFalse(names.contains("variable formatBytes"), "an arrow function binding is a function, not a variable")
  }

  func testEveryShippedTagsQueryCompilesAndFindsDefinitions() throws {
    let registry = try SyntaxFixtures.builtRegistry()
    let languages = try FileManager.default.contentsOfDirectory(atPath: SyntaxFixtures.repositoryQueries.path).sorted()
    XCTAssertTrue(Set(languages).isSuperset(of: ["python", "swift", "javascript", "typescript", "rust", "go", "c"]))
    for language in languages where registry.entry(named: language) != nil {
      let grammar = try registry.grammar(named: language)
      let query = try registry.query(.tags, for: grammar)
      let tree = try XCTUnwrap(SyntaxDocument(text: try SyntaxFixtures.sampleText(language), grammar: grammar).tree)
      let found = query.definitions(in: tree)
      XCTAssertGreaterThanOrEqual(found.count, 3, "\(language): \(pairs(found))")
      XCTAssertTrue(found.allSatisfy { !$0.name.isEmpty && !$0.headerText.isEmpty }, language)
    }
  }

  func testCapturesCarryNamesAndByteRanges() throws {
    let grammar = try SyntaxFixtures.grammar("python")
    let text = "import os\nx = os.path\ny = x\n"
    let tree = try XCTUnwrap(SyntaxDocument(text: text, grammar: grammar).tree)
    let query = try SyntaxQuery(
      grammar: grammar, source: "(assignment left: (identifier) @target right: (_) @value)")
    XCTAssertEqual(query.captureNames, ["target", "value"])
    XCTAssertEqual(query.patternCount, 1)
    let captures = query.captures(in: tree)
    XCTAssertEqual(captures.map(\.name), ["target", "value", "target", "value"])
    XCTAssertEqual(captures.map(\.text), ["x", "os.path", "y", "x"])
    XCTAssertEqual(captures[1].byteRange, 14..<21)
    // A byte range limits the search to matches touching it.
    XCTAssertEqual(query.captures(in: tree, byteRange: 21..<27).map(\.text), ["y", "x"])
  }

  func testTextPredicatesFilterMatches() throws {
    let grammar = try SyntaxFixtures.grammar("python")
    let text = "def _hidden(): pass\ndef shown(): pass\ndef other(): pass\n"
    let tree = try XCTUnwrap(SyntaxDocument(text: text, grammar: grammar).tree)
    func names(_ predicate: String) throws -> [String] {
      let query = try SyntaxQuery(
        grammar: grammar, source: "((function_definition name: (identifier) @n) \(predicate))")
      return query.captures(in: tree).map(\.text)
    }
    XCTAssertEqual(try names("(#match? @n \"^_\")"), ["_hidden"])
    XCTAssertEqual(try names("(#not-match? @n \"^_\")"), ["shown", "other"])
    XCTAssertEqual(try names("(#eq? @n \"shown\")"), ["shown"])
    XCTAssertEqual(try names("(#not-eq? @n \"shown\")"), ["_hidden", "other"])
    XCTAssertEqual(try names("(#any-of? @n \"other\" \"_hidden\")"), ["_hidden", "other"])
  }

  func testInvalidQueriesGiveTypedErrors() throws {
    let grammar = try SyntaxFixtures.grammar("python")
    XCTAssertThrowsError(try SyntaxQuery(grammar: grammar, source: "(no_such_node) @x")) { error in
      let syntaxError = error as? SyntaxError
      XCTAssertEqual(syntaxError?.code, .queryInvalid)
      XCTAssertTrue(syntaxError?.message.contains("unknown node type") ?? false, "\(String(describing: syntaxError))")
    }
    XCTAssertThrowsError(try SyntaxQuery(grammar: grammar, source: "(identifier @x")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .queryInvalid)
    }
    XCTAssertThrowsError(try SyntaxQuery(grammar: grammar, source: "((identifier) @x (#match? @x \"[\"))")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .queryInvalid)
    }
    let registry = GrammarRegistry(
      directory: GrammarRegistry.defaultDirectory(), queryDirectories: [try SyntaxFixtures.temporaryDirectory(self)])
    XCTAssertThrowsError(try registry.query(.tags, for: grammar)) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .queryMissing)
    }
  }
}

final class IdentifierTests: XCTestCase {
  func testIdentifiersNearTheCursorAndTheirDefinitions() throws {
    let registry = try SyntaxFixtures.builtRegistry()
    let grammar = try SyntaxFixtures.grammar("python")
    let text = try SyntaxFixtures.sampleText("python")
    let tree = try XCTUnwrap(SyntaxDocument(text: text, grammar: grammar).tree)
    // The body of load_inventory.
    let start = try XCTUnwrap(text.byteOffset(of: "    with open(path"))
    let end = try XCTUnwrap(text.byteOffset(of: "\n\n\nif __name__"))
    let names = tree.identifiers(inByteRange: start..<end).map(\.text)
    XCTAssertEqual(names, ["open", "path", "encoding", "handle", "Inventory", "from_json", "handle", "read"])
    XCTAssertTrue(
      tree.identifiers(inByteRange: start..<end).allSatisfy { start - 1 <= $0.startByte && $0.startByte <= end })
    // Looking the used names up among the file's definitions finds the class and its static method.
    let defined = try registry.query(.tags, for: grammar).definitions(in: tree)
    let used = Set(names)
    XCTAssertEqual(defined.filter { used.contains($0.name) }.map(\.name), ["Inventory", "from_json"])
  }

  func testIdentifierKindsAcrossGrammars() throws {
    let grammar = try SyntaxFixtures.grammar("rust")
    let text = "fn area(s: &Shape) -> f64 { s.width * s.height }\n"
    let tree = try XCTUnwrap(SyntaxDocument(text: text, grammar: grammar).tree)
    let nodes = tree.identifiers(inByteRange: 0..<text.utf8.count)
    XCTAssertEqual(nodes.map(\.text), ["area", "s", "Shape", "s", "width", "s", "height"])
    XCTAssertEqual(Set(nodes.map(\.type)), ["identifier", "type_identifier", "field_identifier"])
  }
}
