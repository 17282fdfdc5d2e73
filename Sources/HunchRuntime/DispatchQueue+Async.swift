import Foundation

extension DispatchQueue {
  /// Runs `body` on this queue and returns its result to an async caller without blocking the caller's thread
  /// (the services' compute must not run on Swift's cooperative pool).
  func perform<Result>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
    try await withCheckedThrowingContinuation { continuation in
      self.async { continuation.resume(with: Swift.Result { try body() }) }
    }
  }

  func perform<Result>(_ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
      self.async { continuation.resume(returning: body()) }
    }
  }
}
