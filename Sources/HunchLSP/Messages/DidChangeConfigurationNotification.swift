/// New settings; the server reads its own under `settings.hunch` (or `settings` itself).
public struct DidChangeConfigurationNotification: NotificationType, Hashable {
  public static let method = "workspace/didChangeConfiguration"
  public var settings: JSONValue?
  public init(settings: JSONValue?) { self.settings = settings }
}
