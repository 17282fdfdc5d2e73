/// A message the client shows the user.
public struct ShowMessageNotification: NotificationType, Hashable {
  public static let method = "window/showMessage"
  /// 1 error, 2 warning, 3 info, 4 log.
  public var type: Int
  public var message: String
  public init(type: Int, message: String) {
    self.type = type
    self.message = message
  }
}
