import Foundation
import HunchCompletion

/// Which protocol a remote inference server speaks.
public enum RemoteBackendKind: String, Sendable, CaseIterable {
  /// `POST /v1/completions` (vLLM, llama-server, TGI, most hosted services): a text prompt, SSE streaming.
  case openAI = "openai"
  /// llama-server's own `POST /completion`: the prompt as token ids, `cache_prompt`, per-token ids and timings.
  case llamaServer = "llama-server"
}

/// Where the forward passes run and how to reach them. The API key itself is never stored here: only the name of the
/// environment variable that holds it.
public struct RemoteBackendSettings: Sendable, Equatable {
  public static let defaultURL = "http://127.0.0.1:8080"

  public var kind: RemoteBackendKind
  /// The server's base URL, without the endpoint path (`http://gpu-host:8080`, `https://…/api`).
  public var url: String
  /// The model name sent with OpenAI-compatible requests (vLLM requires the served name; llama-server ignores it).
  public var model: String?
  /// Name of the environment variable holding the API key sent as `Authorization: Bearer …`; nil sends none.
  public var apiKeyEnvironmentVariable: String?
  /// Most time to wait for the server's response headers (connecting included) before calling it unreachable.
  public var connectTimeoutMilliseconds: Int
  /// Most time one completion request may take, streaming included.
  public var requestTimeoutMilliseconds: Int
  /// Answer from the local model while the server cannot be reached (else answer nothing).
  public var fallbackToLocal: Bool
  /// After a failure, how long requests skip the server before it is tried again.
  public var retryIntervalMilliseconds: Int
  /// The FIM family when the server cannot tell (OpenAI-compatible servers have no vocabulary endpoint).
  public var fimFamily: FIMFamily?
  public var temperature: Double
  /// For measurements only: after the stop rules fire, keep reading the stream to its end (unused) instead of
  /// closing it, to see what the server would have generated without the early stop.
  public var readToEndAfterStop = false

  public init(
    kind: RemoteBackendKind, url: String = RemoteBackendSettings.defaultURL, model: String? = nil,
    apiKeyEnvironmentVariable: String? = nil, connectTimeoutMilliseconds: Int = 2_000,
    requestTimeoutMilliseconds: Int = 15_000, fallbackToLocal: Bool = true, retryIntervalMilliseconds: Int = 5_000,
    fimFamily: FIMFamily? = nil, temperature: Double = 0
  ) {
    self.kind = kind
    self.url = url
    self.model = model
    self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
    self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
    self.requestTimeoutMilliseconds = requestTimeoutMilliseconds
    self.fallbackToLocal = fallbackToLocal
    self.retryIntervalMilliseconds = retryIntervalMilliseconds
    self.fimFamily = fimFamily
    self.temperature = temperature
  }

  /// Settings from flat string keys, as a config file section or command-line options give them:
  /// `backend` (`local` gives nil), `url`, `model`, `api_key_env`, `timeout_ms` (the request timeout),
  /// `connect_timeout_ms`, `fallback` (`true`/`false`), `retry_ms`, `fim` (`qwen`, `starcoder`, `codellama`),
  /// `temperature`. Unknown keys are refused, so a typo does not silently keep a default.
  public static func from(dictionary: [String: String]) throws -> RemoteBackendSettings? {
    let known: Set<String> = [
      "backend", "url", "model", "api_key_env", "timeout_ms", "connect_timeout_ms", "fallback", "retry_ms", "fim",
      "temperature",
    ]
    if let unknown = dictionary.keys.sorted().first(where: { !known.contains($0) }) {
      throw RemoteError(.badSettings, "unknown remote backend setting `\(unknown)`")
    }
    let backend = dictionary["backend"] ?? "local"
    if backend == "local" { return nil }
    guard let kind = RemoteBackendKind(rawValue: backend) else {
      throw RemoteError(.badSettings, "backend must be local, openai or llama-server, not `\(backend)`")
    }
    var settings = RemoteBackendSettings(kind: kind)
    if let url = dictionary["url"] { settings.url = url }
    settings.model = dictionary["model"]
    if let name = dictionary["api_key_env"] { settings.apiKeyEnvironmentVariable = name }
    func milliseconds(_ key: String) throws -> Int? {
      guard let text = dictionary[key] else { return nil }
      guard let value = Int(text), (1...600_000).contains(value) else {
        throw RemoteError(.badSettings, "\(key) must be a whole number of milliseconds within 1...600000")
      }
      return value
    }
    func flag(_ key: String) throws -> Bool? {
      guard let text = dictionary[key] else { return nil }
      switch text.lowercased() {
      case "true", "yes", "1": return true
      case "false", "no", "0": return false
      default: throw RemoteError(.badSettings, "\(key) must be true or false, not `\(text)`")
      }
    }
    if let value = try milliseconds("timeout_ms") { settings.requestTimeoutMilliseconds = value }
    if let value = try milliseconds("connect_timeout_ms") { settings.connectTimeoutMilliseconds = value }
    if let value = try milliseconds("retry_ms") { settings.retryIntervalMilliseconds = value }
    if let value = try flag("fallback") { settings.fallbackToLocal = value }
    if let text = dictionary["fim"] { settings.fimFamily = try parseFamily(text) }
    if let text = dictionary["temperature"] {
      guard let value = Double(text), (0...2).contains(value) else {
        throw RemoteError(.badSettings, "temperature must be a number within 0...2")
      }
      settings.temperature = value
    }
    try settings.validate()
    return settings
  }

