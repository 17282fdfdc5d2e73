import Foundation
import HunchGGUF
import HunchKernels

/// Which positions of a batch need logits.
public enum LogitsRequest: Sendable {
  case last
  case all
}

/// A decoder-only transformer (llama and qwen2) over weights mapped from a GGUF file.
///
/// One owner: a `Transformer` holds its scratch buffers, so one forward pass runs at a time on it. Buffers are sized
/// once for `maxBatch` tokens; nothing is allocated per token.
public final class Transformer: @unchecked Sendable {
  public let config: ModelConfig
  public let weights: ModelWeights
  public let maxBatch: Int
  public let file: GGUFFile
  let pool: ThreadPool
  let matmul: MatMul
  let rotary: Rotary

  // Scratch, each sized for maxBatch tokens.
  let hidden: UnsafeMutablePointer<Float>  // (batch, embedding): the residual stream
  let normed: UnsafeMutablePointer<Float>  // (batch, embedding)
  let query: UnsafeMutablePointer<Float>  // (batch, queryDimension)
  let key: UnsafeMutablePointer<Float>  // (batch, kvDimension)
  let value: UnsafeMutablePointer<Float>  // (batch, kvDimension)
  let attention: UnsafeMutablePointer<Float>  // (batch, queryDimension)
  let projected: UnsafeMutablePointer<Float>  // (batch, embedding)
  let gate: UnsafeMutablePointer<Float>  // (batch, feedForward)
  let up: UnsafeMutablePointer<Float>  // (batch, feedForward)
  let ropeTable: UnsafeMutablePointer<Float>  // (batch, headDimension): cos then sin halves per position
  var scores: UnsafeMutablePointer<Float>  // (threads, cacheCapacity) attention weights per worker
  var scoresCapacity = 0
  var logits: UnsafeMutablePointer<Float>  // (rows, vocabulary)
  var logitsRows = 0
  // Per layer, the products a one-token step runs as one pool pass each (built once: nothing allocated per token).
  let decodeProjections: [[SharedInputProduct]]  // query, key, value into the scratch above
  let decodeFeedForward: [[SharedInputProduct]]  // gate, up
  let views: LayerViews  // the layers' tensors as the forward pass reads them

