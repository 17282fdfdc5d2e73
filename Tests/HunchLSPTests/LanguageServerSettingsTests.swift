import Foundation
import HunchSettings
import XCTest

@testable import HunchLSP

/// Settings from the editor, progress while the provider gets ready, status figures, and context documents.
final class LanguageServerSettingsTests: XCTestCase {
  override func setUp() {
    signal(SIGPIPE, SIG_IGN)
  }

  func testEditorSettingsReachTheProviderAndUnknownKeysAreReportedOnce() async throws {
    let provider = ScriptedProvider.inserting("x")
    let server = InProcessServer(provider: provider)
    var request = InProcessServer.initializeRequest()
    request.initializationOptions = .object([
      "maxTokens": 40, "model": "qwen2.5-coder-1.5b", "colour": "red", "threads": "many",
    ])
    _ = try await server.client.call(request)
    let warning = await server.client.waitFor("a warning about the ignored settings") {
      $0["method"] == "window/showMessage" && $0["params"]?["message"]?.stringValue?.contains("colour") == true
    }
    let text = warning?["params"]?["message"]?.stringValue ?? ""
    XCTAssertTrue(text.contains("threads"), text)
    XCTAssertFalse(text.contains("maxTokens") || text.contains("max_tokens"), text)
    XCTAssertEqual(warning?["params"]?["type"], .integer(2))

    _ = await server.client.waitFor("the provider got the settings") { _ in !provider.applied.isEmpty }
    XCTAssertEqual(provider.applied.last?.maxTokens, 40)
    XCTAssertEqual(provider.applied.last?.model, "qwen2.5-coder-1.5b")

    // A later change layers over the earlier ones; the provider sees the merged whole, in order.
    server.client.sendNotification(
      DidChangeConfigurationNotification(settings: .object(["hunch": .object(["max_block_tokens": 99])])))
    _ = await server.client.waitFor("the second settings") { _ in provider.applied.count >= 2 }
    XCTAssertEqual(provider.applied.last?.maxBlockTokens, 99)
    XCTAssertEqual(provider.applied.last?.maxTokens, 40)
    let warnings = server.client.messages.filter { $0["method"] == "window/showMessage" }
    XCTAssertEqual(warnings.count, 1, "a good change adds no warning")
  }

  func testProgressIsShownWhileTheProviderGetsReady() async throws {
    let provider = ScriptedProvider.inserting("x")
    provider.prepareScript = { try await Task.sleep(for: .milliseconds(300)) }
    let server = InProcessServer(provider: provider)
    _ = try await server.client.call(InProcessServer.initializeRequest(progress: true))
    server.client.sendNotification(InitializedNotification())

    guard
      let create = await server.client.waitFor("window/workDoneProgress/create", { 
        $0["method"] == "window/workDoneProgress/create" 
      }),
      let id = create["id"], let token = create["params"]?["token"]
    else { return XCTFail("no progress token was created") }
    server.client.send(.object(["jsonrpc": "2.0", "id": id, "result": .null]))
    let begin = await server.client.waitFor("progress begin") {
      $0["method"] == "$/progress" && $0["params"]?["value"]?["kind"] == "begin"
    }
    XCTAssertEqual(begin?["params"]?["token"], token)
    let end = await server.client.waitFor("progress end") {
      $0["method"] == "$/progress" && $0["params"]?["value"]?["kind"] == "end"
    }
    XCTAssertEqual(end?["params"]?["value"]?["message"], "ready")
    let status = try await server.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(status["ready"], .bool(true))
    XCTAssertEqual(status["model"]?["name"], "scripted")
  }

  func testNoProgressForAClientThatCannotShowItAndFailuresAreShown() async throws {
    struct Broken: Error, CustomStringConvertible {
      var description: String { "the model file is truncated; run `hunch models pull x`" }
    }
    let provider = ScriptedProvider.inserting("x")
    provider.prepareScript = { throw Broken() }
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    let shown = await server.client.waitFor("the error message") {
      $0["method"] == "window/showMessage" && $0["params"]?["type"] == .integer(1)
    }
    XCTAssertTrue(shown?["params"]?["message"]?.stringValue?.contains("hunch models pull x") == true)
    XCTAssertFalse(server.client.messages.contains { $0["method"] == "window/workDoneProgress/create" })
    let status = try await server.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(status["ready"], .bool(false))
    XCTAssertTrue(status["lastError"]?.stringValue?.contains("truncated") == true)
  }

