import HunchGGUF
import HunchKernels

/// Where a model's matrices live while it runs.
public enum WeightPlacement: String, Sendable {
  /// Read in place from the mapped file (4 KB pages of the page cache).
  case file
  /// Copied at load into one arena on 2 MB pages, in the file's layout.
  case copied
  /// Copied into the arena, and Q5_0/Q8_0 matrices interleaved where the kernels read them faster (the default).
  case interleaved
}

extension ModelWeights {
  /// These weights with every matrix but the token embedding moved into one `WeightArena` (2 MB pages), Q5_0 and
  /// Q8_0 ones rearranged into `WeightLayout.interleaved` where `MatMul` at `level` reads that (same products to the
  /// bit), and the file pages they came from evicted, so the model stays resident once. The token embedding stays
  /// in the file (a lookup reads one row per token); an output matrix tied to it is copied and its pages stay.
  /// When the arena cannot be had, the weights stay as they are.
  func placed(_ placement: WeightPlacement, level: KernelLevel, pool: ThreadPool, file: MappedFile)
    throws(InferenceError) -> ModelWeights
  {
    guard placement != .file else { return self }
    var matrices = layers.flatMap { [$0.query, $0.key, $0.value, $0.attentionOutput, $0.gate, $0.up, $0.down] }
    matrices.append(output)
    let arena: WeightArena
    do {
      arena = try WeightArena(capacity: WeightArena.capacity(for: matrices.map { $0.rows * $0.rowBytes }))
    } catch {
      return self
    }
    let embedding = tokenEmbedding.data
    func move(_ m: WeightMatrix) throws(InferenceError) -> WeightMatrix {
      let bytes = m.rows * m.rowBytes
      let moved: WeightMatrix
      do {
        if placement == .interleaved,
          InterleavedWeights.isUseful(type: m.type, rows: m.rows, columns: m.columns, level: level)
        {
          let rearranged = try InterleavedWeights(
            type: m.type, rows: m.rows, columns: m.columns, source: m.data, pool: pool, arena: arena)
          moved = WeightMatrix(m, data: rearranged.data, layout: .interleaved, storage: rearranged)
        } else {
          let destination = try arena.allocate(bytes: bytes)
          let source = m.data
          let slice = 1 << 20
          pool.parallelFor(count: (bytes + slice - 1) / slice, chunk: 1) { range in
            for i in range {
              let start = i * slice
              (destination + start).copyMemory(from: source + start, byteCount: min(slice, bytes - start))
            }
          }
          moved = WeightMatrix(m, data: destination, layout: .rows, storage: arena)
        }
      } catch {
        throw InferenceError(.tensorShape, "tensor \(m.name) cannot be moved into memory: \(error)", cause: error)
      }
      if m.data != embedding { file.evict(UnsafeRawBufferPointer(start: m.data, count: bytes)) }
      return moved
    }
    var movedLayers: [LayerWeights] = []
    for l in layers {
      movedLayers.append(
        LayerWeights(
          attentionNorm: l.attentionNorm, query: try move(l.query), key: try move(l.key), value: try move(l.value),
          queryBias: l.queryBias, keyBias: l.keyBias, valueBias: l.valueBias,
          attentionOutput: try move(l.attentionOutput), feedForwardNorm: l.feedForwardNorm, gate: try move(l.gate),
          up: try move(l.up), down: try move(l.down)))
    }
    return ModelWeights(
      tokenEmbedding: tokenEmbedding, layers: movedLayers, outputNorm: outputNorm, output: try move(output))
  }
}
