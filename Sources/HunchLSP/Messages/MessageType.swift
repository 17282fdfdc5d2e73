/// A request of the protocol: the type is its params; `Response` is the type of its result.
public protocol RequestType: Codable, Sendable {
  static var method: String { get }
  associatedtype Response: Codable & Sendable
}

/// A notification of the protocol: the type is its params.
public protocol NotificationType: Codable, Sendable {
  static var method: String { get }
}

/// The result of requests that answer `null` (shutdown).
public struct NullResult: Codable, Equatable, Sendable {
  public init() {}
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    guard container.decodeNil() else {
      throw DecodingError.typeMismatch(
        NullResult.self, .init(codingPath: decoder.codingPath, debugDescription: "expected null"))
    }
  }
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encodeNil()
  }
}
