import HunchGGUF

/// Byte-level BPE tokenizer of a GGUF model (`tokenizer.ggml.model = gpt2`), matching llama.cpp's ids.
///
/// `encode` treats its input as ordinary text: a buffer that spells `<|fim_prefix|>` or `<|endoftext|>` yields the
/// plain pieces of those characters, never the special ids. Whoever builds a prompt inserts special tokens by id
/// (see `specialTokenID(_:)`). That is also the one deliberate difference from llama.cpp's `special = false`
/// tokenization, which still matches user-defined tokens such as Qwen's `<tool_call>` in text.
///
/// Safe to use from any thread; words already seen are cached across calls.
public final class Tokenizer: Sendable {
  /// What `tokenizer.ggml.token_type` says a token is.
  public enum TokenKind: Int, Sendable {
    case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
  }

  public let vocabularySize: Int
  /// The `tokenizer.ggml.pre` name this tokenizer splits words by.
  public let preTokenizerName: String
  public let bosID: Int32?
  public let eosID: Int32?
  public let paddingID: Int32?
  /// Whether prompts should start with `bosID` (`tokenizer.ggml.add_bos_token`); `encode` never adds it.
  public let addsBOS: Bool
  /// Tokens after which generation should stop: the EOS id, any EOT/EOM/FIM pad/rep/sep ids the metadata names, and
  /// special tokens spelled like an end of text, end of turn, FIM padding or repository/file separator.
  public let endOfTextIDs: Set<Int32>

  let preTokenizer: PreTokenizer
  let kinds: [TokenKind]
  /// The token id of each single byte. (256)
  let byteTokens: [Int32]
  let merges: MergeTable
  /// Text of every non-normal token (control, user-defined, unknown) to its id.
  let specialIDs: [String: Int32]
  /// Bytes of all tokens end to end; token `i` is `pieceBytes[pieceStarts[i]..<pieceStarts[i + 1]]`.
  let pieceBytes: [UInt8]
  let pieceStarts: [Int32]  // (vocabularySize + 1)
  let cache = WordCache()
  /// The id of a byte the vocabulary has no token for; never a merge operand, never output.
  static let missingByte = Int32.min

  public convenience init(gguf: GGUFFile) throws(TokenizerError) {
    guard let model = gguf.string("tokenizer.ggml.model") else {
      throw TokenizerError(.missingKey, "metadata tokenizer.ggml.model is missing")
    }
    guard model == "gpt2" else {
      throw TokenizerError(
        .unsupportedModel, "tokenizer model \"\(model)\" is not supported (only byte-level BPE, \"gpt2\", is)")
    }
    guard let tokens = gguf.stringArray("tokenizer.ggml.tokens") else {
      throw TokenizerError(.missingKey, "metadata tokenizer.ggml.tokens is missing or not a string array")
    }
    guard let merges = gguf.stringArray("tokenizer.ggml.merges") else {
      throw TokenizerError(.missingKey, "metadata tokenizer.ggml.merges is missing or not a string array")
    }
    // Without a name llama.cpp falls back to a split of its own, which this tokenizer does not implement.
    guard let preName = gguf.string("tokenizer.ggml.pre") else {
      throw TokenizerError(.missingKey, "metadata tokenizer.ggml.pre (the pre-tokenizer name) is missing")
    }
    try self.init(
      tokens: tokens,
      types: gguf.intArray("tokenizer.ggml.token_type"),
      merges: merges,
      preTokenizer: preName,
      specialIDs: SpecialIDs(
        bos: gguf.int("tokenizer.ggml.bos_token_id"),
        eos: gguf.int("tokenizer.ggml.eos_token_id"),
        padding: gguf.int("tokenizer.ggml.padding_token_id"),
        stops: ["eot", "eom", "fim_pad", "fim_rep", "fim_sep"].compactMap { gguf.int("tokenizer.ggml.\($0)_token_id") }
      ),
      addsBOS: gguf.bool("tokenizer.ggml.add_bos_token") ?? false
    )
  }

  /// Ids named by metadata keys, as read (unchecked).
  struct SpecialIDs {
    var bos: Int?
    var eos: Int?
    var padding: Int?
    var stops: [Int] = []
  }

