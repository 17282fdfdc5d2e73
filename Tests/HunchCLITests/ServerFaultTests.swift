import Foundation
import HunchTestSupport
import XCTest

/// Faults done to the real `hunch serve --stdio`: a model file that is missing, unreadable, truncated or changed
/// while the server runs; no grammars; a read-only cache folder; a client that stops reading (EPIPE), that is killed
/// with kill -9, or that sends SIGTERM during a generation. The server must never crash (no SIGBUS, no trap), must
/// end when it should, and must tell the user what is wrong where a user can do something about it.
final class ServerFaultTests: XCTestCase {
  private var scratch = FileManager.default.temporaryDirectory

  override func setUpWithError() throws {
    signal(SIGPIPE, SIG_IGN)
    scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-faults-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  }

  override func tearDown() {
    // Only ever the folder setUp made.
    guard scratch.lastPathComponent.hasPrefix("hunch-faults-") else { return }
    for folder in [scratch, scratch.appendingPathComponent("cache"), scratch.appendingPathComponent("cache/hunch"),
      scratch.appendingPathComponent("cache/hunch/models")] {
      chmod(folder.path, 0o755)
    }
    try? FileManager.default.removeItem(at: scratch)
  }

  /// A server with an empty cache and no grammars unless the test gives them.
  private func server(
    _ arguments: [String], environment: [String: String] = [:], prefix: [String] = []
  ) throws -> LSPPipeClient {
    var environment = environment
    if environment["XDG_CACHE_HOME"] == nil { environment["XDG_CACHE_HOME"] = scratch.appendingPathComponent("cache").path }
    // The user's own settings file must not reach these servers.
    if environment["XDG_CONFIG_HOME"] == nil { environment["XDG_CONFIG_HOME"] = scratch.appendingPathComponent("config").path }
    return try LSPPipeClient(arguments: ["serve", "--stdio"] + arguments, environment: environment, prefix: prefix)
  }

  private let uri = "file:///work/sample.py"
  private let sample = "def add(left, right):\n    return left + right\n\n\ndef multiply(left, right):\n    return "

  private var documentCount = 0

  /// Opens the sample as a new document and asks for ghost text at its end; returns the answer. A new document each
  /// time, so that the answer comes from the model, not from the suggestion remembered for the last one.
  private func complete(_ client: LSPPipeClient, timeout: TimeInterval = 600) -> [String: Any]? {
    documentCount += 1
    let uri = "file:///work/sample\(documentCount).py"
    client.open(uri, sample)
    let id = client.inlineCompletion(uri, line: 5, character: 11)
    return client.response(to: id, timeout: timeout)
  }

  private func assertServes(_ client: LSPPipeClient, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertNotNil(client.status()?["state"], "no status after \(context)", file: file, line: line)
    XCTAssertTrue(client.process.isRunning, "the server died after \(context)", file: file, line: line)
  }

  /// Ends the session politely and checks the exit.
  private func shutDown(_ client: LSPPipeClient, file: StaticString = #filePath, line: UInt = #line) {
    _ = client.response(to: client.request("shutdown"), timeout: 30)
    client.notify("exit")
    let exit = client.waitForExit(timeout: 20)
    XCTAssertEqual(exit?.status, 0, "stderr:\n\(client.standardError.suffix(2000))", file: file, line: line)
    XCTAssertEqual(exit?.signaled, false, file: file, line: line)
  }

  private func smallModel() throws -> String { try TestModels.require("smollm2-135m") }

  // MARK: - The model file

  func testMissingModelServesEmptyAnswersAndSaysHowToGetOne() throws {
    let missing = scratch.appendingPathComponent("nowhere/model.gguf").path
    for model in [missing, "qwen2.5-coder-0.5b"] {
      let client = try server(["--model", model])
      XCTAssertNotNil(client.initialize())
      let warning = client.waitFor(timeout: 10) { ($0["method"] as? String) == "window/showMessage" }
      let text = ((warning?["params"] as? [String: Any])?["message"] as? String) ?? ""
      XCTAssertTrue(text.contains("no model"), text)
      XCTAssertTrue(
        model.hasPrefix("/") ? text.contains(missing) : text.contains("hunch models pull \(model)"), "\(model): \(text)")
      client.open(uri, sample)
      let answer = complete(client, timeout: 30)
      let items = (answer?["result"] as? [String: Any])?["items"] as? [Any]
      XCTAssertEqual(items?.count, 0)
      XCTAssertNil(answer?["error"])
      shutDown(client)
    }
  }

