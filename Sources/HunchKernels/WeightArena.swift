#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One anonymous mapping for a model's weights, asked to live on 2 MB pages (Linux's transparent huge pages, where
/// the system grants them). Decoding streams every weight once per token; on 4 KB pages each stream crosses a page
/// every few tiles and pays a TLB miss there (one thread over 300 interleaved Q5_0 896x896 matrices: 21-30 GB/s on
/// 4 KB pages, 29-33 GB/s on 2 MB pages). Memory is handed out once, 64-byte aligned, and freed with the arena.
public final class WeightArena: @unchecked Sendable {
  public let capacity: Int
  private let mapping: UnsafeMutableRawPointer  // (mappedBytes): the start is 2 MB aligned inside it
  private let mappedBytes: Int
  private let base: UnsafeMutableRawPointer  // (capacity)
  private var used = 0

  static let hugePageBytes = 2 << 20

  public init(capacity: Int) throws(KernelError) {
    guard capacity > 0 else { throw KernelError(.badShape, "an arena of \(capacity) bytes") }
    let huge = Self.hugePageBytes
    let rounded = (capacity + huge - 1) / huge * huge
    mappedBytes = rounded + huge  // room to move the start to a 2 MB boundary
    let address = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    guard let address, address != MAP_FAILED else {
      throw KernelError(
        .outOfMemory, "cannot map \(mappedBytes) bytes for weights: \(String(cString: strerror(errno)))")
    }
    mapping = address
    let offset = (huge - Int(bitPattern: address) % huge) % huge
    base = address + offset
    self.capacity = rounded
    #if os(Linux)
      _ = madvise(base, rounded, Int32(MADV_HUGEPAGE))  // advice only: 4 KB pages still work
    #endif
  }

  deinit { munmap(mapping, mappedBytes) }

  /// `bytes` of the arena (64-byte aligned), or an error when it is full.
  public func allocate(bytes: Int) throws(KernelError) -> UnsafeMutableRawPointer {
    let start = (used + 63) / 64 * 64
    guard bytes >= 0, start + bytes <= capacity else {
      throw KernelError(.outOfMemory, "\(bytes) bytes do not fit the arena (\(capacity - used) left)")
    }
    used = start + bytes
    return base + start
  }

  /// Bytes an arena needs for allocations of these sizes (each rounded up to 64).
  public static func capacity(for sizes: [Int]) -> Int { sizes.reduce(0) { $0 + ($1 + 63) / 64 * 64 } }
}
