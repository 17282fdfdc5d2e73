import Foundation
import HunchCompletion
import HunchGGUF
import HunchInference
import HunchProvisioning
import HunchSettings

/// Settings for running completions locally.
public struct LocalModelSettings: Sendable {
  public var modelPath: String
  /// A model sharing the tokenizer that drafts for the main one.
  public var draftModelPath: String?
  /// Positions the KV cache holds: prompt plus generated tokens.
  public var contextLength = 4096
  public var threads: Int?
  /// Speculative decoding with the previous suggestion and prompt lookup (exact: output equals plain decoding).
  public var speculative = true
  public var engine: CompletionConfig

  public init(modelPath: String) {
    self.modelPath = modelPath
    engine = CompletionConfig()
    // The current line's text left of the cursor goes after the FIM middle marker (as llama.vim does): while a line
    // is typed, everything before it in the prompt stays the same and its KV cache is reused.
    engine.currentLineAfterMiddle = true
    // A long file's prefix window starts at a multiple of 32 lines, so pressing Enter does not shift it.
    engine.prefixAnchorLines = 32
  }

  /// These settings with the user's `settings` applied over them; model names are resolved to pulled files.
  public func applying(_ settings: HunchSettings) throws(ProvisioningError) -> LocalModelSettings {
    var result = self
    if let model = settings.model { result.modelPath = try ModelLocator.resolve(model) }
    if let draft = settings.draftModel { result.draftModelPath = try ModelLocator.resolve(draft) }
    if let threads = settings.threads { result.threads = threads }
    if let length = settings.contextLength { result.contextLength = length }
    if let speculative = settings.speculative { result.speculative = speculative }
    if let tokens = settings.prefixTokens { result.engine.prefixTokens = tokens }
    if let tokens = settings.suffixTokens { result.engine.suffixTokens = tokens }
    if let tokens = settings.extraContextTokens { result.engine.extraContextTokens = tokens }
    if let tokens = settings.maxTokens { result.engine.maxTokens = tokens }
    if let tokens = settings.maxBlockTokens { result.engine.maxBlockTokens = tokens }
    return result
  }

  /// Whether going from `self` to `other` needs the model loaded again (rather than only new engine settings).
  func needsReload(for other: LocalModelSettings) -> Bool {
    modelPath != other.modelPath || draftModelPath != other.draftModelPath || contextLength != other.contextLength
      || threads != other.threads || speculative != other.speculative
  }
}

/// The one owner of the local model for completions: loads it once, then runs requests one at a time on its own
/// thread (compute must not block Swift's cooperative pool), keeping the KV cache between requests so that the next
/// request reuses the common prompt prefix.
public final class CompletionService: @unchecked Sendable {
  /// Read and written on `queue` only.
  private var currentSettings: LocalModelSettings
  private let queue = DispatchQueue(label: "hunch.completion", qos: .userInitiated)
  private let oracle: any SyntaxOracle
  private var model: LocalCompletionModel?
  private var loadError: (any Error)?

  public init(settings: LocalModelSettings, oracle: any SyntaxOracle = TreeSitterSyntaxOracle()) {
    currentSettings = settings
    self.oracle = oracle
    refreshStatus()
  }

  public var settings: LocalModelSettings { queue.sync { currentSettings } }

  /// Settings that could not be applied (a model name that is not pulled), until the next good ones.
  private var pendingSettingsProblem: (any Error)?

  public var settingsProblem: (any Error)? {
    get async { await queue.perform { self.pendingSettingsProblem } }
  }

  public func noteSettingsProblem(_ error: any Error) async {
    await queue.perform { self.pendingSettingsProblem = error }
  }


  /// Takes new settings; returns true when the model must be loaded again for them (it then loads on next use or
  /// on `load`). The request running now, if any, finishes with the old settings.
  public func reconfigure(_ settings: LocalModelSettings) async -> Bool {
    await queue.perform {
      self.pendingSettingsProblem = nil
      let reload = self.currentSettings.needsReload(for: settings)
      if reload {
        self.model = nil
        self.loadError = nil
      }
      self.currentSettings = settings
      self.refreshStatus()
      return reload
    }
  }


  /// Loads the model without blocking the caller's thread.
  public func loadAsync() async throws {
    try await queue.perform { try self.loadOnQueue() }
  }


