/// The value types of GGUF metadata, numbered as on disk.
public enum GGUFValueType: UInt32, Sendable {
  case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

  /// Bytes one element takes on disk, for the fixed-size types.
  var fixedSize: Int? {
    switch self {
    case .uint8, .int8, .bool: return 1
    case .uint16, .int16: return 2
    case .uint32, .int32, .float32: return 4
    case .uint64, .int64, .float64: return 8
    case .string, .array: return nil
    }
  }
}

/// One metadata value. Arrays keep their elements typed so that 150k-entry vocabularies stay compact.
public enum GGUFValue: Sendable, Equatable {
  case uint8(UInt8)
  case int8(Int8)
  case uint16(UInt16)
  case int16(Int16)
  case uint32(UInt32)
  case int32(Int32)
  case float32(Float)
  case bool(Bool)
  case string(String)
  case array(GGUFArray)
  case uint64(UInt64)
  case int64(Int64)
  case float64(Double)

  public var type: GGUFValueType {
    switch self {
    case .uint8: return .uint8
    case .int8: return .int8
    case .uint16: return .uint16
    case .int16: return .int16
    case .uint32: return .uint32
    case .int32: return .int32
    case .float32: return .float32
    case .bool: return .bool
    case .string: return .string
    case .array: return .array
    case .uint64: return .uint64
    case .int64: return .int64
    case .float64: return .float64
    }
  }

  /// The value as an integer, for any integer type that fits in `Int`.
  public var intValue: Int? {
    switch self {
    case .uint8(let v): return Int(v)
    case .int8(let v): return Int(v)
    case .uint16(let v): return Int(v)
    case .int16(let v): return Int(v)
    case .uint32(let v): return Int(v)
    case .int32(let v): return Int(v)
    case .uint64(let v): return v <= UInt64(Int.max) ? Int(v) : nil
    case .int64(let v): return Int(v)
    default: return nil
    }
  }

  /// The value as a floating-point number, for float and integer types.
  public var doubleValue: Double? {
    switch self {
    case .float32(let v): return Double(v)
    case .float64(let v): return v
    default: return intValue.map(Double.init)
    }
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  public var arrayValue: GGUFArray? {
    if case .array(let a) = self { return a }
    return nil
  }
}

/// A typed GGUF array.
public enum GGUFArray: Sendable, Equatable {
  case integers(GGUFValueType, [Int64])  // every integer and bool element type, widened
  case unsigned64([UInt64])
  case floats(GGUFValueType, [Double])
  case strings([String])
  case arrays([GGUFArray])

  public var count: Int {
    switch self {
    case .integers(_, let v): return v.count
    case .unsigned64(let v): return v.count
    case .floats(_, let v): return v.count
    case .strings(let v): return v.count
    case .arrays(let v): return v.count
    }
  }

  public var elementType: GGUFValueType {
    switch self {
    case .integers(let t, _): return t
    case .unsigned64: return .uint64
    case .floats(let t, _): return t
    case .strings: return .string
    case .arrays: return .array
    }
  }
}
