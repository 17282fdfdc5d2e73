import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A blocking HTTP client for one caller thread at a time, over URLSession (libcurl on Linux): the response body is
/// handed over as it arrives, and `cancel()` aborts the transfer, which closes the connection so the server notices
/// and stops generating. Finished requests leave their connection open for the next one (keep-alive). HTTPS
/// certificates are verified against the system's trust store; a private CA can be added through libcurl's CA file
/// (the `URLSessionCertificateAuthorityInfoFile` environment variable of swift-corelibs-foundation).
final class HTTPStreamingClient: @unchecked Sendable {
  private let session: URLSession
  private let router: SessionRouter

  init() {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.urlCache = nil
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.httpMaximumConnectionsPerHost = 4
    // Our own deadlines govern; URLSession's idle timeout is only the last resort.
    configuration.timeoutIntervalForRequest = 600
    configuration.timeoutIntervalForResource = 3_600
    router = SessionRouter()
    let queue = OperationQueue()
    queue.maxConcurrentOperationCount = 1
    session = URLSession(configuration: configuration, delegate: router, delegateQueue: queue)
  }

  deinit {
    session.invalidateAndCancel()
  }

  /// Starts `request`; read the answer from the returned stream.
  func start(_ request: URLRequest) -> HTTPResponseStream {
    let task = session.dataTask(with: request)
    let stream = HTTPResponseStream(task: task)
    router.register(stream, for: task.taskIdentifier)
    task.resume()
    return stream
  }

  /// Sends `request` and reads the whole answer (at most `limit` bytes): status and body.
  func fetch(_ request: URLRequest, connectDeadline: Date, deadline: Date, limit: Int = 16 << 20) throws -> (
    status: Int, body: Data
  ) {
    let stream = start(request)
    defer { stream.cancel() }
    let status = try stream.waitForStatus(deadline: connectDeadline, isCancelled: { false })
    let body = try stream.readAll(deadline: deadline, limit: limit)
    return (status, body)
  }
}

/// The answer to one request, in arrival order: the status, then body bytes, then the end.
final class HTTPResponseStream: @unchecked Sendable {
  enum Event {
    case status(Int)
    case data(Data)
    case finished((any Error)?)
  }

  private let condition = NSCondition()
  private var events: [Event] = []
  private let task: URLSessionDataTask
  private var cancelled = false

  init(task: URLSessionDataTask) {
    self.task = task
  }

  func push(_ event: Event) {
    condition.lock()
    events.append(event)
    condition.signal()
    condition.unlock()
  }

  /// Aborts the transfer (closing the connection if the body was still coming). Safe to call more than once.
  func cancel() {
    condition.lock()
    let first = !cancelled
    cancelled = true
    condition.unlock()
    if first { task.cancel() }
  }

  /// The next event, or nil when the deadline passed or `isCancelled` turned true (checked every 20 ms).
  private func next(deadline: Date, isCancelled: () -> Bool) -> Event? {
    condition.lock()
    defer { condition.unlock() }
    while events.isEmpty {
      if isCancelled() || Date() >= deadline { return nil }
      _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.02)))
    }
    return events.removeFirst()
  }

  /// Waits for the response status. No status before the deadline, or a failure to connect, means unreachable.
  func waitForStatus(deadline: Date, isCancelled: () -> Bool) throws -> Int {
    while true {
      guard let event = next(deadline: deadline, isCancelled: isCancelled) else {
        cancel()
        if isCancelled() { throw CancellationError() }
        throw RemoteError(.unreachable, "no response within the connect timeout")
      }
      switch event {
      case .status(let status): return status
      case .data: continue
      case .finished(let error): throw Self.remoteError(error, connected: false)
      }
    }
  }

  /// The next piece of the body; nil at its end. Throws when the deadline passes (`timedOut`), the caller cancels
  /// (`CancellationError`) or the transfer fails.
  func nextBodyChunk(deadline: Date, isCancelled: () -> Bool) throws -> Data? {
    while true {
      guard let event = next(deadline: deadline, isCancelled: isCancelled) else {
        cancel()
        if isCancelled() { throw CancellationError() }
        throw RemoteError(.timedOut, "the server did not finish within the request timeout")
      }
      switch event {
      case .status: continue
      case .data(let data): return data
      case .finished(let error):
        if let error { throw Self.remoteError(error, connected: true) }
        return nil
      }
    }
  }

  func readAll(deadline: Date, limit: Int) throws -> Data {
    var body = Data()
    while let chunk = try nextBodyChunk(deadline: deadline, isCancelled: { false }) {
      body.append(chunk)
      if body.count > limit {
        cancel()
        throw RemoteError(.badResponse, "the answer is larger than \(limit) bytes")
      }
    }
    return body
  }

  /// A transport failure as a RemoteError; the message names the failure, never the request's headers.
  static func remoteError(_ error: (any Error)?, connected: Bool) -> RemoteError {
    guard let error else { return RemoteError(.badResponse, "the server closed the connection without answering") }
    if let urlError = error as? URLError {
      switch urlError.code {
      case .timedOut: return RemoteError(.timedOut, "the request timed out")
      case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
        .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
        return RemoteError(
          .unreachable, "the TLS connection failed (certificate not trusted?)", cause: "\(urlError.code)")
      case .unknown where !connected:
        // libcurl's certificate failures reach us as an unknown URLError.
        return RemoteError(
          .unreachable, "cannot connect to the server (for https: is its certificate trusted?)",
          cause: "URLError \(urlError.code.rawValue)")
      default:
        return RemoteError(
          .unreachable, connected ? "the connection to the server was lost" : "cannot connect to the server",
          cause: "URLError \(urlError.code.rawValue)")
      }
    }
    return RemoteError(.unreachable, "the request failed", cause: "\(type(of: error))")
  }
}

/// URLSession calls one delegate per session; this one hands each task's callbacks to its stream.
private final class SessionRouter: NSObject, URLSessionDataDelegate, @unchecked Sendable {
  private let lock = NSLock()
  private var streams: [Int: HTTPResponseStream] = [:]

  func register(_ stream: HTTPResponseStream, for id: Int) {
    lock.withLock { streams[id] = stream }
  }

  private func stream(_ id: Int, remove: Bool = false) -> HTTPResponseStream? {
    lock.withLock { remove ? streams.removeValue(forKey: id) : streams[id] }
  }

  func urlSession(
    _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
  ) {
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    stream(dataTask.taskIdentifier)?.push(.status(status))
    completionHandler(.allow)
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
    stream(dataTask.taskIdentifier)?.push(.data(data))
  }

  func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
    stream(task.taskIdentifier, remove: true)?.push(.finished(error))
  }

  // Redirects are refused: following one could carry the Authorization header to another host.
  func urlSession(
    _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }
}
