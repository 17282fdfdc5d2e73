import Foundation
import HunchCompletion
import HunchInference

/// The completion engine's model side, backed by the local inference engine.
///
/// One owner: it holds the generation session (and so the KV cache that prompt reuse keeps between requests), so
/// calls must not overlap; `CompletionService` runs them one at a time on its own thread.
public final class LocalCompletionModel: CompletionModel, @unchecked Sendable {
  public let session: GenerationSession
  public let tokenizer: Tokenizer
  public let specialTokens: [String: Int32]
  /// Statistics of the last `generate` call (prompt reuse, timings).
  public private(set) var lastStats = GenerationStats()

  public init(session: GenerationSession, tokenizer: Tokenizer) {
    self.session = session
    self.tokenizer = tokenizer
    specialTokens = tokenizer.specialTokens
  }

  public var beginningOfText: Int32? { tokenizer.addsBOS ? tokenizer.bosID : nil }

  public func tokenize(_ text: String) -> [Int32] { tokenizer.encode(text) }

  public func detokenize(_ tokens: [Int32]) -> String { tokenizer.decode(tokens) }

  public func generate(
    prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>, isCancelled: () -> Bool,
    onPiece: (String) -> StopDecision
  ) throws -> Generation {
    // Keep the prompt inside the cache: drop its oldest tokens if it is too long (the engine's budgets normally
    // keep it well inside).
    let room = session.contextLength - maxTokens - 1
    let prompt = prompt.count > room ? Array(prompt.suffix(max(1, room))) : prompt
    var stats = GenerationStats()
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    var text = ""
    var stoppedByCaller = false
    let stops = stopTokens.union(tokenizer.endOfTextIDs)
    var cancelled = false
    let tokens = try session.generate(
      prompt: prompt, maxTokens: maxTokens, stopTokens: stops, stats: &stats
    ) { token in
      let piece = decoder.append(token)
      text += piece
      if onPiece(piece) == .stop {
        stoppedByCaller = true
        return .stop
      }
      if isCancelled() {
        cancelled = true
        return .stop
      }
      return .proceed
    }
    let finish: GenerationFinish
    if cancelled {
      finish = .cancelled
    } else if stoppedByCaller {
      finish = .stoppedByCaller
    } else if let token = session.lastStopToken {
      finish = .stopToken(token)
    } else {
      finish = .maxTokens
    }
    lastStats = stats
    return Generation(
      tokens: tokens, text: text, finish: finish, promptTokenCount: stats.promptTokens,
      reusedPromptTokenCount: stats.promptTokensReused, promptMilliseconds: stats.promptSeconds * 1000,
      generationMilliseconds: stats.generationSeconds * 1000)
  }
}
