/// A key/value cache that can be cut back to any earlier length: speculative decoding rolls back rejected drafts and
/// prompt reuse keeps only the common prefix.
public protocol TrimmableKVCache: AnyObject {
  /// Positions filled, 0 ..< length.
  var length: Int { get }
  var capacity: Int { get }
  /// Forgets every position at or after `newLength`.
  func trim(to newLength: Int)
}

/// Keys and values of every layer, for up to `capacity` positions, sized from the context asked for (not the model's
/// trained maximum). Stored in half precision (IEEE binary16 bit patterns), as llama.cpp's F16 cache does: attention
/// at long context reads the whole cache per token, so half the bytes is half that traffic and memory.
public final class KVCache: TrimmableKVCache, @unchecked Sendable {
  public let layers: Int
  public let capacity: Int
  public let kvDimension: Int
  public private(set) var length = 0
  let keys: UnsafeMutablePointer<UInt16>  // (layer, position, kvDimension) halves
  let values: UnsafeMutablePointer<UInt16>  // (layer, position, kvDimension) halves

  public init(config: ModelConfig, capacity: Int) {
    layers = config.layers
    self.capacity = max(1, capacity)
    kvDimension = config.kvDimension
    let count = layers * self.capacity * kvDimension
    keys = .allocate(capacity: count)
    values = .allocate(capacity: count)
    keys.initialize(repeating: 0, count: count)
    values.initialize(repeating: 0, count: count)
  }

  deinit {
    keys.deallocate()
    values.deallocate()
  }

  /// Bytes held by the cache.
  public var byteCount: Int { 2 * layers * capacity * kvDimension * MemoryLayout<UInt16>.size }

  public func trim(to newLength: Int) {
    length = max(0, min(newLength, length))
  }

  func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
    keys + (layer * capacity + position) * kvDimension
  }

  func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
    values + (layer * capacity + position) * kvDimension
  }

  /// Marks positions up to `newLength` as filled (the forward pass writes them first).
  func commit(length newLength: Int) {
    length = newLength
  }
}