  /// What `hunch.status` shows about the model: which, whether loaded, and the drafters' counters.
  /// Answers at once, even while a long generation holds the service's thread: it reads a snapshot that the thread
  /// refreshes after every load and request.
  public func statusDetails() async -> [String: String] {
    statusLock.withLock { statusSnapshot }
  }

  private let statusLock = NSLock()
  private var statusSnapshot: [String: String] = [:]

  /// Called on `queue` whenever the model, the settings or the counters change.
  private func refreshStatus() {
    var details = [
      "path": currentSettings.modelPath, "loaded": model == nil ? "no" : "yes",
      "speculative": currentSettings.speculative ? "yes" : "no",
    ]
    if let draft = currentSettings.draftModelPath { details["draftModel"] = draft }
    if let error = loadError { details["error"] = String(describing: error) }
    for (name, total) in model?.drafterTotals ?? [:] {
      details["drafter.\(name)"] = "\(total.accepted)/\(total.drafted) accepted in \(total.steps) steps"
    }
    statusLock.withLock { statusSnapshot = details }
  }

  /// Loads the model now (on the service's thread); later calls return at once.
  public func load() throws {
    try queue.sync { try loadOnQueue() }
  }

  /// Starts loading in the background, so the first completion does not pay for it.
  public func preload(completion: @escaping @Sendable ((any Error)?) -> Void = { _ in }) {
    queue.async {
      do {
        try self.loadOnQueue()
        completion(nil)
      } catch {
        completion(error)
      }
    }
  }

  private func loadOnQueue() throws {
    if model != nil { return }
    defer { refreshStatus() }
    if let loadError { throw loadError }
    let settings = currentSettings
    do {
      let file = try GGUFFile(path: settings.modelPath)
      let transformer = try Transformer(file: file, threads: settings.threads)
      let tokenizer = try Tokenizer(gguf: file)
      var draft: DraftModelDrafter?
      if let draftPath = settings.draftModelPath {
        let draftFile = try GGUFFile(path: draftPath)
        let draftTokenizer = try Tokenizer(gguf: draftFile)
        guard draftTokenizer.vocabularySize == tokenizer.vocabularySize else {
          throw CompletionError(
            .modelFailed,
            "the draft model \(draftPath) has another tokenizer (\(draftTokenizer.vocabularySize) tokens, the model "
              + "\(tokenizer.vocabularySize)); pick a draft model of the same family")
        }
        draft = DraftModelDrafter(
          model: try Transformer(file: draftFile, threads: settings.threads), contextLength: settings.contextLength)
      }
      model = LocalCompletionModel(
        session: GenerationSession(model: transformer, contextLength: settings.contextLength), tokenizer: tokenizer,
        speculative: settings.speculative, draftModel: draft)
    } catch {
      loadError = error
      throw error
    }
  }

  /// Runs one completion synchronously on the service's thread.
  public func complete(_ request: CompletionRequest, isCancelled: @escaping () -> Bool = { false }) throws
    -> (result: CompletionResult, stats: GenerationStats)
  {
    try queue.sync { try completeOnQueue(request, isCancelled: isCancelled) }
  }

  /// The same, without blocking the caller's thread.
  public func completeAsync(_ request: CompletionRequest, isCancelled: @escaping @Sendable () -> Bool) async throws
    -> (result: CompletionResult, stats: GenerationStats)
  {
    try await queue.perform { try self.completeOnQueue(request, isCancelled: isCancelled) }
  }


  private func completeOnQueue(_ request: CompletionRequest, isCancelled: @escaping () -> Bool) throws
    -> (result: CompletionResult, stats: GenerationStats)
  {
    try loadOnQueue()
    guard let model else { throw CompletionError(.modelFailed, "the model is not loaded") }
    // The model file must still be the one mapped: touching pages of a truncated file would raise SIGBUS. When it
    // changed, the model is dropped (its mapping with it) and loaded again from the path at the next request, so a
    // model replaced by a good file works again and a broken one is refused with the loader's own message.
    do {
      try model.session.model.file.file.checkUnchanged()
    } catch {
      self.model = nil
      loadError = nil
      throw CompletionError(
        .modelFailed, "the model file changed on disk; it will be loaded again at the next request",
        cause: error.description)
    }
    let engine = CompletionEngine(config: currentSettings.engine)
    defer { refreshStatus() }
    let result = try engine.complete(request, model: model, oracle: oracle, isCancelled: isCancelled)
    return (result, model.lastStats)
  }
}