  /// `placement`: where the matrices live while the model runs; by default HUNCH_WEIGHTS (file, copied or
  /// interleaved) when set, else `.interleaved`.
  public init(file: GGUFFile, threads: Int? = nil, maxBatch: Int = 256, placement: WeightPlacement? = nil)
    throws(InferenceError)
  {
    let config = try ModelConfig(gguf: file)
    self.config = config
    self.file = file
    let fileWeights = try ModelWeights(gguf: file, config: config)
    self.maxBatch = max(1, maxBatch)
    pool = ThreadPool(threadCount: threads ?? ProcessInfo.processInfo.activeProcessorCount)
    // HUNCH_KERNEL_LEVEL (0 portable … 3 avx512) pins the kernel family, for diagnosing numeric differences.
    let pinned = ProcessInfo.processInfo.environment["HUNCH_KERNEL_LEVEL"].flatMap { Int32($0) }
      .flatMap { KernelLevel(rawValue: $0) }.flatMap { $0.isSupported ? $0 : nil }
    matmul = MatMul(pool: pool, level: pinned ?? .best)
    let chosen =
      placement ?? ProcessInfo.processInfo.environment["HUNCH_WEIGHTS"].flatMap(WeightPlacement.init) ?? .interleaved
    weights = try fileWeights.placed(chosen, level: matmul.level, pool: pool, file: file.file)
    rotary = Rotary(dimensions: config.headDimension, base: config.ropeBase, layout: config.ropeLayout)
    let b = self.maxBatch
    func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
      let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
      p.initialize(repeating: 0, count: count)
      return p
    }
    hidden = buffer(b * config.embedding)
    normed = buffer(b * config.embedding)
    query = buffer(b * config.queryDimension)
    key = buffer(b * config.kvDimension)
    value = buffer(b * config.kvDimension)
    attention = buffer(b * config.queryDimension)
    projected = buffer(b * config.embedding)
    gate = buffer(b * config.feedForward)
    up = buffer(b * config.feedForward)
    ropeTable = buffer(b * config.headDimension)
    scores = buffer(1)
    logits = buffer(config.vocabulary)
    logitsRows = 1
    func product(_ w: WeightMatrix, _ output: UnsafeMutablePointer<Float>) -> SharedInputProduct {
      SharedInputProduct(weights: w.data, type: w.type, layout: w.layout, rows: w.rows, output: output)
    }
    let (query, key, value, gate, up) = (query, key, value, gate, up)
    decodeProjections = weights.layers.map {
      [product($0.query, query), product($0.key, key), product($0.value, value)]
    }
    decodeFeedForward = weights.layers.map { [product($0.gate, gate), product($0.up, up)] }
    views = LayerViews(weights)
  }

  deinit {
    for p in [hidden, normed, query, key, value, attention, projected, gate, up, ropeTable, scores, logits] {
      p.deallocate()
    }
  }

  public var threadCount: Int { pool.threadCount }

  /// A cache for this model holding up to `capacity` positions.
  public func makeCache(capacity: Int) -> KVCache { KVCache(config: config, capacity: capacity) }

  /// Runs `tokens` at the positions after the cache's current length, appends their keys and values to the cache,
  /// and returns the logits asked for: (1, vocabulary) for `.last`, (tokens.count, vocabulary) for `.all`.
  /// The returned buffer is valid until the next call.
  @discardableResult
  public func forward(_ tokens: [Int32], cache: KVCache, logits request: LogitsRequest = .last) throws(InferenceError)
    -> UnsafeBufferPointer<Float>
  {
    guard !tokens.isEmpty else { return UnsafeBufferPointer(start: logits, count: 0) }
    guard cache.length + tokens.count <= cache.capacity else {
      throw InferenceError(
        .contextFull, "context is full: \(cache.length) + \(tokens.count) tokens exceed \(cache.capacity)")
    }
    for t in tokens where t < 0 || Int(t) >= config.vocabulary {
      throw InferenceError(.invalidToken, "token id \(t) is outside the vocabulary of \(config.vocabulary)")
    }
    let rows = request == .all ? tokens.count : 1
    ensureLogits(rows: rows)
    var done = 0
    while done < tokens.count {
      let count = min(maxBatch, tokens.count - done)
      let chunk = Array(tokens[done..<(done + count)])
      let isLastChunk = done + count == tokens.count
      runBatch(chunk, cache: cache)
      switch request {
      case .all:
        project(rows: 0..<count, into: logits + done * config.vocabulary)
      case .last where isLastChunk:
        project(rows: (count - 1)..<count, into: logits)
      case .last:
        break
      }
      done += count
    }
    return UnsafeBufferPointer(start: logits, count: rows * config.vocabulary)
  }

  private func ensureLogits(rows: Int) {
    guard rows > logitsRows else { return }
    logits.deallocate()
    logits = .allocate(capacity: rows * config.vocabulary)
    logits.initialize(repeating: 0, count: rows * config.vocabulary)
    logitsRows = rows
  }

  /// Final norm and output projection of the hidden rows `rows`.
  private func project(rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
    let e = config.embedding
    weights.outputNorm.values.withUnsafeBufferPointer { w in
      guard let weight = w.baseAddress else { return }
      for (i, r) in rows.enumerated() {
        Elementwise.rmsNorm(
          level: matmul.level, hidden + r * e, weight: weight, epsilon: config.rmsEpsilon, count: e,
          into: normed + i * e)
      }
    }
    multiply(MatrixView(weights.output), normed, rows.count, out)
  }

  func multiply(_ w: MatrixView, _ input: UnsafePointer<Float>, _ batch: Int, _ output: UnsafeMutablePointer<Float>) {
    // Shapes and types were checked when the weights were loaded, so the kernel cannot refuse them here.
    try? matmul.multiply(
      weights: w.data, type: w.type, layout: w.layout, rows: w.rows, columns: w.columns, input: input, batch: batch,
      output: output)
  }

  /// One token's products of `input` (columns wide) with several matrices, in one pass over the pool.
  func multiply(sharing input: UnsafePointer<Float>, columns: Int, _ products: [SharedInputProduct]) {
    try? matmul.multiply(sharing: input, columns: columns, products: products)
  }
}
