import HunchGGUF

/// Why a model could not be loaded or run.
public struct InferenceError: Error, CustomStringConvertible, Sendable {
  public enum Code: String, Sendable {
    case unsupportedArchitecture
    case missingTensor
    case tensorShape
    case unsupportedTensorType
    case contextFull
    case invalidToken
    case modelFile
    /// `GenerationSession.shouldStop` answered true during prompt processing.
    case cancelled
  }

  public let code: Code
  public let message: String
  public let cause: (any Error & Sendable)?

  public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    if let cause { return "\(message): \(cause)" }
    return message
  }
}
