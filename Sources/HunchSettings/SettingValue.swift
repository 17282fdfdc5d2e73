/// A value read from a settings source: the TOML file, or the JSON an editor sends (`initializationOptions`,
/// `workspace/didChangeConfiguration`). Both map onto this one tree so that one set of rules reads them.
public enum SettingValue: Sendable, Equatable {
  case string(String)
  case integer(Int)
  case float(Double)
  case boolean(Bool)
  case array([SettingValue])
  case table([String: SettingValue])

  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  /// Integers, and floats that hold a whole number (JSON has one number type; `2.0` from an editor means 2).
  public var integerValue: Int? {
    switch self {
    case .integer(let value): return value
    case .float(let value) where value.rounded() == value && abs(value) < 1e15: return Int(value)
    default: return nil
    }
  }

  public var boolValue: Bool? {
    if case .boolean(let value) = self { return value }
    return nil
  }

  public var tableValue: [String: SettingValue]? {
    if case .table(let value) = self { return value }
    return nil
  }

  /// A short name of the value's type for messages ("expected an integer, found a string").
  public var typeName: String {
    switch self {
    case .string: return "a string"
    case .integer: return "an integer"
    case .float: return "a number"
    case .boolean: return "a boolean"
    case .array: return "an array"
    case .table: return "a table"
    }
  }
}
