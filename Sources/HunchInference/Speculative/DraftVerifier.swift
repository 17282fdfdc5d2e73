import Foundation

/// Decides, row by row of the target's logits, whether a draft token stands, and picks the target's own token.
///
/// Greedy: a draft token stands when it is the argmax. Sampling: drafts are deterministic (the draft distribution q
/// is one-hot), so a draft token d stands with probability min(1, p(d)/1) = p(d) under the sampler's distribution p,
/// and after a rejection the token comes from p with d removed and renormalized, which is max(0, p − q) normalized.
struct DraftVerifier {
  var sampler: Sampler
  private var random: SplitMix64

  /// `seed` starts the acceptance draws, a stream apart from the sampler's own.
  init(sampler: Sampler, seed: UInt64) {
    self.sampler = sampler
    random = SplitMix64(seed: seed)
  }

  mutating func choose(_ logits: UnsafeBufferPointer<Float>, excluding rejected: Int32?) -> Int32 {
    guard let rejected, !sampler.isGreedy else { return sampler.sample(logits) }
    let residual = Self.distribution(logits, sampler).filter { $0.id != rejected }
    let mass = residual.reduce(Float(0)) { $0 + $1.probability }
    // p was concentrated on the rejected token alone (cannot be drawn then, but floats): fall back to sampling.
    guard mass > 0, let last = residual.last else { return sampler.sample(logits) }
    let draw = Float(random.nextUnit()) * mass
    var running: Float = 0
    for entry in residual {
      running += entry.probability
      if draw < running { return entry.id }
    }
    return last.id
  }

  mutating func accepts(_ token: Int32, _ logits: UnsafeBufferPointer<Float>) -> Bool {
    if sampler.isGreedy { return Sampler.argmax(logits) == token }
    let p = Self.distribution(logits, sampler).first { $0.id == token }?.probability ?? 0
    return Float(random.nextUnit()) < p
  }

  /// The sampler's distribution: top-k by logit, softmax at the temperature, the smallest prefix reaching top-p,
  /// renormalized. Ids outside it have probability 0.
  static func distribution(_ logits: UnsafeBufferPointer<Float>, _ sampler: Sampler) -> [(id: Int32, probability: Float)] {
    let k = sampler.topK > 0 ? min(sampler.topK, logits.count) : logits.count
    var candidates = logits.enumerated().map { (id: Int32($0.offset), logit: $0.element) }
    candidates.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
    candidates.removeLast(candidates.count - k)
    let maximum = candidates[0].logit
    var weights = candidates.map { expf(($0.logit - maximum) / sampler.temperature) }
    let total = weights.reduce(0, +)
    weights = weights.map { $0 / total }
    var kept = 0
    var mass: Float = 0
    while kept < weights.count {
      mass += weights[kept]
      kept += 1
      if mass >= sampler.topP { break }
    }
    return (0..<kept).map { (candidates[$0].id, weights[$0] / mass) }
  }
}