  func testUnreadableTruncatedAndForeignModelsAreRefusedWithTheirReason() throws {
    let source = try smallModel()
    let folder = scratch.appendingPathComponent("models")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    // A folder where the file should be, a file that is not GGUF, and a download cut short (tensor data missing).
    let directory = folder.appendingPathComponent("folder.gguf")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let foreign = folder.appendingPathComponent("foreign.gguf")
    try Data(repeating: 0x5A, count: 4096).write(to: foreign)
    let truncated = folder.appendingPathComponent("truncated.gguf")
    let handle = try XCTUnwrap(FileHandle(forReadingAtPath: source))
    try handle.readData(ofLength: 8 << 20).write(to: truncated)
    try handle.close()
    var cases: [(path: String, reason: String, prefix: [String])] = [
      (directory.path, "not a regular file", []), (foreign.path, "not a GGUF file", []),
      (truncated.path, "past the end", []),
    ]
    // Permission bits mean nothing to root: the unreadable case runs the server as nobody.
    if let prefix = Unprivileged.prefix {
      let unreadable = folder.appendingPathComponent("unreadable.gguf")
      try FileManager.default.copyItem(at: foreign, to: unreadable)
      XCTAssertEqual(chmod(unreadable.path, 0o000), 0)
      XCTAssertEqual(chmod(scratch.path, 0o755), 0)
      cases.append((unreadable.path, "Permission denied", prefix))
    }
    for (path, reason, prefix) in cases {
      let client = try server(["--model", path], prefix: prefix)
      XCTAssertNotNil(client.initialize(), "\(path): \(client.standardError)")
      let warning = client.waitFor(timeout: 10) { ($0["method"] as? String) == "window/showMessage" }
      let text = ((warning?["params"] as? [String: Any])?["message"] as? String) ?? ""
      XCTAssertTrue(text.contains(path), "\(path): \(text)")
      XCTAssertTrue(text.localizedCaseInsensitiveContains(reason), "\(path) should say \(reason): \(text)")
      client.open(uri, sample)
      XCTAssertNil(complete(client, timeout: 30)?["error"], path)
      assertServes(client, "a refused model")
      shutDown(client)
    }
  }

  /// The model file is replaced (a new file renamed over it), then truncated in place, while the server runs. The
  /// request after each change is refused with a message for the user; after a replacement by a good file the model
  /// is loaded again and completions come back; after a truncation the reload is refused. Never SIGBUS.
  func testModelChangedWhileServingIsRefusedCleanlyAndReloaded() throws {
    let source = try smallModel()
    let model = scratch.appendingPathComponent("model.gguf")
    try FileManager.default.copyItem(atPath: source, toPath: model.path)
    let client = try server(["--model", model.path, "--threads", "1", "--debounce-ms", "0"])
    XCTAssertNotNil(client.initialize())
    client.open(uri, sample)
    let first = complete(client)
    XCTAssertNotNil(first?["result"], "first completion: \(client.standardError.suffix(2000))")
    XCTAssertEqual(client.shownMessages, [])

    // Replaced: a fresh copy renamed over the path (what a re-download does).
    let fresh = scratch.appendingPathComponent("fresh.gguf")
    try FileManager.default.copyItem(atPath: source, toPath: fresh.path)
    XCTAssertEqual(rename(fresh.path, model.path), 0)
    let refused = complete(client)
    XCTAssertNotNil(refused?["result"], "a changed model is an empty answer, not an error")
    XCTAssertNil(refused?["error"])
    XCTAssertTrue(
      client.shownMessages.contains { $0.contains("changed on disk") && $0.contains("replaced") },
      "\(client.shownMessages)")
    let reloaded = complete(client)
    let items = (reloaded?["result"] as? [String: Any])?["items"] as? [[String: Any]]
    XCTAssertEqual(items?.count, 1, "the replaced model is loaded again: \(client.standardError.suffix(2000))")

    // Truncated in place: pages past the new end would raise SIGBUS if touched.
    let size = try XCTUnwrap((try FileManager.default.attributesOfItem(atPath: model.path)[.size] as? NSNumber)?.intValue)
    XCTAssertEqual(truncate(model.path, off_t(size / 2)), 0)
    XCTAssertNil(complete(client)?["error"])
    XCTAssertTrue(
      client.shownMessages.contains { $0.contains("changed on disk") && $0.contains("truncated") },
      "\(client.shownMessages)")
    XCTAssertNil(complete(client)?["error"])
    XCTAssertTrue(
      client.shownMessages.contains { $0.contains("past the end") || $0.contains("truncated") && $0.contains("cannot") }
        || client.shownMessages.count >= 3, "the reload of a truncated file is refused: \(client.shownMessages)")
    assertServes(client, "a truncated model")
    shutDown(client)
  }

