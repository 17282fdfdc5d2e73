import XCTest

@testable import HunchInference

final class TokenizerStreamingTests: XCTestCase {
  func testCompletePrefixHoldsBackOnlyUnfinishedSequences() {
    XCTAssertEqual(StreamingDecoder.completePrefixLength([]), 0)
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0x41]), 1)
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0xC3]), 0)
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0xC3, 0xA9]), 2)
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0x41, 0xF0, 0x9F, 0x98]), 1)
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0xF0, 0x9F, 0x98, 0x80]), 4)
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0xE4, 0xB8]), 0)
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0x80]), 1, "a stray continuation byte is not waited on")
    XCTAssertEqual(StreamingDecoder.completePrefixLength([0xFF]), 1, "a byte that starts nothing is not waited on")
  }

  func testBytesOfOneCharacterComeOutTogether() throws {
    var tokens = (0..<256).map { ByteLevel.spelling(of: [UInt8($0)]) }
    tokens.append("<|endoftext|>")
    let tokenizer = try Tokenizer(
      tokens: tokens, types: [Int](repeating: 1, count: 256) + [3], merges: [], preTokenizer: "gpt2",
      specialIDs: .init(), addsBOS: false)
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    let emoji = Array("😀".utf8).map { Int32($0) }  // byte tokens are ids 0…255 here
    XCTAssertEqual(decoder.append(0x61), "a")
    XCTAssertEqual(decoder.append(emoji[0]), "")
    XCTAssertEqual(decoder.append(emoji[1]), "")
    XCTAssertEqual(decoder.append(emoji[2]), "")
    XCTAssertTrue(decoder.hasPendingBytes)
    XCTAssertEqual(decoder.append(emoji[3]), "😀")
    XCTAssertFalse(decoder.hasPendingBytes)
    XCTAssertEqual(decoder.append(256), "<|endoftext|>")
    // A stream that stops mid-character ends with a replacement character, not silence.
    XCTAssertEqual(decoder.append(contentsOf: [0x62, 0xE2, 0x82]), "b")
    XCTAssertEqual(decoder.finish(), "\u{FFFD}")
    XCTAssertEqual(decoder.finish(), "")
  }
}
