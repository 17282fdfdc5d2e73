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

  func run() throws {
    let path = try ModelLocator.resolve(model)
    let tokenizer = try Tokenizer(gguf: try GGUFFile(path: path))
    let input = FileHandle.standardInput.readDataToEndOfFile()
    let ids = tokenizer.encode(String(decoding: input, as: UTF8.self))
    print(ids.map(String.init).joined(separator: " "))
    guard pieces else { return }
    for id in ids {
      let text = String(decoding: tokenizer.tokenBytes(id), as: UTF8.self)
      print("\(id)\t\(text.debugDescription)")
    }
  }
}
