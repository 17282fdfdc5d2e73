import Foundation
import HunchTestSupport
import XCTest

/// The real `hunch serve --stdio` in a child process, with a minimal LSP client on its pipes: frames out, frames in
/// (a reader thread keeps every message), stderr to a file. For the fault tests, which need to do rude things to the
/// process (close its stdout, signal it, kill its client), so they hold the raw file descriptors.
final class LSPPipeClient: @unchecked Sendable {
  let process = Process()
  let stderrURL: URL
  /// Our ends of the pipes: we write requests to `toServer`, read answers from `fromServer`.
  let toServer: Int32
  private let lock = NSLock()
  private var received: [Data] = []
  private var nextID = 1
  private var stopReading = false
  private let readerClosed = DispatchSemaphore(value: 0)

  /// `prefix` runs the binary through another program (e.g. `setpriv` to drop root).
  init(arguments: [String], environment: [String: String] = [:], prefix: [String] = []) throws {
    var input: [Int32] = [0, 0]
    var output: [Int32] = [0, 0]
    guard pipe(&input) == 0, pipe(&output) == 0 else { throw XCTSkip("pipe() failed") }
    // Our ends must not leak into the child: a server holding the read end of its own stdout never sees EPIPE.
    _ = fcntl(input[1], F_SETFD, FD_CLOEXEC)
    _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
    stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-fault-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
    if prefix.isEmpty {
      process.executableURL = HunchBinary.url
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: prefix[0])
      process.arguments = Array(prefix.dropFirst()) + [HunchBinary.url.path] + arguments
    }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardInput = FileHandle(fileDescriptor: input[0], closeOnDealloc: false)
    process.standardOutput = FileHandle(fileDescriptor: output[1], closeOnDealloc: false)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    try process.run()
    close(input[0])
    close(output[1])
    toServer = input[1]
    let readEnd = output[0]
    let reader = Thread { [self] in readLoop(fd: readEnd) }
    reader.start()
  }

  deinit {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    close(toServer)
    try? FileManager.default.removeItem(at: stderrURL)
  }

  var standardError: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

  private func readLoop(fd: Int32) {
    var buffer: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      // Polled, so that `closeServerOutput` can make this thread close the pipe: closing an fd another thread is
      // blocked reading would leave the pipe open, and the server would never see EPIPE.
      if lock.withLock({ stopReading }) {
        close(fd)
        readerClosed.signal()
        return
      }
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 50) > 0 else { continue }
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 {
        close(fd)
        readerClosed.signal()
        return
      }
      buffer += chunk[0..<count]
      while let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: buffer) {
        let header = String(decoding: buffer[0..<headerEnd], as: UTF8.self)
        guard let line = header.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
          let length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
          buffer.count >= headerEnd + 4 + length
        else { break }
        let body = Data(buffer[(headerEnd + 4)..<(headerEnd + 4 + length)])
        buffer.removeFirst(headerEnd + 4 + length)
        lock.withLock { received.append(body) }
      }
    }
  }

  private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for index in 0...(haystack.count - needle.count) where Array(haystack[index..<(index + needle.count)]) == needle {
      return index
    }
    return nil
  }

  /// Every message received so far, parsed.
  var messages: [[String: Any]] {
    lock.withLock { received }.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] }
  }

  /// Sends a message; false when the write failed (the server is gone).
  @discardableResult
  func send(_ message: [String: Any]) -> Bool {
    guard let body = try? JSONSerialization.data(withJSONObject: message) else { return false }
    let frame = Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    return frame.withUnsafeBytes { buffer in
      guard let base = buffer.baseAddress else { return false }
      var offset = 0
      while offset < buffer.count {
        let count = write(toServer, base + offset, buffer.count - offset)
        if count <= 0 { return false }
        offset += count
      }
      return true
    }
  }

  @discardableResult
  func request(_ method: String, _ params: [String: Any] = [:]) -> Int {
    let id = lock.withLock {
      defer { nextID += 1 }
      return nextID
    }
    send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
    return id
  }

  func notify(_ method: String, _ params: [String: Any] = [:]) {
    send(["jsonrpc": "2.0", "method": method, "params": params])
  }

  /// The answer to request `id`, waiting up to `timeout` seconds.
  func response(to id: Int, timeout: TimeInterval = 30) -> [String: Any]? {
    waitFor(timeout: timeout) { ($0["id"] as? Int) == id && $0["method"] == nil }
  }

  /// The first message matching `predicate`, waiting up to `timeout` seconds.
  func waitFor(timeout: TimeInterval = 30, _ predicate: ([String: Any]) -> Bool) -> [String: Any]? {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
      if let found = messages.first(where: predicate) { return found }
      Thread.sleep(forTimeInterval: 0.02)
    } while Date() < deadline
    return nil
  }

  /// The messages of the `window/showMessage` notifications received so far.
  var shownMessages: [String] {
    messages.filter { ($0["method"] as? String) == "window/showMessage" }.compactMap {
      ($0["params"] as? [String: Any])?["message"] as? String
    }
  }

  func initialize() -> [String: Any]? {
    let id = request("initialize", ["processId": NSNull(), "capabilities": [String: Any]()])
    let answer = response(to: id, timeout: 60)
    notify("initialized")
    return answer
  }

  func status(timeout: TimeInterval = 30) -> [String: Any]? {
    response(to: request("workspace/executeCommand", ["command": "hunch.status"]), timeout: timeout)?["result"]
      as? [String: Any]
  }

  func open(_ uri: String, _ text: String, language: String = "python") {
    notify(
      "textDocument/didOpen",
      ["textDocument": ["uri": uri, "languageId": language, "version": 1, "text": text] as [String: Any]])
  }

  func inlineCompletion(_ uri: String, line: Int, character: Int) -> Int {
    request(
      "textDocument/inlineCompletion",
      ["textDocument": ["uri": uri], "position": ["line": line, "character": character], "context": ["triggerKind": 1]])
  }

  /// Closes our read end of the server's stdout: its next write fails with EPIPE.
  func closeServerOutput() {
    lock.withLock { stopReading = true }
    readerClosed.wait()
  }

  /// The exit status once the process ends, or nil when it is still running after `timeout` seconds.
  func waitForExit(timeout: TimeInterval) -> (status: Int32, signaled: Bool)? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if !process.isRunning { return (process.terminationStatus, process.terminationReason == .uncaughtSignal) }
      Thread.sleep(forTimeInterval: 0.02)
    }
    return nil
  }
}

/// Running a child as an unprivileged user, so that file permissions mean something when the tests run as root.
enum Unprivileged {
  /// The command prefix that drops root (`setpriv` to nobody), empty when not root, nil when root cannot be dropped.
  static var prefix: [String]? {
    guard geteuid() == 0 else { return [] }
    let setpriv = "/usr/bin/setpriv"
    guard FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
  }
}
