import XCTest

@testable import HunchInference

/// Every corpus string must encode to exactly the ids llama.cpp gives (scripts/make-tokenizer-goldens.py).
final class TokenizerGoldenTests: XCTestCase {
  func testQwenCorpusMatchesLlamaCpp() throws { try checkCorpus(TokenizerFixtures.qwen) }
  func testSmolLMCorpusMatchesLlamaCpp() throws { try checkCorpus(TokenizerFixtures.smolLM) }
  func testQwenDocumentMatchesLlamaCpp() throws { try checkDocument(TokenizerFixtures.qwen) }
  func testSmolLMDocumentMatchesLlamaCpp() throws { try checkDocument(TokenizerFixtures.smolLM) }
  func testQwenGoldensDecodeToCorpus() throws { try checkDecoding(TokenizerFixtures.qwen) }
  func testSmolLMGoldensDecodeToCorpus() throws { try checkDecoding(TokenizerFixtures.smolLM) }

  private func checkCorpus(_ model: String) throws {
    let tokenizer = try TokenizerFixtures.tokenizer(model)
    let corpus = try TokenizerFixtures.corpus().strings
    let goldens = try TokenizerFixtures.goldens(model)
    XCTAssertEqual(goldens.model, model)
    XCTAssertEqual(goldens.ids.count, corpus.count, "goldens are stale: run scripts/make-tokenizer-goldens.py")
    XCTAssertGreaterThanOrEqual(corpus.count, 220)
    var passed = 0
    for (entry, expected) in zip(corpus, goldens.ids) {
      let ids = tokenizer.encode(entry.text)
      if ids == expected {
        passed += 1
      } else {
        XCTFail("\(model) [\(entry.label)] \(entry.text.debugDescription)\n  got      \(ids)\n  expected \(expected)")
      }
    }
    print("\(model): \(passed)/\(corpus.count) corpus strings match llama.cpp")
  }

  /// The whole corpus as one text: long input, and words met again through the cache.
  private func checkDocument(_ model: String) throws {
    let tokenizer = try TokenizerFixtures.tokenizer(model)
    let document = try TokenizerFixtures.corpus().strings.map(\.text).joined(separator: "\n")
    let expected = try TokenizerFixtures.goldens(model).document
    let first = tokenizer.encode(document)
    XCTAssertEqual(first.count, expected.count)
    if let mismatch = zip(first, expected).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
      XCTFail("\(model): document differs first at token \(mismatch.offset)")
    }
    XCTAssertEqual(tokenizer.encode(document), first, "a second encode, with a warm cache, must agree")
  }

  private func checkDecoding(_ model: String) throws {
    let tokenizer = try TokenizerFixtures.tokenizer(model)
    let corpus = try TokenizerFixtures.corpus().strings
    let goldens = try TokenizerFixtures.goldens(model)
    for (entry, ids) in zip(corpus, goldens.ids) {
      // Bytes a vocabulary has no token for are lost on the way in, so such text cannot come back.
      guard entry.text.utf8.allSatisfy({ tokenizer.byteTokens[Int($0)] >= 0 }) else { continue }
      XCTAssertEqual(tokenizer.decode(ids), entry.text, "\(model) [\(entry.label)] decode")
      var streaming = StreamingDecoder(tokenizer: tokenizer)
      var pieces = ""
      for id in ids {
        let piece = streaming.append(id)
        XCTAssertFalse(piece.unicodeScalars.contains("\u{FFFD}"), "\(model) [\(entry.label)] split a character")
        pieces += piece
      }
      pieces += streaming.finish()
      XCTAssertEqual(pieces, entry.text, "\(model) [\(entry.label)] streaming decode")
    }
  }
}
