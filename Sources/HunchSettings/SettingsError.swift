/// A settings file that cannot be used, with a stable code and a message that names the file and line.
public struct SettingsError: Error, CustomStringConvertible, Sendable, Equatable {
  public enum Code: String, Sendable {
    /// The file is not valid TOML (or uses a TOML feature Hunch does not read).
    case syntax
    /// The file exists but cannot be read, or is too large to be a settings file.
    case unreadable
  }

  public let code: Code
  public let message: String
  /// 1-based line of the problem, when there is one.
  public let line: Int?
  public let cause: String?

  public init(_ code: Code, _ message: String, line: Int? = nil, cause: String? = nil) {
    self.code = code
    self.message = message
    self.line = line
    self.cause = cause
  }

  public var description: String {
    var text = line.map { "line \($0): \(message)" } ?? message
    if let cause { text += " (\(cause))" }
    return text
  }
}
