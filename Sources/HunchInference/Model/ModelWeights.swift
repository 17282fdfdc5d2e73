import HunchGGUF
import HunchKernels

/// A weight matrix: `rows` output rows of `columns` inputs, inside the mapped file one encoded row after another, or
/// moved at load into memory `storage` keeps alive, possibly rearranged for the kernels (`layout`).
public struct WeightMatrix: @unchecked Sendable {
  public let name: String
  public let type: TensorType
  public let rows: Int
  public let columns: Int
  public let data: UnsafeRawPointer  // rows · rowBytes bytes, arranged as `layout` says
  public let rowBytes: Int
  public let layout: WeightLayout
  let storage: AnyObject?  // the arena or buffer holding `data` when it is not the mapped file

  init(name: String, type: TensorType, rows: Int, columns: Int, data: UnsafeRawPointer, rowBytes: Int) {
    self.name = name
    self.type = type
    self.rows = rows
    self.columns = columns
    self.data = data
    self.rowBytes = rowBytes
    layout = .rows
    storage = nil
  }

  /// The same matrix moved to `data` (owned by `storage`), arranged as `layout`.
  init(_ file: WeightMatrix, data: UnsafeRawPointer, layout: WeightLayout, storage: AnyObject) {
    name = file.name
    type = file.type
    rows = file.rows
    columns = file.columns
    self.data = data
    rowBytes = file.rowBytes
    self.layout = layout
    self.storage = storage
  }

  /// Row `index` as encoded in the file. Only for matrices in the file layout (the token embedding always is).
  public func row(_ index: Int) -> UnsafeRawPointer { data + index * rowBytes }
}

/// A small vector (norm weights, biases), kept as floats.
public struct WeightVector: Sendable {
  public let values: [Float]
}

/// The tensors of one transformer block.
public struct LayerWeights: Sendable {
  public let attentionNorm: WeightVector
  public let query: WeightMatrix
  public let key: WeightMatrix
  public let value: WeightMatrix
  public let queryBias: WeightVector?
  public let keyBias: WeightVector?
  public let valueBias: WeightVector?
  public let attentionOutput: WeightMatrix
  public let feedForwardNorm: WeightVector
  public let gate: WeightMatrix
  public let up: WeightMatrix
  public let down: WeightMatrix
}

/// Every tensor the forward pass reads, checked against the config's shapes when loaded.
public struct ModelWeights: Sendable {
  public let tokenEmbedding: WeightMatrix  // (vocabulary, embedding)
  public let layers: [LayerWeights]
  public let outputNorm: WeightVector
  public let output: WeightMatrix  // (vocabulary, embedding); the embedding itself when the file ties them

  init(tokenEmbedding: WeightMatrix, layers: [LayerWeights], outputNorm: WeightVector, output: WeightMatrix) {
    self.tokenEmbedding = tokenEmbedding
    self.layers = layers
    self.outputNorm = outputNorm
    self.output = output
  }

  /// Kernels exist for these; other types are refused at load time rather than mid-request.
  public static var computeTypes: Set<TensorType> { DotKernel.supportedTypes }

  public init(gguf: GGUFFile, config c: ModelConfig) throws(InferenceError) {
    func matrix(_ name: String, rows: Int, columns: Int) throws(InferenceError) -> WeightMatrix {
      guard let info = gguf.tensor(named: name) else {
        throw InferenceError(.missingTensor, "tensor \(name) is missing from the model file")
      }
      guard info.dimensions == [columns, rows] else {
        throw InferenceError(
          .tensorShape, "tensor \(name) has shape \(info.dimensions), expected [\(columns), \(rows)]")
      }
      guard Self.computeTypes.contains(info.type), (try? MatMul.validate(type: info.type, columns: columns)) != nil
      else {
        throw InferenceError(.unsupportedTensorType, "tensor \(name) is \(info.type), which Hunch cannot compute with")
      }
      let bytes = gguf.data(of: info)
      guard let base = bytes.baseAddress, let rowBytes = info.type.byteCount(elements: columns) else {
        throw InferenceError(.tensorShape, "tensor \(name) has no data")
      }
      return WeightMatrix(name: name, type: info.type, rows: rows, columns: columns, data: base, rowBytes: rowBytes)
    }
    func vector(_ name: String, count: Int) throws(InferenceError) -> WeightVector {
      guard let info = gguf.tensor(named: name) else {
        throw InferenceError(.missingTensor, "tensor \(name) is missing from the model file")
      }
      guard info.elementCount == count, info.type == .f32 || info.type == .f16 else {
        throw InferenceError(
          .tensorShape, "tensor \(name) should be \(count) F32/F16 values, found \(info.dimensions) \(info.type)")
      }
      var values = [Float](repeating: 0, count: count)
      let bytes = gguf.data(of: info)
      let decoded: Bool = values.withUnsafeMutableBufferPointer { out in
        guard let base = bytes.baseAddress, let destination = out.baseAddress else { return false }
        return (try? Dequantize.row(info.type, source: base, destination: destination, count: count)) != nil
      }
      guard decoded else { throw InferenceError(.tensorShape, "tensor \(name) cannot be decoded") }
      return WeightVector(values: values)
    }
    func optionalVector(_ name: String, count: Int) throws(InferenceError) -> WeightVector? {
      gguf.tensor(named: name) == nil ? nil : try vector(name, count: count)
    }

    tokenEmbedding = try matrix("token_embd.weight", rows: c.vocabulary, columns: c.embedding)
    var layers: [LayerWeights] = []
    for i in 0..<c.layers {
      let p = "blk.\(i)."
      layers.append(
        LayerWeights(
          attentionNorm: try vector(p + "attn_norm.weight", count: c.embedding),
          query: try matrix(p + "attn_q.weight", rows: c.queryDimension, columns: c.embedding),
          key: try matrix(p + "attn_k.weight", rows: c.kvDimension, columns: c.embedding),
          value: try matrix(p + "attn_v.weight", rows: c.kvDimension, columns: c.embedding),
          queryBias: try optionalVector(p + "attn_q.bias", count: c.queryDimension),
          keyBias: try optionalVector(p + "attn_k.bias", count: c.kvDimension),
          valueBias: try optionalVector(p + "attn_v.bias", count: c.kvDimension),
          attentionOutput: try matrix(p + "attn_output.weight", rows: c.embedding, columns: c.queryDimension),
          feedForwardNorm: try vector(p + "ffn_norm.weight", count: c.embedding),
          gate: try matrix(p + "ffn_gate.weight", rows: c.feedForward, columns: c.embedding),
          up: try matrix(p + "ffn_up.weight", rows: c.feedForward, columns: c.embedding),
          down: try matrix(p + "ffn_down.weight", rows: c.embedding, columns: c.feedForward)))
    }
    self.layers = layers
    outputNorm = try vector("output_norm.weight", count: c.embedding)
    if gguf.tensor(named: "output.weight") != nil {
      output = try matrix("output.weight", rows: c.vocabulary, columns: c.embedding)
    } else {
      output = tokenEmbedding
    }
  }
}
