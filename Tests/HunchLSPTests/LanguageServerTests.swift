import Foundation
import XCTest

@testable import HunchLSP

/// The server in this process, driven through pipes by a client that speaks the wire protocol.
final class LanguageServerTests: XCTestCase {
  override func setUp() {
    signal(SIGPIPE, SIG_IGN)
  }

  private func assertError(
    _ client: TestClient, _ id: Int, _ code: Int, file: StaticString = #filePath, line: UInt = #line
  ) async {
    let response = await client.response(to: id, file: file, line: line)
    XCTAssertEqual(response?["error"]?["code"]?.intValue, code, file: file, line: line)
  }

  private func completionRequest(_ uri: String, _ line: Int, _ character: Int) -> CompletionRequest {
    CompletionRequest(textDocument: .init(uri: uri), position: .init(line: line, character: character))
  }

  private func inlineRequest(_ uri: String, _ line: Int, _ character: Int) -> InlineCompletionRequest {
    InlineCompletionRequest(
      textDocument: .init(uri: uri), position: .init(line: line, character: character),
      context: .init(triggerKind: 2))
  }

  func testLifecycle() async throws {
    let server = InProcessServer(provider: .inserting("x"))
    let client = server.client
    let early = client.sendRequest(ExecuteCommandRequest(command: "hunch.status"))
    await assertError(client, early, ErrorCode.serverNotInitialized)

    let result = try await server.initialize()
    XCTAssertEqual(result.capabilities.positionEncoding, .utf16)
    XCTAssertTrue(result.capabilities.inlineCompletionProvider)
    XCTAssertEqual(result.capabilities.textDocumentSync.change, 2)
    XCTAssertTrue(result.capabilities.completionProvider.triggerCharacters.contains("."))
    XCTAssertEqual(result.capabilities.executeCommandProvider.commands, ["hunch.status"])

    let again = client.sendRequest(InProcessServer.initializeRequest())
    await assertError(client, again, ErrorCode.invalidRequest)

    let shutdown = client.sendRequest(ShutdownRequest())
    let shutdownResponse = await client.response(to: shutdown)
    XCTAssertEqual(shutdownResponse?["result"], .null)
    XCTAssertNil(shutdownResponse?["error"])

    let late = client.sendRequest(completionRequest("file:///a", 0, 0))
    await assertError(client, late, ErrorCode.invalidRequest)

    client.sendNotification(ExitNotification())
    let status = await server.waitForExit()
    XCTAssertEqual(status, 0)
  }

  func testExitWithoutShutdownEndsWithStatusOne() async throws {
    let server = InProcessServer(provider: .inserting("x"))
    _ = try await server.initialize()
    server.client.sendNotification(ExitNotification())
    let status = await server.waitForExit()
    XCTAssertEqual(status, 1)
  }

  func testEndOfInputEndsTheServer() async throws {
    let server = InProcessServer(provider: .inserting("x"))
    _ = try await server.initialize()
    server.client.closeInput()
    let status = await server.waitForExit()
    XCTAssertEqual(status, 1)
  }

  func testPositionEncodingNegotiation() async throws {
    let cases: [([PositionEncodingKind]?, PositionEncodingKind)] = [
      (nil, .utf16), ([.utf8, .utf16], .utf8), ([.utf32], .utf32),
      ([PositionEncodingKind(rawValue: "latin-1")], .utf16), ([PositionEncodingKind(rawValue: "x"), .utf32], .utf32),
    ]
    for (offered, expected) in cases {
      let server = InProcessServer(provider: .inserting("x"))
      let result = try await server.initialize(encodings: offered)
      XCTAssertEqual(result.capabilities.positionEncoding, expected, "\(String(describing: offered))")
    }
  }

  func testInlineCompletionGivesTheProvidersTextAndRange() async throws {
    let server = InProcessServer(provider: .inserting("(x: Int) -> Int {"))
    _ = try await server.initialize()
    server.open("file:///a.swift", "import Foundation\nfunc twice")
    let list = try await server.client.call(inlineRequest("file:///a.swift", 1, 10))
    XCTAssertEqual(list.items.count, 1)
    XCTAssertEqual(list.items.first?.insertText, "(x: Int) -> Int {")
    XCTAssertEqual(
      list.items.first?.range, Range(start: .init(line: 1, character: 10), end: .init(line: 1, character: 10)))

    let seen = try XCTUnwrap(server.provider.requests.first)
    XCTAssertEqual(seen.documentURI, "file:///a.swift")
    XCTAssertEqual(seen.languageID, "swift")
    XCTAssertEqual(seen.text, "import Foundation\nfunc twice")
    XCTAssertEqual(seen.cursorOffset, 28)
    XCTAssertEqual(seen.cursorLine, 1)
    XCTAssertEqual(seen.cursorColumn, 10)
    XCTAssertEqual(String(seen.prefix), "import Foundation\nfunc twice")
    XCTAssertEqual(String(seen.suffix), "")
    XCTAssertTrue(seen.isInline)
    XCTAssertEqual(seen.trigger, .automatic)
  }

