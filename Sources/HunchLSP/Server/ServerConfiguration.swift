/// Settings of the language server; the client may change the tunable ones through `initializationOptions` or
/// `workspace/didChangeConfiguration` (under a `hunch` key or at the top level).
public struct ServerConfiguration: Sendable, Equatable {
  /// Wait this long after a completion request before generating, so that a burst of keystrokes costs one
  /// generation rather than one each.
  public var debounce: Duration
  /// How often to check that the client's process (initialize's `processId`) is still alive.
  public var parentProcessCheckInterval: Duration
  public var serverVersion: String
  /// Characters that make clients ask for completions.
  public var triggerCharacters: [String]

  public init(
    debounce: Duration = .milliseconds(20), parentProcessCheckInterval: Duration = .seconds(1),
    serverVersion: String = "0.1.0", triggerCharacters: [String] = [".", ":", "(", "[", "{", ",", "=", " ", ">"]
  ) {
    self.debounce = debounce
    self.parentProcessCheckInterval = parentProcessCheckInterval
    self.serverVersion = serverVersion
    self.triggerCharacters = triggerCharacters
  }

  var debounceMilliseconds: Int {
    let (seconds, attoseconds) = debounce.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
  }

  /// Applies the settings found in `settings`; unknown keys and values of the wrong type are ignored.
  mutating func apply(_ settings: JSONValue?) {
    guard let settings else { return }
    let ours = settings["hunch"] ?? settings
    if let milliseconds = ours["debounceMilliseconds"]?.intValue, (0...5_000).contains(milliseconds) {
      debounce = .milliseconds(milliseconds)
    }
  }
}
