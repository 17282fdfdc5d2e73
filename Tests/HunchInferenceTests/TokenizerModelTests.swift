import Foundation
import HunchGGUF
import XCTest

@testable import HunchInference

/// What the engine relies on from the real vocabularies: special ids, stop ids, plain special-token text,
/// streaming decode of characters split across tokens.
final class TokenizerModelTests: XCTestCase {
  func testQwenVocabularyFacts() throws {
    let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.qwen)
    XCTAssertEqual(tokenizer.vocabularySize, 151_936)
    XCTAssertEqual(tokenizer.preTokenizerName, "qwen2")
    XCTAssertFalse(tokenizer.addsBOS)
    XCTAssertEqual(tokenizer.bosID, 151_643)
    XCTAssertEqual(tokenizer.eosID, 151_645)
    XCTAssertEqual(tokenizer.specialTokenID("<|fim_prefix|>"), 151_659)
    XCTAssertEqual(tokenizer.specialTokenID("<|fim_suffix|>"), 151_661)
    XCTAssertEqual(tokenizer.specialTokenID("<|fim_middle|>"), 151_660)
    XCTAssertEqual(tokenizer.specialTokenID("<|endoftext|>"), 151_643)
    XCTAssertNil(tokenizer.specialTokenID("def"))
    // <|endoftext|>, <|im_end|>, <|fim_pad|>, <|repo_name|>, <|file_sep|>: the ids llama.cpp stops on.
    XCTAssertEqual(tokenizer.endOfTextIDs, [151_643, 151_645, 151_662, 151_663, 151_664])
  }

  func testSmolLMVocabularyFacts() throws {
    let tokenizer = try TokenizerFixtures.tokenizer(TokenizerFixtures.smolLM)
    XCTAssertEqual(tokenizer.vocabularySize, 49_152)
    XCTAssertEqual(tokenizer.preTokenizerName, "smollm")
    XCTAssertFalse(tokenizer.addsBOS)
    XCTAssertEqual(tokenizer.bosID, 1)
    XCTAssertEqual(tokenizer.eosID, 2)
    XCTAssertEqual(tokenizer.specialTokenID("<|endoftext|>"), 0)
    // <|endoftext|>, <|im_end|>, and the repository/file separators of its code data.
    XCTAssertEqual(tokenizer.endOfTextIDs, [0, 2, 3, 4, 5])
  }

  func testSpecialTokenSpellingsEncodeAsPlainText() throws {
    for model in [TokenizerFixtures.qwen, TokenizerFixtures.smolLM] {
      let tokenizer = try TokenizerFixtures.tokenizer(model)
      // <tool_call> is a user-defined token that llama.cpp matches even in ordinary text; Hunch does not.
      for text in ["<|fim_prefix|>", "<|endoftext|>", "x<|im_end|>y", "<tool_call>", "<file_sep>"] {
        let ids = tokenizer.encode(text)
        let special = ids.filter { tokenizer.kind(of: $0) != .normal }
        XCTAssertEqual(special, [], "\(model): \(text) gave special ids")
        XCTAssertEqual(tokenizer.decode(ids), text)
      }
    }
  }

  func testEmojiSplitAcrossTokensStreamsWhole() throws {
    for model in [TokenizerFixtures.qwen, TokenizerFixtures.smolLM] {
      let tokenizer = try TokenizerFixtures.tokenizer(model)
      let text = "ok 🦀🪿 done"
      let ids = tokenizer.encode(text)
      var decoder = StreamingDecoder(tokenizer: tokenizer)
      var pieces: [String] = []
      var heldBack = 0
      for id in ids {
        pieces.append(decoder.append(id))
        if decoder.hasPendingBytes { heldBack += 1 }
      }
      pieces.append(decoder.finish())
      XCTAssertGreaterThan(heldBack, 0, "\(model): expected an emoji to span tokens")
      XCTAssertEqual(pieces.joined(), text)
      for piece in pieces { XCTAssertFalse(piece.unicodeScalars.contains("\u{FFFD}"), "\(model): \(pieces)") }
    }
  }

  func testRoundTripOfArbitraryText() throws {
    let texts = [
      "", "x", "\u{0}\u{1}", String(repeating: "ab", count: 5000), String(repeating: " ", count: 3000) + "z",
      "mixed 🇫🇷 é\u{301} 中文 \r\n\t", String(repeating: "9", count: 1000),
    ]
    for model in [TokenizerFixtures.qwen, TokenizerFixtures.smolLM] {
      let tokenizer = try TokenizerFixtures.tokenizer(model)
      for text in texts {
        XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text, "\(model): \(text.prefix(20).debugDescription)")
      }
      XCTAssertEqual(tokenizer.encode(""), [])
    }
  }

  /// Several threads encoding at once through one tokenizer (and its shared word cache, filled as they go) get
  /// llama.cpp's ids every time.
  func testConcurrentEncodesAgreeWithGoldens() throws {
    let model = TokenizerFixtures.qwen
    _ = try TokenizerFixtures.tokenizer(model)  // skips when the model is absent
    let tokenizer = try Tokenizer(gguf: GGUFFile(path: TokenizerFixtures.modelPath(model)))  // a cold cache
    let texts = try TokenizerFixtures.corpus().strings.map(\.text)
    let expected = try TokenizerFixtures.goldens(model).ids
    let mismatches = Counter()
    let workers = 4
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      // Each worker starts at a different place, so they race to add the same words.
      for step in 0..<texts.count {
        let index = (step + worker * texts.count / workers) % texts.count
        if tokenizer.encode(texts[index]) != expected[index] { mismatches.increment() }
      }
    }
    XCTAssertEqual(mismatches.value, 0)
  }
}

private final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  var value: Int { lock.withLock { count } }
  func increment() { lock.withLock { count += 1 } }
}
