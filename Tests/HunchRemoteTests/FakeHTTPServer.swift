import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A tiny HTTP/1.1 server on loopback for tests: keep-alive, Content-Length request bodies, and responses either
/// whole or chunked piece by piece, so a test can watch a client stop reading and close the connection.
final class FakeHTTPServer: @unchecked Sendable {
  struct Request: Sendable {
    var method: String
    var path: String
    var headers: [String: String]  // lower-cased names
    var body: Data

    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
  }

  /// Writes one response; `false` from a write means the client has gone.
  final class Responder: @unchecked Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }

    @discardableResult
    func write(_ text: String) -> Bool { write(Data(text.utf8)) }

    @discardableResult
    func write(_ data: Data) -> Bool {
      data.withUnsafeBytes { buffer -> Bool in
        guard let base = buffer.baseAddress else { return true }
        var offset = 0
        while offset < buffer.count {
          let n = send(fd, base.advanced(by: offset), buffer.count - offset, Int32(MSG_NOSIGNAL))
          if n <= 0 { return false }
          offset += n
        }
        return true
      }
    }

    func respond(status: Int = 200, contentType: String = "application/json", body: String) {
      write(
        "HTTP/1.1 \(status) X\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
          + "Connection: keep-alive\r\n\r\n\(body)")
    }

    func startChunked(contentType: String = "text/event-stream") {
      write("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\n\r\n")
    }

    /// One chunk; false when the client closed the connection (seen as a failed write or an end of input).
    func chunk(_ text: String) -> Bool {
      if peerClosed() { return false }
      return write(String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n")
    }

    func endChunked() { write("0\r\n\r\n") }

    func peerClosed() -> Bool {
      var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&pfd, 1, 0) > 0 else { return false }
      var byte: UInt8 = 0
      let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
      return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
  }

  let port: UInt16
  private let listenFD: Int32
  private let lock = NSLock()
  private var openFDs: Set<Int32> = []
  private var stopped = false
  private var recorded: [Request] = []
  private var acceptedCount = 0
  private let handler: @Sendable (Request, Responder) -> Void

  var requests: [Request] { lock.withLock { recorded } }
  var connectionsAccepted: Int { lock.withLock { acceptedCount } }

  /// Listens on 127.0.0.1:`port` (0 picks a free one).
  init(port: UInt16 = 0, handler: @escaping @Sendable (Request, Responder) -> Void) throws {
    self.handler = handler
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(fd, 16) == 0 else {
      close(fd)
      throw POSIXError(.EADDRINUSE)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    self.port = UInt16(bigEndian: address.sin_port)
    listenFD = fd
    let thread = Thread { [self] in acceptLoop() }
    thread.start()
  }

  var url: String { "http://127.0.0.1:\(port)" }

  /// Closes the listening socket and every connection: the server is gone as if killed.
  func stop() {
    let fds: [Int32] = lock.withLock {
      stopped = true
      defer { openFDs.removeAll() }
      return Array(openFDs)
    }
    shutdown(listenFD, Int32(SHUT_RDWR))
    close(listenFD)
    for fd in fds {
      shutdown(fd, Int32(SHUT_RDWR))
    }
  }

  private func acceptLoop() {
    while true {
      let fd = accept(listenFD, nil, nil)
      if fd < 0 { return }
      let keep: Bool = lock.withLock {
        if stopped { return false }
        acceptedCount += 1
        openFDs.insert(fd)
        return true
      }
      if !keep {
        close(fd)
        return
      }
      let thread = Thread { [self] in serve(fd) }
      thread.start()
    }
  }

  private func serve(_ fd: Int32) {
    defer {
      lock.withLock { _ = openFDs.remove(fd) }
      close(fd)
    }
    var buffer = Data()
    let responder = Responder(fd: fd)
    while true {
      // Headers.
      var headerEnd = buffer.range(of: Data("\r\n\r\n".utf8))
      while headerEnd == nil {
        guard let more = receive(fd) else { return }
        buffer.append(more)
        headerEnd = buffer.range(of: Data("\r\n\r\n".utf8))
      }
      guard let end = headerEnd else { return }
      let head = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
      buffer = Data(buffer[end.upperBound...])
      var lines = head.components(separatedBy: "\r\n")
      let requestLine = lines.removeFirst().split(separator: " ")
      guard requestLine.count >= 2 else { return }
      var headers: [String: String] = [:]
      for line in lines {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
      let length = Int(headers["content-length"] ?? "0") ?? 0
      while buffer.count < length {
        guard let more = receive(fd) else { return }
        buffer.append(more)
      }
      let body = Data(buffer.prefix(length))
      buffer = Data(buffer.dropFirst(length))
      let request = Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
      lock.withLock { recorded.append(request) }
      handler(request, responder)
    }
  }

  private func receive(_ fd: Int32) -> Data? {
    var bytes = [UInt8](repeating: 0, count: 65536)
    let n = recv(fd, &bytes, bytes.count, 0)
    guard n > 0 else { return nil }
    return Data(bytes[0..<n])
  }
}

/// Collects what a closure is given, from any thread.
final class Collector<Element: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: [Element] = []
  func append(_ element: Element) { lock.withLock { stored.append(element) } }
  var items: [Element] { lock.withLock { stored } }
}
