/// Why fetching or finding a model failed.
public struct ProvisioningError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Code: String, Sendable {
    case invalidName
    case unknownModel
    case notPulled
    case downloadFailed
    case toolMissing
    case extractFailed
    case sizeMismatch
    case checksumMismatch
    case fileSystem
  }

  public let code: Code
  public let message: String
  /// What went wrong underneath (a tool's output, an errno text), when there is something to add.
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
