import XCTest

@testable import HunchInference

/// Word boundaries of the pre-tokenizers, worked out by hand from the patterns they implement.
final class TokenizerSplitTests: XCTestCase {
  private func words(_ text: String, _ preTokenizer: PreTokenizer) -> [String] {
    let scalars = Array(text.unicodeScalars)
    let codePoints = scalars.map(\.value)
    let classes = codePoints.map(CharacterClass.of)
    var ends: [Int] = []
    codePoints.withUnsafeBufferPointer { codePoints in
      classes.withUnsafeBufferPointer { classes in
        preTokenizer.split(ScalarText(codePoints: codePoints, classes: classes), into: &ends)
      }
    }
    var start = 0
    return ends.map { end in
      defer { start = end }
      var view = String.UnicodeScalarView()
      view.append(contentsOf: scalars[start..<end])
      return String(view)
    }
  }

  func testQwen2Words() {
    XCTAssertEqual(words("Hello world", .qwen2), ["Hello", " world"])
    XCTAssertEqual(words("x = 42;", .qwen2), ["x", " =", " ", "4", "2", ";"])
    XCTAssertEqual(words("a\n\n  b", .qwen2), ["a", "\n\n", " ", " b"])
    XCTAssertEqual(words("});\n\n", .qwen2), ["});\n\n"])
    XCTAssertEqual(words("\tfoo(bar)", .qwen2), ["\tfoo", "(bar", ")"])  // any non-letter may lead letters
    XCTAssertEqual(words("trailing  ", .qwen2), ["trailing", "  "])
    XCTAssertEqual(words("end ", .qwen2), ["end", " "])
  }

  func testQwen2ContractionsIgnoreCase() {
    XCTAssertEqual(words("don't", .qwen2), ["don", "'t"])
    XCTAssertEqual(words("WE'RE", .qwen2), ["WE", "'RE"])
    XCTAssertEqual(words("'x", .qwen2), ["'x"])
  }

  func testQwen2UnicodeClasses() {
    XCTAssertEqual(words("café au lait", .qwen2), ["café", " au", " lait"])
    XCTAssertEqual(words("日本語です", .qwen2), ["日本語です"])
    XCTAssertEqual(words("x²", .qwen2), ["x", "²"])  // ² is a number (No)
    XCTAssertEqual(words("a\u{00A0}b", .qwen2), ["a", "\u{00A0}b"])  // no-break space leads the next word
    XCTAssertEqual(words("🙂🙂 ok", .qwen2), ["🙂🙂", " ok"])
  }

  func testGPT2Words() {
    XCTAssertEqual(words("Hello  world", .gpt2), ["Hello", " ", " world"])
    XCTAssertEqual(words("don't", .gpt2), ["don", "'t"])
    XCTAssertEqual(words("DON'T", .gpt2), ["DON", "'", "T"])  // contractions are lower case only
    XCTAssertEqual(words("x += 12", .gpt2), ["x", " +=", " 12"])
    XCTAssertEqual(words("a\n\nb", .gpt2), ["a", "\n", "\n", "b"])  // only a plain space leads a word
  }

  func testSmolLMIsolatesEveryNumber() {
    XCTAssertEqual(words("abc 123", .smollm), ["abc", " ", "1", "2", "3"])
    XCTAssertEqual(words("x  12", .smollm), ["x", "  ", "1", "2"])  // the run ends with its piece: all of it
    XCTAssertEqual(words("v2.0", .smollm), ["v", "2", ".", "0"])
  }

  func testCharacterClasses() {
    XCTAssertEqual(CharacterClass.of(0x41), .letter)
    XCTAssertEqual(CharacterClass.of(0x37), .number)
    XCTAssertEqual(CharacterClass.of(0x20), .whitespace)
    XCTAssertEqual(CharacterClass.of(0x3000), .whitespace)
    XCTAssertEqual(CharacterClass.of(0x4E2D), .letter)  // 中
    XCTAssertEqual(CharacterClass.of(0x2167), .number)  // Ⅷ, a letter number
    XCTAssertEqual(CharacterClass.of(0x0301), [])  // combining acute: a mark, neither letter nor number
    XCTAssertEqual(CharacterClass.of(0x1F600), [])
    XCTAssertEqual(CharacterClass.of(0x1C), [], "information separators are not White_Space")
  }
}
