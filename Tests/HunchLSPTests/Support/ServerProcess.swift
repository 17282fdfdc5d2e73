import Foundation
import XCTest

@testable import HunchLSP

/// The real `hunch` binary, started the way an editor starts it, with a TestClient on its stdin/stdout.
final class ServerProcess: @unchecked Sendable {
  let process = Process()
  let client: TestClient
  let stderrURL: URL

  /// The `hunch` executable next to the test bundle (both live in the build products folder).
  static func executableURL() -> URL? {
    let bundle = Bundle.main.bundleURL
    let packageRoot = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let candidates = [
      bundle.appendingPathComponent("hunch"),
      bundle.deletingLastPathComponent().appendingPathComponent("hunch"),
      packageRoot.appendingPathComponent(".build/debug/hunch"),
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }

  init(arguments: [String] = ["serve", "--stdio"], environment overrides: [String: String] = [:]) throws {
    guard let executable = Self.executableURL() else {
      throw XCTSkip("the hunch binary was not built next to the tests; run `swift build --build-tests`")
    }
    var stdinPipe: [Int32] = [0, 0]
    var stdoutPipe: [Int32] = [0, 0]
    guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0 else { throw TransportError("pipe() failed", errno: errno) }
    stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-lsp-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    process.executableURL = executable
    process.arguments = arguments
    // These tests are about the protocol, so the server runs without a model (an empty cache folder): it must still
    // serve, answer completions with nothing, and say how to get the model.
    var environment = ProcessInfo.processInfo.environment
    environment["XDG_CACHE_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-no-model").path
    // Nor does the user's own settings file reach it.
    environment["XDG_CONFIG_HOME"] = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-no-config").path
    environment["HUNCH_CONFIG"] = nil
    environment.merge(overrides) { _, new in new }
    process.environment = environment
    process.standardInput = FileHandle(fileDescriptor: stdinPipe[0], closeOnDealloc: false)
    process.standardOutput = FileHandle(fileDescriptor: stdoutPipe[1], closeOnDealloc: false)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    try process.run()
    // The child holds its own copies; ours must go so that EOF reaches each side.
    close(stdinPipe[0])
    close(stdoutPipe[1])
    client = TestClient(toServer: stdinPipe[1], fromServer: stdoutPipe[0])
  }

  var standardError: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

  /// The exit status once the process ends, or nil (and a failure) when it does not end within `timeout` seconds.
  func waitForExit(timeout: TimeInterval = 15, file: StaticString = #filePath, line: UInt = #line) async -> Int32? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if !process.isRunning { return process.terminationStatus }
      try? await Task.sleep(for: .milliseconds(10))
    }
    XCTFail(
      "the server did not exit within \(timeout) s; stderr:\n\(standardError.suffix(2000))", file: file, line: line)
    return nil
  }

  func initialize(processId: Int? = nil) async throws {
    _ = try await client.call(InProcessServer.initializeRequest(processId: processId))
    client.sendNotification(InitializedNotification())
  }

  /// Asks for the status and checks that an answer comes: the server is alive and in step.
  func assertAnswers(_ context: String, file: StaticString = #filePath, line: UInt = #line) async {
    let id = client.sendRequest(ExecuteCommandRequest(command: "hunch.status"))
    let response = await client.response(to: id, timeout: 20, file: file, line: line)
    XCTAssertNotNil(response?["result"]?["state"], "no status after \(context)", file: file, line: line)
    XCTAssertTrue(process.isRunning, "the server died after \(context)", file: file, line: line)
  }

  deinit {
    client.closeInput()
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    try? FileManager.default.removeItem(at: stderrURL)
  }
}