  // MARK: - Folders

  func testMissingGrammarsFolderIsNamedAndCompletionsStillWork() throws {
    let source = try smallModel()
    let grammars = scratch.appendingPathComponent("no-grammars").path
    let client = try server(
      ["--model", source, "--threads", "1", "--debounce-ms", "0"], environment: ["HUNCH_GRAMMARS_DIR": grammars])
    XCTAssertNotNil(client.initialize())
    client.open(uri, sample)
    let answer = complete(client)
    XCTAssertNil(answer?["error"])
    let items = (answer?["result"] as? [String: Any])?["items"] as? [[String: Any]]
    XCTAssertEqual(items?.count, 1, "a completion without grammars: \(client.standardError.suffix(2000))")
    XCTAssertTrue(client.standardError.contains("grammars folder \(grammars) does not exist"), client.standardError)
    XCTAssertTrue(client.standardError.contains("scripts/setup-grammars.sh"), client.standardError)
    shutDown(client)
  }

  /// A cache folder the user cannot write: serving a model already in it works, pulling into it fails at once with a
  /// message naming the folder (and never starts a download).
  func testReadOnlyCacheFolderServesButRefusesToPull() throws {
    guard let prefix = Unprivileged.prefix else { throw XCTSkip("running as root without setpriv") }
    let source = try smallModel()
    let cache = scratch.appendingPathComponent("cache")
    let models = cache.appendingPathComponent("hunch/models")
    try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: source, toPath: models.appendingPathComponent("smollm2-135m.gguf").path)
    for folder in [scratch, cache, cache.appendingPathComponent("hunch"), models] {
      XCTAssertEqual(chmod(folder.path, 0o555), 0)
    }
    let environment = ["XDG_CACHE_HOME": cache.path, "PIP_NO_INDEX": "1", "HOME": scratch.path]
    let pull = try runBinary(["models", "pull", "qwen2.5-coder-0.5b"], environment: environment, prefix: prefix)
    XCTAssertEqual(pull.status, 1, pull.stderr)
    XCTAssertFalse(pull.signaled)
    XCTAssertTrue(pull.stderr.contains(models.path), pull.stderr)
    XCTAssertTrue(pull.stderr.contains("Permission denied") || pull.stderr.contains("cannot"), pull.stderr)

