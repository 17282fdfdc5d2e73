import HunchGGUF
import HunchKernels

extension ModelWeights {
  /// These weights with each matrix that `MatMul` at `level` multiplies faster interleaved rearranged into memory of
  /// its own (`InterleavedWeights`: the same bytes, the same products to the bit), and the file pages it came from
  /// evicted so the model stays resident once. The token embedding keeps the file layout (lookups read its rows), so
  /// an output matrix tied to it gets a copy and the file pages stay.
  func interleaved(level: KernelLevel, pool: ThreadPool, file: MappedFile) throws(InferenceError) -> ModelWeights {
    func rearranged(_ m: WeightMatrix) throws(InferenceError) -> WeightMatrix {
      guard m.interleaved == nil,
        InterleavedWeights.isUseful(type: m.type, rows: m.rows, columns: m.columns, level: level)
      else { return m }
      let copy: InterleavedWeights
      do {
        copy = try InterleavedWeights(type: m.type, rows: m.rows, columns: m.columns, source: m.data, pool: pool)
      } catch {
        throw InferenceError(.tensorShape, "tensor \(m.name) cannot be rearranged: \(error)")
      }
      if m.data != tokenEmbedding.data {
        file.evict(UnsafeRawBufferPointer(start: m.data, count: m.rows * m.rowBytes))
      }
      return WeightMatrix(m, interleaved: copy)
    }
    var rearrangedLayers: [LayerWeights] = []
    for l in layers {
      rearrangedLayers.append(
        LayerWeights(
          attentionNorm: l.attentionNorm, query: try rearranged(l.query), key: try rearranged(l.key),
          value: try rearranged(l.value), queryBias: l.queryBias, keyBias: l.keyBias, valueBias: l.valueBias,
          attentionOutput: try rearranged(l.attentionOutput), feedForwardNorm: l.feedForwardNorm,
          gate: try rearranged(l.gate), up: try rearranged(l.up), down: try rearranged(l.down)))
    }
    return ModelWeights(
      tokenEmbedding: tokenEmbedding, layers: rearrangedLayers, outputNorm: outputNorm, output: try rearranged(output))
  }
}
