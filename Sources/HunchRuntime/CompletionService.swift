import Foundation
import HunchCompletion
import HunchGGUF
import HunchInference

/// Settings for running completions locally.
public struct LocalModelSettings: Sendable {
  public var modelPath: String
  /// Positions the KV cache holds: prompt plus generated tokens.
  public var contextLength = 4096
  public var threads: Int?
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
}

/// The one owner of the local model for completions: loads it once, then runs requests one at a time on its own
/// thread (compute must not block Swift's cooperative pool), keeping the KV cache between requests so that the next
/// request reuses the common prompt prefix.
public final class CompletionService: @unchecked Sendable {
  public let settings: LocalModelSettings
  private let queue = DispatchQueue(label: "hunch.completion", qos: .userInitiated)
  private let oracle: any SyntaxOracle
  private var model: LocalCompletionModel?
  private var loadError: (any Error)?

  public init(settings: LocalModelSettings, oracle: any SyntaxOracle = TreeSitterSyntaxOracle()) {
    self.settings = settings
    self.oracle = oracle
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
    if let loadError { throw loadError }
    do {
      let file = try GGUFFile(path: settings.modelPath)
      let transformer = try Transformer(file: file, threads: settings.threads)
      let tokenizer = try Tokenizer(gguf: file)
      model = LocalCompletionModel(
        session: GenerationSession(model: transformer, contextLength: settings.contextLength), tokenizer: tokenizer)
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
    try await withCheckedThrowingContinuation { continuation in
      queue.async {
        do {
          continuation.resume(returning: try self.completeOnQueue(request, isCancelled: isCancelled))
        } catch {
          continuation.resume(throwing: error)
        }
      }
    }
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
    let engine = CompletionEngine(config: settings.engine)
    let result = try engine.complete(request, model: model, oracle: oracle, isCancelled: isCancelled)
    return (result, model.lastStats)
  }
}
