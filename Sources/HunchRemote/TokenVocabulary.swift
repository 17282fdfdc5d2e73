import Foundation
import HunchCompletion

/// The tokenizer side of a remote model: what the engine needs for budgets and prompts, without a network round trip
/// per call (the engine counts tokens line by line).
public protocol TokenVocabulary: Sendable {
  /// Special tokens by text, as `CompletionModel.specialTokens`.
  var specialTokens: [String: Int32] { get }
  var beginningOfText: Int32? { get }
  /// True when the ids are the server's own, so a prompt can be sent as ids (exact, no special-token parsing of the
  /// user's text). False for `ApproximateVocabulary`, whose ids only stand for text.
  var idsMatchServer: Bool { get }
  func tokenize(_ text: String) -> [Int32]
  func detokenize(_ tokens: [Int32]) -> String
}

extension TokenVocabulary {
  /// The prompt as runs: special tokens by id and the text between them. Sent as text, a special token is spelled
  /// by its name (the server parses it back); as ids, `.special` keeps its id.
  func segments(of prompt: [Int32]) -> [PromptPiece] {
    let specials = Set(specialTokens.values)
    var pieces: [PromptPiece] = []
    var run: [Int32] = []
    func flush() {
      if !run.isEmpty { pieces.append(.text(detokenize(run))) }
      run = []
    }
    for id in prompt {
      if specials.contains(id) {
        flush()
        pieces.append(.special(id))
      } else {
        run.append(id)
      }
    }
    flush()
    return pieces
  }

  /// The prompt as one string with special tokens spelled out, for servers that take text.
  func promptText(_ prompt: [Int32]) -> String {
    let names = Dictionary(specialTokens.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
    return segments(of: prompt).map { piece -> String in
      switch piece {
      case .text(let text): return text
      case .special(let id): return Self.spelling(of: names[id] ?? "")
      }
    }.joined()
  }

  /// How a token's name reads in text: SentencePiece's `▁` is a space.
  static func spelling(of name: String) -> String {
    name.hasPrefix("▁") ? " " + name.dropFirst() : name
  }
}

/// The special tokens of the known FIM families and end-of-text markers (the names `PromptFormat.detect` looks for).
public enum KnownSpecialTokens {
  public static let names = [
    "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
    "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<reponame>", "<file_sep>", "<filename>",
    "▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>", "<PRE>", "<SUF>", "<MID>", "<EOT>",
    "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end|>", "</s>", "<|end_of_text|>", "<|file_separator|>",
  ]

  /// The names a family's prompt and stop rules use, for a server that cannot be asked.
  public static func names(of family: FIMFamily) -> [String] {
    switch family {
    case .qwen:
      return [
        "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
        "<|endoftext|>",
      ]
    case .starCoder:
      return ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<reponame>", "<file_sep>", "<|endoftext|>"]
    case .codeLlama: return ["<PRE>", "<SUF>", "<MID>", "<EOT>", "</s>"]
    case .prefixOnly: return []
    }
  }
}

/// Stands in for the server's tokenizer when Hunch has no copy of it: text is cut into pieces that cost about what a
/// code BPE charges (see `cut`), so budgets come out close, and every id maps back to its exact text, so a prompt
/// survives the round trip. Special tokens keep the ids given (the server's own when it told us).
public final class ApproximateVocabulary: TokenVocabulary, @unchecked Sendable {
  public let specialTokens: [String: Int32]
  public var beginningOfText: Int32? { nil }
  public var idsMatchServer: Bool { false }
  /// Synthetic ids start here, above any real vocabulary.
  static let firstID: Int32 = 0x4000_0000
  private let lock = NSLock()
  private var idsByPiece: [String: Int32] = [:]
  private var pieces: [String] = []
  private let namesByID: [Int32: String]

  public init(specialTokens: [String: Int32]) {
    self.specialTokens = specialTokens
    namesByID = Dictionary(specialTokens.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
  }

  /// The family's special tokens under synthetic ids, for a server that cannot be asked.
  public convenience init(family: FIMFamily) {
    let names = KnownSpecialTokens.names(of: family)
    var table: [String: Int32] = [:]
    for (index, name) in names.enumerated() { table[name] = 0x3000_0000 + Int32(index) }
    self.init(specialTokens: table)
  }

  public func tokenize(_ text: String) -> [Int32] {
    let cut = Self.cut(text)
    return lock.withLock {
      cut.map { piece in
        if let id = idsByPiece[piece] { return id }
        let id = Self.firstID + Int32(pieces.count)
        pieces.append(piece)
        idsByPiece[piece] = id
        return id
      }
    }
  }

  public func detokenize(_ tokens: [Int32]) -> String {
    lock.withLock {
      tokens.map { id -> String in
        if let name = namesByID[id] { return Self.spelling(of: name) }
        let index = Int(id) - Int(Self.firstID)
        return pieces.indices.contains(index) ? pieces[index] : ""
      }.joined()
    }
  }

  /// The pieces `tokenize` gives ids to; they concatenate back to `text`. The cuts imitate a code BPE such as
  /// Qwen2.5's: words of up to 8 characters with one leading space, punctuation runs of up to 3 characters (also with
  /// one leading space), a newline joined to the punctuation before it, whitespace runs. On the bench cases this lands
  /// within about a fifth of Qwen2.5's count (a test holds it to a quarter).
  static func cut(_ text: String) -> [String] {
    enum Kind { case word, blank, newline, other }
    func kind(_ c: Character) -> Kind {
      if c == "\n" || c == "\r\n" || c == "\r" { return .newline }
      if c == " " || c == "\t" { return .blank }
      if c.isLetter || c.isNumber || c == "_" { return .word }
      return .other
    }
    var result: [String] = []
    var current = ""
    var currentKind = Kind.other
    var wordLength = 0
    func flush() {
      if !current.isEmpty { result.append(current) }
      current = ""
    }
    for c in text {
      switch kind(c) {
      case .newline:
        if currentKind == .other && !current.isEmpty {
          current.append(c)
          flush()
        } else {
          flush()
          result.append(String(c))
        }
        currentKind = .newline
      case .word:
        if currentKind == .word && wordLength < 8 {
          current.append(c)
          wordLength += 1
        } else if currentKind == .blank && current == " " {
          current.append(c)
          currentKind = .word
          wordLength = 1
        } else {
          flush()
          current = String(c)
          currentKind = .word
          wordLength = 1
        }
      case .blank:
        if currentKind == .blank && current.count < 16 {
          current.append(c)
        } else {
          flush()
          current = String(c)
          currentKind = .blank
        }
      case .other:
        if currentKind == .other && !current.isEmpty && current.count < 3 {
          current.append(c)
        } else if currentKind == .blank && current == " " {
          current.append(c)
          currentKind = .other
        } else {
          flush()
          current = String(c)
          currentKind = .other
        }
      }
    }
    flush()
    return result
  }
}
