import XCTest

@testable import HunchInference

/// Behaviour of the pieces of the tokenizer on small made-up vocabularies, needing no model file.
final class TokenizerTests: XCTestCase {
  /// A vocabulary of the 256 byte tokens, then one token per merge (in rank order), then `specials` (control).
  private func makeTokenizer(
    merges: [(String, String)], pre: String = "gpt2", specials: [String] = []
  ) throws -> Tokenizer {
    var tokens = (0..<256).map { ByteLevel.spelling(of: [UInt8($0)]) }
    tokens += merges.map { $0.0 + $0.1 }
    let types = [Int](repeating: 1, count: tokens.count) + [Int](repeating: 3, count: specials.count)
    tokens += specials
    return try Tokenizer(
      tokens: tokens, types: types, merges: merges.map { "\($0.0) \($0.1)" }, preTokenizer: pre,
      specialIDs: .init(eos: specials.isEmpty ? nil : tokens.count - 1), addsBOS: false)
  }

  private func id(_ text: String, in tokenizer: Tokenizer, mergesBefore merges: [(String, String)]) -> Int32 {
    if let index = merges.firstIndex(where: { $0.0 + $0.1 == text }) { return Int32(256 + index) }
    return tokenizer.byteTokens[Int(Array(text.utf8)[0])]
  }

  func testLowerRankMergesFirst() throws {
    let merges = [("b", "c"), ("a", "b")]
    let tokenizer = try makeTokenizer(merges: merges)
    XCTAssertEqual(
      tokenizer.encode("abc"),
      [id("a", in: tokenizer, mergesBefore: merges), id("bc", in: tokenizer, mergesBefore: merges)])
    XCTAssertEqual(tokenizer.encode("ab"), [id("ab", in: tokenizer, mergesBefore: merges)])
  }

  func testEqualRanksMergeLeftmostFirstAndRankBeatsPosition() throws {
    let merges = [("a", "a"), ("aa", "a")]
    let tokenizer = try makeTokenizer(merges: merges)
    let aa = id("aa", in: tokenizer, mergesBefore: merges)
    let aaa = id("aaa", in: tokenizer, mergesBefore: merges)
    // Leftmost first: [aa][a], then (aa, a). Rightmost first would leave [a][aa], which has no merge.
    XCTAssertEqual(tokenizer.encode("aaa"), [aaa])
    // Both (a, a) pairs of rank 0 go before (aa, a) of rank 1.
    XCTAssertEqual(tokenizer.encode("aaaa"), [aa, aa])
  }

  func testUnmergedBytesStayByteTokens() throws {
    let tokenizer = try makeTokenizer(merges: [])
    let ids = tokenizer.encode("é")  // C3 A9
    XCTAssertEqual(ids, [tokenizer.byteTokens[0xC3], tokenizer.byteTokens[0xA9]])
    XCTAssertEqual(tokenizer.decode(ids), "é")
    XCTAssertEqual(tokenizer.tokenBytes(ids[0]), [0xC3])
  }

  func testLongWordsMergeLikeShortOnes() throws {
    // Longer than the cached word size, and long enough that the heap matters.
    let merges = [("Ġ", "Ġ"), ("ĠĠ", "ĠĠ")]
    let tokenizer = try makeTokenizer(merges: merges)
    let four = id("ĠĠĠĠ", in: tokenizer, mergesBefore: merges)
    let two = id("ĠĠ", in: tokenizer, mergesBefore: merges)
    // 42 spaces then "x": the run keeps its last space for the word "x", so 41 spaces: 10 × 4 + 1.
    let ids = tokenizer.encode(String(repeating: " ", count: 42) + "x")
    let space = tokenizer.byteTokens[0x20]
    XCTAssertEqual(ids, [Int32](repeating: four, count: 10) + [space, space, tokenizer.byteTokens[0x78]])
    XCTAssertEqual(tokenizer.encode("      "), [four, two])
  }

  func testSpecialTokenTextIsOrdinaryText() throws {
    let tokenizer = try makeTokenizer(merges: [], specials: ["<|endoftext|>"])
    let special = try XCTUnwrap(tokenizer.specialTokenID("<|endoftext|>"))
    let ids = tokenizer.encode("a<|endoftext|>b")
    XCTAssertFalse(ids.contains(special))
    XCTAssertEqual(ids.count, "a<|endoftext|>b".utf8.count)
    XCTAssertEqual(tokenizer.decode(ids), "a<|endoftext|>b")
    XCTAssertEqual(tokenizer.decode([special]), "<|endoftext|>")
    XCTAssertEqual(tokenizer.endOfTextIDs, [special])
    XCTAssertNil(tokenizer.specialTokenID("a"), "ordinary tokens are not special")
  }

