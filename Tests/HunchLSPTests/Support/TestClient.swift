import Foundation
import HunchSettings
import XCTest

@testable import HunchLSP

/// Speaks the wire protocol to a server through two file descriptors, the way an editor does; collects whatever the
/// server sends so tests can wait for it.
final class TestClient: @unchecked Sendable {
  let toServer: Int32
  let fromServer: Int32
  private let lock = NSLock()
  private var received: [JSONValue] = []
  private var readerDone = false
  private var framingErrors = 0
  private var nextID = 1000

  init(toServer: Int32, fromServer: Int32) {
    self.toServer = toServer
    self.fromServer = fromServer
    let thread = Thread { [self] in readLoop() }
    thread.start()
  }

  private func readLoop() {
    var decoder = FrameDecoder(limits: FrameLimits(maximumBodyBytes: 256 << 20))
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fromServer, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      for event in decoder.push(chunk[0..<count]) {
        guard case .body(let body) = event, let value = try? JSONDecoder().decode(JSONValue.self, from: body) else {
          lock.withLock { framingErrors += 1 }
          continue
        }
        lock.withLock { received.append(value) }
      }
    }
    lock.withLock { readerDone = true }
  }

  var isClosedByServer: Bool { lock.withLock { readerDone } }
  /// Frames or bodies from the server that were not well-formed JSON-RPC: there must be none.
  var malformedMessageCount: Int { lock.withLock { framingErrors } }
  var messages: [JSONValue] { lock.withLock { received } }

  // MARK: Sending

  func sendRaw(_ bytes: Data) {
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let count = write(toServer, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { return }
        offset += count
      }
    }
  }

  func sendBody(_ json: String) { sendRaw(frame(Data(json.utf8))) }

  func send(_ message: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    // JSONValue always encodes.
    guard let body = try? encoder.encode(message) else { return XCTFail("cannot encode \(message)") }
    sendRaw(frame(body))
  }

  func makeID() -> Int {
    lock.withLock {
      nextID += 1
      return nextID
    }
  }

  /// Sends a request without waiting; returns its id.
  @discardableResult
  func sendRequest<Request: RequestType>(_ request: Request, id: Int? = nil) -> Int {
    let id = id ?? makeID()
    send(.object(["jsonrpc": "2.0", "id": .integer(id), "method": .string(Request.method), "params": encode(request)]))
    return id
  }

  func sendNotification<Notification: NotificationType>(_ notification: Notification) {
    send(.object(["jsonrpc": "2.0", "method": .string(Notification.method), "params": encode(notification)]))
  }

  func encode<Value: Encodable>(_ value: Value) -> JSONValue {
    guard let data = try? JSONEncoder().encode(value), let json = try? JSONDecoder().decode(JSONValue.self, from: data)
    else {
      XCTFail("cannot encode \(value)")
      return .null
    }
    return json
  }

  // MARK: Waiting

  /// The first message matching `predicate`, waiting up to `timeout` seconds; nil (and a test failure) on timeout.
  func waitFor(
    _ what: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line,
    _ predicate: (JSONValue) -> Bool
  ) async -> JSONValue? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let found = messages.first(where: predicate) { return found }
      try? await Task.sleep(for: .milliseconds(5))
    }
    XCTFail("timed out waiting for \(what)", file: file, line: line)
    return nil
  }

  func response(to id: Int, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) async
    -> JSONValue?
  {
    await waitFor("the response to \(id)", timeout: timeout, file: file, line: line) { $0["id"] == .integer(id) }
  }

  /// Sends a request and decodes its result.
  func call<Request: RequestType>(
    _ request: Request, file: StaticString = #filePath, line: UInt = #line
  ) async throws -> Request.Response {
    let id = sendRequest(request)
    guard let response = await response(to: id, file: file, line: line) else {
      throw ResponseError(code: 0, message: "no response")
    }
    if let error = response["error"] {
      throw try JSONDecoder().decode(ResponseError.self, from: JSONEncoder().encode(error))
    }
    return try JSONDecoder().decode(Request.Response.self, from: JSONEncoder().encode(response["result"] ?? .null))
  }

  func responses(to id: Int) -> [JSONValue] { messages.filter { $0["id"] == .integer(id) } }

  func closeInput() { close(toServer) }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .integer(value) }
}

/// A provider that answers from a script, counts calls and remembers what it was asked.
final class ScriptedProvider: CompletionProvider, @unchecked Sendable {
  typealias Script = @Sendable (CompletionContextRequest, CancellationToken) async throws -> CompletionSuggestion?
  private let script: Script
  private let lock = NSLock()
  private var seen: [CompletionContextRequest] = []