  func testSettingsThatNeedAReloadPrepareAgain() async throws {
    let provider = ScriptedProvider.inserting("x")
    provider.reloadOnSettings = { $0.model != nil }
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    _ = await server.client.waitFor("the first preparation") { _ in provider.preparations == 1 }
    server.client.sendNotification(DidChangeConfigurationNotification(settings: .object(["model": "other.gguf"])))
    _ = await server.client.waitFor("a second preparation") { _ in provider.preparations == 2 }
  }

  func testStatusReportsLatencyPercentiles() async throws {
    let server = InProcessServer(provider: .inserting("x", delay: .milliseconds(20)))
    _ = try await server.initialize()
    // Five documents, so that no answer comes from the previous suggestion.
    for index in 0..<5 {
      server.open("file:///a\(index).swift", "let a = \(index)\n")
      _ = try await server.client.call(
        InlineCompletionRequest(
          textDocument: .init(uri: "file:///a\(index).swift"), position: .init(line: 1, character: 0),
          context: .init(triggerKind: 1)))
    }
    let status = try await server.client.call(ExecuteCommandRequest(command: "hunch.status"))
    let latency = status["latencyMilliseconds"]
    XCTAssertEqual(latency?["window"], .integer(5))
    let p50 = latency?["p50"]?.doubleValue ?? 0
    let p95 = latency?["p95"]?.doubleValue ?? 0
    XCTAssertGreaterThanOrEqual(p50, 20, "every answer waited for the provider's 20 ms")
    XCTAssertGreaterThanOrEqual(p95, p50)
  }

  func testOtherOpenDocumentsAreOfferedMostRecentlyEditedFirst() async throws {
    let provider = ScriptedProvider.inserting("x")
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    server.open("file:///a.py", "import b\n", language: "python")
    server.open("file:///b.py", "def helper():\n    pass\n", language: "python")
    server.open("file:///c.py", "X = 1\n", language: "python")
    server.client.sendNotification(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: "file:///b.py", version: 2),
        contentChanges: [.init(range: nil, text: "def helper(x):\n    return x\n")]))
    _ = try await server.client.call(
      CompletionRequest(textDocument: .init(uri: "file:///a.py"), position: .init(line: 1, character: 0)))
    let others = provider.requests.last?.otherDocuments ?? []
    XCTAssertEqual(others.map(\.uri), ["file:///b.py", "file:///c.py"])
    XCTAssertEqual(others.first?.text, "def helper(x):\n    return x\n")
    XCTAssertEqual(others.first?.languageID, "python")
  }

  func testClosingADocumentEndsItsCompletion() async throws {
    // Like the real provider, it stops between tokens once the request is no longer wanted.
    let provider = ScriptedProvider { request, cancellation in
      for _ in 0..<500 where !cancellation.isCancelled { try await Task.sleep(for: .milliseconds(10)) }
      return .insertion("slow", at: request.cursorOffset)
    }
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    server.open("file:///slow.swift", "let s = 1\n")
    let id = server.client.sendRequest(
      CompletionRequest(textDocument: .init(uri: "file:///slow.swift"), position: .init(line: 1, character: 0)))
    try await Task.sleep(for: .milliseconds(100))
    let closed = Date()
    server.client.sendNotification(DidCloseTextDocumentNotification(textDocument: .init(uri: "file:///slow.swift")))
    let response = await server.client.response(to: id, timeout: 4)
    XCTAssertLessThan(Date().timeIntervalSince(closed), 4, "answered on close, not after the generation")
    XCTAssertEqual(response?["result"]?["items"], .array([]))
  }

  func testLogLevelAndLogFileFromSettings() async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-log-\(UUID().uuidString).log").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let server = InProcessServer(provider: .inserting("x"))
    var request = InProcessServer.initializeRequest()
    request.initializationOptions = .object(["log_file": .string(path), "log_level": "debug"])
    _ = try await server.client.call(request)
    server.client.sendNotification(InitializedNotification())
    _ = try await server.client.call(ExecuteCommandRequest(command: "hunch.status"))
    let written = await server.client.waitFor("log lines in the file") { _ in
      ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains("ready")
    }
    XCTAssertNotNil(written)
  }
}

extension JSONValue {
  fileprivate var doubleValue: Double? {
    switch self {
    case .double(let value): return value
    case .integer(let value): return Double(value)
    default: return nil
    }
  }
}