    let client = try server(
      ["--model", "smollm2-135m", "--threads", "1", "--debounce-ms", "0"], environment: environment, prefix: prefix)
    XCTAssertNotNil(client.initialize())
    client.open(uri, sample)
    let answer = complete(client)
    let items = (answer?["result"] as? [String: Any])?["items"] as? [[String: Any]]
    XCTAssertEqual(items?.count, 1, "serving from a read-only cache: \(client.standardError.suffix(2000))")
    XCTAssertEqual(client.shownMessages, [])
    shutDown(client)
  }

  private func runBinary(_ arguments: [String], environment: [String: String], prefix: [String]) throws
    -> (status: Int32, stderr: String, signaled: Bool)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: prefix.first ?? HunchBinary.url.path)
    process.arguments = Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [HunchBinary.url.path]) + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self), process.terminationReason == .uncaughtSignal)
  }

  // MARK: - The client

  /// The client closes our stdout and keeps writing: the first answer fails with EPIPE, and the server ends (there
  /// is nobody left to answer) instead of dying of SIGPIPE or running on.
  func testStdoutClosedByTheClientEndsTheServer() throws {
    let client = try server([])
    XCTAssertNotNil(client.initialize())
    client.closeServerOutput()
    for _ in 0..<3 { client.request("workspace/executeCommand", ["command": "hunch.status"]) }
    let exit = client.waitForExit(timeout: 20)
    XCTAssertNotNil(exit, "the server still runs with nobody reading: \(client.standardError)")
    XCTAssertEqual(exit?.signaled, false, "killed by a signal (SIGPIPE?)")
    XCTAssertEqual(exit?.status, 1)
    XCTAssertTrue(client.standardError.contains("Broken pipe"), client.standardError)
    XCTAssertTrue(client.standardError.contains("output closed"), client.standardError)
  }

  /// An editor killed with kill -9 in the middle of a generation: its pipes close, and the server ends within
  /// seconds, whole (no thread left running in a half-dead process).
  func testClientKilledWithKillNineEndsTheServer() throws {
    let source = try smallModel()
    // The editor: a Python process that starts the server on pipes, asks for a completion and then waits.
    let editor = """
      import json, subprocess, sys, time
      server = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
      def send(message):
          body = json.dumps(message).encode()
          server.stdin.write(b"Content-Length: %d\\r\\n\\r\\n" % len(body) + body)
          server.stdin.flush()
      send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "capabilities": {}}})
      send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
      send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///a.py",
            "languageId": "python", "version": 1, "text": "def add(a, b):\\n    return "}}})
      send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/inlineCompletion", "params": {
            "textDocument": {"uri": "file:///a.py"}, "position": {"line": 1, "character": 11}}})
      print(server.pid, flush=True)
      time.sleep(600)
      """
    let script = scratch.appendingPathComponent("editor.py")
    try editor.write(to: script, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", script.path, HunchBinary.url.path, "serve", "--stdio", "--model", source, "--threads", "2",
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
    let serverPID = try XCTUnwrap(Int32(line.trimmingCharacters(in: .whitespacesAndNewlines)), line)
    // The model is loading or generating now.
    Thread.sleep(forTimeInterval: 0.5)
    XCTAssertTrue(Self.isAlive(serverPID), "the server should be running before the kill")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    let deadline = Date().addingTimeInterval(15)
    while Date() < deadline && Self.isAlive(serverPID) { Thread.sleep(forTimeInterval: 0.05) }
    XCTAssertFalse(Self.isAlive(serverPID), "the server outlived its killed client")
    if Self.isAlive(serverPID) { kill(serverPID, SIGKILL) }
  }

  /// Alive means a process with running threads; a zombie (all threads gone, waiting to be reaped) is not.
  private static func isAlive(_ pid: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
    let state = status.split(separator: "\n").first { $0.hasPrefix("State:") } ?? ""
    return !state.contains("Z") && !state.contains("X")
  }

  /// SIGTERM while the model generates: the server stops at once, says so, and exits 0 without a crash.
  func testSIGTERMDuringGenerationStopsTheServerAtOnce() throws {
    let source = try smallModel()
    // A long prompt (a budget of 7,000 prefix tokens over a file that long), so that evaluating it takes seconds
    // even for the small model on one thread of a fast machine.
    let settings = scratch.appendingPathComponent("long-prompt.toml")
    try Data("prefix_tokens = 7000\ncontext_length = 8192\n".utf8).write(to: settings)
    let client = try server(
      ["--model", source, "--threads", "1", "--debounce-ms", "0"], environment: ["HUNCH_CONFIG": settings.path])
    XCTAssertNotNil(client.initialize())
    let lines = String(repeating: sample.replacingOccurrences(of: "    return ", with: "    return left * right\n"), count: 180)
    client.open(uri, lines + "def last(value):\n    return ")
    _ = client.inlineCompletion(uri, line: lines.split(separator: "\n", omittingEmptySubsequences: false).count, character: 11)
    // Signal as soon as the request reached the model (it is loading it or evaluating the prompt).
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, ((client.status()?["providerCalls"] as? Int) ?? 0) < 1 {
      Thread.sleep(forTimeInterval: 0.01)
    }
    XCTAssertEqual(client.status()?["inFlight"] as? Int, 1, "the completion should still be running: \(client.standardError)")
    kill(client.process.processIdentifier, SIGTERM)
    let exit = client.waitForExit(timeout: 10)
    XCTAssertNotNil(exit, "the server ignored SIGTERM")
    XCTAssertEqual(exit?.signaled, false)
    XCTAssertEqual(exit?.status, 0)
    XCTAssertTrue(client.standardError.contains("stopping on SIGTERM"), client.standardError)
  }
}
