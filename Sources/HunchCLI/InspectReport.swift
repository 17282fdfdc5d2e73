import HunchGGUF

/// The text `hunch inspect` prints.
struct InspectReport {
  let summary: GGUFSummary

  var text: String {
    var out = ""
    func line(_ s: String) { out += s + "\n" }
    line("file:          \(summary.path)")
    line("size:          \(summary.fileSize) bytes (GGUF v\(summary.version), \(summary.tensorCount) tensors)")
    line("architecture:  \(summary.architecture)")
    if let name = summary.name { line("name:          \(name)") }
    if let h = summary.hyperparameters {
      line("blocks:        \(h.blockCount)")
      line("embedding:     \(h.embeddingLength)")
      line("feed-forward:  \(h.feedForwardLength)")
      line("heads:         \(h.headCount) (key/value \(h.headCountKV), head size \(h.headDimension))")
      line("context:       \(h.contextLength)")
      line("rope base:     \(h.ropeFrequencyBase)")
      line("rms epsilon:   \(h.rmsNormEpsilon)")
    } else {
      line("hyper-parameters: incomplete or missing")
    }
    let tokenizer = [summary.tokenizerModel, summary.tokenizerPreTokenizer.map { "pre-tokenizer \($0)" }]
      .compactMap { $0 }.joined(separator: ", ")
    line("tokenizer:     \(tokenizer.isEmpty ? "none" : tokenizer), \(summary.vocabularySize) tokens")
    if summary.fimTokens.isEmpty {
      line("FIM tokens:    none (prefix-only prompts)")
    } else {
      line("FIM tokens:    " + summary.fimTokens.map { "\($0.text)=\($0.id)" }.joined(separator: " "))
    }
    line("")
    line("type     tensors      elements         bytes")
    for t in summary.typeTotals {
      line(
        pad(t.type.description, 6) + pad(String(t.tensorCount), 10, left: true)
          + pad(String(t.elementCount), 14, left: true) + pad(String(t.byteCount), 14, left: true))
    }
    let total = summary.typeTotals.reduce(0) { $0 + $1.byteCount }
    line(pad("total", 6) + pad(String(summary.tensorCount), 10, left: true) + pad("", 14) + pad(String(total), 14, left: true))
    return out
  }

  private func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return left ? fill + s : s + fill
  }
}
