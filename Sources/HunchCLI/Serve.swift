import ArgumentParser
import Foundation
import HunchGGUF
import HunchLSP
import HunchProvisioning
import HunchRuntime
import HunchSyntax

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the language server.",
    discussion: "Editors start it as `hunch serve --stdio` (or `hunch --stdio`) and speak LSP over stdin/stdout.")

  @Flag(help: "Speak LSP over standard input and output (the only transport).")
  var stdio = false

  @Option(help: "Milliseconds to wait after a completion request before generating.")
  var debounceMs: Int = 20

  @Flag(help: "Log every step to standard error.")
  var verbose = false

  @Option(help: "A GGUF file or a pulled model name (default: \(ModelCatalog.defaultModelName)).")
  var model: String?

  @Option(help: "Worker threads for the model (default: all cores).")
  var threads: Int?

  func validate() throws {
    // Bare `hunch` lands here (serve is the default subcommand): show the overview rather than an error.
    guard stdio else { throw CleanExit.helpRequest(Hunch.self) }
    guard (0...5_000).contains(debounceMs) else { throw ValidationError("--debounce-ms must be within 0...5000") }
  }

  func run() async throws {
    let log = Logger(minimumLevel: verbose ? .debug : .info)
    let protocolOutput = try StandardStreams.protectStandardOutput()
    // A plain print on purpose: it must land on stderr now, and the binary tests check that it does.
    print("hunch: language server on stdio (stdout is the protocol's alone)")
    let connection = JSONRPCConnection(inputFD: STDIN_FILENO, outputFD: protocolOutput, log: log)
    // A missing model is not fatal: the server still runs (and says how to fix it) so the editor stays usable.
    let provider: any CompletionProvider
    var warning: String?
    var resolvedPath: String?
    do {
      let path = try ModelLocator.resolve(model)
      resolvedPath = path
      // Refuse a missing or malformed file now, with a message the user sees, not at the first completion.
      _ = try GGUFFile(path: path)
      var settings = LocalModelSettings(modelPath: path)
      settings.threads = threads
      // Without grammars the engine reads context from indentation and brackets; say so once, with the fix.
      let grammars = GrammarRegistry.standard()
      for problem in grammars.problems { log.info("grammars: \(problem.message)") }
      let service = CompletionService(settings: settings, oracle: TreeSitterSyntaxOracle(registry: grammars))
      service.preload { error in
        if let error { log.error("cannot load the model: \(error)") }
      }
      provider = EngineCompletionProvider(service: service)
    } catch {
      provider = NoModelCompletionProvider()
      // The reader's messages do not all name the file ("tensor … runs past the end of the file"); the user needs it.
      let reason = String(describing: error)
      let named = resolvedPath.map { reason.contains($0) ? reason : "\($0): \(reason)" } ?? reason
      warning = "Hunch has no model, so suggestions are empty: \(named)"
    }
    let server = LanguageServer(
      connection: connection, provider: provider,
      configuration: ServerConfiguration(debounce: .milliseconds(debounceMs), startupWarning: warning),
      log: log)
    // SIGTERM (an editor stopping its servers) ends the server at once, even in the middle of a generation, with a
    // line saying so; _exit because the compute threads are still running and must not see the process torn down.
    signal(SIGTERM, SIG_IGN)
    let termination = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
    termination.setEventHandler {
      FileHandle.standardError.write(Data("hunch: stopping on SIGTERM\n".utf8))
      _exit(0)
    }
    termination.resume()
    let status = await server.run()
    termination.cancel()
    // The reader thread may still be blocked in read(); the process ends here regardless.
    Foundation.exit(status)
  }
}
