import Foundation
import HunchSettings

/// The Hunch language server: lifecycle, document sync and completions over one JSON-RPC connection.
///
/// Messages are handled one after another in arrival order, so edits are applied before any later request reads
/// the document. Completions are the only slow work; they run in their own tasks (see `LanguageServer+Completion`).
public actor LanguageServer {
  enum Phase: String {
    case waitingForInitialize = "waiting for initialize"
    case running
    case shutDown = "shut down"
  }

  enum Event: Sendable {
    case connection(ConnectionEvent)
    case parentProcessDied(Int32)
  }

  struct InFlightCompletion {
    let id: RequestID
    let uri: DocumentURI
    let isInline: Bool
    let token: CancellationToken
    let started: ContinuousClock.Instant
  }

  let connection: JSONRPCConnection
  let provider: any CompletionProvider
  let log: Logger
  var configuration: ServerConfiguration
  var phase = Phase.waitingForInitialize
  var documents = DocumentStore()
  var snippetSupport = false
  var inFlight: [RequestID: InFlightCompletion] = [:]
  /// Editors ask for popup items and ghost text side by side; each kind supersedes only its own older requests.
  struct CompletionSlot: Hashable {
    let uri: DocumentURI
    let isInline: Bool
  }

  /// The newest completion request per document and kind; an older one still running is superseded by a newer one.
  var newestCompletion: [CompletionSlot: RequestID] = [:]
  var suggestionCache = SuggestionCache()
  let gate = GenerationGate()
  var statistics = Statistics()
  var preparation = PreparationState()
  /// The client said (`window.workDoneProgress`) that it shows progress for tokens the server creates.
  var clientShowsProgress = false
  /// Request-to-answer times of the recent completions, for `hunch.status`.
  var latencies = LatencyWindow(capacity: 1_000)
  /// The provider's settings are applied one change after another.
  var providerSettingsTask: Task<Void, Never>?
  /// Provider failures already shown to the user (window/showMessage), so a failure repeated on every keystroke is
  /// shown once and then only logged.
  var shownProviderFailures: Set<String> = []
  private var eventContinuation: AsyncStream<Event>.Continuation?
  private var parentWatcher: Task<Void, Never>?

  struct Statistics {
    var completionRequests = 0
    var providerCalls = 0
    var answeredFromCache = 0
    var superseded = 0
    var cancelled = 0
  }

  public init(
    connection: JSONRPCConnection, provider: any CompletionProvider,
    configuration: ServerConfiguration = ServerConfiguration(), log: Logger
  ) {
    self.connection = connection
    self.provider = provider
    self.configuration = configuration
    self.log = log
    // The settings given at start (file, command line) may set the debounce, log level and log file.
    self.configuration.merge(HunchSettings())
    if let issue = Self.applyLogSettings(self.configuration.settings, to: log) { log.error("\(issue)") }
  }

  /// Serves until `exit`, the end of input, or the client process's death. Returns the exit status: 0 when the
  /// client shut the server down first, 1 otherwise.
  public func run() async -> Int32 {
    let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    eventContinuation = continuation
    let incoming = connection.start()
    let forwarder = Task {
      for await event in incoming { continuation.yield(.connection(event)) }
    }
    defer {
      forwarder.cancel()
      parentWatcher?.cancel()
      cancelAllCompletions(.shutdown)
    }
    for await event in events {
      switch event {
      case .connection(.inputClosed):
        log.info("input closed; exiting")
        return exitStatus
      case .connection(.outputClosed):
        log.info("output closed (the client no longer reads our answers); exiting")
        return exitStatus
      case .connection(.message(let message)):
        if let status = handle(message) { return status }
      case .parentProcessDied(let pid):
        log.info("the client process \(pid) is gone; exiting")
        return exitStatus
      }
    }
    return exitStatus
  }

  var exitStatus: Int32 { phase == .shutDown ? 0 : 1 }

  /// Handles one message; returns an exit status when the server must stop.
  func handle(_ message: IncomingMessage) -> Int32? {
    switch message.kind {
    case .response(let id):
      // The server's only requests create progress tokens.
      if let id { progressTokenCreated(id, succeeded: !message.isErrorResponse) }
      return nil
    case .notification:
      return handleNotification(message)
    case .request(let id):
      handleRequest(message, id: id)
      return nil
    }
  }

  private func handleNotification(_ message: IncomingMessage) -> Int32? {
    if message.method == ExitNotification.method { return exitStatus }
    guard phase == .running else {
      log.debug("dropped \(message.method): server is \(phase.rawValue)")
      return nil
    }
    do {
      switch message.method {
      case InitializedNotification.method:
        startPreparing()
      case DidOpenTextDocumentNotification.method:
        didOpen(try message.decodeParams(DidOpenTextDocumentNotification.self))
      case DidChangeTextDocumentNotification.method:
        didChange(try message.decodeParams(DidChangeTextDocumentNotification.self))
      case DidCloseTextDocumentNotification.method:
        didClose(try message.decodeParams(DidCloseTextDocumentNotification.self))
      case DidSaveTextDocumentNotification.method:
        break
      case CancelRequestNotification.method:
        cancelRequest(try message.decodeParams(CancelRequestNotification.self).id)
      case DidChangeConfigurationNotification.method:
        let settings = try message.decodeParams(DidChangeConfigurationNotification.self).settings
        applySettings([(settings, DidChangeConfigurationNotification.method)])
      default:
        // "$/" notifications may be ignored silently; others are logged, never answered.
        if !message.method.hasPrefix("$/") { log.info("ignored unknown notification \(message.method)") }
      }
    } catch {
      log.error("bad params for \(message.method): \(error)")
    }
    return nil
  }

  private func handleRequest(_ message: IncomingMessage, id: RequestID) {
    switch phase {
    case .waitingForInitialize where message.method != InitializeRequest.method:
      connection.reply(to: id, withError: .serverNotInitialized)
      return
    case .shutDown:
      connection.reply(to: id, withError: .invalidRequest("the server has been shut down"))
      return
    default:
      break
    }
    do {
      switch message.method {
      case InitializeRequest.method:
        guard phase == .waitingForInitialize else {
          connection.reply(to: id, withError: .invalidRequest("initialize may be sent only once"))
          return
        }
        connection.reply(to: id, with: initialize(try message.decodeParams(InitializeRequest.self)))
        connection.notify(
          LogMessageNotification(
            type: 3,
            message: "hunch \(configuration.serverVersion) ready; completions from \(type(of: provider))"))
        if let warning = configuration.startupWarning {
          connection.notify(ShowMessageNotification(type: 2, message: warning))
        }
      case ShutdownRequest.method:
        phase = .shutDown
        cancelAllCompletions(.shutdown)
        connection.reply(to: id, with: NullResult())
      case CompletionRequest.method:
        let request = try message.decodeParams(CompletionRequest.self)
        startCompletion(
          id: id, uri: request.textDocument.uri, position: request.position, isInline: false,
          trigger: Self.trigger(of: request.context))
      case InlineCompletionRequest.method:
        let request = try message.decodeParams(InlineCompletionRequest.self)
        startCompletion(
          id: id, uri: request.textDocument.uri, position: request.position, isInline: true,
          trigger: request.context?.triggerKind == 1 ? .invoked : .automatic)
      case ExecuteCommandRequest.method:
        let request = try message.decodeParams(ExecuteCommandRequest.self)
        guard request.command == Self.statusCommand else {
          connection.reply(to: id, withError: .invalidParams("unknown command \(request.command)"))
          return
        }
        let provider = provider
        Task {
          let details = await provider.statusDetails()
          self.connection.reply(to: id, with: self.status(providerDetails: details))
        }
      default:
        connection.reply(to: id, withError: .methodNotFound(message.method))
      }
    } catch let error as ResponseError {
      connection.reply(to: id, withError: error)
    } catch {
      connection.reply(to: id, withError: .invalidParams("bad params for \(message.method): \(error)"))
    }
  }

  static let statusCommand = "hunch.status"

  private static func trigger(of context: CompletionRequest.Context?) -> CompletionContextRequest.Trigger {
    guard let context else { return .invoked }
    if context.triggerKind == 2, let character = context.triggerCharacter { return .character(character) }
    return context.triggerKind == 1 ? .invoked : .automatic
  }

  private func initialize(_ request: InitializeRequest) -> InitializeResult {
    let encoding = Self.negotiateEncoding(request.capabilities.general?.positionEncodings)
    documents = DocumentStore(encoding: encoding)
    snippetSupport = request.capabilities.snippetSupport
    clientShowsProgress = request.capabilities.workDoneProgress
    applySettings([
      (ServerConfiguration.workspaceSettings(rootURI: request.rootUri, log: log), ServerConfiguration.workspaceFileName),
      (request.initializationOptions, "initializationOptions"),
    ])
    if let pid = request.processId { watchParentProcess(Int32(truncatingIfNeeded: pid)) }
    phase = .running
    log.info(
      "initialized for \(request.clientInfo?.name ?? "an unnamed client"); positions in \(encoding.rawValue)")
    return InitializeResult(
      capabilities: ServerCapabilities(
        positionEncoding: encoding,
        textDocumentSync: .init(openClose: true, change: 2, save: .init(includeText: false)),
        completionProvider: .init(triggerCharacters: configuration.triggerCharacters, resolveProvider: false),
        inlineCompletionProvider: true,
        executeCommandProvider: .init(commands: [Self.statusCommand])),
      serverInfo: .init(name: "hunch", version: configuration.serverVersion))
  }

  /// The first encoding in the client's list (its order of preference) that we support; UTF-16 when it lists none.
  static func negotiateEncoding(_ offered: [PositionEncodingKind]?) -> PositionEncodingKind {
    let supported: [PositionEncodingKind] = [.utf8, .utf16, .utf32]
    return offered?.first(where: supported.contains) ?? .utf16
  }

  private func status(providerDetails: JSONValue) -> JSONValue {
    .object([
      "state": .string(phase.rawValue),
      "ready": .bool(preparation.isReady),
      "lastError": preparation.lastError.map(JSONValue.string) ?? .null,
      "model": providerDetails,
      "latencyMilliseconds": latencies.summary,
      "provider": .string(String(describing: type(of: provider))),
      "openDocuments": .integer(documents.openDocumentCount),
      "positionEncoding": .string(documents.encoding.rawValue),
      "debounceMilliseconds": .integer(configuration.debounceMilliseconds),
      "completionRequests": .integer(statistics.completionRequests),
      "providerCalls": .integer(statistics.providerCalls),
      "answeredFromCache": .integer(statistics.answeredFromCache),
      "superseded": .integer(statistics.superseded),
      "cancelled": .integer(statistics.cancelled),
      "inFlight": .integer(inFlight.count),
    ])
  }

  private func watchParentProcess(_ pid: Int32) {
    guard pid > 0 else { return }
    let interval = configuration.parentProcessCheckInterval
    let continuation = eventContinuation
    // A dead parent that nobody has reaped yet still answers kill(pid, 0); being re-parented gives it away.
    let isOurParent = getppid() == pid
    parentWatcher = Task.detached {
      while !Task.isCancelled {
        try? await Task.sleep(for: interval)
        if (kill(pid, 0) == -1 && errno == ESRCH) || (isOurParent && getppid() != pid) {
          continuation?.yield(.parentProcessDied(pid))
          return
        }
      }
    }
  }
}
