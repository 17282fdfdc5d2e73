import ArgumentParser
import HunchGGUF
import HunchProvisioning

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show what a GGUF model file holds: architecture, shape, tokenizer, FIM tokens, tensor types.",
    discussion: "Example: hunch inspect ~/.cache/hunch/models/qwen2.5-coder-0.5b.gguf"
  )

  @Argument(help: "A GGUF file, or the name of a pulled model (see `hunch models list`).")
  var model: String

  func run() throws {
    let path = try ModelLocator.resolve(model)
    let file = try GGUFFile(path: path)
    print(InspectReport(summary: file.summary()).text, terminator: "")
  }
}
