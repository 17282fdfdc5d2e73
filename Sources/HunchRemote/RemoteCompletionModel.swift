import Foundation
import HunchCompletion

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Measurements of the last remote generation, client side and as the server reported them.
public struct RemoteGenerationStats: Sendable, Equatable, Codable {
  /// Events received (one per generated token on llama-server and vLLM).
  public var chunks = 0
  /// Tokens the server said it had generated in the last event we read (llama-server only; nil when unknown).
  public var serverPredictedTokens: Int?
  /// Prompt tokens the server evaluated and those it took from its cache (llama-server only).
  public var serverPromptTokens: Int?
  public var serverCachedPromptTokens: Int?
  /// From sending the request to the first generated text.
  public var firstPieceMilliseconds = 0.0
  public var totalMilliseconds = 0.0
  /// True when Hunch closed the stream before the server finished.
  public var closedEarly = false
  /// Events read after the stop rules fired (only with `readToEndAfterStop`).
  public var chunksAfterStop = 0
  public var maxTokens = 0
  /// True when prompts went as the server's own token ids (a matching local vocabulary), false when as text.
  public var promptAsTokenIDs = false

  public init() {}
}

/// The completion engine's model side on a remote server: the engine keeps context, prompt, stop rules and clean-up;
/// only the forward passes run on the server. Calls must not overlap (the service runs them one at a time).
public final class RemoteCompletionModel: CompletionModel, @unchecked Sendable {
  public let settings: RemoteBackendSettings
  public let vocabulary: any TokenVocabulary
  public internal(set) var lastStats = RemoteGenerationStats()
  /// The transport failure of the last `generate`, kept because the engine reports model failures only as text.
  public internal(set) var lastFailure: RemoteError?
  let client: HTTPStreamingClient
  private let apiKey: String?
  let log: @Sendable (String) -> Void

  init(
    settings: RemoteBackendSettings, vocabulary: any TokenVocabulary, client: HTTPStreamingClient, apiKey: String?,
    log: @escaping @Sendable (String) -> Void
  ) {
    self.settings = settings
    self.vocabulary = vocabulary
    self.client = client
    self.apiKey = apiKey
    self.log = log
  }

  /// Connects to the server and settles the vocabulary. llama-server is asked for its special tokens (`/tokenize`);
  /// `localVocabulary` (a GGUF of the same family on this machine) is used when it agrees with the server, because it
  /// tokenizes without a round trip. An OpenAI-compatible server cannot be asked: the family comes from the settings
  /// (else from the local vocabulary, else Qwen).
  public static func connect(
    settings: RemoteBackendSettings, localVocabulary: (any TokenVocabulary)?,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    log: @escaping @Sendable (String) -> Void = { _ in }
  ) throws -> RemoteCompletionModel {
    try settings.validate()
    let apiKey = try settings.apiKey(environment: environment)
    let client = HTTPStreamingClient()
    let probe = RemoteCompletionModel(
      settings: settings, vocabulary: ApproximateVocabulary(specialTokens: [:]), client: client, apiKey: apiKey,
      log: log)
    let vocabulary: any TokenVocabulary
    switch settings.kind {
    case .llamaServer:
      let serverSpecials = try probe.serverSpecialTokens()
      if let local = localVocabulary, try probe.agrees(local, serverSpecials: serverSpecials) {
        vocabulary = local
        log("remote: \(settings.displayURL) uses the local vocabulary (it matches the server's)")
      } else {
        vocabulary = ApproximateVocabulary(specialTokens: serverSpecials)
        log("remote: \(settings.displayURL): no matching local vocabulary; budgets use approximate token counts")
      }
    case .openAI:
      let localFamily = localVocabulary.map { PromptFormat.detect(specialTokens: $0.specialTokens).family }
      let family = settings.fimFamily ?? localFamily ?? .qwen
      if let local = localVocabulary, localFamily == family {
        vocabulary = local
      } else {
        vocabulary = ApproximateVocabulary(family: family)
      }
    }
    return RemoteCompletionModel(
      settings: settings, vocabulary: vocabulary, client: client, apiKey: apiKey, log: log)
  }

  public var specialTokens: [String: Int32] { vocabulary.specialTokens }
  public var beginningOfText: Int32? { vocabulary.beginningOfText }
  public func tokenize(_ text: String) -> [Int32] { vocabulary.tokenize(text) }
  public func detokenize(_ tokens: [Int32]) -> String { vocabulary.detokenize(tokens) }

  // MARK: - Requests

  func endpoint(_ path: String) throws -> URL {
    var base = settings.url
    while base.hasSuffix("/") { base.removeLast() }
    guard let url = URL(string: base + path) else { throw RemoteError(.badSettings, "bad url \(settings.displayURL)") }
    return url
  }

