/// Typed access to the metadata llama.cpp-style models carry.
extension GGUFFile {
  public var architecture: String? { metadata["general.architecture"]?.stringValue }
  public var name: String? { metadata["general.name"]?.stringValue }

  public func string(_ key: String) -> String? { metadata[key]?.stringValue }
  public func int(_ key: String) -> Int? { metadata[key]?.intValue }
  public func double(_ key: String) -> Double? { metadata[key]?.doubleValue }
  public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }

  public func stringArray(_ key: String) -> [String]? {
    if case .array(.strings(let s))? = metadata[key] { return s }
    return nil
  }

  public func intArray(_ key: String) -> [Int]? {
    switch metadata[key] {
    case .array(.integers(_, let v))?: return v.map { Int($0) }
    case .array(.unsigned64(let v))?: return v.map { Int(clamping: $0) }
    default: return nil
    }
  }

  public func floatArray(_ key: String) -> [Float]? {
    if case .array(.floats(_, let v))? = metadata[key] { return v.map { Float($0) } }
    return nil
  }

  /// An integer that must be present, for loading a model.
  public func requireInt(_ key: String) throws(GGUFError) -> Int {
    guard let value = metadata[key] else { throw GGUFError(.missingKey, "metadata \(key) is missing") }
    guard let int = value.intValue else {
      throw GGUFError(.wrongValueType, "metadata \(key) should be an integer, found \(value.type)")
    }
    return int
  }

  /// The architecture's hyper-parameters under `<arch>.*` keys.
  public func hyperparameters() throws(GGUFError) -> Hyperparameters {
    guard let arch = architecture else {
      throw GGUFError(.missingKey, "metadata general.architecture is missing")
    }
    let embedding = try requireInt("\(arch).embedding_length")
    let heads = try requireInt("\(arch).attention.head_count")
    guard embedding > 0, heads > 0, embedding % heads == 0 else {
      throw GGUFError(.wrongValueType, "embedding length \(embedding) is not a multiple of head count \(heads)")
    }
    let kvHeads = int("\(arch).attention.head_count_kv") ?? heads
    guard kvHeads > 0, heads % kvHeads == 0 else {
      throw GGUFError(.wrongValueType, "head count \(heads) is not a multiple of key/value head count \(kvHeads)")
    }
    let blocks = try requireInt("\(arch).block_count")
    let feedForward = try requireInt("\(arch).feed_forward_length")
    let context = int("\(arch).context_length") ?? 2048
    guard blocks > 0, blocks <= 1024, feedForward > 0, context > 0 else {
      throw GGUFError(.wrongValueType, "hyper-parameters out of range (blocks \(blocks), feed-forward \(feedForward))")
    }
    let headDimension = int("\(arch).attention.key_length") ?? embedding / heads
    return Hyperparameters(
      architecture: arch,
      contextLength: context,
      embeddingLength: embedding,
      blockCount: blocks,
      feedForwardLength: feedForward,
      headCount: heads,
      headCountKV: kvHeads,
      headDimension: headDimension,
      ropeFrequencyBase: Float(double("\(arch).rope.freq_base") ?? 10_000),
      rmsNormEpsilon: Float(double("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-6),
      vocabularySize: stringArray("tokenizer.ggml.tokens")?.count ?? int("\(arch).vocab_size") ?? 0
    )
  }
}

/// Transformer shape read from a GGUF file.
public struct Hyperparameters: Sendable, Equatable {
  public var architecture: String
  public var contextLength: Int
  public var embeddingLength: Int
  public var blockCount: Int
  public var feedForwardLength: Int
  public var headCount: Int
  public var headCountKV: Int
  public var headDimension: Int
  public var ropeFrequencyBase: Float
  public var rmsNormEpsilon: Float
  public var vocabularySize: Int
}
