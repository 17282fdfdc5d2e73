/// The error member of a JSON-RPC response; also what our handlers throw to answer a request with an error.
public struct ResponseError: Error, Codable, Equatable, Sendable, CustomStringConvertible {
  public var code: Int
  public var message: String
  public var data: JSONValue?

  public init(code: Int, message: String, data: JSONValue? = nil) {
    self.code = code
    self.message = message
    self.data = data
  }

  public var description: String { "error \(code): \(message)" }
}

/// The error codes of JSON-RPC 2.0 and the LSP.
public enum ErrorCode {
  public static let parseError = -32700
  public static let invalidRequest = -32600
  public static let methodNotFound = -32601
  public static let invalidParams = -32602
  public static let internalError = -32603
  public static let serverNotInitialized = -32002
  public static let requestFailed = -32803
  public static let requestCancelled = -32800
}

extension ResponseError {
  public static func parseError(_ message: String) -> ResponseError {
    .init(code: ErrorCode.parseError, message: message)
  }
  public static func invalidRequest(_ message: String) -> ResponseError {
    .init(code: ErrorCode.invalidRequest, message: message)
  }
  public static func methodNotFound(_ method: String) -> ResponseError {
    .init(code: ErrorCode.methodNotFound, message: "method not found: \(method)")
  }
  public static func invalidParams(_ message: String) -> ResponseError {
    .init(code: ErrorCode.invalidParams, message: message)
  }
  public static let serverNotInitialized = ResponseError(
    code: ErrorCode.serverNotInitialized, message: "the server has not been initialized")
  public static let requestCancelled = ResponseError(code: ErrorCode.requestCancelled, message: "request cancelled")
}
