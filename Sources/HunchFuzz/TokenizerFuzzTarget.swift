import Foundation
import HunchGGUF
import HunchInference

/// The tokenizer of a real model (Qwen2.5-Coder's byte-level BPE by default; `HUNCH_FUZZ_MODEL` names another GGUF).
/// The first byte picks the input: raw bytes read as UTF-8 (invalid ones become U+FFFD), random Unicode scalars,
/// a huge text (the input repeated up to 1 MB), or random token ids. Oracles: encoding then decoding gives the text
/// back; a streamed decode joins up to the whole decode; every id is inside the vocabulary.
final class TokenizerFuzzTarget: FuzzTarget {
  static let name = "tokenizer"
  static let summary = "BPE encode/decode round trip on random bytes, random Unicode, huge texts; streaming decode"
  static let maximumInputLength = 16 * 1024

  private let tokenizer: Tokenizer

  init() throws {
    let environment = ProcessInfo.processInfo.environment
    let path =
      environment["HUNCH_FUZZ_MODEL"]
      ?? (NSHomeDirectory() + "/.cache/hunch/models/qwen2.5-coder-0.5b.gguf")
    tokenizer = try Tokenizer(gguf: try GGUFFile(path: path))
  }

  func run(_ data: [UInt8]) {
    var input = FuzzInput(data)
    let mode = input.byte() % 4
    let body = input.rest()
    switch mode {
    case 0:
      checkRoundTrip(String(decoding: body, as: UTF8.self))
    case 1:
      var scalars = String.UnicodeScalarView()
      var index = 0
      while index + 2 < body.count {
        let raw = UInt32(body[index]) << 16 | UInt32(body[index + 1]) << 8 | UInt32(body[index + 2])
        if let scalar = Unicode.Scalar(raw % 0x11_0000) { scalars.append(scalar) }
        index += 3
      }
      checkRoundTrip(String(scalars))
    case 2:
      let unit = String(decoding: body.prefix(4096), as: UTF8.self)
      guard !unit.isEmpty else { return }
      let copies = max(1, (1 << 20) / max(1, unit.utf8.count))
      checkRoundTrip(String(repeating: unit, count: min(copies, 4096)))
    default:
      var ids: [Int32] = []
      var index = 0
      while index + 1 < body.count {
        let raw = Int32(body[index]) << 8 | Int32(body[index + 1])
        // Mostly ids inside the vocabulary, a few outside it (negative or too large).
        ids.append(raw % 64 == 63 ? -raw : (raw * 37) % Int32(tokenizer.vocabularySize + 8))
        index += 2
      }
      let whole = tokenizer.decode(ids)
      var streaming = StreamingDecoder(tokenizer: tokenizer)
      var joined = ""
      for id in ids { joined += streaming.append(id) }
      joined += streaming.finish()
      fuzzCheck(joined == whole, "streamed decode \(joined.debugDescription) differs from \(whole.debugDescription)")
      _ = tokenizer.encode(whole)
    }
  }

  private func checkRoundTrip(_ text: String) {
    let ids = tokenizer.encode(text)
    fuzzCheck(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize }, "an id outside the vocabulary")
    let decoded = tokenizer.decode(ids)
    fuzzCheck(
      decoded == text,
      "decode(encode(text)) differs: \(text.prefix(80).debugDescription) gave \(decoded.prefix(80).debugDescription)")
    if text.utf8.count < 8192 {
      var streaming = StreamingDecoder(tokenizer: tokenizer)
      let streamed = streaming.append(contentsOf: ids) + streaming.finish()
      fuzzCheck(streamed == text, "streamed decode differs from the text")
    }
  }

  static func seeds() -> [[UInt8]] {
    let texts = [
      "def total(values):\n    result = 0\n    for v in values:\n        result += v\n    return result\n",
      "let π = 3.14159 // naïve café, 日本語, emoji 😀👍🏽, combining e\u{301}\r\n\ttabs\u{0}nul",
      "<|fim_prefix|>special spellings stay plain<|endoftext|>   \n\n\n    ",
      "1234567890 0x1F 3.5e-7 don't I'll we've HTTPServer snake_case camelCase",
    ]
    var seeds = texts.map { [0] + Array($0.utf8) }
    seeds.append([1] + Array("unicode".utf8) + [0x01, 0xF6, 0x00, 0x00, 0x30, 0x42, 0x10, 0xFF, 0xFF])
    seeds.append([2] + Array("x = 1\n".utf8))
    seeds.append([3] + (0..<64).map { UInt8(($0 * 73) & 0xFF) })
    return seeds
  }
}
