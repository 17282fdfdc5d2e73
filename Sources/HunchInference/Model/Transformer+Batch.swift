import HunchKernels

extension Transformer {
  /// Runs one batch (at most maxBatch tokens) through every layer, leaving the residual stream in `hidden` and the
  /// batch's keys and values in the cache.
  func runBatch(_ tokens: [Int32], cache: KVCache) {
    let c = config
    let n = tokens.count
    let start = cache.length
    let e = c.embedding
    let level = matmul.level

    for (t, id) in tokens.enumerated() {
      // Ids were range-checked by forward(); the embedding's type was checked at load.
      try? Dequantize.row(
        weights.tokenEmbedding.type, source: weights.tokenEmbedding.row(Int(id)), destination: hidden + t * e, count: e)
      rotary.angles(position: start + t, into: ropeTable + t * c.headDimension)
    }
    ensureScores(capacity: cache.capacity)

    for l in 0..<views.layers.count {
      let layer = views.layers[l]
      // Attention block.
      normalize(n, layer.attentionNorm)
      if n == 1 {
        multiply(sharing: normed, columns: e, decodeProjections[l])
      } else {
        multiply(layer.query, normed, n, query)
        multiply(layer.key, normed, n, key)
        multiply(layer.value, normed, n, value)
      }
      addBias(layer.queryBias, query, n, c.queryDimension)
      addBias(layer.keyBias, key, n, c.kvDimension)
      addBias(layer.valueBias, value, n, c.kvDimension)
      for t in 0..<n {
        let table = UnsafePointer(ropeTable + t * c.headDimension)
        rotary.apply(query + t * c.queryDimension, heads: c.heads, table: table)
        rotary.apply(key + t * c.kvDimension, heads: c.kvHeads, table: table)
        // The reference keeps K and V in half precision and multiplies Q in half precision against K.
        Elementwise.roundToHalf(level: level, query + t * c.queryDimension, count: c.queryDimension)
        Elementwise.storeHalves(
          level: level, key + t * c.kvDimension, into: cache.keyRow(layer: l, position: start + t),
          count: c.kvDimension)
        Elementwise.storeHalves(
          level: level, value + t * c.kvDimension, into: cache.valueRow(layer: l, position: start + t),
          count: c.kvDimension)
      }
      attend(layer: l, tokens: n, start: start, cache: cache)
      multiply(layer.attentionOutput, attention, n, projected)
      VectorMath.add(hidden, projected, n * e)

      // Feed-forward block.
      normalize(n, layer.feedForwardNorm)
      if n == 1 {
        multiply(sharing: normed, columns: e, decodeFeedForward[l])
      } else {
        multiply(layer.gate, normed, n, gate)
        multiply(layer.up, normed, n, up)
      }
      Elementwise.swiGLU(level: level, gate: gate, up: up, count: n * c.feedForward)
      multiply(layer.down, gate, n, projected)
      VectorMath.add(hidden, projected, n * e)
    }
    cache.commit(length: start + n)
  }

  private func normalize(_ n: Int, _ weight: UnsafePointer<Float>) {
    let e = config.embedding
    for t in 0..<n {
      Elementwise.rmsNorm(
        level: matmul.level, hidden + t * e, weight: weight, epsilon: config.rmsEpsilon, count: e,
        into: normed + t * e)
    }
  }

  private func addBias(_ bias: UnsafePointer<Float>?, _ x: UnsafeMutablePointer<Float>, _ n: Int, _ width: Int) {
    guard let bias else { return }
    for t in 0..<n { VectorMath.add(x + t * width, bias, width) }
  }

  /// `scores` holds, per attention partition, a (group, capacity) block of attention weights, then one layer's keys transposed
  /// for the prompt path: (kvHeads, roundup(capacity, 16), headDimension).
  func ensureScores(capacity: Int) {
    let needed = scoresCount(capacity: capacity) + (capacity + 15) / 16 * 16 * config.kvDimension
    guard needed > scoresCapacity else { return }
    scores.deallocate()
    scores = .allocate(capacity: needed)
    scores.initialize(repeating: 0, count: needed)
    scoresCapacity = needed
  }

  private func scoresCount(capacity: Int) -> Int {
    attentionPartitions * (config.heads / max(1, config.kvHeads)) * capacity
  }

  /// Attention work is dealt round-robin into this many partitions, claimed dynamically by the threads (more than
  /// one per thread, so a descheduled or slower thread does not leave the others waiting for long).
  private var attentionPartitions: Int { pool.threadCount == 1 ? 1 : 4 * pool.threadCount }

  /// Causal grouped-query attention of the batch's queries over the cache, written to `attention`.
  /// Work is split over (token, key/value head) pairs, so each key and value row is read once for the whole query
  /// group; each partition has its own (group, capacity) block of `scores`. Prompt batches first transpose the layer's
  /// keys so 16 positions share each instruction (same results, see Attention).
  private func attend(layer: Int, tokens n: Int, start: Int, cache: KVCache) {
    let c = config
    let hd = c.headDimension
    let group = c.heads / c.kvHeads
    let scale = 1 / Float(hd).squareRoot()
    let capacity = cache.capacity
    let query = self.query
    let attention = self.attention
    let scores = self.scores
    let keys = cache.keyRow(layer: layer, position: 0)
    let values = cache.valueRow(layer: layer, position: 0)
    let kvDimension = c.kvDimension
    let level = matmul.level
    let positions = start + n
    let headStride = Attention.transposedCount(positions: capacity, headDimension: hd)
    let transposed: UnsafeMutablePointer<Float>? =
      n >= 16 && Attention.usesTransposedKeys(level: level, headDimension: hd)
      ? scores + scoresCount(capacity: capacity) : nil
    if let transposed {
      pool.parallelFor(count: c.kvHeads, chunk: 1) { range in
        for g in range {
          Attention.transposeKeys(
            headDimension: hd, keys: keys + g * hd, kvStride: kvDimension, count: positions,
            into: transposed + g * headStride)
        }
      }
    }
    // Round-robin over (token, kv head) pairs into partitions, each owning a block of `scores`.
    let items = n * c.kvHeads
    let partitions = min(attentionPartitions, items)
    pool.parallelFor(count: partitions, chunk: 1) { range in
      for partition in range {
        var item = partition
        while item < items {
          let t = item / c.kvHeads
          let g = item % c.kvHeads
          let offset = t * c.queryDimension + g * group * hd
          Attention.attendGroup(
            level: level, headDimension: hd, group: group, queries: query + offset, keys: keys + g * hd,
            transposedKeys: transposed.map { UnsafePointer($0 + g * headStride) }, values: values + g * hd,
            kvStride: kvDimension, visible: start + t + 1, scale: scale,
            scores: scores + partition * group * capacity, out: attention + offset)
          item += partitions
        }
      }
    }
  }
}
