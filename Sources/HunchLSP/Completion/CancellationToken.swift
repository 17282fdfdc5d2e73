import Foundation

/// Tripped when a completion's answer is no longer wanted. Safe to read from any thread, e.g. between tokens of a
/// generation. Handlers registered with `onCancel` run once, on the thread that cancels.
public final class CancellationToken: @unchecked Sendable {
  public enum Reason: Sendable, Equatable {
    /// A newer request for the same document took its place; it is answered with an empty result.
    case superseded
    /// The client sent `$/cancelRequest`; it is answered with RequestCancelled.
    case clientCancelled
    /// The server is shutting down.
    case shutdown
  }

  private let lock = NSLock()
  private var storedReason: Reason?
  private var handlers: [Int: @Sendable () -> Void] = [:]
  private var nextHandlerID = 0

  public init() {}

  public var isCancelled: Bool { lock.withLock { storedReason != nil } }
  public var reason: Reason? { lock.withLock { storedReason } }

  /// Trips the token; later calls keep the first reason.
  public func cancel(_ reason: Reason) {
    let toRun: [@Sendable () -> Void] = lock.withLock {
      guard storedReason == nil else { return [] }
      storedReason = reason
      defer { handlers.removeAll() }
      return Array(handlers.values)
    }
    for handler in toRun { handler() }
  }

  /// Runs `handler` when the token is tripped (at once if it already is). Returns an id for `removeHandler`.
  @discardableResult
  public func onCancel(_ handler: @escaping @Sendable () -> Void) -> Int? {
    let id: Int? = lock.withLock {
      guard storedReason == nil else { return nil }
      nextHandlerID += 1
      handlers[nextHandlerID] = handler
      return nextHandlerID
    }
    if id == nil { handler() }
    return id
  }

  public func removeHandler(_ id: Int?) {
    guard let id else { return }
    lock.withLock { _ = handlers.removeValue(forKey: id) }
  }
}
