import Foundation
import HunchCompletion
import HunchInference
import HunchRemote

/// What the language server and `hunch complete` call to get a completion, whichever backend answers it.
public protocol CompletionServing: AnyObject, Sendable {
  func complete(_ request: CompletionRequest, isCancelled: @escaping () -> Bool) throws
    -> (result: CompletionResult, stats: GenerationStats)
  func completeAsync(_ request: CompletionRequest, isCancelled: @escaping @Sendable () -> Bool) async throws
    -> (result: CompletionResult, stats: GenerationStats)
}

extension CompletionService: CompletionServing {}

/// Something the user should know about the remote server, said once per change.
public enum RemoteNotice: Sendable, Equatable {
  /// The server cannot be reached; the message says what happens meanwhile (local model, or no suggestions).
  case serverDown(String)
  case serverBack(String)
}

/// Completions from a remote server, with the engine (context, prompt, stop rules, clean-up) running here.
///
/// When the server cannot be reached (or answers with errors), requests go to the local model (if `fallbackToLocal` and a local model is
/// configured) or get an empty answer; the server is tried again after `retryIntervalMilliseconds`, by a cheap health
/// probe rather than a full request. `onNotice` hears of the outage once and of the recovery once.
public final class RemoteCompletionService: CompletionServing, @unchecked Sendable {
  public let settings: RemoteBackendSettings
  public let engineConfig: CompletionConfig
  private let local: CompletionService?
  private let localVocabularyPath: String?
  private let oracle: any SyntaxOracle
  private let queue = DispatchQueue(label: "hunch.remote-completion", qos: .userInitiated)
  private let onNotice: @Sendable (RemoteNotice) -> Void
  private let log: @Sendable (String) -> Void
  private let environment: [String: String]
  private var model: RemoteCompletionModel?
  /// When the server is considered down: the time before which it is not tried again.
  private var downUntil: Date?
  private var announcedDown = false

  /// Which backend answered the last request, and the remote measurements if it was the server.
  public private(set) var lastBackend = "none"
  public private(set) var lastRemoteStats: RemoteGenerationStats?

  /// `local` is the fallback and its model file the preferred vocabulary (`localVocabularyPath` overrides it; a
  /// missing file only means approximate token counts).
  public init(
    settings: RemoteBackendSettings, local: CompletionService?, localVocabularyPath: String? = nil,
    engineConfig: CompletionConfig? = nil, oracle: any SyntaxOracle = TreeSitterSyntaxOracle(),
    environment: [String: String] = ProcessInfo.processInfo.environment,
    onNotice: @escaping @Sendable (RemoteNotice) -> Void = { _ in },
    log: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.settings = settings
    self.local = local
    self.localVocabularyPath = localVocabularyPath ?? local?.settings.modelPath
    self.engineConfig = engineConfig ?? local?.settings.engine ?? LocalModelSettings(modelPath: "").engine
    self.oracle = oracle
    self.environment = environment
    self.onNotice = onNotice
    self.log = log
  }

  public func complete(_ request: CompletionRequest, isCancelled: @escaping () -> Bool = { false }) throws
    -> (result: CompletionResult, stats: GenerationStats)
  {
    try queue.sync { try completeOnQueue(request, isCancelled: isCancelled) }
  }

  public func completeAsync(_ request: CompletionRequest, isCancelled: @escaping @Sendable () -> Bool) async throws
    -> (result: CompletionResult, stats: GenerationStats)
  {
    try await queue.perform { try self.completeOnQueue(request, isCancelled: isCancelled) }
  }


  /// Connects now (vocabulary discovery included), so that configuration errors show at start-up.
  public func connect() throws {
    try queue.sync { _ = try connectedModel() }
  }

  private func connectedModel() throws -> RemoteCompletionModel {
    if let model { return model }
    var vocabulary: (any TokenVocabulary)?
    if let path = localVocabularyPath, FileManager.default.fileExists(atPath: path) {
      vocabulary = try? LocalVocabulary(modelPath: path)
    }
    let connected = try RemoteCompletionModel.connect(
      settings: settings, localVocabulary: vocabulary, environment: environment, log: log)
    model = connected
    return connected
  }

  private func completeOnQueue(_ request: CompletionRequest, isCancelled: @escaping () -> Bool) throws
    -> (result: CompletionResult, stats: GenerationStats)
  {
    if let until = downUntil {
      if Date() < until { return try fallback(request, isCancelled: isCancelled) }
      // Time to look again: a health probe is cheap and does not make the user wait a connect timeout per request.
      let reachable = model?.isReachable() ?? true
      if !reachable {
        downUntil = Date().addingTimeInterval(Double(settings.retryIntervalMilliseconds) / 1000)
        return try fallback(request, isCancelled: isCancelled)
      }
    }
    do {
      let model = try connectedModel()
      let engine = CompletionEngine(config: engineConfig)
      let result: CompletionResult
      do {
        result = try engine.complete(request, model: model, oracle: oracle, isCancelled: isCancelled)
      } catch {
        // The engine wraps model failures; the transport's own error decides whether the server is down.
        if let failure = model.lastFailure { throw failure }
        throw error
      }
      if downUntil != nil {
        downUntil = nil
        announcedDown = false
        let message = "the completion server at \(settings.displayURL) is back"
        log("remote: \(message)")
        onNotice(.serverBack("Hunch: \(message)."))
      }
      lastBackend = "remote"
      lastRemoteStats = model.lastStats
      return (result, Self.stats(model.lastStats, result: result))
    } catch let error as RemoteError where error.code != .badSettings {
      // Down, or answering with errors (a rejected key, a server that is not what the settings say): either way the
      // user hears of it once and gets the fallback, not an error per keystroke.
      markDown(error)
      return try fallback(request, isCancelled: isCancelled)
    }
  }

  private func markDown(_ error: RemoteError) {
    downUntil = Date().addingTimeInterval(Double(settings.retryIntervalMilliseconds) / 1000)
    log("remote: \(settings.displayURL) is not usable (\(error))")
    guard !announcedDown else { return }
    announcedDown = true
    let meanwhile =
      settings.fallbackToLocal && local != nil
      ? "using the local model until it is back" : "no suggestions until it is back"
    let problem = error.meansServerDown ? "is unreachable" : "fails (\(error.message))"
    onNotice(.serverDown("Hunch: the completion server at \(settings.displayURL) \(problem); \(meanwhile)."))
  }

  private func fallback(_ request: CompletionRequest, isCancelled: @escaping () -> Bool) throws
    -> (result: CompletionResult, stats: GenerationStats)
  {
    if settings.fallbackToLocal, let local {
      lastBackend = "local"
      return try local.complete(request, isCancelled: isCancelled)
    }
    lastBackend = "none"
    return (CompletionResult.empty(at: request.cursor), GenerationStats())
  }

  static func stats(_ remote: RemoteGenerationStats, result: CompletionResult) -> GenerationStats {
    var stats = GenerationStats()
    let d = result.diagnostics
    stats.promptTokens = d.promptTokens
    stats.promptTokensReused = d.reusedPromptTokens
    stats.promptTokensComputed = max(0, d.promptTokens - d.reusedPromptTokens)
    stats.generatedTokens = d.generatedTokens
    stats.promptSeconds = d.promptMilliseconds / 1000
    stats.generationSeconds = d.generationMilliseconds / 1000
    return stats
  }
}
