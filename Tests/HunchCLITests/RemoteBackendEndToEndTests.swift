import Foundation
import HunchTestSupport
import XCTest

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// `hunch complete` and `hunch serve` against a real llama-server on loopback (the one bench/build-llama-cpp.sh
/// builds from llama-cpp-python's source distribution), through both remote protocols.
final class RemoteBackendEndToEndTests: XCTestCase {
  private var sample: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("samples/inventory.py").path
  }

  private var server: LlamaServer?

  override func setUp() {
    signal(SIGPIPE, SIG_IGN)
  }

  override func tearDown() {
    server?.stop()
    server = nil
  }

  func testCompletionsThroughBothProtocolsAreCutByHunchsStopRules() throws {
    let server = try LlamaServer.start()
    self.server = server
    // The last run has no local GGUF to tokenize with: budgets are approximate and the native prompt goes as text
    // runs between the server's special-token ids.
    for (backend, localModel) in [("openai", nil), ("llama-server", nil), ("llama-server", "/nonexistent/none.gguf")] {
      let before = try server.predictedTokensTotal()
      let run = try HunchBinary.run(
        [
          "complete", "--json", "--backend", backend, "--url", server.url, "--no-fallback", "--timeout-ms", "120000",
          "\(sample):15:16",
        ] + (localModel.map { ["--model", $0] } ?? []))
      XCTAssertEqual(run.status, 0, run.stderr)
      let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
      XCTAssertEqual(report["backend"] as? String, "remote", "\(backend): \(run.stdout)")
      let completion = try XCTUnwrap(report["completion"] as? String)
      // `return ` in `total_value` of an item with price and quantity.
      XCTAssertTrue(completion.contains("price") && completion.contains("quantity"), "\(backend): \(completion)")
      XCTAssertEqual(report["stopReason"] as? String, "end-of-line", "\(backend)")
      let remote = try XCTUnwrap(report["remote"] as? [String: Any])
      XCTAssertEqual(remote["closedEarly"] as? Bool, true, "\(backend)")
      let maxTokens = try XCTUnwrap(remote["maxTokens"] as? Int)
      // The server's own count: it generated far fewer tokens than it was allowed, because the stream was closed
      // when Hunch's stop rule fired (the model's line goes on past the end of the line otherwise).
      let decoded = try server.predictedTokens(since: before)
      XCTAssertGreaterThan(decoded, 0, backend)
      XCTAssertLessThan(decoded, maxTokens, backend)
      XCTAssertLessThanOrEqual(remote["chunks"] as? Int ?? .max, decoded + 1, backend)
      if backend == "llama-server" {
        // With the local GGUF (the server's vocabulary) the prompt went as token ids; without it, as text.
        XCTAssertEqual(remote["promptAsTokenIDs"] as? Bool, localModel == nil)
      }
    }
  }

  func testLanguageServerKeepsAnsweringWhileTheServerIsDownAndRecovers() throws {
    var server = try LlamaServer.start()
    self.server = server
    let port = server.port
    let lsp = try LanguageServerProcess(arguments: [
      "serve", "--stdio", "--debounce-ms", "0", "--backend", "llama-server", "--url", server.url, "--no-fallback",
      "--retry-ms", "200", "--connect-timeout-ms", "1000", "--timeout-ms", "120000",
    ])
    defer { lsp.stop() }
    let text = try String(contentsOfFile: sample, encoding: .utf8)
    let uri = "file://" + sample
    _ = try lsp.request("initialize", ["processId": NSNull(), "rootUri": NSNull(), "capabilities": [:]])
    lsp.notify("initialized", [:])
    lsp.notify(
      "textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "python", "version": 1, "text": text]])
    // Each request follows an edit (a new first line), so the server's suggestion cache cannot answer it: the
    // provider, and so the remote backend, is asked every time.
    var version = 1
    func inline() throws -> [[String: Any]] {
      version += 1
      lsp.notify(
        "textDocument/didChange",
        [
          "textDocument": ["uri": uri, "version": version],
          "contentChanges": [["text": "# edit \(version)\n" + text]],
        ])
      let answer = try lsp.request(
        "textDocument/inlineCompletion",
        ["textDocument": ["uri": uri], "position": ["line": 15, "character": 15], "context": ["triggerKind": 1]])
      return (answer["result"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
    }
    let first = try inline()
    XCTAssertTrue((first.first?["insertText"] as? String)?.contains("price") ?? false, "\(first)")

    server.stop()
    // Still answering (empty, as there is no fallback here), with one message for the whole outage.
    for _ in 0..<3 {
      XCTAssertEqual(try inline().count, 0)
      usleep(100_000)
    }
    let downMessages = lsp.notifications("window/showMessage")
    XCTAssertEqual(downMessages.count, 1, "\(downMessages)")
    XCTAssertTrue(
      ((downMessages.first?["params"] as? [String: Any])?["message"] as? String)?.contains("unreachable") ?? false)

    server = try LlamaServer.start(port: port)
    self.server = server
    usleep(300_000)
    let back = try inline()
    XCTAssertTrue((back.first?["insertText"] as? String)?.contains("price") ?? false, "\(back)")
    XCTAssertEqual(lsp.notifications("window/showMessage").count, 1)
    XCTAssertTrue(
      lsp.notifications("window/logMessage").contains {
        (($0["params"] as? [String: Any])?["message"] as? String)?.contains("is back") ?? false
      })
  }
}

extension RemoteBackendEndToEndTests {
  func testAnUnsetKeyVariableIsOneWarningAndLocalCompletions() throws {
    _ = try TestModels.require("qwen2.5-coder-0.5b")
    let variable = "HUNCH_TEST_UNSET_KEY_\(getpid())"
    let lsp = try LanguageServerProcess(arguments: [
      "serve", "--stdio", "--backend", "openai", "--url", "http://127.0.0.1:9", "--api-key-env", variable,
    ])
    defer { lsp.stop() }
    _ = try lsp.request("initialize", ["processId": NSNull(), "rootUri": NSNull(), "capabilities": [:]])
    lsp.notify("initialized", [:])
    let text = "def add(a, b):\n    return \n"
    lsp.notify(
      "textDocument/didOpen",
      ["textDocument": ["uri": "file:///tmp/add.py", "languageId": "python", "version": 1, "text": text]])
    let answer = try lsp.request(
      "textDocument/inlineCompletion",
      ["textDocument": ["uri": "file:///tmp/add.py"], "position": ["line": 1, "character": 11]])
    let items = (answer["result"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
    let deadline = Date().addingTimeInterval(10)
    while lsp.notifications("window/showMessage").isEmpty && Date() < deadline { usleep(20_000) }
    let messages = lsp.notifications("window/showMessage").compactMap {
      ($0["params"] as? [String: Any])?["message"] as? String
    }
    XCTAssertEqual(messages.count, 1, "\(messages)")
    XCTAssertTrue(messages.first?.contains(variable) ?? false, "\(messages)")
    XCTAssertTrue(messages.first?.contains("run locally") ?? false, "\(messages)")
    // The local engine answered; the server at the discard port was never tried (that would add an "unreachable"
    // message).
    XCTAssertTrue((items.first?["insertText"] as? String)?.contains("a") ?? false, "\(items)")
  }
}

/// A llama-server child process with the 0.5B model on a loopback port.
final class LlamaServer: @unchecked Sendable {
  let process = Process()
  let port: Int
  let logURL: URL
  var url: String { "http://127.0.0.1:\(port)" }

  /// Where bench/build-llama-cpp.sh puts it: `$HUNCH_LLAMA_CPP_DIR`, else the cache folder.
  static var binary: String {
    if let folder = ProcessInfo.processInfo.environment["HUNCH_LLAMA_CPP_DIR"], !folder.isEmpty {
      return folder + "/bin/llama-server"
    }
    let cache = URL(fileURLWithPath: TestModels.path("x")).deletingLastPathComponent().deletingLastPathComponent()
    return cache.appendingPathComponent("llama.cpp-0.3.36/bin/llama-server").path
  }

  static func start(port: Int? = nil) throws -> LlamaServer {
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      let reason = "llama-server is not built at \(binary); run bench/build-llama-cpp.sh"
      print("skipped: \(reason)")
      throw XCTSkip(reason)
    }
    let model = try TestModels.require("qwen2.5-coder-0.5b")
    let server = try LlamaServer(model: model, port: port ?? freePort())
    try server.waitUntilHealthy(timeout: 180)
    return server
  }

  init(model: String, port: Int) throws {
    self.port = port
    logURL = FileManager.default.temporaryDirectory.appendingPathComponent("llama-server-\(port)-\(UUID()).log")
    _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
    process.executableURL = URL(fileURLWithPath: Self.binary)
    // One thread and one slot: the machine is shared. `--metrics` exposes the count of generated tokens.
    process.arguments = [
      "-m", model, "-t", "1", "-c", "4096", "-np", "1", "--metrics", "--host", "127.0.0.1", "--port", "\(port)",
    ]
    let log = try FileHandle(forWritingTo: logURL)
    process.standardOutput = log
    process.standardError = log
    try process.run()
  }

  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard ok else { throw XCTSkip("no free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  func waitUntilHealthy(timeout: TimeInterval) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      guard process.isRunning else {
        throw XCTSkip("llama-server exited: \((try? String(contentsOf: logURL, encoding: .utf8))?.suffix(800) ?? "")")
      }
      if let (status, _) = try? get("/health"), status == 200 { return }
      usleep(200_000)
    }
    XCTFail("llama-server did not become healthy within \(Int(timeout)) s")
  }

  /// The server's count of tokens generated since it started (`llamacpp:tokens_predicted_total` on /metrics; a
  /// request cancelled by a closed connection is counted when its slot is released).
  func predictedTokensTotal() throws -> Int {
    let (status, body) = try get("/metrics")
    XCTAssertEqual(status, 200)
    for line in String(decoding: body, as: UTF8.self).split(separator: "\n")
    where line.hasPrefix("llamacpp:tokens_predicted_total ") {
      if let value = Double(line.split(separator: " ").last ?? "") { return Int(value) }
    }
    throw URLError(.cannotParseResponse)
  }

  /// Waits until the count moves past `before` (the server releases a cancelled slot shortly after the close).
  func predictedTokens(since before: Int) throws -> Int {
    let deadline = Date().addingTimeInterval(10)
    var now = try predictedTokensTotal()
    while now == before && Date() < deadline {
      usleep(50_000)
      now = try predictedTokensTotal()
    }
    return now - before
  }

  func get(_ path: String) throws -> (Int, Data) {
    final class Box: @unchecked Sendable {
      var status = 0
      var data = Data()
      var error: (any Error)?
    }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    guard let url = URL(string: url + path) else { throw URLError(.badURL) }
    URLSession.shared.dataTask(with: url) { data, response, error in
      box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
      box.data = data ?? Data()
      box.error = error
      done.signal()
    }.resume()
    done.wait()
    if let error = box.error { throw error }
    return (box.status, box.data)
  }

  func stop() {
    guard process.isRunning else { return }
    process.terminate()
    process.waitUntilExit()
  }
}

/// `hunch serve --stdio` with a minimal LSP client: framed JSON both ways, notifications kept for inspection.
final class LanguageServerProcess: @unchecked Sendable {
  let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private let condition = NSCondition()
  private var messages: [[String: Any]] = []
  private var nextID = 1

  init(arguments: [String]) throws {
    process.executableURL = HunchBinary.url
    process.arguments = arguments
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.standardError
    try process.run()
    let reader = Thread { [self] in readLoop() }
    reader.start()
  }

  private func readLoop() {
    var buffer = Data()
    let handle = output.fileHandleForReading
    while true {
      let chunk = handle.availableData
      if chunk.isEmpty { return }
      buffer.append(chunk)
      while let headerEnd = buffer.range(of: Data("\r\n\r\n".utf8)) {
        let header = String(decoding: buffer[buffer.startIndex..<headerEnd.lowerBound], as: UTF8.self)
        guard
          let lengthLine = header.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }
          ),
          let length = Int(lengthLine.split(separator: ":")[1].trimmingCharacters(in: .whitespaces))
        else { return }
        let bodyStart = headerEnd.upperBound
        guard buffer.count - (bodyStart - buffer.startIndex) >= length else { break }
        let body = buffer[bodyStart..<(bodyStart + length)]
        buffer = Data(buffer[(bodyStart + length)...])
        if let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] {
          condition.lock()
          messages.append(message)
          condition.broadcast()
          condition.unlock()
        }
      }
    }
  }

  private func send(_ message: [String: Any]) {
    guard let body = try? JSONSerialization.data(withJSONObject: message) else { return }
    input.fileHandleForWriting.write(Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
  }

  func notify(_ method: String, _ params: [String: Any]) {
    send(["jsonrpc": "2.0", "method": method, "params": params])
  }

  /// Sends a request and waits (up to two minutes: the shared machine is slow) for its answer.
  func request(_ method: String, _ params: [String: Any]) throws -> [String: Any] {
    condition.lock()
    let id = nextID
    nextID += 1
    condition.unlock()
    send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
    let deadline = Date().addingTimeInterval(120)
    condition.lock()
    defer { condition.unlock() }
    while true {
      if let answer = messages.first(where: { ($0["id"] as? Int) == id && $0["method"] == nil }) { return answer }
      guard condition.wait(until: deadline) else { throw URLError(.timedOut) }
    }
  }

  func notifications(_ method: String) -> [[String: Any]] {
    condition.lock()
    defer { condition.unlock() }
    return messages.filter { $0["method"] as? String == method }
  }

  func stop() {
    try? input.fileHandleForWriting.close()
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }
}
