import HunchGGUF

/// How an architecture pairs the dimensions that rotary embeddings rotate together.
public enum RopeLayout: Sendable {
  /// Adjacent pairs (x[2i], x[2i+1]): llama as stored in GGUF (the converter permutes Q and K for this).
  case interleaved
  /// Halves (x[i], x[i + d/2]): GPT-NeoX style, used by qwen2.
  case halves
}

/// The shape of a transformer and the choices its architecture makes.
public struct ModelConfig: Sendable {
  public var architecture: String
  public var embedding: Int  // n_embd
  public var layers: Int
  public var heads: Int
  public var kvHeads: Int
  public var headDimension: Int
  public var feedForward: Int
  public var vocabulary: Int
  public var ropeBase: Float
  public var ropeLayout: RopeLayout
  public var rmsEpsilon: Float
  public var trainedContext: Int

  public var queryDimension: Int { heads * headDimension }
  public var kvDimension: Int { kvHeads * headDimension }

  public static let supportedArchitectures = ["llama", "qwen2"]

  public init(gguf: GGUFFile) throws(InferenceError) {
    let h: Hyperparameters
    do { h = try gguf.hyperparameters() } catch {
      throw InferenceError(.modelFile, "cannot read the model's hyper-parameters", cause: error)
    }
    guard Self.supportedArchitectures.contains(h.architecture) else {
      throw InferenceError(
        .unsupportedArchitecture,
        "architecture \(h.architecture) is not supported (supported: \(Self.supportedArchitectures.joined(separator: ", ")))")
    }
    architecture = h.architecture
    embedding = h.embeddingLength
    layers = h.blockCount
    heads = h.headCount
    kvHeads = h.headCountKV
    headDimension = h.headDimension
    feedForward = h.feedForwardLength
    vocabulary = h.vocabularySize
    ropeBase = h.ropeFrequencyBase
    ropeLayout = h.architecture == "qwen2" ? .halves : .interleaved
    rmsEpsilon = h.rmsNormEpsilon
    trainedContext = h.contextLength
    guard headDimension % 2 == 0, headDimension <= 512, vocabulary > 0 else {
      throw InferenceError(.tensorShape, "head size \(headDimension) or vocabulary \(vocabulary) is not usable")
    }
  }
}
