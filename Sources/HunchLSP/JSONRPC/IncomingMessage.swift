import Foundation

/// One JSON-RPC message from the client, checked for shape; its params are decoded later, by the handler that knows
/// their type.
public struct IncomingMessage: Sendable {
  public enum Kind: Equatable, Sendable {
    case request(RequestID)
    case notification
    /// A response to a request the server sent; the server sends none yet, so these are only logged.
    case response(RequestID?)
  }

  public let kind: Kind
  /// The method name; empty for responses.
  public let method: String
  /// The whole message body, kept so the params can be decoded into their own type.
  public let body: Data

  /// Nesting deeper than this is refused before any parser sees the body.
  public static let maximumNestingDepth = 512

  /// Reads a body into a message, or says how the body is broken and which request id (if any) to answer with.
  public static func parse(_ body: Data) -> Result<IncomingMessage, MessageParseFailure> {
    let depth = body.withUnsafeBytes { JSONDepthScanner.maximumDepth(of: $0, limit: maximumNestingDepth) }
    guard depth <= maximumNestingDepth else {
      return .failure(.init(id: nil, error: .parseError("JSON nested deeper than \(maximumNestingDepth) levels")))
    }
    let envelope: Envelope
    do {
      envelope = try JSONDecoder().decode(Envelope.self, from: body)
    } catch DecodingError.typeMismatch {
      return .failure(.init(id: nil, error: .invalidRequest("a message must be a JSON object")))
    } catch {
      return .failure(.init(id: nil, error: .parseError("invalid JSON")))
    }
    let id = envelope.id.flatMap(RequestID.init)
    guard envelope.jsonrpc == .string("2.0") else {
      return .failure(.init(id: id, error: .invalidRequest("jsonrpc must be \"2.0\"")))
    }
    if let methodValue = envelope.method {
      guard case .string(let method) = methodValue else {
        return .failure(.init(id: id, error: .invalidRequest("method must be a string")))
      }
      guard let idValue = envelope.id else {
        return .success(IncomingMessage(kind: .notification, method: method, body: body))
      }
      guard let id = RequestID(idValue) else {
        return .failure(.init(id: nil, error: .invalidRequest("id must be an integer or a string")))
      }
      if let params = envelope.params, params != .structured {
        return .failure(.init(id: id, error: .invalidRequest("params must be an object or an array")))
      }
      return .success(IncomingMessage(kind: .request(id), method: method, body: body))
    }
    if envelope.result != nil || envelope.error != nil {
      return .success(IncomingMessage(kind: .response(id), method: "", body: body))
    }
    return .failure(.init(id: id, error: .invalidRequest("a message needs a method, a result or an error")))
  }

  /// True for a response that carries an `error` rather than a `result`.
  public var isErrorResponse: Bool {
    struct ErrorMember: Decodable { var error: JSONValue? }
    guard case .response = kind else { return false }
    return (try? JSONDecoder().decode(ErrorMember.self, from: body))?.error != nil
  }

  /// Decodes the `params` member into `Params`; a missing or null `params` reads as an empty object.
  public func decodeParams<Params: Decodable>(_ type: Params.Type) throws -> Params {
    let decoder = JSONDecoder()
    if let params = try decoder.decode(ParamsEnvelope<Params>.self, from: body).params {
      return params
    }
    return try decoder.decode(Params.self, from: Data("{}".utf8))
  }

  /// Only the members that decide what kind of message this is; `JSONValue` so that a wrong type is our error,
  /// not the decoder's.
  private struct Envelope: Decodable {
    var jsonrpc: JSONValue?
    var id: JSONValue?
    var method: JSONValue?
    var params: ValueShape?
    var result: ValueShape?
    var error: ValueShape?

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      jsonrpc = try container.decodeIfPresent(JSONValue.self, forKey: .jsonrpc)
      // Present-but-null is kept apart from absent: an id of null is not a notification.
      id = container.contains(.id) ? try container.decode(JSONValue.self, forKey: .id) : nil
      method = try container.decodeIfPresent(JSONValue.self, forKey: .method)
      params = try container.decodeIfPresent(ValueShape.self, forKey: .params)
      result = container.contains(.result) ? try container.decode(ValueShape.self, forKey: .result) : nil
      error = try container.decodeIfPresent(ValueShape.self, forKey: .error)
    }

    enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params, result, error }
  }

  /// Whether a member is an object/array or a scalar, found without building the value (params can hold a whole
  /// document).
  private enum ValueShape: Decodable, Equatable {
    case structured
    case scalar

    init(from decoder: any Decoder) throws {
      if (try? decoder.container(keyedBy: AnyKey.self)) != nil || (try? decoder.unkeyedContainer()) != nil {
        self = .structured
      } else {
        self = .scalar
      }
    }
  }

  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  private struct ParamsEnvelope<Params: Decodable>: Decodable {
    var params: Params?
  }
}

/// A body that is not a usable message, with the id to answer (nil answers with `"id": null`).
public struct MessageParseFailure: Error, Sendable {
  public let id: RequestID?
  public let error: ResponseError
}