  public static func parseFamily(_ text: String) throws -> FIMFamily {
    switch text.lowercased() {
    case "qwen": return .qwen
    case "starcoder": return .starCoder
    case "codellama": return .codeLlama
    case "none", "prefix-only": return .prefixOnly
    default: throw RemoteError(.badSettings, "fim must be qwen, starcoder, codellama or none, not `\(text)`")
    }
  }

  /// Checks the URL (http or https, a host, no credentials in it) and the limits.
  public func validate() throws {
    guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
      scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
    else {
      throw RemoteError(.badSettings, "url must be an http:// or https:// URL with a host, not `\(url)`")
    }
    // A key in the URL would end up in logs and process listings: it belongs in the environment variable.
    guard components.user == nil, components.password == nil else {
      throw RemoteError(.badSettings, "url must not carry credentials; name an environment variable with api_key_env")
    }
    guard connectTimeoutMilliseconds > 0, requestTimeoutMilliseconds > 0, retryIntervalMilliseconds >= 0 else {
      throw RemoteError(.badSettings, "timeouts must be positive")
    }
    if let name = apiKeyEnvironmentVariable, name.isEmpty || name.contains("=") {
      throw RemoteError(.badSettings, "api_key_env must name an environment variable")
    }
  }

  /// The API key from the environment, or nil when none is configured. A configured but unset variable is an error:
  /// sending no key would only produce a 401 later.
  public func apiKey(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
    guard let name = apiKeyEnvironmentVariable else { return nil }
    guard let key = environment[name], !key.isEmpty else {
      throw RemoteError(.badSettings, "the environment variable \(name) (api_key_env) is not set")
    }
    return key
  }

  /// The URL for display: scheme, host, port and path only.
  public var displayURL: String {
    guard var components = URLComponents(string: url) else { return "(invalid url)" }
    components.query = nil
    components.fragment = nil
    return components.string ?? url
  }
}

/// A failure talking to a remote server, with a stable code. Never carries the API key.
public struct RemoteError: Error, CustomStringConvertible, Sendable {
  public enum Code: String, Sendable {
    case badSettings
    /// No connection, or no response headers within the connect timeout: the fallback applies.
    case unreachable
    /// The server answered with an error status.
    case httpStatus
    /// The server's answer could not be understood.
    case badResponse
    case timedOut
    /// The local vocabulary does not match the server's.
    case vocabularyMismatch
  }
  public let code: Code
  public let message: String
  public let cause: String?

  public init(_ code: Code, _ message: String, cause: String? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  public var description: String {
    cause.map { "\(code.rawValue): \(message) (\($0))" } ?? "\(code.rawValue): \(message)"
  }

  /// Whether the server looks down (as opposed to answering badly), so that requests should go elsewhere for a while.
  public var meansServerDown: Bool { code == .unreachable || code == .timedOut }
}
