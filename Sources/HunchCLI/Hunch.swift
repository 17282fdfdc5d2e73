import ArgumentParser

@main
struct Hunch: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hunch",
    abstract: "Local AI code completion: a language server and command-line tools.",
    subcommands: [Models.self, Inspect.self, Complete.self, Eval.self]
  )
}
