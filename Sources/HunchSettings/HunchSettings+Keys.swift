/// The table of settings: one entry per key, with how to read it and how to layer it.
struct SettingKey: Sendable {
  /// The snake_case name; keys of the `[remote]` table are written `remote.url`.
  let name: String
  let summary: String
  let apply: @Sendable (inout HunchSettings, SettingValue) -> String?
  let merge: @Sendable (inout HunchSettings, HunchSettings) -> Void
}

extension HunchSettings {
  static let tableNames: Set<String> = ["remote"]

  static let keys: [SettingKey] = [
    text("model", \.model, "a pulled model name or a GGUF path"),
    text("draft_model", \.draftModel, "a smaller model with the same tokenizer that drafts for `model`"),
    integer("threads", \.threads, 1...256, "worker threads for the model"),
    integer("context_length", \.contextLength, 256...32_768, "positions the KV cache holds"),
    integer("prefix_tokens", \.prefixTokens, 16...32_768, "prompt budget for the text before the cursor"),
    integer("suffix_tokens", \.suffixTokens, 0...32_768, "prompt budget for the text after the cursor"),
    integer("extra_context_tokens", \.extraContextTokens, 0...32_768, "prompt budget for other open files"),
    integer("max_tokens", \.maxTokens, 1...4_096, "most tokens generated for a single line"),
    integer("max_block_tokens", \.maxBlockTokens, 1...4_096, "most tokens generated for a block"),
    integer("debounce_ms", \.debounceMilliseconds, 0...5_000, "wait after a request before generating"),
    // The name the server read before this table existed.
    integer("debounce_milliseconds", \.debounceMilliseconds, 0...5_000, "same as debounce_ms"),
    choice("log_level", \.logLevel, "debug, info or error"),
    text("log_file", \.logFile, "also append the log to this file"),
    flag("speculative", \.speculative, "speculative decoding during completions"),
    choice("backend", \.backend, "local, openai or llama-server"),
    text("remote.url", \.remoteURL, "the inference server's base URL"),
    text("remote.model", \.remoteModel, "the model name the server expects"),
    text("remote.api_key_env", \.remoteAPIKeyEnvironment, "the environment variable holding the API key"),
    integer("remote.timeout_ms", \.remoteTimeoutMilliseconds, 100...600_000, "per-request timeout"),
    flag("remote.fallback", \.remoteFallbackToLocal, "use the local model when the server is unreachable"),
    integer(
      "remote.connect_timeout_ms", \.remoteConnectTimeoutMilliseconds, 1...600_000,
      "wait this long for the server's answer before calling it unreachable"),
    integer("remote.retry_ms", \.remoteRetryMilliseconds, 1...600_000, "after a failure, try the server again after"),
    text("remote.fim", \.remoteFIMFamily, "the remote model's FIM family: qwen, starcoder or codellama"),
  ]

  static let keysByName: [String: SettingKey] = Dictionary(keys.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

  /// Every key with its one-line summary, for documentation and `--help`.
  public static var keySummaries: [(key: String, summary: String)] { keys.map { ($0.name, $0.summary) } }

  private static func layer<Value>(_ path: WritableKeyPath<HunchSettings, Value?>)
    -> @Sendable (inout HunchSettings, HunchSettings) -> Void
  {
    nonisolated(unsafe) let path = path
    return { settings, other in
      if let value = other[keyPath: path] { settings[keyPath: path] = value }
    }
  }

  private static func text(_ name: String, _ path: WritableKeyPath<HunchSettings, String?>, _ summary: String)
    -> SettingKey
  {
    nonisolated(unsafe) let path = path
    return SettingKey(
      name: name, summary: summary,
      apply: { settings, value in
        guard let text = value.stringValue else { return "expected a string, found \(value.typeName)" }
        guard !text.isEmpty else { return "must not be empty" }
        settings[keyPath: path] = text
        return nil
      }, merge: layer(path))
  }

  private static func integer(
    _ name: String, _ path: WritableKeyPath<HunchSettings, Int?>, _ range: ClosedRange<Int>, _ summary: String
  ) -> SettingKey {
    nonisolated(unsafe) let path = path
    return SettingKey(
      name: name, summary: summary,
      apply: { settings, value in
        guard let number = value.integerValue else { return "expected an integer, found \(value.typeName)" }
        guard range.contains(number) else {
          return "\(number) is outside \(range.lowerBound)...\(range.upperBound)"
        }
        settings[keyPath: path] = number
        return nil
      }, merge: layer(path))
  }

  private static func flag(_ name: String, _ path: WritableKeyPath<HunchSettings, Bool?>, _ summary: String)
    -> SettingKey
  {
    nonisolated(unsafe) let path = path
    return SettingKey(
      name: name, summary: summary,
      apply: { settings, value in
        guard let flag = value.boolValue else { return "expected true or false, found \(value.typeName)" }
        settings[keyPath: path] = flag
        return nil
      }, merge: layer(path))
  }

  private static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
    _ name: String, _ path: WritableKeyPath<HunchSettings, Choice?>, _ summary: String
  ) -> SettingKey where Choice.RawValue == String {
    nonisolated(unsafe) let path = path
    return SettingKey(
      name: name, summary: summary,
      apply: { settings, value in
        let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = value.stringValue, let choice = Choice(rawValue: text.lowercased()) else {
          return "expected one of \(allowed)"
        }
        settings[keyPath: path] = choice
        return nil
      }, merge: layer(path))
  }
}
