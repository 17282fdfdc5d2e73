import Foundation

/// Lets one generation run at a time, in arrival order. A waiter whose token is tripped leaves the queue at once,
/// so superseded requests are answered without waiting for the running generation.
final class GenerationGate: @unchecked Sendable {
  private let lock = NSLock()
  private var busy = false
  private var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
  private var nextWaiterID = 0

  /// Waits for the gate; true when it is now ours (call `release` later), false when the token was tripped first.
  func acquire(_ token: CancellationToken) async -> Bool {
    let waiterID: Int = lock.withLock {
      nextWaiterID += 1
      return nextWaiterID
    }
    let acquired = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
      let takenAtOnce: Bool = lock.withLock {
        if !busy && !token.isCancelled {
          busy = true
          return true
        }
        waiters.append((waiterID, continuation))
        return false
      }
      if takenAtOnce {
        continuation.resume(returning: true)
        return
      }
      let handlerID = token.onCancel { [self] in
        let removed: CheckedContinuation<Bool, Never>? = lock.withLock {
          guard let index = waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
          return waiters.remove(at: index).continuation
        }
        removed?.resume(returning: false)
      }
      _ = handlerID
    }
    return acquired
  }

  func release() {
    let next: CheckedContinuation<Bool, Never>? = lock.withLock {
      guard !waiters.isEmpty else {
        busy = false
        return nil
      }
      return waiters.removeFirst().continuation
    }
    next?.resume(returning: true)
  }
}
