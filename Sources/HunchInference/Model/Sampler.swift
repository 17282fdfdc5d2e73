import Foundation

/// Picks the next token from logits: greedy by default; temperature, top-k and top-p with a seeded generator.
public struct Sampler: Sendable {
  public var temperature: Float
  public var topK: Int
  public var topP: Float
  private var random: SplitMix64
  private var candidates: [(id: Int32, logit: Float)] = []

  /// Greedy: always the most likely token (the lowest id among equals).
  public static var greedy: Sampler { Sampler(temperature: 0) }

  public init(temperature: Float = 0, topK: Int = 40, topP: Float = 0.95, seed: UInt64 = 0x5eed) {
    self.temperature = temperature
    self.topK = topK
    self.topP = topP
    random = SplitMix64(seed: seed)
  }

  public var isGreedy: Bool { temperature <= 0 }

  public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
    var best = 0
    var bestValue = -Float.infinity
    for (i, v) in logits.enumerated() where v > bestValue {
      bestValue = v
      best = i
    }
    return Int32(best)
  }

  public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int32 {
    if isGreedy { return Self.argmax(logits) }
    let k = topK > 0 ? min(topK, logits.count) : logits.count
    candidates.removeAll(keepingCapacity: true)
    for (i, v) in logits.enumerated() { candidates.append((Int32(i), v)) }
    candidates.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
    candidates.removeLast(candidates.count - k)
    // Softmax at the temperature, then keep the smallest prefix whose mass reaches topP.
    let maximum = candidates[0].logit
    var probabilities = candidates.map { expf(($0.logit - maximum) / temperature) }
    let total = probabilities.reduce(0, +)
    probabilities = probabilities.map { $0 / total }
    var kept = 0
    var mass: Float = 0
    while kept < probabilities.count {
      mass += probabilities[kept]
      kept += 1
      if mass >= topP { break }
    }
    let draw = Float(random.nextUnit()) * mass
    var running: Float = 0
    for i in 0..<kept {
      running += probabilities[i]
      if draw < running { return candidates[i].id }
    }
    return candidates[kept - 1].id
  }
}

/// A small, fast, seedable generator (SplitMix64), so sampled runs are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