  /// Builds a tokenizer from vocabulary arrays as a GGUF file stores them.
  init(
    tokens: [String], types: [Int]?, merges mergeTexts: [String], preTokenizer preName: String,
    specialIDs named: SpecialIDs, addsBOS: Bool
  ) throws(TokenizerError) {
    guard let preTokenizer = PreTokenizer(ggufName: preName) else {
      throw TokenizerError(
        .unsupportedPreTokenizer,
        "pre-tokenizer \"\(preName)\" is not supported (qwen2, smollm and gpt2 are)")
    }
    guard !tokens.isEmpty, tokens.count < Int(Int32.max) else {
      throw TokenizerError(.malformedVocabulary, "the vocabulary has \(tokens.count) tokens")
    }
    if let types, types.count != tokens.count {
      throw TokenizerError(
        .malformedVocabulary, "\(types.count) token types for \(tokens.count) tokens")
    }
    let kinds: [TokenKind] =
      types?.map { TokenKind(rawValue: $0) ?? .normal } ?? Array(repeating: .normal, count: tokens.count)

    let textIndex = TextIndex(tokens: tokens)
    var specialIDs: [String: Int32] = [:]
    var pieceBytes: [UInt8] = []
    var pieceStarts: [Int32] = [0]
    pieceBytes.reserveCapacity(tokens.count * 8)
    pieceStarts.reserveCapacity(tokens.count + 1)
    for (index, text) in tokens.enumerated() {
      let id = Int32(index)
      switch kinds[index] {
      case .normal, .byte, .unused:
        // Byte-level spelling; a text outside the byte alphabet is kept as its own UTF-8.
        pieceBytes.append(contentsOf: ByteLevel.bytes(spelledBy: text) ?? Array(text.utf8))
      case .control, .userDefined, .unknown:
        specialIDs[text] = id
        pieceBytes.append(contentsOf: text.utf8)
      }
      guard pieceBytes.count < Int(Int32.max) else {
        throw TokenizerError(.malformedVocabulary, "token texts are too long in total")
      }
      pieceStarts.append(Int32(pieceBytes.count))
    }

    // A vocabulary may lack some bytes (SmolLM2 has no token for 21 of them, e.g. 0x04 and 0xF1): those bytes get
    // `missingByte`, take part in no merge, and are dropped from the output, as llama.cpp drops them.
    var byteTokens = [Int32](repeating: Self.missingByte, count: 256)
    for byte in 0..<256 {
      var spelling = ByteLevel.spelling(of: [UInt8(byte)])
      guard let id = spelling.withUTF8({ textIndex.id(of: $0) }) else { continue }
      if kinds[Int(id)] == .normal || kinds[Int(id)] == .byte { byteTokens[byte] = id }
    }
    guard byteTokens.contains(where: { $0 != Self.missingByte }) else {
      throw TokenizerError(.malformedVocabulary, "the vocabulary has no byte-level tokens")
    }

    var table = MergeTable(capacity: mergeTexts.count)
    for (rank, var merge) in mergeTexts.enumerated() {
      switch merge.withUTF8({ Self.resolveMerge($0, textIndex: textIndex, kinds: kinds) }) {
      case .merge(let left, let right, let result):
        table.insert(left: left, right: right, rank: Int32(rank), result: result)
      case .unusable:
        continue
      case .malformed:
        throw TokenizerError(.malformedMerges, "merge #\(rank) \"\(merge)\" is not two tokens separated by a space")
      }
    }

    func checked(_ id: Int?) -> Int32? {
      guard let id, id >= 0, id < tokens.count else { return nil }
      return Int32(id)
    }
    var stops = Set(named.stops.compactMap(checked))
    if let eos = checked(named.eos) { stops.insert(eos) }
    for text in Self.stopTexts { if let id = specialIDs[text] { stops.insert(id) } }

    self.vocabularySize = tokens.count
    self.preTokenizerName = preName
    self.preTokenizer = preTokenizer
    self.kinds = kinds
    self.byteTokens = byteTokens
    self.merges = table
    self.specialIDs = specialIDs
    self.pieceBytes = pieceBytes
    self.pieceStarts = pieceStarts
    self.bosID = checked(named.bos)
    self.eosID = checked(named.eos)
    self.paddingID = checked(named.padding)
    self.addsBOS = addsBOS
    self.endOfTextIDs = stops
  }

  private enum MergeEntry {
    case merge(left: Int32, right: Int32, result: Int32)
    /// Well formed, but it can never apply or must not.
    case unusable
    case malformed
  }

  /// Reads a merge, "left right" (token texts never hold a plain space: byte-level BPE spells it "Ġ").
  private static func resolveMerge(
    _ text: UnsafeBufferPointer<UInt8>, textIndex: TextIndex, kinds: [TokenKind]
  ) -> MergeEntry {
    guard let space = text.firstIndex(of: UInt8(ascii: " ")) else { return .malformed }
    let left = UnsafeBufferPointer(rebasing: text[..<space])
    let right = UnsafeBufferPointer(rebasing: text[(space + 1)...])
    // A merge of tokens the vocabulary lacks can never apply; one whose result is not an ordinary token could only
    // make an unrepresentable symbol (or, worse, a special id from ordinary text). Both are left out.
    guard let leftID = textIndex.id(of: left), let rightID = textIndex.id(of: right),
      let resultID = textIndex.id(of: left, followedBy: right), kinds[Int(resultID)] == .normal
    else { return .unusable }
    return .merge(left: leftID, right: rightID, result: resultID)
  }

  /// Special tokens that end a completion when the model emits them, by their text in the vocabularies we run.
  static let stopTexts: [String] = [
    "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|end|>", "<end_of_turn>", "<|eom_id|>", "<EOT>",
    "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<fim_pad>", "<file_sep>", "<repo_name>", "<reponame>",
  ]

  /// The id of a special (control, user-defined or unknown) token by its exact text, e.g. `<|fim_prefix|>`.
  public func specialTokenID(_ text: String) -> Int32? { specialIDs[text] }

  /// Every special token (control, user-defined, unknown) by its text.
  public var specialTokens: [String: Int32] { specialIDs }

  /// What kind of token `id` is, or nil when it is out of range.
  public func kind(of id: Int32) -> TokenKind? {
    id >= 0 && Int(id) < vocabularySize ? kinds[Int(id)] : nil
  }
}
