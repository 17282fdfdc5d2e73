import Foundation

/// What the engine's stop rules answer after every streamed piece.
public enum StopDecision: Sendable, Equatable {
  case `continue`
  /// Stop now; the piece just delivered is still part of the output (the engine trims it later if needed).
  case stop
}

/// Why a generation ended, as the model side saw it.
public enum GenerationFinish: Sendable, Equatable {
  /// The model sampled one of the stop tokens it was given (or its own end-of-generation token).
  case stopToken(Int32)
  /// `onPiece` answered `.stop`.
  case stoppedByCaller
  /// `maxTokens` were generated.
  case maxTokens
  /// `isCancelled` answered true between two tokens.
  case cancelled
}

/// The result of one `CompletionModel.generate` call.
public struct Generation: Sendable, Equatable {
  /// The generated token ids, without the stop token that ended the generation.
  public var tokens: [Int32]
  /// The concatenation of every piece passed to `onPiece`.
  public var text: String
  public var finish: GenerationFinish
  public var promptTokenCount: Int
  /// Prompt tokens that were reused from a cached prefix (0 when the model has no cache).
  public var reusedPromptTokenCount: Int
  public var promptMilliseconds: Double
  public var generationMilliseconds: Double

  public init(
    tokens: [Int32], text: String, finish: GenerationFinish, promptTokenCount: Int, reusedPromptTokenCount: Int = 0,
    promptMilliseconds: Double, generationMilliseconds: Double
  ) {
    self.tokens = tokens
    self.text = text
    self.finish = finish
    self.promptTokenCount = promptTokenCount
    self.reusedPromptTokenCount = reusedPromptTokenCount
    self.promptMilliseconds = promptMilliseconds
    self.generationMilliseconds = generationMilliseconds
  }

  /// True when the generation ended because the engine's rules or a stop token said so (not a limit or a cancel).
  public var stopped: Bool {
    switch finish {
    case .stopToken, .stoppedByCaller: return true
    case .maxTokens, .cancelled: return false
    }
  }
}

/// The model side of completion, implemented by the inference adapter.
///
/// Special tokens are addressed by id only: the engine never asks `tokenize` to produce them, because a user's file may
/// contain strings such as `<|fim_prefix|>` as plain text.
public protocol CompletionModel {
  /// Every special (control) token of the vocabulary by its text, e.g. `"<|fim_prefix|>": 151659`.
  /// The engine reads the FIM family and the stop tokens from this table.
  var specialTokens: [String: Int32] { get }
  /// A token the prompt must start with (e.g. `<s>` for CodeLlama), or nil when the model adds none (Qwen).
  var beginningOfText: Int32? { get }
  /// Whether `generate` heals the prompt's last token (drops a fragment such as a lone blank and makes the first
  /// generated token start with it). A model that does not heal gets blanks typed after code held back instead.
  var healsPromptEnd: Bool { get }
  /// Plain text to token ids; never produces special tokens, even when the text spells one.
  func tokenize(_ text: String) -> [Int32]
  /// Token ids back to text (the pieces of special tokens render as nothing or their text; the engine does not care).
  func detokenize(_ tokens: [Int32]) -> String
  /// Generates greedily after `prompt`, calling `onPiece` with the text of every new token as soon as it is decoded
  /// (a piece may be empty while a multi-byte character is incomplete). Stops on the first of: a token in
  /// `stopTokens` or the model's own end-of-generation token, `onPiece` answering `.stop`, `maxTokens`, or
  /// `isCancelled()` answering true (checked between tokens).
  func generate(
    prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>, isCancelled: () -> Bool,
    onPiece: (String) -> StopDecision
  ) throws -> Generation
}

extension CompletionModel {
  public var healsPromptEnd: Bool { false }
}

/// A failure of the completion engine, with a stable code.
public struct CompletionError: Error, CustomStringConvertible, Sendable {
  public enum Code: String, Sendable {
    case cursorOutOfRange
    case cursorInsideCharacter
    case emptyPrompt
    case modelFailed
    case badEvalCase
  }
  public let code: Code
  public let message: String
  public let cause: String?

  public init(_ code: Code, _ message: String, cause: String? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    cause.map { "\(code.rawValue): \(message) (\($0))" } ?? "\(code.rawValue): \(message)"
  }
}
