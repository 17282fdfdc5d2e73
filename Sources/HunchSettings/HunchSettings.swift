/// What a user can set, from any source: the TOML file, command-line flags, `initializationOptions` and
/// `workspace/didChangeConfiguration`. Every field is optional: nil means "not set here", so sources layer with
/// `merge` (a later source overrides only what it sets) and the consumers keep their own defaults.
///
/// Keys are snake_case in the file (`max_tokens`); editors' JSON may use camelCase (`maxTokens`) — both are read.
/// Unknown keys and bad values are reported as `SettingsIssue`s and otherwise ignored, never fatal.
public struct HunchSettings: Sendable, Equatable {
  public enum LogLevel: String, Sendable, CaseIterable { case debug, info, error }
  public enum Backend: String, Sendable, CaseIterable {
    case local
    case openAI = "openai"
    case llamaServer = "llama-server"
  }

  /// A pulled model name (`hunch models list`) or a GGUF path.
  public var model: String?
  /// A smaller model with the same tokenizer that drafts tokens for `model` (speculative decoding).
  public var draftModel: String?
  public var threads: Int?
  /// Positions the KV cache holds (prompt plus generated tokens).
  public var contextLength: Int?
  public var prefixTokens: Int?
  public var suffixTokens: Int?
  public var extraContextTokens: Int?
  /// Most tokens generated for a single-line completion.
  public var maxTokens: Int?
  /// Most tokens generated for a block.
  public var maxBlockTokens: Int?
  public var debounceMilliseconds: Int?
  public var logLevel: LogLevel?
  public var logFile: String?
  /// Speculative decoding (prompt lookup, the previous suggestion, the draft model) during completions.
  public var speculative: Bool?

  // Remote inference (the `[remote]` table in the file).
  public var backend: Backend?
  public var remoteURL: String?
  public var remoteModel: String?
  /// The NAME of the environment variable that holds the API key; the key itself never goes in a settings file.
  public var remoteAPIKeyEnvironment: String?
  public var remoteTimeoutMilliseconds: Int?
  public var remoteFallbackToLocal: Bool?
  public var remoteConnectTimeoutMilliseconds: Int?
  public var remoteRetryMilliseconds: Int?
  /// The FIM family of the remote model when the server cannot tell: `qwen`, `starcoder`, `codellama`.
  public var remoteFIMFamily: String?

  public init() {}

  /// Overrides every field that `other` sets.
  public mutating func merge(_ other: HunchSettings) {
    for key in Self.keys { key.merge(&self, other) }
  }

  /// Reads the settings in `table` (a parsed file, or an editor's JSON converted to `SettingValue`). A `hunch`
  /// sub-table, as editors nest their servers' settings, is read in place of the whole. Returns what was wrong.
  @discardableResult
  public mutating func apply(_ table: [String: SettingValue], source: String) -> [SettingsIssue] {
    var issues: [SettingsIssue] = []
    let ours = table["hunch"]?.tableValue ?? table
    read(ours, prefix: "", source: source, issues: &issues)
    return issues
  }

  private mutating func read(
    _ table: [String: SettingValue], prefix: String, source: String, issues: inout [SettingsIssue]
  ) {
    for (rawKey, value) in table.sorted(by: { $0.key < $1.key }) {
      let name = prefix + Self.snakeCase(rawKey)
      if let key = Self.keysByName[name] {
        if let problem = key.apply(&self, value) {
          issues.append(SettingsIssue(source: source, key: name, message: problem))
        }
      } else if let subtable = value.tableValue, Self.tableNames.contains(name) {
        read(subtable, prefix: name + ".", source: source, issues: &issues)
      } else {
        issues.append(SettingsIssue(source: source, key: name, message: "unknown setting; ignored"))
      }
    }
  }

  /// `maxTokens` → `max_tokens`; snake_case stays as it is.
  static func snakeCase(_ key: String) -> String {
    var result = ""
    for character in key {
      if character.isUppercase {
        if !result.isEmpty { result.append("_") }
        result.append(contentsOf: character.lowercased())
      } else {
        result.append(character == "-" ? "_" : character)
      }
    }
    return result
  }
}

/// A setting that was not applied, and why.
public struct SettingsIssue: Sendable, Equatable, CustomStringConvertible {
  /// Where it came from: a file path, `initializationOptions`, `workspace/didChangeConfiguration`.
  public let source: String
  public let key: String
  public let message: String

  public init(source: String, key: String, message: String) {
    self.source = source
    self.key = key
    self.message = message
  }

  public var description: String { "\(source): `\(key)`: \(message)" }
}
