import Foundation
import HunchGGUF
import HunchKernels

/// Builds GGUF files byte by byte for tests: valid ones from metadata and tensors, and malformed ones by letting a
/// test write any field it likes (wrong counts, bad lengths, unknown types) through the low-level appenders.
public struct GGUFBuilder {
  public struct Tensor {
    public var name: String
    public var dimensions: [Int]
    public var type: TensorType
    public var data: [UInt8]
    /// Offset to write instead of the computed one (for malformed files).
    public var offsetOverride: UInt64?

    public init(name: String, dimensions: [Int], type: TensorType, data: [UInt8], offsetOverride: UInt64? = nil) {
      self.name = name
      self.dimensions = dimensions
      self.type = type
      self.data = data
      self.offsetOverride = offsetOverride
    }

    /// An F32 tensor holding `values`.
    public static func float32(_ name: String, dimensions: [Int], values: [Float]) -> Tensor {
      var bytes: [UInt8] = []
      for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
      return Tensor(name: name, dimensions: dimensions, type: .f32, data: bytes)
    }
  }

  public var version: UInt32 = 3
  public var metadata: [(String, GGUFValue)] = []
  public var tensors: [Tensor] = []
  public var alignment = 32

  public init() {}

  public init(metadata: [(String, GGUFValue)], tensors: [Tensor] = []) {
    self.metadata = metadata
    self.tensors = tensors
  }

  /// The whole file.
  public func build() -> [UInt8] {
    var out: [UInt8] = []
    Self.append(UInt32(GGUFFile.magic), to: &out)
    Self.append(version, to: &out)
    Self.append(UInt64(tensors.count), to: &out)
    Self.append(UInt64(metadata.count), to: &out)
    for (key, value) in metadata {
      Self.appendString(key, to: &out)
      Self.append(value.type.rawValue, to: &out)
      Self.appendValue(value, to: &out)
    }
    var offset = 0
    var offsets: [Int] = []
    for tensor in tensors {
      offsets.append(offset)
      offset += (tensor.data.count + alignment - 1) / alignment * alignment
    }
    for (tensor, computed) in zip(tensors, offsets) {
      Self.appendString(tensor.name, to: &out)
      Self.append(UInt32(tensor.dimensions.count), to: &out)
      for d in tensor.dimensions { Self.append(UInt64(d), to: &out) }
      Self.append(tensor.type.rawValue, to: &out)
      Self.append(tensor.offsetOverride ?? UInt64(computed), to: &out)
    }
    while out.count % alignment != 0 { out.append(0) }
    for tensor in tensors {
      out.append(contentsOf: tensor.data)
      while out.count % alignment != 0 { out.append(0) }
    }
    return out
  }

  /// Writes the file into a fresh temporary folder and returns its path.
  public func write(name: String = "model.gguf") throws -> String {
    try Self.writeTemporary(build(), name: name)
  }

  /// One folder per test process, removed when the process exits, so test runs do not pile files up in /tmp.
  private static let processFolder: URL = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-tests-\(getpid())")
    atexit {
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-tests-\(getpid())")
      try? FileManager.default.removeItem(at: folder)
    }
    return folder
  }()

  public static func writeTemporary(_ bytes: [UInt8], name: String = "model.gguf") throws -> String {
    let folder = processFolder.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  // MARK: Low-level appenders

  public static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
  }

  public static func appendString(_ s: String, to out: inout [UInt8]) {
    append(UInt64(s.utf8.count), to: &out)
    out.append(contentsOf: s.utf8)
  }

  public static func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
    switch value {
    case .uint8(let v): append(v, to: &out)
    case .int8(let v): append(v, to: &out)
    case .uint16(let v): append(v, to: &out)
    case .int16(let v): append(v, to: &out)
    case .uint32(let v): append(v, to: &out)
    case .int32(let v): append(v, to: &out)
    case .uint64(let v): append(v, to: &out)
    case .int64(let v): append(v, to: &out)
    case .float32(let v): append(v.bitPattern, to: &out)
    case .float64(let v): append(v.bitPattern, to: &out)
    case .bool(let v): out.append(v ? 1 : 0)
    case .string(let s): appendString(s, to: &out)
    case .array(let a): appendArray(a, to: &out)
    }
  }

  public static func appendArray(_ array: GGUFArray, to out: inout [UInt8]) {
    append(array.elementType.rawValue, to: &out)
    append(UInt64(array.count), to: &out)
    switch array {
    case .strings(let v): for s in v { appendString(s, to: &out) }
    case .arrays(let v): for a in v { appendArray(a, to: &out) }
    case .unsigned64(let v): for x in v { append(x, to: &out) }
    case .floats(let type, let v):
      for x in v {
        if type == .float32 { append(Float(x).bitPattern, to: &out) } else { append(x.bitPattern, to: &out) }
      }
    case .integers(let type, let v):
      for x in v {
        switch type {
        case .uint8, .bool: append(UInt8(truncatingIfNeeded: x), to: &out)
        case .int8: append(Int8(truncatingIfNeeded: x), to: &out)
        case .uint16: append(UInt16(truncatingIfNeeded: x), to: &out)
        case .int16: append(Int16(truncatingIfNeeded: x), to: &out)
        case .uint32: append(UInt32(truncatingIfNeeded: x), to: &out)
        case .int32: append(Int32(truncatingIfNeeded: x), to: &out)
        default: append(x, to: &out)
        }
      }
    }
  }
}
