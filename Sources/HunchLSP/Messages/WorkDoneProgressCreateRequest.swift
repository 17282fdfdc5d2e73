/// Server → client: asks the client to create a progress token before `$/progress` uses it.
public struct WorkDoneProgressCreateRequest: RequestType, Hashable {
  public static let method = "window/workDoneProgress/create"
  public typealias Response = NullResult

  public var token: ProgressToken
  public init(token: ProgressToken) { self.token = token }
}

/// A progress token; the server always makes string tokens.
public typealias ProgressToken = String
