import ArgumentParser
import Foundation
import HunchGGUF
import HunchInference
import HunchProvisioning

struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the token ids of standard input, space-separated, as the model's tokenizer splits it.",
    discussion: """
      Input is ordinary text: spellings of special tokens such as <|endoftext|> are not turned into their ids.
      Example: printf 'def main():' | hunch tokenize --model qwen2.5-coder-0.5b
      """
  )

  @Option(help: "A GGUF file, or the name of a pulled model (default: \(ModelCatalog.defaultModelName)).")
  var model: String?

  @Flag(help: "Also print each token's text, one token per line, after the ids.")
  var pieces = false

  @Flag(help: "Report on standard error how long loading and encoding took (a cold and a warm encode).")
  var timing = false

  func run() throws {
    let clock = ContinuousClock()
    let loadStart = clock.now
    let path = try ModelLocator.resolve(model)
    let tokenizer = try Tokenizer(gguf: try GGUFFile(path: path))
    let loaded = clock.now - loadStart
    let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    let coldStart = clock.now
    let ids = tokenizer.encode(text)
    let cold = clock.now - coldStart
    print(ids.map(String.init).joined(separator: " "))
    if timing {
      let warmStart = clock.now
      let again = tokenizer.encode(text)
      let warm = clock.now - warmStart
      let report = """
        tokenizer loaded in \(Self.milliseconds(loaded)); \(text.utf8.count) bytes -> \(ids.count) tokens in \
        \(Self.milliseconds(cold)) (cold cache), \(Self.milliseconds(warm)) (warm cache)\
        \(again == ids ? "" : "; WARNING: the warm encode differed")

        """
      FileHandle.standardError.write(Data(report.utf8))
    }
    guard pieces else { return }
    for id in ids { print("\(id)\t\(Self.describe(tokenizer.tokenBytes(id)))") }
  }
}

extension Tokenize {
  /// A token's bytes as a quoted string, with bytes that are not whole UTF-8 characters shown as `\xNN`.
  static func describe(_ bytes: [UInt8]) -> String {
    if let text = String(bytes: bytes, encoding: .utf8) { return text.debugDescription }
    let escaped = bytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }
    return "\"" + escaped.joined() + "\""
  }

  static func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    return String(format: "%.2f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
  }
}
