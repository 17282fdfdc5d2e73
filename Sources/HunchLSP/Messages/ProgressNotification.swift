/// Server → client: one step of a work-done progress (`begin`, `report`, `end`) under a created token.
public struct ProgressNotification: NotificationType, Hashable {
  public static let method = "$/progress"

  public struct Value: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable { case begin, report, end }
    public var kind: Kind
    /// Shown once, with `begin`.
    public var title: String?
    public var message: String?
    public var percentage: Int?
    public var cancellable: Bool?

    public init(
      kind: Kind, title: String? = nil, message: String? = nil, percentage: Int? = nil, cancellable: Bool? = nil
    ) {
      self.kind = kind
      self.title = title
      self.message = message
      self.percentage = percentage
      self.cancellable = cancellable
    }
  }

  public var token: ProgressToken
  public var value: Value

  public init(token: ProgressToken, value: Value) {
    self.token = token
    self.value = value
  }
}
