import Foundation

/// A smaller model sharing the target's tokenizer drafts greedily. Its own KV cache is kept in step with the
/// context: each proposal first trims the cache back to the longest prefix it shares with the context (dropping
/// rejected draft tokens) and feeds the rest.
public final class DraftModelDrafter: Drafter {
  public let name: String
  public let model: Transformer
  public let cache: KVCache
  /// The tokens whose keys and values are in the draft cache, in order.
  public private(set) var cachedTokens: [Int32] = []

  public init(model: Transformer, contextLength: Int, name: String = "draft-model") {
    self.model = model
    self.name = name
    cache = model.makeCache(capacity: contextLength)
  }

  public func begin(prompt: [Int32]) throws(InferenceError) {
    guard !prompt.isEmpty else { return }
    _ = try sync(to: Array(prompt.dropLast()), last: prompt.last)
  }

  public func propose(context: [Int32], maxDraft: Int) throws(InferenceError) -> [Int32] {
    guard maxDraft > 0, let last = context.last else { return [] }
    let room = cache.capacity - context.count
    let count = min(maxDraft, room)
    guard count > 0 else { return [] }
    var logits = try sync(to: Array(context.dropLast()), last: last)
    var draft: [Int32] = []
    while true {
      let token = Sampler.argmax(logits)
      draft.append(token)
      if draft.count == count { break }
      logits = try model.forward([token], cache: cache, logits: .last)
      cachedTokens.append(token)
    }
    return draft
  }

  /// Makes the cache hold `prefix + [last]`, reusing the common prefix, and returns the logits after `last`.
  private func sync(to prefix: [Int32], last: Int32?) throws(InferenceError) -> UnsafeBufferPointer<Float> {
    let wanted = last.map { prefix + [$0] } ?? prefix
    var common = 0
    let limit = min(wanted.count, cachedTokens.count)
    while common < limit && wanted[common] == cachedTokens[common] { common += 1 }
    // The last token is always run again: its logits are what the draft starts from.
    let keep = min(common, wanted.count - 1)
    cache.trim(to: keep)
    cachedTokens.removeSubrange(keep...)
    let fresh = Array(wanted[keep...])
    do {
      let logits = try model.forward(fresh, cache: cache, logits: .last)
      cachedTokens.append(contentsOf: fresh)
      return logits
    } catch {
      cache.trim(to: keep)
      throw error
    }
  }

  /// Forgets the draft cache.
  public func reset() {
    cache.trim(to: 0)
    cachedTokens.removeAll()
  }
}