  init(_ script: @escaping Script) { self.script = script }

  /// Inserts `text` at the cursor.
  static func inserting(_ text: String, delay: Duration = .zero) -> ScriptedProvider {
    ScriptedProvider { request, cancellation in
      if delay > .zero { try await Task.sleep(for: delay) }
      return .insertion(text, at: request.cursorOffset)
    }
  }

  var requests: [CompletionContextRequest] { lock.withLock { seen } }
  var callCount: Int { lock.withLock { seen.count } }

  /// What `prepare` does (default: nothing), and the settings `apply` received.
  var prepareScript: @Sendable () async throws -> Void = {}
  /// What `apply` answers: whether the provider must be prepared again.
  var reloadOnSettings: @Sendable (HunchSettings) -> Bool = { _ in false }
  private var appliedSettings: [HunchSettings] = []
  private var prepareCount = 0
  var applied: [HunchSettings] { lock.withLock { appliedSettings } }
  var preparations: Int { lock.withLock { prepareCount } }

  func prepare() async throws {
    lock.withLock { prepareCount += 1 }
    try await prepareScript()
  }

  func apply(settings: HunchSettings) async -> Bool {
    lock.withLock { appliedSettings.append(settings) }
    return reloadOnSettings(settings)
  }

  func statusDetails() async -> JSONValue { .object(["name": "scripted"]) }

  func complete(_ request: CompletionContextRequest, cancellation: CancellationToken) async throws
    -> CompletionSuggestion?
  {
    lock.withLock { seen.append(request) }
    return try await script(request, cancellation)
  }
}

/// Collects log lines in memory.
final class LogCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [String] = []
  var lines: [String] { lock.withLock { stored } }
  var logger: Logger { Logger(minimumLevel: .debug) { [self] line in lock.withLock { stored.append(line) } } }
}

/// A language server running in this process, wired to a TestClient through two pipes.
final class InProcessServer: @unchecked Sendable {
  let client: TestClient
  let provider: ScriptedProvider
  let logs = LogCollector()
  private let exitLock = NSLock()
  private var storedExitStatus: Int32?
  private let serverInput: Int32
  private let serverOutput: Int32

  init(provider: ScriptedProvider, configuration: ServerConfiguration = ServerConfiguration(debounce: .zero)) {
    var clientToServer: [Int32] = [0, 0]
    var serverToClient: [Int32] = [0, 0]
    precondition(pipe(&clientToServer) == 0 && pipe(&serverToClient) == 0, "pipe() failed")
    serverInput = clientToServer[0]
    serverOutput = serverToClient[1]
    client = TestClient(toServer: clientToServer[1], fromServer: serverToClient[0])
    self.provider = provider
    let connection = JSONRPCConnection(inputFD: serverInput, outputFD: serverOutput, log: logs.logger)
    let server = LanguageServer(
      connection: connection, provider: provider, configuration: configuration, log: logs.logger)
    Task.detached { [self] in
      let status = await server.run()
      exitLock.withLock { storedExitStatus = status }
      close(serverOutput)
    }
  }

  var exitStatus: Int32? { exitLock.withLock { storedExitStatus } }

  func waitForExit(timeout: TimeInterval = 10) async -> Int32? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if let exitStatus { return exitStatus }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return nil
  }

  /// initialize + initialized, with the given encodings and snippet support.
  func initialize(
    encodings: [PositionEncodingKind]? = nil, snippets: Bool = true, processId: Int? = nil
  ) async throws -> InitializeResult {
    let result = try await client.call(
      Self.initializeRequest(encodings: encodings, snippets: snippets, processId: processId))
    client.sendNotification(InitializedNotification())
    return result
  }

  static func initializeRequest(
    encodings: [PositionEncodingKind]? = nil, snippets: Bool = true, processId: Int? = nil, progress: Bool = false
  ) -> InitializeRequest {
    InitializeRequest(
      processId: processId, clientInfo: .init(name: "tests"),
      capabilities: ClientCapabilities(
        general: .init(positionEncodings: encodings),
        textDocument: .init(completion: .init(completionItem: .init(snippetSupport: snippets))),
        window: progress ? .init(workDoneProgress: true) : nil))
  }

  func open(_ uri: String, _ text: String, language: String = "swift") {
    client.sendNotification(
      DidOpenTextDocumentNotification(textDocument: .init(uri: uri, languageId: language, version: 1, text: text)))
  }

  deinit {
    client.closeInput()
  }
}

extension JSONValue {
  subscript(index: Int) -> JSONValue? {
    if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
    return nil
  }
}
