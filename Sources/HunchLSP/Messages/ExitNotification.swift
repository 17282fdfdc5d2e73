/// Ends the server process: status 0 after `shutdown`, 1 without.
public struct ExitNotification: NotificationType, Hashable {
  public static let method = "exit"
  public init() {}
}
