import Foundation

/// A `CompletionModel` that replays a scripted output piece by piece, with a byte-level tokenizer (token = UTF-8 byte,
/// specials numbered from 1000); `generate` counts one token per piece. It records the prompts it was given. For tests and for `hunch eval --model replay`.
public final class ScriptedCompletionModel: CompletionModel {
  public let specialTokens: [String: Int32]
  public var beginningOfText: Int32?
  /// What the engine is told about token healing (the script itself heals nothing).
  public var healsPromptEnd = false
  /// The pieces `generate` replays, in order; a piece naming a special token (`"<|endoftext|>"`) is sampled as that
  /// token.
  public var script: [String]
  public private(set) var prompts: [[Int32]] = []
  /// Pieces actually delivered by the last `generate`.
  public private(set) var delivered: [String] = []

  public init(specialTokens: [String], script: [String], beginningOfText: String? = nil) {
    var table: [String: Int32] = [:]
    for (index, name) in specialTokens.enumerated() { table[name] = 1000 + Int32(index) }
    self.specialTokens = table
    self.script = script
    self.beginningOfText = beginningOfText.flatMap { table[$0] }
  }

  /// Splits `text` into word-like pieces (a run of letters/digits, or one other character); the names in `specials`
  /// stay whole.
  public static func pieces(of text: String, specials: [String] = []) -> [String] {
    var pieces: [String] = []
    var word = ""
    var rest = Substring(text)
    while let character = rest.first {
      if let special = specials.first(where: { rest.hasPrefix($0) }) {
        if !word.isEmpty { pieces.append(word) }
        word = ""
        pieces.append(special)
        rest = rest.dropFirst(special.count)
        continue
      }
      rest = rest.dropFirst()
      if character.isLetter || character.isNumber || character == "_" {
        word.append(character)
      } else {
        if !word.isEmpty { pieces.append(word) }
        word = ""
        pieces.append(String(character))
      }
    }
    if !word.isEmpty { pieces.append(word) }
    return pieces
  }

  public var lastPrompt: [Int32] { prompts.last ?? [] }

  public func tokenize(_ text: String) -> [Int32] {
    text.utf8.map { Int32($0) }
  }

  public func detokenize(_ tokens: [Int32]) -> String {
    var bytes: [UInt8] = []
    var text = ""
    let names = Dictionary(uniqueKeysWithValues: specialTokens.map { ($1, $0) })
    for token in tokens {
      if let name = names[token] {
        text += String(decoding: bytes, as: UTF8.self) + name
        bytes = []
      } else if token >= 0 && token < 256 {
        bytes.append(UInt8(token))
      }
    }
    return text + String(decoding: bytes, as: UTF8.self)
  }

  /// The prompt as text, special tokens spelled out.
  public var lastPromptText: String { detokenize(lastPrompt) }

  public func generate(
    prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>, isCancelled: () -> Bool,
    onPiece: (String) -> StopDecision
  ) throws -> Generation {
    prompts.append(prompt)
    delivered = []
    var tokens: [Int32] = []
    var text = ""
    var finish = GenerationFinish.maxTokens
    for piece in script {
      if isCancelled() {
        finish = .cancelled
        break
      }
      if let special = specialTokens[piece] {
        if stopTokens.contains(special) {
          finish = .stopToken(special)
          break
        }
        tokens.append(special)
        continue
      }
      // One token per piece, as a real tokenizer gives roughly one token per word.
      guard tokens.count < maxTokens else { break }
      tokens.append(tokenize(piece).first ?? 0)
      text += piece
      delivered.append(piece)
      if onPiece(piece) == .stop {
        finish = .stoppedByCaller
        break
      }
    }
    if case .maxTokens = finish, tokens.count < maxTokens {
      // The script ran out: the model "ended" the way a real one emits end-of-text.
      finish = .stopToken(-1)
    }
    return Generation(
      tokens: tokens, text: text, finish: finish, promptTokenCount: prompt.count, promptMilliseconds: 0,
      generationMilliseconds: 0)
  }
}
