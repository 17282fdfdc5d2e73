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

  /// Speculative decoding across requests, or nil for plain decoding. Its drafters' measurements carry over from
  /// request to request, so one that does not pay for itself here stays switched off.
  public let speculation: SpeculationController?
  /// Drafts the rest of the previous suggestion (the user often types on along it, or re-asks after a detour).
  private let suggestionDrafter: SuggestionDrafter?
  /// Drafter counters summed over every request.
  public private(set) var drafterTotals: [String: DrafterStats] = [:]

  /// `speculative` turns on the previous-suggestion and prompt-lookup drafters; `draftModel` adds a draft model
  /// (which must share the tokenizer).
  public init(
    session: GenerationSession, tokenizer: Tokenizer, speculative: Bool = false,
    draftModel: DraftModelDrafter? = nil
  ) {
    self.session = session
    self.tokenizer = tokenizer
    specialTokens = tokenizer.specialTokens
    var drafters: [Drafter] = []
    if speculative {
      let suggestion = SuggestionDrafter()
      suggestionDrafter = suggestion
      drafters = [suggestion, PromptLookupDrafter()]
    } else {
      suggestionDrafter = nil
    }
    if let draftModel { drafters.append(draftModel) }
    speculation = drafters.isEmpty ? nil : SpeculationController(drafters: drafters)
  }

  public var beginningOfText: Int32? { tokenizer.addsBOS ? tokenizer.bosID : nil }

  /// See `generate`: the prompt's last token is healed.
  public var healsPromptEnd: Bool { true }

  private var healingCache: [[UInt8]: [Int32]] = [:]

  /// Normal tokens whose text starts with `bytes`. After whitespace the next byte must be something else (a token
  /// that is only whitespace would bring back the fragment); after a word fragment the fragment itself counts too.
  private func healingCandidates(startingWith bytes: [UInt8]) -> [Int32] {
    if let cached = healingCache[bytes] { return cached }
    func isBlank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") }
    let blank = bytes.allSatisfy(isBlank)
    var ids: [Int32] = []
    for id in 0..<Int32(tokenizer.vocabularySize) where tokenizer.kind(of: id) == .normal {
      let piece = tokenizer.tokenBytes(id)
      guard piece.count >= bytes.count, piece.starts(with: bytes) else { continue }
      if blank && (piece.count == bytes.count || isBlank(piece[bytes.count])) { continue }
      ids.append(id)
    }
    healingCache[bytes] = ids
    return ids
  }

  public func tokenize(_ text: String) -> [Int32] { tokenizer.encode(text) }

  public func detokenize(_ tokens: [Int32]) -> String { tokenizer.decode(tokens) }

  public func generate(
    prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>, isCancelled: () -> Bool,
    onPiece: (String) -> StopDecision
  ) throws -> Generation {
    // Keep the prompt inside the cache: drop its oldest tokens if it is too long (the engine's budgets normally
    // keep it well inside).
    let room = session.contextLength - maxTokens - 1
    var prompt = prompt.count > room ? Array(prompt.suffix(max(1, room))) : prompt
    // Token healing: the prompt's last token may be a fragment the model would never have seen there: a lone space
    // (`return ` after the FIM middle marker) or the start of a word being typed (`fi` of `fibonacci`). Drop it and
    // make the first generated token start with its text instead; the repeated text is stripped from the output.
    var healed: [UInt8] = []
    var choices: [Int32]?
    if prompt.count > 1, let last = prompt.last, tokenizer.kind(of: last) == .normal {
      let bytes = tokenizer.tokenBytes(last)
      let candidates = bytes.isEmpty ? [] : healingCandidates(startingWith: bytes)
      if !candidates.isEmpty {
        prompt.removeLast()
        healed = bytes
        choices = candidates
      }
    }
    var stats = GenerationStats()
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    var pendingHeal = healed
    var text = ""
    var stoppedByCaller = false
    let stops = stopTokens.union(tokenizer.endOfTextIDs)
    var cancelled = false
    // A request superseded while its prompt is processed lets go of the model between prompt chunks.
    let tokens: [Int32]
    do {
      tokens = try withoutActuallyEscaping(isCancelled) { isCancelled in
        session.shouldStop = isCancelled
        defer { session.shouldStop = nil }
        return try session.generate(
          prompt: prompt, maxTokens: maxTokens, stopTokens: stops, firstTokenChoices: choices,
          speculation: speculation, stats: &stats
        ) { token in
          var piece = decoder.append(token)
          if !pendingHeal.isEmpty {
            // The healed whitespace was already in the document: strip it from what the engine sees.
            let drop = min(pendingHeal.count, piece.utf8.count)
            piece = String(decoding: piece.utf8.dropFirst(drop), as: UTF8.self)
            pendingHeal.removeFirst(drop)
          }
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
      }
    } catch let error as InferenceError where error.code == .cancelled {
      lastStats = stats
      return Generation(
        tokens: [], text: "", finish: .cancelled, promptTokenCount: prompt.count, promptMilliseconds: 0,
        generationMilliseconds: 0)
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
    for drafter in stats.drafters {
      var total = drafterTotals[drafter.name] ?? DrafterStats(name: drafter.name)
      total.steps += drafter.steps
      total.drafted += drafter.drafted
      total.accepted += drafter.accepted
      total.proposeSeconds += drafter.proposeSeconds
      total.verifySeconds += drafter.verifySeconds
      drafterTotals[drafter.name] = total
    }
    if !cancelled, !tokens.isEmpty { suggestionDrafter?.seed(suggestion: tokens, after: prompt) }
    return Generation(
      tokens: tokens, text: text, finish: finish, promptTokenCount: stats.promptTokens,
      reusedPromptTokenCount: stats.promptTokensReused, promptMilliseconds: stats.promptSeconds * 1000,
      generationMilliseconds: stats.generationSeconds * 1000)
  }
}
