import ArgumentParser
import Foundation
import HunchGGUF
import HunchLSP
import HunchProvisioning
import HunchRemote
import HunchRuntime

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

  @OptionGroup(title: "Remote backend")
  var remote: RemoteOptions

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
    var remoteSettings = try remote.settings()
    if let settings = remoteSettings {
      // An unset key variable would fail every request: say so once and complete locally instead.
      do {
        _ = try settings.apiKey()
      } catch let error as RemoteError {
        warning = "Hunch cannot use the completion server: \(error.message); completions run locally."
        remoteSettings = nil
      }
    }
    if let remoteSettings {
      // The local model is optional here: it is the fallback and the tokenizer, loaded only when first needed.
      let local = (try? ModelLocator.resolve(model)).map { path -> CompletionService in
        var settings = LocalModelSettings(modelPath: path)
        settings.threads = threads
        return CompletionService(settings: settings)
      }
      let service = RemoteCompletionService(
        settings: remoteSettings, local: local,
        onNotice: { notice in
          switch notice {
          case .serverDown(let message): connection.notify(ShowMessageNotification(type: 2, message: message))
          case .serverBack(let message): connection.notify(LogMessageNotification(type: 3, message: message))
          }
        },
        log: { line in log.info(line) })
      log.info("completions from \(remoteSettings.kind.rawValue) at \(remoteSettings.displayURL)")
      provider = EngineCompletionProvider(service: service)
    } else {
      do {
        let path = try ModelLocator.resolve(model)
        // Refuse a missing or malformed file now, with a message the user sees, not at the first completion.
        _ = try GGUFFile(path: path)
        var settings = LocalModelSettings(modelPath: path)
        settings.threads = threads
        let service = CompletionService(settings: settings)
        service.preload { error in
          if let error { log.error("cannot load the model: \(error)") }
        }
        provider = EngineCompletionProvider(service: service)
      } catch {
        provider = NoModelCompletionProvider()
        warning = [warning, "Hunch has no model, so suggestions are empty: \(error)"].compactMap { $0 }
          .joined(separator: " ")
      }
    }
    let server = LanguageServer(
      connection: connection, provider: provider,
      configuration: ServerConfiguration(debounce: .milliseconds(debounceMs), startupWarning: warning),
      log: log)
    let status = await server.run()
    // The reader thread may still be blocked in read(); the process ends here regardless.
    Foundation.exit(status)
  }
}
