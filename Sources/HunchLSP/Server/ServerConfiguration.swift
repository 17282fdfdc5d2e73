import Foundation

/// Settings of the language server. The tunable ones come, each overriding the one before, from a `.hunch.json`
/// file in the workspace root, from `initializationOptions`, and from `workspace/didChangeConfiguration` (under a
/// `hunch` key or at the top level). Keys: `debounceMilliseconds` (0...5000).
public struct ServerConfiguration: Sendable, Equatable {
  /// Wait this long after a completion request before generating, so that a burst of keystrokes costs one
  /// generation rather than one each.
  public var debounce: Duration
  /// How often to check that the client's process (initialize's `processId`) is still alive.
  public var parentProcessCheckInterval: Duration
  public var serverVersion: String
  /// Characters that make clients ask for completions.
  public var triggerCharacters: [String]
  /// Shown to the user once after initialize (window/showMessage, as a warning), e.g. that no model is loaded.
  public var startupWarning: String?

  public init(
    debounce: Duration = .milliseconds(20), parentProcessCheckInterval: Duration = .seconds(1),
    serverVersion: String = "0.1.0", triggerCharacters: [String] = [".", ":", "(", "[", "{", ",", "=", " ", ">"],
    startupWarning: String? = nil
  ) {
    self.startupWarning = startupWarning
    self.debounce = debounce
    self.parentProcessCheckInterval = parentProcessCheckInterval
    self.serverVersion = serverVersion
    self.triggerCharacters = triggerCharacters
  }

  var debounceMilliseconds: Int {
    let (seconds, attoseconds) = debounce.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
  }

  /// The name of the optional settings file in the workspace root.
  public static let workspaceFileName = ".hunch.json"

  /// Reads `.hunch.json` from the workspace root given as a `file://` URI; nil when there is none or it is unusable
  /// (the reason goes to `log`).
  static func workspaceSettings(rootURI: DocumentURI?, log: Logger) -> JSONValue? {
    guard let rootURI, let root = URL(string: rootURI), root.isFileURL else { return nil }
    let file = root.appendingPathComponent(workspaceFileName)
    guard FileManager.default.fileExists(atPath: file.path) else { return nil }
    do {
      let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
      guard size <= 64 * 1024 else {
        log.error("\(file.path) is \(size) bytes; settings files over 64 KB are ignored")
        return nil
      }
      let data = try Data(contentsOf: file)
      let depth = data.withUnsafeBytes { JSONDepthScanner.maximumDepth(of: $0, limit: 64) }
      guard depth <= 64 else {
        log.error("\(file.path) nests too deeply; ignored")
        return nil
      }
      return try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      log.error("cannot read settings from \(file.path): \(error)")
      return nil
    }
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
