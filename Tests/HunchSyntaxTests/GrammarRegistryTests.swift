import Foundation
import HunchSyntax
import XCTest

final class GrammarRegistryTests: XCTestCase {
  func testMissingGrammarsFolderMeansPlainTextNotACrash() throws {
    let missing = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-no-such-\(UUID().uuidString)")
    let registry = GrammarRegistry(directory: missing)
    XCTAssertFalse(registry.folderExists)
    XCTAssertTrue(registry.isPlainTextOnly)
    XCTAssertEqual(registry.problems.first?.code, .grammarsFolderMissing)
    XCTAssertNil(registry.grammar(forPath: "/src/app.py", languageId: "python"))
    XCTAssertThrowsError(try registry.grammar(named: "python")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .grammarsFolderMissing)
    }
    // A document without a grammar still tracks text and positions.
    let document = SyntaxDocument(text: "print('hi')\nx = 1\n", grammar: nil)
    XCTAssertEqual(document.state, .plainText)
    XCTAssertNil(document.tree)
    try document.edit(replacingBytes: 0..<5, with: "echo")
    XCTAssertEqual(document.text, "echo('hi')\nx = 1\n")
    XCTAssertEqual(document.point(forByteOffset: 12), SyntaxPoint(row: 1, column: 1))
  }

  func testManifestLinesLocalOverridesAndBadLines() throws {
    let directory = try SyntaxFixtures.temporaryDirectory(self)
    try """
    # name\textensions\tlsp_ids\tlibrary\tsymbol
    python\tpy,PYI\tpython\tlibtree-sitter-python.so\ttree_sitter_python
    broken line without tabs
    escape\tx\tx\t../evil.so\ttree_sitter_x
    ruby\trb\truby\tlibtree-sitter-ruby.so\ttree_sitter_ruby
    """.write(to: directory.appendingPathComponent("manifest.tsv"), atomically: true, encoding: .utf8)
    try "ruby\trb,rake\truby\tmy-ruby.so\ttree_sitter_ruby_fork\n"
      .write(to: directory.appendingPathComponent("local.tsv"), atomically: true, encoding: .utf8)
    // An unlisted library is offered under its file name.
    try Data().write(to: directory.appendingPathComponent("libtree-sitter-zig.so"))

    let registry = GrammarRegistry(directory: directory)
    XCTAssertEqual(registry.entries.map(\.name), ["python", "ruby", "zig"])
    XCTAssertEqual(registry.problems.map(\.code), [.manifestInvalid, .manifestInvalid])
    XCTAssertEqual(registry.entry(named: "ruby")?.libraryFile, "my-ruby.so")
    XCTAssertEqual(registry.entry(named: "ruby")?.origin, .local)
    XCTAssertEqual(registry.entry(named: "zig")?.symbol, "tree_sitter_zig")
    XCTAssertEqual(registry.entry(named: "zig")?.origin, .discovered)

    XCTAssertEqual(registry.entry(forPath: "/a/b/Stubs.PYI")?.name, "python")
    XCTAssertEqual(registry.entry(forPath: "file:///tmp/Rakefile.rake")?.name, "ruby")
    XCTAssertNil(registry.entry(forPath: "/a/b/Makefile"))
    XCTAssertNil(registry.entry(forPath: "/a/.bashrc"))
    XCTAssertEqual(registry.detect(path: "notes.txt", languageId: "python")?.name, "python")
    XCTAssertEqual(registry.detect(path: "script.py", languageId: "plaintext")?.name, "python")

    XCTAssertThrowsError(try registry.grammar(named: "python")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .libraryMissing)
    }
    XCTAssertThrowsError(try registry.grammar(named: "zig")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .libraryLoadFailed)  // an empty file is no shared library
    }
    XCTAssertThrowsError(try registry.grammar(named: "cobol")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .unknownLanguage)
    }
  }

  func testWrongSymbolAndIncompatibleABIAreRefused() throws {
    let compiler = "/usr/bin/cc"
    guard FileManager.default.isExecutableFile(atPath: compiler) else { throw XCTSkip("no C compiler at \(compiler)") }
    let directory = try SyntaxFixtures.temporaryDirectory(self)
    // TSLanguage starts with its uint32 ABI version; 15 is newer than libtree-sitter 0.20.7 accepts.
    let source = directory.appendingPathComponent("future.c")
    try """
    static const struct { unsigned version; unsigned padding[64]; } language = { 15, {0} };
    const void *tree_sitter_future(void) { return &language; }
    """.write(to: source, atomically: true, encoding: .utf8)
    let library = directory.appendingPathComponent("libtree-sitter-future.so")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: compiler)
    process.arguments = ["-shared", "-fPIC", "-o", library.path, source.path]
    try process.run()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    try
      ("future\tfut\tfuture\tlibtree-sitter-future.so\ttree_sitter_future\n"
      + "renamed\trn\trenamed\tlibtree-sitter-future.so\ttree_sitter_renamed\n")
      .write(to: directory.appendingPathComponent("local.tsv"), atomically: true, encoding: .utf8)

    let registry = GrammarRegistry(directory: directory)
    XCTAssertThrowsError(try registry.grammar(named: "future")) { error in
      let syntaxError = error as? SyntaxError
      XCTAssertEqual(syntaxError?.code, .incompatibleABI)
      XCTAssertTrue(syntaxError?.message.contains("ABI 15") ?? false, syntaxError?.message ?? "")
    }
    XCTAssertThrowsError(try registry.grammar(named: "renamed")) { error in
      XCTAssertEqual((error as? SyntaxError)?.code, .symbolMissing)
    }
    // Refusal is cached, not retried, and leaves the file as plain text.
    XCTAssertNil(registry.grammar(forPath: "x.fut", languageId: nil))
  }

  func testBuiltFolderOffersAndLoadsTheRequiredLanguages() throws {
    let registry = try SyntaxFixtures.builtRegistry()
    let outcomes = registry.loadAll()
    for (entry, result) in outcomes {
      if case .failure(let error) = result { XCTFail("\(entry.name) does not load: \(error)") }
    }
    let loaded = Set(outcomes.compactMap { try? $0.result.get().name })
    for language in SyntaxFixtures.requiredLanguages {
      XCTAssertTrue(loaded.contains(language), "\(language) missing from \(registry.directory.path)")
    }
    for grammar in outcomes.compactMap({ try? $0.result.get() }) {
      XCTAssertTrue(Grammar.supportedABIVersions.contains(grammar.abiVersion))
      XCTAssertGreaterThan(grammar.symbolCount, 0)
    }
    XCTAssertEqual(registry.entry(forLanguageId: "typescriptreact")?.name, "tsx")
    XCTAssertEqual(registry.entry(forPath: "main.swift")?.name, "swift")
    XCTAssertEqual(registry.entry(forPath: "lib.rs")?.name, "rust")
    XCTAssertEqual(registry.grammar(forPath: "x.go", languageId: nil)?.name, "go")
  }
}