  func testRefusesUnknownPreTokenizerAndBadMerges() throws {
    XCTAssertThrowsError(try makeTokenizer(merges: [], pre: "llama-bpe")) { error in
      XCTAssertEqual((error as? TokenizerError)?.code, .unsupportedPreTokenizer)
    }
    let bytes = (0..<256).map { ByteLevel.spelling(of: [UInt8($0)]) }
    XCTAssertThrowsError(
      try Tokenizer(
        tokens: bytes, types: nil, merges: ["ab"], preTokenizer: "gpt2", specialIDs: .init(), addsBOS: false)
    ) { error in
      XCTAssertEqual((error as? TokenizerError)?.code, .malformedMerges)
    }
    XCTAssertThrowsError(
      try Tokenizer(
        tokens: ["<|x|>"], types: [3], merges: [], preTokenizer: "gpt2", specialIDs: .init(), addsBOS: false)
    ) { error in
      XCTAssertEqual((error as? TokenizerError)?.code, .malformedVocabulary)
    }
  }

  func testBytesWithoutATokenAreDropped() throws {
    // No token for byte 0xBF, the second byte of "ÿ" (C3 BF); ids after it shift down by one.
    let tokens = (0..<256).filter { $0 != 0xBF }.map { ByteLevel.spelling(of: [UInt8($0)]) }
    let tokenizer = try Tokenizer(
      tokens: tokens, types: nil, merges: [], preTokenizer: "gpt2", specialIDs: .init(), addsBOS: false)
    XCTAssertEqual(tokenizer.encode("a\u{FF}b"), [0x61, 0xC3 - 1, 0x62])
    XCTAssertEqual(tokenizer.encode("\u{FF}"), [0xC3 - 1])
  }

  func testByteLevelMapIsABijection() {
    XCTAssertEqual(Set(ByteLevel.scalarForByte).count, 256)
    XCTAssertEqual(ByteLevel.spelling(of: [0x20, 0x0A, 0x41]), "ĠĊA")
    for byte in 0..<256 {
      XCTAssertEqual(ByteLevel.bytes(spelledBy: ByteLevel.spelling(of: [UInt8(byte)])), [UInt8(byte)])
    }
    XCTAssertNil(ByteLevel.bytes(spelledBy: "日"))
  }

  func testWordTableFindsEveryWordThroughGrowth() throws {
    var table = WordTable(slots: 16)
    let words = (0..<500).map { "w\($0)" } + ["0123456789abcdef", "ab"]
    func key(_ word: String) throws -> ShortWord {
      let bytes = Array(word.utf8)
      return try XCTUnwrap(bytes.withUnsafeBufferPointer { ShortWord($0) })
    }
    for (index, word) in words.enumerated() {
      XCTAssertNil(table.find(try key(word)))
      table.insert(try key(word), ids: [Int32(index), -Int32(index)][...])
    }
    XCTAssertEqual(table.count, words.count)
    for (index, word) in words.enumerated() {
      let span = try XCTUnwrap(table.find(try key(word)), word)
      XCTAssertEqual(Array(table.ids[span]), [Int32(index), -Int32(index)])
    }
    var visited = 0
    table.forEach { _, ids in
      visited += 1
      XCTAssertEqual(ids.count, 2)
    }
    XCTAssertEqual(visited, words.count)
    XCTAssertNil(table.find(try key("w500")))
    XCTAssertNil(Array("0123456789abcdefg".utf8).withUnsafeBufferPointer { ShortWord($0) }, "17 bytes is too long")
  }

  func testTextIndexLooksUpBytesAndConcatenations() {
    let index = TextIndex(tokens: ["a", "bc", "abc", "é", "e\u{301}", "bc"])
    func id(_ text: String, _ rest: String = "") -> Int32? {
      var text = text
      var rest = rest
      return text.withUTF8 { first in rest.withUTF8 { second in index.id(of: first, followedBy: second) } }
    }
    XCTAssertEqual(id("a"), 0)
    XCTAssertEqual(id("a", "bc"), 2)
    XCTAssertEqual(id("ab", "c"), 2)
    XCTAssertEqual(id("bc"), 5, "a text listed twice resolves to its last id")
    XCTAssertEqual(id("é"), 3)
    XCTAssertEqual(id("e\u{301}"), 4, "canonically equivalent texts are still different tokens")
    XCTAssertNil(id("ab"))
    XCTAssertNil(id(""))
  }
}
