#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file mapped read-only into memory. The mapping lives as long as this object.
///
/// Read-only and private: the process can never write to the model file. The size and identity seen at open are kept
/// so that `checkUnchanged()` can tell when the file was truncated or replaced under us (touching pages past a
/// truncation would raise SIGBUS, so callers check before long work).
public final class MappedFile: @unchecked Sendable {
  public let path: String
  public let bytes: UnsafeRawBufferPointer
  private let fileDescriptor: Int32
  private let device: UInt64
  private let inode: UInt64
  private let modificationSeconds: Int

  public init(path: String) throws(GGUFError) {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw GGUFError(.cannotOpen, "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw GGUFError(.cannotOpen, "cannot read the size of \(path): \(reason)")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw GGUFError(.cannotOpen, "\(path) is not a regular file")
    }
    let size = Int(info.st_size)
    guard size > 0 else {
      close(fd)
      throw GGUFError(.truncated, "\(path) is empty", offset: 0)
    }
    let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let address, address != MAP_FAILED else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw GGUFError(.cannotOpen, "cannot map \(path): \(reason)")
    }
    self.fileDescriptor = fd
    self.bytes = UnsafeRawBufferPointer(start: address, count: size)
    self.device = UInt64(info.st_dev)
    self.inode = UInt64(info.st_ino)
    self.modificationSeconds = Int(info.st_mtim.tv_sec)
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    close(fileDescriptor)
  }

  /// Drops this process's copies of the whole pages inside `range` (a part of `bytes`) once their contents live
  /// elsewhere, so they stop counting as resident. Reading them again is still valid: it faults them back in from the
  /// file.
  public func evict(_ range: UnsafeRawBufferPointer) {
    guard let start = range.baseAddress, let base = bytes.baseAddress else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let low = max(Int(bitPattern: start), Int(bitPattern: base))
    let high = min(Int(bitPattern: start) + range.count, Int(bitPattern: base) + bytes.count)
    let first = (low + page - 1) / page * page, last = high / page * page
    guard last > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
    _ = madvise(address, last - first, Int32(MADV_DONTNEED))
  }

  /// Throws when the file on disk is no longer the one mapped (shorter, replaced, or rewritten).
  public func checkUnchanged() throws(GGUFError) {
    var open = stat()
    guard fstat(fileDescriptor, &open) == 0, Int(open.st_size) >= bytes.count else {
      throw GGUFError(.truncated, "\(path) was truncated while in use; reload the model")
    }
    var onDisk = stat()
    if stat(path, &onDisk) != 0 || UInt64(onDisk.st_ino) != inode || UInt64(onDisk.st_dev) != device {
      throw GGUFError(.cannotOpen, "\(path) was replaced or removed while in use; reload the model")
    }
    if Int(open.st_mtim.tv_sec) != modificationSeconds {
      throw GGUFError(.cannotOpen, "\(path) was modified while in use; reload the model")
    }
  }
}
