/// A JSON-RPC request id: a number or a string.
public enum RequestID: Hashable, Codable, Sendable, CustomStringConvertible {
  case number(Int)
  case string(String)

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let value = try? container.decode(Int.self) {
      self = .number(value)
    } else {
      self = .string(try container.decode(String.self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .number(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    }
  }

  /// The id as it arrived in a message, or nil when it is not a valid id (an object, a fraction, null, …).
  init?(_ value: JSONValue) {
    switch value {
    case .integer(let number): self = .number(number)
    case .string(let text): self = .string(text)
    default: return nil
    }
  }

  public var description: String {
    switch self {
    case .number(let value): return String(value)
    case .string(let value): return "\"\(value)\""
    }
  }
}
