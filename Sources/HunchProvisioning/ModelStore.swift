import Foundation

/// The folder pulled models live in: `$XDG_CACHE_HOME/hunch/models`, else `~/.cache/hunch/models`.
public struct ModelStore: Sendable {
  public let directory: URL

  public init(directory: URL) { self.directory = directory }

  public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ModelStore {
    ModelStore(directory: cacheRoot(environment: environment).appendingPathComponent("models", isDirectory: true))
  }

  /// `$XDG_CACHE_HOME/hunch` (an absolute path only, as the XDG spec says), else `~/.cache/hunch`.
  public static func cacheRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
    if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
      return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("hunch", isDirectory: true)
    }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return URL(fileURLWithPath: home, isDirectory: true)
      .appendingPathComponent(".cache", isDirectory: true)
      .appendingPathComponent("hunch", isDirectory: true)
  }

  public func path(for spec: ModelSpec) -> URL { directory.appendingPathComponent(spec.fileName) }

  /// Where the verified size and checksum of a pulled file are remembered, so that a second pull is instant.
  func verificationRecord(for spec: ModelSpec) -> URL {
    directory.appendingPathComponent(".\(spec.fileName).verified")
  }

  public enum State: Sendable, Equatable {
    case missing
    case present(bytes: Int)  // present, right size, checksum verified when pulled
    case damaged(bytes: Int)  // present but not the expected size or never verified
  }

  public func state(of spec: ModelSpec) -> State {
    let path = path(for: spec).path
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let size = (attributes[.size] as? NSNumber)?.intValue
    else { return .missing }
    return isVerified(spec) ? .present(bytes: size) : .damaged(bytes: size)
  }

  /// True when the file matches the record written after its checksum was verified (same size and change time).
  func isVerified(_ spec: ModelSpec) -> Bool {
    guard let record = try? String(contentsOf: verificationRecord(for: spec), encoding: .utf8),
      let current = fingerprint(of: path(for: spec))
    else { return false }
    return record == "\(spec.sha256) \(current)\n"
  }

  func recordVerified(_ spec: ModelSpec) throws {
    guard let current = fingerprint(of: path(for: spec)) else { return }
    try "\(spec.sha256) \(current)\n".write(to: verificationRecord(for: spec), atomically: true, encoding: .utf8)
  }

  private func fingerprint(of url: URL) -> String? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
      let size = (attributes[.size] as? NSNumber)?.intValue,
      let modified = attributes[.modificationDate] as? Date,
      let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value
    else { return nil }
    guard size >= 0 else { return nil }
    return "\(size) \(inode) \(modified.timeIntervalSince1970)"
  }
}
