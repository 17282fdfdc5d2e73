import ArgumentParser

@main
struct Hunch: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hunch",
    abstract: "Local AI code completion: a language server and command-line tools.",
    subcommands: [
      Serve.self,
      Complete.self,
      Generate.self,
      Bench.self,
      Tokenize.self,
      Eval.self,
      Models.self,
      Inspect.self,
      Grammars.self,
      SpeculativeBench.self,
    ],
    // `hunch --stdio` is what LSP clients launch; it runs `serve`.
    defaultSubcommand: Serve.self
  )
}
