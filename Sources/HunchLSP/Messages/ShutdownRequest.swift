/// Asks the server to stop working; `exit` follows.
public struct ShutdownRequest: RequestType, Hashable {
  public static let method = "shutdown"
  public typealias Response = NullResult
  public init() {}
}
