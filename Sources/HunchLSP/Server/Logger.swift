import Foundation

/// Writes the server's log lines to standard error (never to the protocol stream), or to a sink in tests.
public struct Logger: Sendable {
  public enum Level: Int, Comparable, Sendable {
    case debug, info, error

    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  public let minimumLevel: Level
  private let sink: @Sendable (String) -> Void

  public init(minimumLevel: Level = .info, sink: @escaping @Sendable (String) -> Void = Logger.standardError) {
    self.minimumLevel = minimumLevel
    self.sink = sink
  }

  public static let standardError: @Sendable (String) -> Void = { line in
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  public func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
  public func info(_ message: @autoclosure () -> String) { write(.info, message) }
  public func error(_ message: @autoclosure () -> String) { write(.error, message) }

  private func write(_ level: Level, _ message: () -> String) {
    guard level >= minimumLevel else { return }
    sink("hunch[\(level)] \(message())")
  }
}
