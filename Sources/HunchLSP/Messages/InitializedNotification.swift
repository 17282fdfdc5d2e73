/// Sent once by the client after it received the initialize result.
public struct InitializedNotification: NotificationType, Hashable {
  public static let method = "initialized"
  public init() {}
}
