import Foundation
import XCTest

@testable import HunchLSP

/// `hunch serve --stdio` as a separate process: what an editor actually talks to.
final class BinaryServerTests: XCTestCase {
  override func setUp() {
    signal(SIGPIPE, SIG_IGN)
  }

  func testFullLifecycleThroughTheBinary() async throws {
    let server = try ServerProcess()
    let client = server.client
    try await server.initialize()
    client.sendNotification(
      DidOpenTextDocumentNotification(
        textDocument: .init(uri: "file:///m.swift", languageId: "swift", version: 1, text: "let 😀 = 1\nlet b")))
    let popup = try await client.call(
      CompletionRequest(textDocument: .init(uri: "file:///m.swift"), position: .init(line: 1, character: 5)))
    // The server runs without a model here (see ServerProcess): well-formed, empty answers.
    XCTAssertEqual(popup, CompletionList(isIncomplete: true, items: []))
    let inline = try await client.call(
      InlineCompletionRequest(textDocument: .init(uri: "file:///m.swift"), position: .init(line: 1, character: 5)))
    XCTAssertEqual(inline.items, [])
    let status = try await client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(status["provider"], "NoModelCompletionProvider")
    XCTAssertEqual(status["openDocuments"], .integer(1))
    let warning = await client.waitFor("window/showMessage") { $0["method"] == "window/showMessage" }
    XCTAssertEqual(warning?["params"]?["type"], .integer(2))
    // The warning names the command that fixes it.
    XCTAssertTrue(warning?["params"]?["message"]?.stringValue?.contains("hunch models pull") ?? false, "\(String(describing: warning))")
    _ = try await client.call(ShutdownRequest())
    client.sendNotification(ExitNotification())
    let exitStatus = await server.waitForExit()
    XCTAssertEqual(exitStatus, 0)
    // Log lines and a deliberate print() went to stderr; stdout held nothing but protocol messages.
    XCTAssertTrue(server.standardError.contains("initialized"))
    XCTAssertTrue(server.standardError.contains("hunch: language server on stdio"))
    XCTAssertEqual(client.malformedMessageCount, 0)
  }

  func testTheSettingsFileIsReadAndAnInvalidOneIsReportedNotFatal() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("config.toml")

    try Data("debounce_ms = 123\nno_such_key = 1\n".utf8).write(to: file)
    let good = try ServerProcess(environment: ["HUNCH_CONFIG": file.path])
    try await good.initialize()
    let status = try await good.client.call(ExecuteCommandRequest(command: "hunch.status"))
    XCTAssertEqual(status["debounceMilliseconds"], .integer(123))
    let unknown = await good.client.waitFor("a warning naming the unknown key") {
      $0["method"] == "window/showMessage" && $0["params"]?["message"]?.stringValue?.contains("no_such_key") == true
    }
    XCTAssertNotNil(unknown)

