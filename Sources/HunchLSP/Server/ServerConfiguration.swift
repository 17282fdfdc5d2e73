import Foundation
import HunchSettings

/// Settings of the language server. The user's settings (`HunchSettings`) layer, each overriding what the one before
/// set: the settings file and command line (given at start as `settings`), a `.hunch.json` in the workspace root,
/// `initializationOptions`, and `workspace/didChangeConfiguration` (under a `hunch` key or at the top level).
/// The server reads `debounce_ms`, `log_level` and `log_file` itself; the provider gets the merged whole.
public struct ServerConfiguration: Sendable, Equatable {
  /// The user's settings from every source so far.
  public var settings: HunchSettings
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
    startupWarning: String? = nil, settings: HunchSettings = HunchSettings()
  ) {
    self.settings = settings
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

  /// Layers the settings in `json` (from `source`) over the current ones. Returns what could not be applied:
  /// unknown keys, values of the wrong type or out of range.
  mutating func apply(_ json: JSONValue?, source: String) -> [SettingsIssue] {
    guard let json else { return [] }
    guard case .object = json, case .table(let table) = json.settingValue else {
      return json == .null ? [] : [SettingsIssue(source: source, key: "", message: "settings must be an object")]
    }
    var layer = HunchSettings()
    let issues = layer.apply(table, source: source)
    merge(layer)
    return issues
  }

  /// Layers `layer` over the current settings and takes the server's own keys from the result.
  mutating func merge(_ layer: HunchSettings) {
    settings.merge(layer)
    if let milliseconds = settings.debounceMilliseconds { debounce = .milliseconds(milliseconds) }
  }
}

extension JSONValue {
  /// The same value as a settings value; nulls (and nulls inside arrays and objects) are dropped.
  var settingValue: SettingValue? {
    switch self {
    case .null: return nil
    case .bool(let value): return .boolean(value)
    case .integer(let value): return .integer(value)
    case .double(let value): return .float(value)
    case .string(let value): return .string(value)
    case .array(let values): return .array(values.compactMap(\.settingValue))
    case .object(let members): return .table(members.compactMapValues(\.settingValue))
    }
  }
}
