/// Why a tokenizer could not be built from a model file.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Code: String, Sendable {
    case missingKey
    case unsupportedModel
    case unsupportedPreTokenizer
    case malformedVocabulary
    case malformedMerges
  }

  public let code: Code
  public let message: String
  /// What went wrong underneath, when there is something to add.
  public let cause: String?

  public init(_ code: Code, _ message: String, cause: String? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    guard let cause, !cause.isEmpty else { return message }
    return "\(message)\n  cause: \(cause)"
  }
}