    try Data("debounce_ms = [1,\n".utf8).write(to: file)
    let bad = try ServerProcess(environment: ["HUNCH_CONFIG": file.path])
    try await bad.initialize()
    let warning = await bad.client.waitFor("a warning about the settings file") {
      $0["method"] == "window/showMessage"
        && $0["params"]?["message"]?.stringValue?.contains("settings file is not used") == true
    }
    let message = warning?["params"]?["message"]?.stringValue ?? ""
    XCTAssertTrue(message.contains(file.path) && message.contains("line 2"), message)
    await bad.assertAnswers("after an invalid settings file")
  }

  func testPlainStdioFlagAndExitWithoutShutdown() async throws {
    let server = try ServerProcess(arguments: ["--stdio"])
    try await server.initialize()
    server.client.sendNotification(ExitNotification())
    let exitStatus = await server.waitForExit()
    XCTAssertEqual(exitStatus, 1)
  }

  func testEndOfInputEndsTheServer() async throws {
    let server = try ServerProcess()
    try await server.initialize()
    server.client.closeInput()
    let exitStatus = await server.waitForExit()
    XCTAssertEqual(exitStatus, 1)
  }

  func testTheServerEndsWhenItsClientProcessDies() async throws {
    let shortLived = Process()
    shortLived.executableURL = URL(fileURLWithPath: "/bin/sh")
    shortLived.arguments = ["-c", "exit 0"]
    try shortLived.run()
    shortLived.waitUntilExit()
    let server = try ServerProcess()
    try await server.initialize(processId: Int(shortLived.processIdentifier))
    let exitStatus = await server.waitForExit(timeout: 15)
    XCTAssertNotNil(exitStatus)
    XCTAssertTrue(server.standardError.contains("is gone"))
  }

  func testRequestsBeforeInitializeAreRefused() async throws {
    let server = try ServerProcess()
    let id = server.client.sendRequest(
      CompletionRequest(textDocument: .init(uri: "file:///x"), position: .init(line: 0, character: 0)))
    let response = await server.client.response(to: id)
    XCTAssertEqual(response?["error"]?["code"]?.intValue, ErrorCode.serverNotInitialized)
  }

  func testBadInputNeverCrashesOrHangsTheServer() async throws {
    let server = try ServerProcess()
    let client = server.client
    try await server.initialize()

    client.sendRaw(Data("Content-Type: text/plain\r\n\r\n".utf8))
    await server.assertAnswers("a header without Content-Length")
    client.sendRaw(Data("Content-Length: -20\r\n\r\n".utf8))
    await server.assertAnswers("a negative Content-Length")
    client.sendRaw(Data("Content-Length: lots\r\n\r\n".utf8))
    await server.assertAnswers("a non-numeric Content-Length")
    client.sendRaw(Data("Content-Length: 10737418240\r\n\r\n".utf8))
    await server.assertAnswers("a 10 GB Content-Length")
    client.sendRaw(Data("X-Junk: ".utf8) + Data(repeating: UInt8(ascii: "j"), count: 10 << 20))
    await server.assertAnswers("a 10 MB header without a blank line")

    client.sendBody("{\"jsonrpc\":\"2.0\",\"id\":5,")
    let parseError = await client.waitFor("a parse error") { $0["error"]?["code"]?.intValue == ErrorCode.parseError }
    XCTAssertEqual(parseError?["id"], .null)
    await server.assertAnswers("invalid JSON")

    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    let parseErrorsBefore = client.messages.filter { $0["error"]?["code"]?.intValue == ErrorCode.parseError }.count
    client.sendBody("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"x\",\"params\":\(deep)}")
    await server.assertAnswers("JSON nested 100,000 deep")
    let parseErrors = client.messages.filter { $0["error"]?["code"]?.intValue == ErrorCode.parseError }
    XCTAssertEqual(parseErrors.count, parseErrorsBefore + 1)

    client.sendBody("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"no/such/method\"}")
    let unknown = await client.response(to: 7)
    XCTAssertEqual(unknown?["error"]?["code"]?.intValue, ErrorCode.methodNotFound)

    var generator = SeededGenerator(seed: 42)
    client.sendRaw(Data((0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    await server.assertAnswers("100 KB of random bytes")

    let controlCharacters = (0..<32).map { String(format: "\\u%04x", $0) }.joined()
    client.sendBody(
      #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///bin","languageId":"c","version":1,"text":"\#(controlCharacters)"}}}"#
    )
    await server.assertAnswers("a document of control characters")

    let outOfRange = try await client.call(
      InlineCompletionRequest(textDocument: .init(uri: "file:///bin"), position: .init(line: 999, character: 5)))
    XCTAssertEqual(outOfRange.items, [])
    let negative = try await client.call(
      CompletionRequest(textDocument: .init(uri: "file:///bin"), position: .init(line: -3, character: -1)))
    XCTAssertEqual(negative.items, [])

    client.sendNotification(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: "file:///unopened", version: 1), contentChanges: [.init(text: "x")]))
    await server.assertAnswers("didChange for an unopened document")

    let big = String(repeating: "let value = 12345 // 😀 a line of a large file\n", count: 20 * 1024 * 1024 / 48)
    client.sendNotification(
      DidOpenTextDocumentNotification(
        textDocument: .init(uri: "file:///big", languageId: "swift", version: 1, text: big)))
    client.sendNotification(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: "file:///big", version: 2),
        contentChanges: [
          .init(range: Range(start: .init(line: 1000, character: 0), end: .init(line: 1000, character: 3)), text: "var")
        ]))
    let bigAnswer = try await client.call(
      InlineCompletionRequest(textDocument: .init(uri: "file:///big"), position: .init(line: 400_000, character: 4)))
    XCTAssertEqual(bigAnswer.items, [])
    await server.assertAnswers("a 20 MB document")

    _ = try await client.call(ShutdownRequest())
    client.sendNotification(ExitNotification())
    let exitStatus = await server.waitForExit()
    XCTAssertEqual(exitStatus, 0)
    XCTAssertTrue(server.standardError.contains("bad frame"))
    XCTAssertEqual(client.malformedMessageCount, 0)
  }
}
