import HunchKernels

/// What `hunch inspect` reports about a model file.
public struct GGUFSummary: Sendable {
  public struct TypeTotal: Sendable, Equatable {
    public let type: TensorType
    public let tensorCount: Int
    public let elementCount: Int
    public let byteCount: Int
  }

  public let path: String
  public let fileSize: Int
  public let version: UInt32
  public let architecture: String
  public let name: String?
  public let hyperparameters: Hyperparameters?
  public let tokenizerModel: String?
  public let tokenizerPreTokenizer: String?
  public let vocabularySize: Int
  /// Fill-in-the-middle and repository tokens found in the vocabulary, by text, with their ids.
  public let fimTokens: [(text: String, id: Int)]
  public let typeTotals: [TypeTotal]
  public let tensorCount: Int
}

extension GGUFFile {
  /// Special texts a FIM-capable model's vocabulary may hold, by family.
  public static let knownFIMTokenTexts = [
    "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
    "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<reponame>", "<filename>",
    "▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>", "<PRE>", "<SUF>", "<MID>", "<EOT>",
  ]

  public func summary() -> GGUFSummary {
    let tokens = stringArray("tokenizer.ggml.tokens") ?? []
    var fim: [(String, Int)] = []
    let wanted = Set(Self.knownFIMTokenTexts)
    for (id, text) in tokens.enumerated() where wanted.contains(text) { fim.append((text, id)) }

    var totals: [TensorType: (Int, Int, Int)] = [:]
    for t in tensors {
      let old = totals[t.type] ?? (0, 0, 0)
      totals[t.type] = (old.0 + 1, old.1 + t.elementCount, old.2 + t.byteCount)
    }
    let typeTotals = totals.map {
      GGUFSummary.TypeTotal(type: $0.key, tensorCount: $0.value.0, elementCount: $0.value.1, byteCount: $0.value.2)
    }.sorted { $0.byteCount > $1.byteCount }

    return GGUFSummary(
      path: path, fileSize: fileSize, version: version, architecture: architecture ?? "unknown", name: name,
      hyperparameters: try? hyperparameters(),
      tokenizerModel: string("tokenizer.ggml.model"), tokenizerPreTokenizer: string("tokenizer.ggml.pre"),
      vocabularySize: tokens.count, fimTokens: fim, typeTotals: typeTotals, tensorCount: tensors.count)
  }
}
