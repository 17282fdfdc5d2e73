import HunchKernels

/// Where one tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Sendable, Equatable {
  public let name: String
  /// Dimensions, innermost first (ggml's `ne`): a weight matrix of `rows` × `columns` is `[columns, rows]`.
  public let dimensions: [Int]
  public let type: TensorType
  /// Offset of the data from the start of the file.
  public let fileOffset: Int
  public let byteCount: Int

  public var elementCount: Int { dimensions.reduce(1, *) }
}

/// A parsed, validated GGUF file (versions 2 and 3) whose tensor data stays memory-mapped.
public final class GGUFFile: @unchecked Sendable {
  public static let magic: UInt32 = 0x4655_4747  // "GGUF" read as little-endian u32
  public static let defaultAlignment = 32
  public static let maximumAlignment = 1 << 20
  public static let maximumDimensions = 4
  static let maximumNesting = 4

  public let version: UInt32
  /// Metadata in file order.
  public let metadataKeys: [String]
  public let metadata: [String: GGUFValue]
  /// Tensor infos in file order.
  public let tensors: [GGUFTensorInfo]
  public let alignment: Int
  public let dataOffset: Int
  public let file: MappedFile
  private let tensorIndex: [String: Int]

  public var path: String { file.path }
  public var fileSize: Int { file.bytes.count }

  /// Maps and parses the file at `path`, refusing anything malformed.
  public convenience init(path: String) throws(GGUFError) {
    try self.init(file: try MappedFile(path: path))
  }

