import Foundation

/// Fetches a catalog model into the store and verifies it before it can be used.
///
/// The bytes are assembled in a temporary file beside the final one, checked for size and SHA-256, and only then
/// renamed over it: an interrupted or corrupt pull leaves no half file and keeps a good older copy.
public struct ModelPuller: Sendable {
  public let store: ModelStore
  public let source: any PayloadSource

  public init(store: ModelStore, source: any PayloadSource) {
    self.store = store
    self.source = source
  }

  public enum Outcome: Sendable, Equatable {
    case alreadyPresent(URL)
    case pulled(URL)
  }

  /// Makes sure the model is in the store, verified. `force` fetches again even when a verified copy exists.
  public func pull(_ spec: ModelSpec, force: Bool = false, log: (String) -> Void = { _ in }) throws(ProvisioningError)
    -> Outcome
  {
    try ModelCatalog.validate(name: spec.name)
    let final = store.path(for: spec)
    let fm = FileManager.default
    do {
      try fm.createDirectory(at: store.directory, withIntermediateDirectories: true)
    } catch {
      throw ProvisioningError(.fileSystem, "cannot create \(store.directory.path)", cause: "\(error)")
    }
    let lock = try PullLock(directory: store.directory, name: spec.name)
    defer { lock.release() }

    if !force, store.isVerified(spec) { return .alreadyPresent(final) }
    // A copy without a record (pulled by an older version, or copied in by hand) is verified once, not re-fetched.
    if !force, fm.fileExists(atPath: final.path), (try? verify(spec, at: final)) != nil {
      try? store.recordVerified(spec)
      return .alreadyPresent(final)
    }

    // Leftovers of an interrupted pull of this model (we hold its lock, so none is in progress).
    let partialPrefix = ".\(spec.fileName).partial-"
    let workPrefix = ".pull-\(spec.name)-"
    for leftover in (try? fm.contentsOfDirectory(atPath: store.directory.path)) ?? []
    where leftover.hasPrefix(partialPrefix) || leftover.hasPrefix(workPrefix) {
      try? fm.removeItem(at: store.directory.appendingPathComponent(leftover))
    }

    let token = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let partial = store.directory.appendingPathComponent(partialPrefix + token)
    let work = store.directory.appendingPathComponent(workPrefix + token, isDirectory: true)
    defer {
      try? fm.removeItem(at: work)
      try? fm.removeItem(at: partial)
    }
    do {
      try fm.createDirectory(at: work, withIntermediateDirectories: true)
    } catch {
      throw ProvisioningError(.fileSystem, "cannot create a work folder in \(store.directory.path)", cause: "\(error)")
    }
    log("fetching \(spec.name) (\(spec.byteCount / 1_000_000) MB) …")
    try source.writePayload(of: spec, to: partial, workDirectory: work)
    log("verifying \(spec.name) …")
    try verify(spec, at: partial)
    guard rename(partial.path, final.path) == 0 else {
      throw ProvisioningError(
        .fileSystem, "cannot move the verified model into place at \(final.path)",
        cause: String(cString: strerror(errno)))
    }
    try? store.recordVerified(spec)
    return .pulled(final)
  }

  /// Checks size, then SHA-256.
  public func verify(_ spec: ModelSpec, at url: URL) throws(ProvisioningError) {
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? -1
    guard size == spec.byteCount else {
      throw ProvisioningError(
        .sizeMismatch, "\(spec.name): got \(size) bytes, expected \(spec.byteCount); the download is incomplete or wrong")
    }
    let digest = try Self.sha256(of: url)
    guard digest == spec.sha256 else {
      throw ProvisioningError(
        .checksumMismatch, "\(spec.name): SHA-256 is \(digest), expected \(spec.sha256); refusing a corrupt file")
    }
  }

  public static func sha256(of url: URL) throws(ProvisioningError) -> String {
    guard let handle = try? FileHandle(forReadingFrom: url) else {
      throw ProvisioningError(.fileSystem, "cannot read \(url.path)")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while true {
      let chunk: Data
      do {
        chunk = try handle.read(upToCount: 4 << 20) ?? Data()
      } catch {
        throw ProvisioningError(.fileSystem, "cannot read \(url.path)", cause: "\(error)")
      }
      if chunk.isEmpty { break }
      chunk.withUnsafeBytes { hasher.update($0) }
    }
    return hasher.finalizeHex()
  }
}

/// An advisory lock per model name, so two pulls of the same model do not trample each other.
struct PullLock {
  private let descriptor: Int32

  init(directory: URL, name: String) throws(ProvisioningError) {
    let path = directory.appendingPathComponent(".\(name).lock").path
    descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw ProvisioningError(
        .fileSystem, "cannot create a lock file in \(directory.path)", cause: String(cString: strerror(errno)))
    }
    guard flock(descriptor, LOCK_EX) == 0 else {
      close(descriptor)
      throw ProvisioningError(.fileSystem, "cannot lock \(path)", cause: String(cString: strerror(errno)))
    }
  }

  func release() {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
