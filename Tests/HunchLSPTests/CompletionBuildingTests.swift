import XCTest

@testable import HunchLSP

final class CompletionBuildingTests: XCTestCase {
  private func document(_ text: String) -> TextDocument {
    TextDocument(uri: "file:///t.py", languageID: "python", version: 1, text: text)
  }

  func testPopupItemStartsWithTheTypedWordAndReplacesIt() {
    let doc = document("x = pri")
    let builder = CompletionItemBuilder(document: doc, encoding: .utf16)
    let item = builder.popupItem(.insertion("nt(x)", at: 7), snippetSupport: true)
    XCTAssertEqual(item.label, "print(x)")
    XCTAssertEqual(item.filterText, "print(x)")
    XCTAssertEqual(item.insertTextFormat, 1)
    XCTAssertEqual(item.textEdit?.newText, "print(x)")
    XCTAssertEqual(item.textEdit?.range, Range(start: .init(line: 0, character: 4), end: .init(line: 0, character: 7)))
    XCTAssertEqual(item.documentation?.value, "```python\nprint(x)\n```")
  }

  func testMultilineSuggestionBecomesAnEscapedSnippetOnlyWhenSupported() {
    let doc = document("def f():\n    ")
    let builder = CompletionItemBuilder(document: doc, encoding: .utf16)
    let suggestion = CompletionSuggestion.insertion("return {'$a': 1}\n# \\done", at: 13)
    let snippet = builder.popupItem(suggestion, snippetSupport: true)
    XCTAssertEqual(snippet.insertTextFormat, 2)
    XCTAssertEqual(snippet.textEdit?.newText, "return {'\\$a': 1\\}\n# \\\\done")
    XCTAssertEqual(snippet.label, "return {'$a': 1} …")
    let plain = builder.popupItem(suggestion, snippetSupport: false)
    XCTAssertEqual(plain.insertTextFormat, 1)
    XCTAssertEqual(plain.textEdit?.newText, "return {'$a': 1}\n# \\done")
  }

  func testInlineItemRangeIsInTheNegotiatedEncoding() {
    let doc = document("s = '😀' + ab")
    let cursor = doc.bytes.count
    let item = CompletionItemBuilder(document: doc, encoding: .utf16)
      .inlineItem(CompletionSuggestion(text: "abc", replacing: (cursor - 2)..<cursor))
    XCTAssertEqual(item.insertText, "abc")
    XCTAssertEqual(item.range, Range(start: .init(line: 0, character: 11), end: .init(line: 0, character: 13)))
  }

  func testWordStartStopsAtPunctuationAndKeepsNonASCIILetters() {
    XCTAssertEqual(CompletionItemBuilder.wordStart(in: Array("a.bc_1".utf8), before: 6), 2)
    XCTAssertEqual(CompletionItemBuilder.wordStart(in: Array("(größe".utf8), before: 8), 1)
    XCTAssertEqual(CompletionItemBuilder.wordStart(in: Array("x ".utf8), before: 2), 2)
  }

  func testTypingThroughASuggestionIsAnsweredFromIt() {
    var cache = SuggestionCache()
    var doc = document("value = ")
    cache.remember(.insertion("compute(1)", at: 8), for: doc)
    XCTAssertEqual(cache.continuation(in: doc, cursor: 8), .insertion("compute(1)", at: 8))
    doc.replace(8..<8, with: Array("comp".utf8))
    XCTAssertEqual(cache.continuation(in: doc, cursor: 12), .insertion("ute(1)", at: 12))
    // A character that differs from the suggestion ends it.
    var other = doc
    other.replace(12..<12, with: Array("x".utf8))
    XCTAssertNil(cache.continuation(in: other, cursor: 13))
    // So does an edit elsewhere in the document.
    var elsewhere = doc
    elsewhere.replace(0..<1, with: Array("V".utf8))
    XCTAssertNil(cache.continuation(in: elsewhere, cursor: 12))
    // Typing all of it leaves nothing to suggest.
    doc.replace(12..<12, with: Array("ute(1)".utf8))
    XCTAssertNil(cache.continuation(in: doc, cursor: 18))
  }

  func testCancellationTokenRunsHandlersOnceAndKeepsTheFirstReason() {
    let token = CancellationToken()
    let counter = Counter()
    token.onCancel { counter.increment() }
    let removed = token.onCancel { counter.increment() }
    token.removeHandler(removed)
    XCTAssertFalse(token.isCancelled)
    token.cancel(.superseded)
    token.cancel(.clientCancelled)
    XCTAssertEqual(counter.value, 1)
    XCTAssertEqual(token.reason, .superseded)
    token.onCancel { counter.increment() }
    XCTAssertEqual(counter.value, 2)
  }
}

final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var stored = 0
  func increment() { add(1) }
  func add(_ amount: Int) { lock.withLock { stored += amount } }
  var value: Int { lock.withLock { stored } }
}
