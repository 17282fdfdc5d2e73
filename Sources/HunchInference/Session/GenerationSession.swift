import Foundation

/// What a generation did, for `--stats`, `hunch complete --json` and the server's status.
public struct GenerationStats: Sendable, Codable, Equatable {
  public var promptTokens = 0
  /// Prompt tokens whose keys and values were already in the cache from the previous request.
  public var promptTokensReused = 0
  public var promptTokensComputed = 0
  public var generatedTokens = 0
  public var promptSeconds = 0.0
  public var generationSeconds = 0.0
  /// Speculative decoding: what each drafter proposed and what the target accepted (empty for plain decoding).
  public var drafters: [DrafterStats] = []
  /// Target forward passes during generation (a plain run makes one per token, a speculative one fewer).
  public var targetSteps = 0

  public init() {}

  private enum CodingKeys: String, CodingKey {
    case promptTokens, promptTokensReused, promptTokensComputed, generatedTokens, promptSeconds, generationSeconds
    case drafters, targetSteps
  }

  // Fields added later decode as absent from older records.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    promptTokens = try c.decode(Int.self, forKey: .promptTokens)
    promptTokensReused = try c.decode(Int.self, forKey: .promptTokensReused)
    promptTokensComputed = try c.decode(Int.self, forKey: .promptTokensComputed)
    generatedTokens = try c.decode(Int.self, forKey: .generatedTokens)
    promptSeconds = try c.decode(Double.self, forKey: .promptSeconds)
    generationSeconds = try c.decode(Double.self, forKey: .generationSeconds)
    drafters = try c.decodeIfPresent([DrafterStats].self, forKey: .drafters) ?? []
    targetSteps = try c.decodeIfPresent(Int.self, forKey: .targetSteps) ?? 0
  }

  /// The entry for drafter `name`, created on first use.
  public subscript(drafter name: String) -> DrafterStats {
    get { drafters.first { $0.name == name } ?? DrafterStats(name: name) }
    set {
      if let i = drafters.firstIndex(where: { $0.name == name }) {
        drafters[i] = newValue
      } else {
        drafters.append(newValue)
      }
    }
  }

  public var generationTokensPerSecond: Double {
    generationSeconds > 0 ? Double(generatedTokens) / generationSeconds : 0
  }
  public var promptTokensPerSecond: Double {
    promptSeconds > 0 ? Double(promptTokensComputed) / promptSeconds : 0
  }
}

/// Whether to go on after a token.
public enum GenerationControl: Sendable {
  case proceed
  case stop
}

/// The one owner of a model, its KV cache and the tokens that cache holds.
///
/// A new prompt reuses the longest common token prefix with what the cache already holds and computes only the rest,
/// so a completion request one keystroke after another costs a handful of tokens.
public final class GenerationSession: @unchecked Sendable {
  public let model: Transformer
  public let cache: KVCache
  /// The tokens whose keys and values are in the cache, in order.
  public internal(set) var cachedTokens: [Int32] = []
  /// The stop token that ended the last generation, if one did.
  public internal(set) var lastStopToken: Int32?
  /// Asked between chunks of a long prompt: answering true ends `prefill` with a `.cancelled` error. What was
  /// computed by then stays in the cache, so the request that replaces this one reuses it.
  public var shouldStop: (() -> Bool)?
  /// Prompt tokens per forward pass while a stop may be asked for: small enough that a superseded request lets go
  /// of the model within a fraction of a second, large enough to keep batches efficient. Chunking does not change
  /// any logit (a token's logits do not depend on its batch).
  public var prefillChunk = 128

  public init(model: Transformer, contextLength: Int) {
    self.model = model
    cache = model.makeCache(capacity: contextLength)
  }

  public var contextLength: Int { cache.capacity }

  /// Feeds `prompt` (reusing the cached prefix) and returns the logits after its last token.
  public func prefill(_ prompt: [Int32], stats: inout GenerationStats) throws(InferenceError) -> UnsafeBufferPointer<Float> {
    guard !prompt.isEmpty else { throw InferenceError(.invalidToken, "the prompt is empty") }
    let started = DispatchTime.now()
    var common = 0
    let limit = min(prompt.count, cachedTokens.count)
    while common < limit && prompt[common] == cachedTokens[common] { common += 1 }
    // The last prompt token is always run again: its logits are what the next token is chosen from.
    let keep = min(common, prompt.count - 1)
    cache.trim(to: keep)
    cachedTokens.removeSubrange(keep...)
    let fresh = Array(prompt[keep...])
    var logits: UnsafeBufferPointer<Float>?
    var start = 0
    while start < fresh.count {
      let end = shouldStop == nil ? fresh.count : min(fresh.count, start + max(1, prefillChunk))
      let chunk = Array(fresh[start..<end])
      do {
        logits = try model.forward(chunk, cache: cache, logits: .last)
      } catch {
        cache.trim(to: cachedTokens.count)
        throw error
      }
      cachedTokens.append(contentsOf: chunk)
      start = end
      if start < fresh.count, let shouldStop, shouldStop() {
        stats.promptSeconds += Self.seconds(since: started)
        throw InferenceError(.cancelled, "stopped after \(start) of \(fresh.count) new prompt tokens")
      }
    }
    guard let logits else { throw InferenceError(.invalidToken, "the prompt is empty") }
    stats.promptTokens += prompt.count
    stats.promptTokensReused += keep
    stats.promptTokensComputed += fresh.count
    stats.promptSeconds += Self.seconds(since: started)
    return logits
  }

  /// Greedy or sampled continuation of `prompt`, up to `maxTokens` new tokens. `onToken` sees each token as it is
  /// chosen and can stop the generation; stop tokens end it without being returned.
  /// `firstTokenChoices`, when given, restricts the first token to those ids (the most likely of them is taken):
  /// token healing, where the prompt's last partial token was removed and the continuation must start with it.
  public func generate(
    prompt: [Int32], maxTokens: Int, sampler: Sampler = .greedy, stopTokens: Set<Int32> = [],
    firstTokenChoices: [Int32]? = nil,
    stats: inout GenerationStats, onToken: (Int32) -> GenerationControl = { _ in .proceed }
  ) throws(InferenceError) -> [Int32] {
    var sampler = sampler
    var logits = try prefill(prompt, stats: &stats)
    let started = DispatchTime.now()
    defer { stats.generationSeconds += Self.seconds(since: started) }
    var output: [Int32] = []
    lastStopToken = nil
    while output.count < maxTokens {
      var token = sampler.sample(logits)
      if output.isEmpty, let choices = firstTokenChoices, !choices.isEmpty {
        token = choices.max { logits[Int($0)] < logits[Int($1)] || (logits[Int($0)] == logits[Int($1)] && $0 > $1) }
          ?? token
      }
      if stopTokens.contains(token) {
        lastStopToken = token
        break
      }
      output.append(token)
      stats.generatedTokens += 1
      if onToken(token) == .stop { break }
      if output.count == maxTokens || cache.length >= cache.capacity { break }
      logits = try model.forward([token], cache: cache, logits: .last)
      cachedTokens.append(token)
      stats.targetSteps += 1
    }
    return output
  }

  /// Forgets the cache (for tests and for a model file that changed).
  public func reset() {
    cache.trim(to: 0)
    cachedTokens.removeAll()
  }

  static func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
  }
}
