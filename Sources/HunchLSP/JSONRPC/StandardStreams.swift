import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Keeps the protocol stream safe from stray output.
public enum StandardStreams {
  /// Moves the protocol onto a private duplicate of standard output and points fd 1 at standard error, so a stray
  /// `print` (ours or a library's) lands in the log instead of corrupting the LSP stream. Returns the private fd.
  public static func protectStandardOutput() throws -> Int32 {
    let protocolFD = dup(STDOUT_FILENO)
    guard protocolFD >= 0 else {
      throw TransportError("cannot duplicate standard output", errno: errno)
    }
    guard dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else {
      throw TransportError("cannot point standard output at standard error", errno: errno)
    }
    // A client that goes away must end us through EOF and write errors, not through SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    return protocolFD
  }
}

/// A failure of the byte stream itself (reading or writing a file descriptor).
public struct TransportError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public let cause: String?

  public init(_ message: String, errno code: Int32? = nil) {
    self.message = message
    self.cause = code.map { String(cString: strerror($0)) }
  }

  public var description: String { cause.map { "\(message): \($0)" } ?? message }
}
