import Foundation
import HunchGGUF
import HunchInference
import HunchRemote

/// A GGUF's tokenizer as a remote model's vocabulary: exact token counts without a round trip. Only the vocabulary is
/// read; no weights are touched.
public struct LocalVocabulary: TokenVocabulary {
  public let tokenizer: Tokenizer

  public init(tokenizer: Tokenizer) {
    self.tokenizer = tokenizer
  }

  public init(modelPath: String) throws {
    tokenizer = try Tokenizer(gguf: try GGUFFile(path: modelPath))
  }

  public var specialTokens: [String: Int32] { tokenizer.specialTokens }
  public var beginningOfText: Int32? { tokenizer.addsBOS ? tokenizer.bosID : nil }
  public var idsMatchServer: Bool { true }
  public func tokenize(_ text: String) -> [Int32] { tokenizer.encode(text) }
  public func detokenize(_ tokens: [Int32]) -> String { tokenizer.decode(tokens) }
}
