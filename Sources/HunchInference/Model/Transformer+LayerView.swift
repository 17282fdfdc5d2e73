import HunchKernels

/// A matrix as the kernels take it: no name and no owner reference, so copying one costs no reference counting.
/// Valid while the `ModelWeights` it came from lives (the `Transformer` holds them).
struct MatrixView {
  let data: UnsafeRawPointer  // (rows, columns) in `type`, arranged as `layout` says
  let type: TensorType
  let layout: WeightLayout
  let rows: Int
  let columns: Int

  init(_ m: WeightMatrix) {
    data = m.data
    type = m.type
    layout = m.layout
    rows = m.rows
    columns = m.columns
  }
}

/// One block's tensors as the forward pass reads them, made once at load. Reading `LayerWeights` per layer copied a
/// struct of strings, arrays and owner references: two dozen retains and releases per layer on the calling thread,
/// between parallel products (~1% of a decoding step when memory is fast).
struct LayerView {
  let attentionNorm: UnsafePointer<Float>  // (embedding)
  let query: MatrixView
  let key: MatrixView
  let value: MatrixView
  let queryBias: UnsafePointer<Float>?  // (queryDimension)
  let keyBias: UnsafePointer<Float>?  // (kvDimension)
  let valueBias: UnsafePointer<Float>?  // (kvDimension)
  let attentionOutput: MatrixView
  let feedForwardNorm: UnsafePointer<Float>  // (embedding)
  let gate: MatrixView
  let up: MatrixView
  let down: MatrixView
}

/// The norm weights and biases of every layer copied into one buffer, and the views pointing into it.
final class LayerViews {
  let layers: UnsafeBufferPointer<LayerView>  // (layers)
  private let vectors: UnsafeMutablePointer<Float>  // every layer's norm weights and biases, one after another

  init(_ weights: ModelWeights) {
    let total = weights.layers.reduce(0) { sum, l in
      sum + l.attentionNorm.values.count + l.feedForwardNorm.values.count + (l.queryBias?.values.count ?? 0)
        + (l.keyBias?.values.count ?? 0) + (l.valueBias?.values.count ?? 0)
    }
    let vectors = UnsafeMutablePointer<Float>.allocate(capacity: total)
    var next = 0
    func place(_ v: WeightVector) -> UnsafePointer<Float> {
      let start = vectors + next
      start.initialize(from: v.values, count: v.values.count)
      next += v.values.count
      return UnsafePointer(start)
    }
    let layers = UnsafeMutablePointer<LayerView>.allocate(capacity: weights.layers.count)
    for (i, l) in weights.layers.enumerated() {
      (layers + i).initialize(
        to: LayerView(
          attentionNorm: place(l.attentionNorm), query: MatrixView(l.query), key: MatrixView(l.key),
          value: MatrixView(l.value), queryBias: l.queryBias.map(place), keyBias: l.keyBias.map(place),
          valueBias: l.valueBias.map(place), attentionOutput: MatrixView(l.attentionOutput),
          feedForwardNorm: place(l.feedForwardNorm), gate: MatrixView(l.gate), up: MatrixView(l.up),
          down: MatrixView(l.down)))
    }
    self.layers = UnsafeBufferPointer(start: layers, count: weights.layers.count)
    self.vectors = vectors
  }

  deinit {
    UnsafeMutablePointer(mutating: layers.baseAddress)?.deallocate()
    vectors.deallocate()
  }
}