  public init(file: MappedFile) throws(GGUFError) {
    self.file = file
    var reader = ByteReader(file.bytes)

    guard file.bytes.count >= 4 else { throw GGUFError(.truncated, "file is too short to be GGUF", offset: 0) }
    let magic = try reader.read(UInt32.self, "the magic number")
    guard magic == Self.magic else {
      throw GGUFError(.badMagic, "not a GGUF file (the first four bytes are not \"GGUF\")", offset: 0)
    }
    version = try reader.read(UInt32.self, "the version")
    guard version == 2 || version == 3 else {
      throw GGUFError(.unsupportedVersion, "GGUF version \(version) is not supported (2 and 3 are)", offset: 4)
    }
    let tensorCount = try reader.read(UInt64.self, "the tensor count")
    let keyCount = try reader.read(UInt64.self, "the metadata count")
    // A key-value pair takes at least 12 bytes (empty key, type, smallest value) and a tensor info at least 24.
    guard keyCount <= UInt64(reader.remaining / 13) else {
      throw GGUFError(.countTooLarge, "metadata count \(keyCount) cannot fit in the file", offset: 16)
    }
    guard tensorCount <= UInt64(reader.remaining / 24) else {
      throw GGUFError(.countTooLarge, "tensor count \(tensorCount) cannot fit in the file", offset: 8)
    }

    var keys: [String] = []
    var values: [String: GGUFValue] = [:]
    keys.reserveCapacity(Int(keyCount))
    for index in 0..<Int(keyCount) {
      let keyOffset = reader.offset
      let key = try reader.readStrictString("metadata key #\(index)")
      guard values[key] == nil else {
        throw GGUFError(.duplicateKey, "metadata key \"\(key)\" appears twice", offset: keyOffset)
      }
      let value = try Self.readValue(&reader, key: key, depth: 0)
      keys.append(key)
      values[key] = value
    }
    metadataKeys = keys
    metadata = values

    var alignment = Self.defaultAlignment
    if let declared = values["general.alignment"] {
      guard case .uint32(let a) = declared else {
        throw GGUFError(.badAlignment, "general.alignment must be a u32, found \(declared.type)")
      }
      guard a > 0, a & (a - 1) == 0, Int(a) <= Self.maximumAlignment else {
        throw GGUFError(.badAlignment, "general.alignment \(a) is not a power of two up to \(Self.maximumAlignment)")
      }
      alignment = Int(a)
    }
    self.alignment = alignment

    struct RawInfo {
      var name: String
      var dimensions: [Int]
      var type: TensorType
      var relativeOffset: Int
      var byteCount: Int
      var at: Int
    }
    var raw: [RawInfo] = []
    raw.reserveCapacity(Int(tensorCount))
    var index: [String: Int] = [:]
    for number in 0..<Int(tensorCount) {
      let at = reader.offset
      let name = try reader.readStrictString("the name of tensor #\(number)")
      guard index[name] == nil else {
        throw GGUFError(.duplicateTensor, "tensor \"\(name)\" appears twice", offset: at)
      }
      let dimensionCount = try reader.read(UInt32.self, "the dimension count of \(name)")
      guard dimensionCount >= 1, dimensionCount <= UInt32(Self.maximumDimensions) else {
        throw GGUFError(
          .badDimensions, "tensor \(name) has \(dimensionCount) dimensions (1 to \(Self.maximumDimensions) allowed)",
          offset: at)
      }
      var dimensions: [Int] = []
      var elements = 1
      for _ in 0..<dimensionCount {
        let d = try reader.read(UInt64.self, "the dimensions of \(name)")
        guard d >= 1, d <= UInt64(Int32.max) * 16 else {
          throw GGUFError(.badDimensions, "tensor \(name) has dimension \(d)", offset: at)
        }
        let (product, overflow) = elements.multipliedReportingOverflow(by: Int(d))
        guard !overflow, product <= Int(Int64.max / 8) else {
          throw GGUFError(.sizeOverflow, "tensor \(name) has too many elements", offset: at)
        }
        elements = product
        dimensions.append(Int(d))
      }
      let typeCode = try reader.read(UInt32.self, "the type of \(name)")
      guard let type = TensorType(rawValue: typeCode) else {
        throw GGUFError(.unknownTensorType, "tensor \(name) has unknown type \(typeCode)", offset: at)
      }
      guard dimensions[0] % type.blockSize == 0 else {
        throw GGUFError(
          .rowNotWholeBlocks,
          "tensor \(name): row length \(dimensions[0]) is not a multiple of the \(type) block size \(type.blockSize)",
          offset: at)
      }
      guard let byteCount = type.byteCount(elements: elements) else {
        throw GGUFError(.sizeOverflow, "tensor \(name): byte size overflows", offset: at)
      }
      let relative = try reader.read(UInt64.self, "the offset of \(name)")
      guard relative <= UInt64(Int.max / 2) else {
        throw GGUFError(.tensorOutOfBounds, "tensor \(name) has offset \(relative) beyond any file", offset: at)
      }
      guard Int(relative) % alignment == 0 else {
        throw GGUFError(
          .tensorMisaligned, "tensor \(name) at offset \(relative) is not aligned to \(alignment) bytes", offset: at)
      }
      index[name] = raw.count
      raw.append(
        RawInfo(
          name: name, dimensions: dimensions, type: type, relativeOffset: Int(relative), byteCount: byteCount, at: at))
    }

    // Tensor data starts at the next multiple of the alignment after the infos.
    let infoEnd = reader.offset
    let (padded, overflow) = infoEnd.addingReportingOverflow(alignment - 1)
    guard !overflow else { throw GGUFError(.sizeOverflow, "data offset overflows", offset: infoEnd) }
    let dataOffset = padded / alignment * alignment
    self.dataOffset = dataOffset
    let fileSize = file.bytes.count
    if !raw.isEmpty && dataOffset > fileSize {
      throw GGUFError(.truncated, "file ends before its tensor data begins", offset: fileSize)
    }

    var infos: [GGUFTensorInfo] = []
    infos.reserveCapacity(raw.count)
    for r in raw {
      let start = dataOffset + r.relativeOffset
      let (end, overflow) = start.addingReportingOverflow(r.byteCount)
      guard !overflow, end <= fileSize else {
        throw GGUFError(
          .tensorOutOfBounds,
          "tensor \(r.name) (\(r.byteCount) bytes at \(start)) runs past the end of the file (\(fileSize) bytes)",
          offset: r.at)
      }
      infos.append(
        GGUFTensorInfo(name: r.name, dimensions: r.dimensions, type: r.type, fileOffset: start, byteCount: r.byteCount))
    }
    let byStart = infos.sorted { $0.fileOffset < $1.fileOffset }
    for (a, b) in zip(byStart, byStart.dropFirst()) where a.fileOffset + a.byteCount > b.fileOffset {
      throw GGUFError(.tensorsOverlap, "tensors \(a.name) and \(b.name) overlap")
    }
    tensors = infos
    tensorIndex = index
  }

  private static func readValue(_ reader: inout ByteReader, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
    let at = reader.offset
    let code = try reader.read(UInt32.self, "the type of \(key)")
    guard let type = GGUFValueType(rawValue: code) else {
      throw GGUFError(.unknownValueType, "metadata \(key) has unknown value type \(code)", offset: at)
    }
    return try readValue(&reader, type: type, key: key, depth: depth)
  }

