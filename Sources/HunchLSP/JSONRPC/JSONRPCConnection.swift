import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What the connection hands to the server, in arrival order.
public enum ConnectionEvent: Sendable {
  case message(IncomingMessage)
  /// The input ended (EOF or a read error); nothing more will arrive.
  case inputClosed
  /// Writing failed (EPIPE: the client closed our stdout); nothing sent from now on can arrive.
  case outputClosed
}

/// JSON-RPC 2.0 over a pair of file descriptors.
///
/// A dedicated thread does blocking reads and frames the input; malformed input is answered or logged here and never
/// reaches the server. Writes are serialised by a lock. The connection also remembers which requests are still
/// unanswered, so each request gets exactly one response even if two paths race to answer it.
public final class JSONRPCConnection: @unchecked Sendable {
  private let inputFD: Int32
  private let outputFD: Int32
  private let limits: FrameLimits
  private let log: Logger
  private let writeLock = NSLock()
  private var outputBroken = false
  /// Where `outputClosed` is reported; set by `start`, read under `writeLock`.
  private var events: AsyncStream<ConnectionEvent>.Continuation?
  private let pendingLock = NSLock()
  private var unansweredRequests: [RequestID: Int] = [:]

  public init(inputFD: Int32, outputFD: Int32, limits: FrameLimits = FrameLimits(), log: Logger) {
    self.inputFD = inputFD
    self.outputFD = outputFD
    self.limits = limits
    self.log = log
  }

  /// Starts the reader thread and returns the stream of incoming events. Call once.
  public func start() -> AsyncStream<ConnectionEvent> {
    let (stream, continuation) = AsyncStream.makeStream(of: ConnectionEvent.self, bufferingPolicy: .unbounded)
    writeLock.withLock { events = continuation }
    let thread = Thread { [self] in
      readLoop(continuation)
    }
    thread.name = "hunch-lsp-reader"
    thread.stackSize = 16 << 20
    thread.start()
    return stream
  }

  private func readLoop(_ continuation: AsyncStream<ConnectionEvent>.Continuation) {
    var decoder = FrameDecoder(limits: limits)
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(inputFD, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 {
        if count < 0 { log.error("reading input failed: \(String(cString: strerror(errno)))") }
        continuation.yield(.inputClosed)
        continuation.finish()
        return
      }
      for event in decoder.push(chunk[0..<count]) {
        switch event {
        case .error(let error):
          log.error("bad frame: \(error)")
        case .body(let body):
          switch IncomingMessage.parse(body) {
          case .success(let message):
            if case .request(let id) = message.kind { noteRequest(id) }
            continuation.yield(.message(message))
          case .failure(let failure):
            log.error("bad message: \(failure.error.message)")
            sendErrorMessage(id: failure.id, failure.error)
          }
        }
      }
    }
  }

  private func noteRequest(_ id: RequestID) {
    pendingLock.withLock { unansweredRequests[id, default: 0] += 1 }
  }

  /// True once for each time the request arrived; false when it was already answered.
  private func claimAnswer(to id: RequestID) -> Bool {
    pendingLock.withLock {
      guard let count = unansweredRequests[id] else { return false }
      unansweredRequests[id] = count > 1 ? count - 1 : nil
      return true
    }
  }

  /// Answers a request with a result. A second answer to the same request is dropped and logged.
  public func reply<Result: Encodable>(to id: RequestID, with result: Result) {
    guard claimAnswer(to: id) else {
      log.error("dropped a second answer to request \(id)")
      return
    }
    do {
      send(try JSONEncoder().encode(ResultMessage(id: id, result: result)))
    } catch {
      log.error("cannot encode the answer to request \(id): \(error)")
      sendErrorMessage(id: id, ResponseError(code: ErrorCode.internalError, message: "cannot encode the result"))
    }
  }

  /// Answers a request with an error.
  public func reply(to id: RequestID, withError error: ResponseError) {
    guard claimAnswer(to: id) else {
      log.error("dropped a second answer to request \(id)")
      return
    }
    sendErrorMessage(id: id, error)
  }

  /// Sends a notification to the client.
  public func notify<Notification: NotificationType>(_ notification: Notification) {
    do {
      send(try JSONEncoder().encode(NotificationMessage(method: Notification.method, params: notification)))
    } catch {
      log.error("cannot encode notification \(Notification.method): \(error)")
    }
  }

  /// Sends a request to the client. Its answer arrives as an incoming message of kind `.response(id)`.
  public func request<Params: Encodable>(id: RequestID, method: String, params: Params) {
    do {
      send(try JSONEncoder().encode(RequestMessage(id: id, method: method, params: params)))
    } catch {
      log.error("cannot encode request \(method): \(error)")
    }
  }

  private func sendErrorMessage(id: RequestID?, _ error: ResponseError) {
    do {
      send(try JSONEncoder().encode(ErrorMessage(id: id, error: error)))
    } catch {
      log.error("cannot encode an error answer: \(error)")
    }
  }

  private func send(_ body: Data) {
    let data = frame(body)
    writeLock.withLock {
      guard !outputBroken else { return }
      let written = data.withUnsafeBytes { buffer -> Bool in
        var offset = 0
        while offset < buffer.count {
          let count = write(outputFD, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
          if count < 0 && errno == EINTR { continue }
          if count <= 0 { return false }
          offset += count
        }
        return true
      }
      if !written {
        outputBroken = true
        log.error("writing output failed: \(String(cString: strerror(errno))); further output is dropped")
        events?.yield(.outputClosed)
      }
    }
  }
}

private struct ResultMessage<Result: Encodable>: Encodable {
  let id: RequestID
  let result: Result

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode("2.0", forKey: .jsonrpc)
    try container.encode(id, forKey: .id)
    try container.encode(result, forKey: .result)
  }

  enum CodingKeys: String, CodingKey { case jsonrpc, id, result }
}

private struct ErrorMessage: Encodable {
  let id: RequestID?
  let error: ResponseError

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode("2.0", forKey: .jsonrpc)
    // JSON-RPC wants "id": null when the request's id could not be read.
    if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
    try container.encode(error, forKey: .error)
  }

  enum CodingKeys: String, CodingKey { case jsonrpc, id, error }
}

private struct RequestMessage<Params: Encodable>: Encodable {
  let id: RequestID
  let method: String
  let params: Params

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode("2.0", forKey: .jsonrpc)
    try container.encode(id, forKey: .id)
    try container.encode(method, forKey: .method)
    try container.encode(params, forKey: .params)
  }

  enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params }
}

private struct NotificationMessage<Params: Encodable>: Encodable {
  let method: String
  let params: Params

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode("2.0", forKey: .jsonrpc)
    try container.encode(method, forKey: .method)
    try container.encode(params, forKey: .params)
  }

  enum CodingKeys: String, CodingKey { case jsonrpc, method, params }
}