  func request(_ path: String, body: [String: Any]?, streaming: Bool = false) throws -> URLRequest {
    var request = URLRequest(url: try endpoint(path))
    if let body {
      request.httpMethod = "POST"
      request.httpBody = try JSONSerialization.data(withJSONObject: body)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    request.setValue(streaming ? "text/event-stream" : "application/json", forHTTPHeaderField: "Accept")
    request.setValue("keep-alive", forHTTPHeaderField: "Connection")
    if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
    return request
  }

  var connectDeadline: Date { Date().addingTimeInterval(Double(settings.connectTimeoutMilliseconds) / 1000) }
  var requestDeadline: Date { Date().addingTimeInterval(Double(settings.requestTimeoutMilliseconds) / 1000) }

  /// POSTs (or GETs, without a body) and decodes a JSON object; a non-2xx status is an `httpStatus` error.
  func fetchJSON(_ path: String, body: [String: Any]?) throws -> Any {
    let (status, data) = try client.fetch(
      try request(path, body: body), connectDeadline: connectDeadline, deadline: requestDeadline)
    guard (200..<300).contains(status) else { throw Self.statusError(status, body: data, path: path) }
    do {
      return try JSONSerialization.jsonObject(with: data)
    } catch {
      throw RemoteError(.badResponse, "\(path) did not answer JSON", cause: "\(error)")
    }
  }

  static func statusError(_ status: Int, body: Data, path: String) -> RemoteError {
    let snippet = String(decoding: body.prefix(300), as: UTF8.self)
    let hint = status == 401 || status == 403 ? " (check the API key's environment variable)" : ""
    return RemoteError(.httpStatus, "\(path) answered HTTP \(status)\(hint)", cause: snippet.isEmpty ? nil : snippet)
  }

  /// Whether the server answers its health (or model list) endpoint now.
  public func isReachable() -> Bool {
    let path = settings.kind == .llamaServer ? "/health" : "/v1/models"
    guard let request = try? request(path, body: nil),
      let answer = try? client.fetch(request, connectDeadline: connectDeadline, deadline: connectDeadline)
    else { return false }
    return (200..<300).contains(answer.status)
  }

  // MARK: - Vocabulary discovery (llama-server)

  /// The server's special tokens: every known name is tokenized with special parsing on and off; a name that comes
  /// back as one token spelling exactly that name only with parsing on is special in the server's vocabulary (some
  /// vocabularies also hold names such as `</s>` as ordinary text tokens).
  func serverSpecialTokens() throws -> [String: Int32] {
    let names = KnownSpecialTokens.names
    // An array is tokenized element by element, so neighbouring names cannot merge into one token.
    let spellings = names.map { ApproximateVocabulary.spelling(of: $0) }
    func singleTokens(parseSpecial: Bool) throws -> [String: Int32] {
      let answer = try fetchJSON(
        "/tokenize",
        body: ["content": spellings, "add_special": false, "parse_special": parseSpecial, "with_pieces": true])
      guard let object = answer as? [String: Any], let tokens = object["tokens"] as? [[String: Any]] else {
        throw RemoteError(.badResponse, "/tokenize did not answer {tokens: [{id, piece}]}")
      }
      var byPiece: [String: Int32] = [:]
      for token in tokens {
        guard let id = (token["id"] as? NSNumber)?.int32Value, let piece = token["piece"] as? String else { continue }
        byPiece[piece] = id
      }
      return byPiece
    }
    let parsed = try singleTokens(parseSpecial: true)
    let plain = try singleTokens(parseSpecial: false)
    var specials: [String: Int32] = [:]
    for name in names {
      let spelling = ApproximateVocabulary.spelling(of: name)
      if let id = parsed[spelling], plain[spelling] != id { specials[name] = id }
    }
    return specials
  }

  static let probeText = "def _résumé(x):\n    return {'k': x ** 2}  # 注释\n\tif (a != b) { count += 1; }\n"

  /// True when `local` has the server's special ids and tokenizes a probe text exactly as the server does.
  func agrees(_ local: any TokenVocabulary, serverSpecials: [String: Int32]) throws -> Bool {
    // Names the local tokenizer treats as special must have the server's ids, and both must frame FIM prompts alike;
    // the server may list more (llama.cpp also parses user-defined tokens such as Qwen's `</s>` as special).
    for (name, id) in local.specialTokens where KnownSpecialTokens.names.contains(name) && serverSpecials[name] != id {
      return false
    }
    let (mine, theirs) = (
      PromptFormat.detect(specialTokens: local.specialTokens), PromptFormat.detect(specialTokens: serverSpecials)
    )
    guard mine.family == theirs.family, mine.prefix == theirs.prefix, mine.suffix == theirs.suffix,
      mine.middle == theirs.middle, mine.fileSeparator == theirs.fileSeparator
    else { return false }
    let answer = try fetchJSON(
      "/tokenize", body: ["content": Self.probeText, "add_special": false, "parse_special": false])
    guard let object = answer as? [String: Any], let ids = object["tokens"] as? [NSNumber] else {
      throw RemoteError(.badResponse, "/tokenize did not answer {tokens: [id]}")
    }
    return ids.map(\.int32Value) == local.tokenize(Self.probeText)
  }
}