  func testPopupCompletionStartsWithTheTypedWord() async throws {
    let server = InProcessServer(provider: .inserting("nt(total)\nreturn total"))
    _ = try await server.initialize(snippets: true)
    server.open("file:///a.py", "total = 1\npri\n", language: "python")
    let list = try await server.client.call(completionRequest("file:///a.py", 1, 3))
    XCTAssertTrue(list.isIncomplete)
    let item = try XCTUnwrap(list.items.first)
    XCTAssertTrue(item.label.hasPrefix("pri"))
    XCTAssertTrue(item.filterText?.hasPrefix("pri") ?? false)
    XCTAssertEqual(item.insertTextFormat, 2)
    XCTAssertEqual(item.textEdit?.newText, "print(total)\nreturn total")
    XCTAssertEqual(item.textEdit?.range, Range(start: .init(line: 1, character: 0), end: .init(line: 1, character: 3)))
    XCTAssertEqual(item.documentation?.value, "```python\nprint(total)\nreturn total\n```")
    XCTAssertEqual(server.provider.requests.first?.isInline, false)
  }

  func testIncrementalEditsWithSurrogatePairsReachTheProvider() async throws {
    let server = InProcessServer(provider: .inserting("🎉"))
    _ = try await server.initialize()
    let uri = "file:///e.swift"
    server.open(uri, "let a = \"😀\"\n")
    // Insert after the emoji (UTF-16 column 11), then delete the emoji itself (columns 9..<11).
    server.client.sendNotification(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: uri, version: 2),
        contentChanges: [
          .init(range: Range(start: .init(line: 0, character: 11), end: .init(line: 0, character: 11)), text: "😀b")
        ]))
    server.client.sendNotification(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: uri, version: 3),
        contentChanges: [
          .init(range: Range(start: .init(line: 0, character: 9), end: .init(line: 0, character: 11)), text: "")
        ]))
    // Cursor after "😀b": UTF-16 column 9 + 2 + 1 = 12.
    let list = try await server.client.call(inlineRequest(uri, 0, 12))
    XCTAssertEqual(list.items.first?.range?.start, Position(line: 0, character: 12))
    let seen = try XCTUnwrap(server.provider.requests.first)
    XCTAssertEqual(seen.text, "let a = \"😀b\"\n")
    XCTAssertEqual(seen.documentVersion, 3)
    XCTAssertEqual(String(seen.prefix), "let a = \"😀b")
    XCTAssertEqual(seen.cursorColumn, 9 + 4 + 1)
  }

  func testNewerRequestsSupersedeOlderOnes() async throws {
    let provider = ScriptedProvider { request, cancellation in
      // A slow generation (1 s unless cancelled, so even a stalled test runner sends the next request in time)
      // that checks for cancellation between "tokens".
      for _ in 0..<100 {
        if cancellation.isCancelled { return .insertion("stale", at: request.cursorOffset) }
        try await Task.sleep(for: .milliseconds(10))
      }
      return .insertion("fresh", at: request.cursorOffset)
    }
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    server.open("file:///s.swift", "let value = ")
    var ids: [Int] = []
    for _ in 0..<50 {
      ids.append(server.client.sendRequest(inlineRequest("file:///s.swift", 0, 12)))
      try await Task.sleep(for: .milliseconds(20))
    }
    guard let newest = ids.last, await server.client.response(to: newest) != nil else { return }
    for id in ids {
      let responses = server.client.responses(to: id)
      XCTAssertEqual(responses.count, 1, "request \(id) must be answered exactly once")
      let items = responses.first?["result"]?["items"]
      if id == newest {
        XCTAssertEqual(items?[0]?["insertText"] ?? nil, "fresh")
      } else {
        XCTAssertEqual(items, .array([]), "older request \(id) must be answered empty")
      }
    }
  }

  func testDebounceAbsorbsABurstOfRequests() async throws {
    let server = InProcessServer(
      provider: .inserting("x"), configuration: ServerConfiguration(debounce: .milliseconds(150)))
    _ = try await server.initialize()
    server.open("file:///d", "abc")
    var ids: [Int] = []
    for _ in 0..<10 {
      ids.append(server.client.sendRequest(inlineRequest("file:///d", 0, 3)))
      try await Task.sleep(for: .milliseconds(5))
    }
    for id in ids { _ = await server.client.response(to: id) }
    XCTAssertEqual(server.client.responses(to: ids[9]).first?["result"]?["items"]?[0]?["insertText"], "x")
    // Requests superseded while waiting out the debounce never reach the provider.
    XCTAssertLessThan(server.provider.callCount, 10)
    XCTAssertGreaterThan(server.provider.callCount, 0)
  }

  func testPopupAndGhostTextForTheSameKeystrokeShareOneGeneration() async throws {
    let server = InProcessServer(provider: .inserting("Value()", delay: .milliseconds(50)))
    _ = try await server.initialize()
    server.open("file:///k.swift", "let v = make")
    let popupID = server.client.sendRequest(completionRequest("file:///k.swift", 0, 12))
    let inlineID = server.client.sendRequest(inlineRequest("file:///k.swift", 0, 12))
    let popup = await server.client.response(to: popupID)
    let inline = await server.client.response(to: inlineID)
    XCTAssertEqual(popup?["result"]?["items"]?[0]?["textEdit"]?["newText"], "makeValue()")
    XCTAssertEqual(inline?["result"]?["items"]?[0]?["insertText"], "Value()")
    XCTAssertEqual(server.provider.callCount, 1)
  }

  func testTheClientIsToldWhichProviderAnswers() async throws {
    let server = InProcessServer(provider: .inserting("x"))
    _ = try await server.initialize()
    let log = await server.client.waitFor("window/logMessage") { $0["method"] == "window/logMessage" }
    XCTAssertTrue(log?["params"]?["message"]?.stringValue?.contains("ScriptedProvider") ?? false)
  }

  func testOnlyOneGenerationRunsAtATime() async throws {
    let running = Counter()
    let peak = PeakTracker()
    let provider = ScriptedProvider { request, _ in
      running.increment()
      peak.record(running.value)
      try await Task.sleep(for: .milliseconds(30))
      running.decrement()
      return .insertion("x", at: request.cursorOffset)
    }
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    var ids: [Int] = []
    for index in 0..<4 {
      server.open("file:///\(index)", "abc")
      ids.append(server.client.sendRequest(inlineRequest("file:///\(index)", 0, 3)))
    }
    for id in ids {
      let response = await server.client.response(to: id)
      XCTAssertEqual(response?["result"]?["items"]?[0]?["insertText"], "x")
    }
    XCTAssertEqual(provider.callCount, 4)
    XCTAssertEqual(peak.value, 1)
  }

  func testCancelRequestAnswersRequestCancelled() async throws {
    let started = Counter()
    let provider = ScriptedProvider { request, cancellation in
      started.increment()
      while !cancellation.isCancelled { try await Task.sleep(for: .milliseconds(5)) }
      return .insertion("late", at: request.cursorOffset)
    }
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    server.open("file:///c", "abc")
    let id = server.client.sendRequest(completionRequest("file:///c", 0, 3))
    _ = await server.client.waitFor("the provider to start") { _ in started.value > 0 }
    server.client.sendNotification(CancelRequestNotification(id: .number(id)))
    await assertError(server.client, id, ErrorCode.requestCancelled)
    // Cancelling something unknown or finished changes nothing.
    server.client.sendNotification(CancelRequestNotification(id: .number(id)))
    server.client.sendNotification(CancelRequestNotification(id: .string("nope")))
    let status = try await server.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(status["cancelled"], .integer(1))
    XCTAssertEqual(server.client.responses(to: id).count, 1)
  }

  func testTypingThroughASuggestionDoesNotCallTheProviderAgain() async throws {
    let server = InProcessServer(provider: .inserting("compute(1)"))
    _ = try await server.initialize()
    let uri = "file:///t.swift"
    server.open(uri, "let v = ")
    let first = try await server.client.call(inlineRequest(uri, 0, 8))
    XCTAssertEqual(first.items.first?.insertText, "compute(1)")
    server.client.sendNotification(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: uri, version: 2),
        contentChanges: [
          .init(range: Range(start: .init(line: 0, character: 8), end: .init(line: 0, character: 8)), text: "comp")
        ]))
    let second = try await server.client.call(inlineRequest(uri, 0, 12))
    XCTAssertEqual(second.items.first?.insertText, "ute(1)")
    XCTAssertEqual(second.items.first?.range?.start, Position(line: 0, character: 12))
    let popup = try await server.client.call(completionRequest(uri, 0, 12))
    XCTAssertEqual(popup.items.first?.textEdit?.newText, "compute(1)")
    XCTAssertEqual(server.provider.callCount, 1)
  }

  func testProviderFailuresAndBadRangesGiveEmptyAnswers() async throws {
    struct Boom: Error {}
    let provider = ScriptedProvider { request, _ in
      if request.text.hasPrefix("throw") { throw Boom() }
      return CompletionSuggestion(text: "x", replacing: 0..<(request.text.utf8.count + 5))
    }
    let server = InProcessServer(provider: provider)
    _ = try await server.initialize()
    server.open("file:///1", "throw")
    server.open("file:///2", "range")
    let thrown = try await server.client.call(inlineRequest("file:///1", 0, 5))
    XCTAssertEqual(thrown.items, [])
    let badRange = try await server.client.call(completionRequest("file:///2", 0, 5))
    XCTAssertEqual(badRange.items, [])
  }

  func testConfigurationChangesTheDebounce() async throws {
    let server = InProcessServer(provider: .inserting("x"))
    var request = InProcessServer.initializeRequest()
    request.initializationOptions = .object(["debounceMilliseconds": 7])
    _ = try await server.client.call(request)
    let first = try await server.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(first["debounceMilliseconds"], .integer(7))
    server.client.sendNotification(
      DidChangeConfigurationNotification(settings: .object(["hunch": .object(["debounceMilliseconds": 9])])))
    let second = try await server.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(second["debounceMilliseconds"], .integer(9))
    XCTAssertEqual(second["provider"], "ScriptedProvider")
    let unknown = server.client.sendRequest(ExecuteCommandRequest(command: "hunch.nope"))
    await assertError(server.client, unknown, ErrorCode.invalidParams)
  }

  func testWorkspaceSettingsFileIsReadAndOverriddenByInitializationOptions() async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-ws-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    try Data(#"{"hunch":{"debounceMilliseconds":33}}"#.utf8)
      .write(to: root.appendingPathComponent(ServerConfiguration.workspaceFileName))

    let fromFile = InProcessServer(provider: .inserting("x"))
    var request = InProcessServer.initializeRequest()
    request.rootUri = root.absoluteString
    _ = try await fromFile.client.call(request)
    let status = try await fromFile.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(status["debounceMilliseconds"], .integer(33))

    let overridden = InProcessServer(provider: .inserting("x"))
    request.initializationOptions = .object(["debounceMilliseconds": 4])
    _ = try await overridden.client.call(request)
    let second = try await overridden.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(second["debounceMilliseconds"], .integer(4))

    // A broken file is logged and ignored.
    try Data("{not json".utf8).write(to: root.appendingPathComponent(ServerConfiguration.workspaceFileName))
    let broken = InProcessServer(provider: .inserting("x"))
    request.initializationOptions = nil
    _ = try await broken.client.call(request)
    let third = try await broken.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(third["debounceMilliseconds"], .integer(0))
    XCTAssertTrue(broken.logs.lines.contains { $0.contains("cannot read settings") })
  }

  func testOddRequestsAreAnsweredAndTheServerKeepsGoing() async throws {
    let server = InProcessServer(provider: .inserting("ok"))
    let client = server.client
    _ = try await server.initialize()
    server.open("file:///o", "line\n")

    let unknown = client.sendRequest(ExecuteCommandRequest(command: "x"), id: 1)
    _ = await client.response(to: unknown)
    client.send(.object(["jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": .object([:])]))
    await assertError(client, 2, ErrorCode.methodNotFound)
    client.send(.object(["jsonrpc": "2.0", "method": "$/setTrace", "params": .object(["value": "off"])]))
    client.send(.object(["jsonrpc": "2.0", "method": "custom/notification"]))
    client.send(.object(["jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": .object([:])]))
    await assertError(client, 3, ErrorCode.invalidParams)

    // Out-of-range positions and unopened documents get empty answers.
    let far = try await client.call(inlineRequest("file:///o", 50, 0))
    XCTAssertEqual(far.items, [])
    let unopened = try await client.call(completionRequest("file:///never", 0, 0))
    XCTAssertEqual(unopened.items, [])
    // A character past the line's end is clamped to it.
    let clamped = try await client.call(inlineRequest("file:///o", 0, 400))
    XCTAssertEqual(clamped.items.first?.range?.start, Position(line: 0, character: 4))
    // didChange for an unopened document is logged, not fatal.
    client.sendNotification(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: "file:///never", version: 2), contentChanges: [.init(text: "x")]))
    let status = try await client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(status["openDocuments"], .integer(1))
    // Notifications never get a response; requests got exactly one each.
    let notificationAnswers = client.messages.filter { $0["method"] == nil && ($0["id"] == nil || $0["id"] == .null) }
    XCTAssertEqual(notificationAnswers, [])
    XCTAssertTrue(server.logs.lines.contains { $0.contains("file:///never") })
  }
}

final class PeakTracker: @unchecked Sendable {
  private let lock = NSLock()
  private var peak = 0
  func record(_ value: Int) { lock.withLock { peak = max(peak, value) } }
  var value: Int { lock.withLock { peak } }
}

extension Counter {
  func decrement() { add(-1) }
}
