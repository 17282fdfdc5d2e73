import Foundation

/// Writes the server's log lines to standard error (never to the protocol stream), or to a sink in tests, and, when
/// configured, appends them to a log file too. Copies share one state, so changing the level or the file from the
/// settings affects every holder at once.
public struct Logger: Sendable {
  public enum Level: Int, Comparable, Sendable {
    case debug, info, error

    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  private final class State: @unchecked Sendable {
    let lock = NSLock()
    var minimumLevel: Level
    var file: FileHandle?
    var filePath: String?

    init(minimumLevel: Level) { self.minimumLevel = minimumLevel }
  }

  private let state: State
  private let sink: @Sendable (String) -> Void

  public init(minimumLevel: Level = .info, sink: @escaping @Sendable (String) -> Void = Logger.standardError) {
    state = State(minimumLevel: minimumLevel)
    self.sink = sink
  }

  public static let standardError: @Sendable (String) -> Void = { line in
    FileHandle.standardError.write(Data((line + "\n").utf8))
  }

  public var minimumLevel: Level { state.lock.withLock { state.minimumLevel } }

  public func setMinimumLevel(_ level: Level) { state.lock.withLock { state.minimumLevel = level } }

  /// Also appends every line to `path` (created if missing; nil stops). Throws when the file cannot be opened,
  /// leaving the previous file in place.
  public func setLogFile(_ path: String?) throws {
    try state.lock.withLock {
      guard path != state.filePath else { return }
      guard let path else {
        try? state.file?.close()
        state.file = nil
        state.filePath = nil
        return
      }
      if !FileManager.default.fileExists(atPath: path) {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
          throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
      }
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      try handle.seekToEnd()
      try? state.file?.close()
      state.file = handle
      state.filePath = path
    }
  }

  public func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
  public func info(_ message: @autoclosure () -> String) { write(.info, message) }
  public func error(_ message: @autoclosure () -> String) { write(.error, message) }

  private func write(_ level: Level, _ message: () -> String) {
    let (enabled, file) = state.lock.withLock { (level >= state.minimumLevel, state.file) }
    guard enabled else { return }
    let line = "hunch[\(level)] \(message())"
    sink(line)
    if let file {
      // A full disk or a removed file must not take the server down; the line still went to the sink.
      state.lock.withLock { try? file.write(contentsOf: Data((line + "\n").utf8)) }
    }
  }
}