  private static func readValue(
    _ reader: inout ByteReader, type: GGUFValueType, key: String, depth: Int
  ) throws(GGUFError) -> GGUFValue {
    switch type {
    case .uint8: return .uint8(try reader.read(UInt8.self, key))
    case .int8: return .int8(try reader.read(Int8.self, key))
    case .uint16: return .uint16(try reader.read(UInt16.self, key))
    case .int16: return .int16(try reader.read(Int16.self, key))
    case .uint32: return .uint32(try reader.read(UInt32.self, key))
    case .int32: return .int32(try reader.read(Int32.self, key))
    case .uint64: return .uint64(try reader.read(UInt64.self, key))
    case .int64: return .int64(try reader.read(Int64.self, key))
    case .float32: return .float32(try reader.readFloat(key))
    case .float64: return .float64(try reader.readDouble(key))
    case .bool:
      let at = reader.offset
      let byte = try reader.read(UInt8.self, key)
      guard byte <= 1 else { throw GGUFError(.wrongValueType, "metadata \(key): bool byte is \(byte)", offset: at) }
      return .bool(byte == 1)
    case .string: return .string(try reader.readString("the value of \(key)"))
    case .array: return .array(try readArray(&reader, key: key, depth: depth + 1))
    }
  }

  private static func readArray(_ reader: inout ByteReader, key: String, depth: Int) throws(GGUFError) -> GGUFArray {
    let at = reader.offset
    guard depth <= maximumNesting else {
      throw GGUFError(.nestingTooDeep, "metadata \(key): arrays nested deeper than \(maximumNesting)", offset: at)
    }
    let code = try reader.read(UInt32.self, "the element type of \(key)")
    guard let elementType = GGUFValueType(rawValue: code) else {
      throw GGUFError(.unknownValueType, "metadata \(key): unknown array element type \(code)", offset: at)
    }
    let count = try reader.read(UInt64.self, "the length of \(key)")
    // Strings take at least 8 bytes each, arrays at least 12; fixed types their size.
    let minimumElementSize = elementType.fixedSize ?? (elementType == .string ? 8 : 12)
    guard count <= UInt64(reader.remaining / minimumElementSize) else {
      throw GGUFError(
        .countTooLarge, "metadata \(key): array of \(count) elements cannot fit in the \(reader.remaining) bytes left",
        offset: at)
    }
    let n = Int(count)
    switch elementType {
    case .string:
      var strings: [String] = []
      strings.reserveCapacity(n)
      for i in 0..<n { strings.append(try reader.readString("element \(i) of \(key)")) }
      return .strings(strings)
    case .array:
      var arrays: [GGUFArray] = []
      for _ in 0..<n { arrays.append(try readArray(&reader, key: key, depth: depth + 1)) }
      return .arrays(arrays)
    case .float32, .float64:
      var values = [Double](repeating: 0, count: n)
      for i in 0..<n {
        values[i] = elementType == .float32 ? Double(try reader.readFloat(key)) : try reader.readDouble(key)
      }
      return .floats(elementType, values)
    case .uint64:
      var values = [UInt64](repeating: 0, count: n)
      for i in 0..<n { values[i] = try reader.read(UInt64.self, key) }
      return .unsigned64(values)
    case .uint8, .int8, .uint16, .int16, .uint32, .int32, .int64, .bool:
      var values = [Int64](repeating: 0, count: n)
      for i in 0..<n {
        switch elementType {
        case .uint8, .bool: values[i] = Int64(try reader.read(UInt8.self, key))
        case .int8: values[i] = Int64(try reader.read(Int8.self, key))
        case .uint16: values[i] = Int64(try reader.read(UInt16.self, key))
        case .int16: values[i] = Int64(try reader.read(Int16.self, key))
        case .uint32: values[i] = Int64(try reader.read(UInt32.self, key))
        case .int32: values[i] = Int64(try reader.read(Int32.self, key))
        default: values[i] = try reader.read(Int64.self, key)
        }
      }
      return .integers(elementType, values)
    }
  }

  // MARK: Tensors

  public func tensor(named name: String) -> GGUFTensorInfo? {
    tensorIndex[name].map { tensors[$0] }
  }

  /// The bytes of a tensor, inside the mapping.
  public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: file.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)])
  }
}
