/// Why a kernel request cannot be served: an unsupported type or a shape that does not fit the block layout.
public struct KernelError: Error, Equatable, CustomStringConvertible {
  public enum Code: String, Sendable {
    case unsupportedType
    case badShape
    case unsupportedLevel
    case outOfMemory
  }

  public let code: Code
  public let message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code.rawValue): \(message)" }
}
