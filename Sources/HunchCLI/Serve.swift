import ArgumentParser
import Foundation
import HunchGGUF
import HunchLSP
import HunchProvisioning
import HunchRemote
import HunchRuntime
import HunchSettings
import HunchSyntax

struct Serve: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run the language server.",
    discussion: """
      Editors start it as `hunch serve --stdio` (or `hunch --stdio`) and speak LSP over stdin/stdout.

      Settings, each source overriding the one before: the settings file ($HUNCH_CONFIG, else
      ~/.config/hunch/config.toml), these options, `.hunch.json` in the workspace root, the editor's
      initializationOptions, and workspace/didChangeConfiguration. Keys (TOML snake_case; editors may send camelCase):
      \(HunchSettings.keySummaries.map { "  \($0.key): \($0.summary)" }.joined(separator: "\n"))
      """)

  @Flag(help: "Speak LSP over standard input and output (the only transport).")
  var stdio = false

  @Option(help: "Milliseconds to wait after a completion request before generating (default: 20).")
  var debounceMs: Int?

  @Flag(help: "Log every step to standard error.")
  var verbose = false

  @Option(help: "A GGUF file or a pulled model name (default: \(ModelCatalog.defaultModelName)).")
  var model: String?

  @Option(help: "Worker threads for the model (default: all cores).")
  var threads: Int?

  @Option(help: "A smaller model with the same tokenizer that drafts tokens (speculative decoding).")
  var draftModel: String?

  @Option(help: "Also append the log to this file.")
  var logFile: String?

  @OptionGroup(title: "Remote backend")
  var remote: RemoteOptions

  func validate() throws {
    // Bare `hunch` lands here (serve is the default subcommand): show the overview rather than an error.
    guard stdio else { throw CleanExit.helpRequest(Hunch.self) }
    if let debounceMs, !(0...5_000).contains(debounceMs) {
      throw ValidationError("--debounce-ms must be within 0...5000")
    }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() async throws {
    var commandLine = HunchSettings()
    commandLine.model = model
    commandLine.draftModel = draftModel
    commandLine.threads = threads
    commandLine.debounceMilliseconds = debounceMs
    commandLine.logFile = logFile
    if verbose { commandLine.logLevel = .debug }
    let (settings, settingsWarnings) = UserSettings.load(commandLine: commandLine)
    let log = Logger(minimumLevel: .info)
    let protocolOutput = try StandardStreams.protectStandardOutput()
    // A plain print on purpose: it must land on stderr now, and the binary tests check that it does.
    print("hunch: language server on stdio (stdout is the protocol's alone)")
    let connection = JSONRPCConnection(inputFD: STDIN_FILENO, outputFD: protocolOutput, log: log)
    // A missing model is not fatal: the server still runs (and says how to fix it) so the editor stays usable.
    let provider: any CompletionProvider
    var warnings = settingsWarnings
    for warning in settingsWarnings { log.error(warning) }
    var remoteSettings: RemoteBackendSettings?
    do {
      remoteSettings = try remote.settings(file: settings)
    } catch {
      warnings.append("Hunch ignored the remote backend settings: \(error); completions run locally.")
    }
    if let chosen = remoteSettings {
      // An unset key variable would fail every request: say so once and complete locally instead.
      do {
        _ = try chosen.apiKey()
      } catch let error as RemoteError {
        warnings.append("Hunch cannot use the completion server: \(error.message); completions run locally.")
        remoteSettings = nil
      }
    }
    if let remoteSettings {
      // The local model is optional here: it is the fallback and the tokenizer, loaded only when first needed.
      let local = (try? ModelLocator.resolve(settings.model)).flatMap { path -> CompletionService? in
        guard let local = try? LocalModelSettings(modelPath: path).applying(settings) else { return nil }
        return CompletionService(settings: local)
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
      var resolvedPath: String?
      do {
        let path = try ModelLocator.resolve(settings.model)
        resolvedPath = path
        // Refuse a missing or malformed file now, with a message the user sees, not at the first completion.
        _ = try GGUFFile(path: path)
        // Without grammars the engine reads context from indentation and brackets; say so once, with the fix.
        let grammars = GrammarRegistry.standard()
        for problem in grammars.problems { log.info("grammars: \(problem.message)") }
        let service = CompletionService(
          settings: try LocalModelSettings(modelPath: path).applying(settings),
          oracle: TreeSitterSyntaxOracle(registry: grammars))
        service.preload { error in
          if let error { log.error("cannot load the model: \(error)") }
        }
        provider = EngineCompletionProvider(service: service)
      } catch {
        provider = NoModelCompletionProvider()
        // The reader's messages do not all name the file ("tensor … runs past the end of the file"); the user needs
        // it.
        let reason = String(describing: error)
        let named = resolvedPath.map { reason.contains($0) ? reason : "\($0): \(reason)" } ?? reason
        warnings.append("Hunch has no model, so suggestions are empty: \(named)")
      }
    }
    let server = LanguageServer(
      connection: connection, provider: provider,
      configuration: ServerConfiguration(
        startupWarning: warnings.isEmpty ? nil : warnings.joined(separator: "; "), settings: settings),
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
