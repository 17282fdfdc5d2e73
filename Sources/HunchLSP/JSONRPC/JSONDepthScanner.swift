/// Measures how deeply a JSON text nests arrays and objects, without parsing it.
///
/// Foundation's JSON parsers recurse once per level, so a hostile body nested 100,000 deep would overflow the stack;
/// we look first and refuse anything deeper than a limit. Brackets inside strings do not count.
public enum JSONDepthScanner {
  /// The deepest nesting in `bytes`, or stops early and returns a value above `limit` as soon as it is exceeded.
  public static func maximumDepth(of bytes: UnsafeRawBufferPointer, limit: Int) -> Int {
    var depth = 0
    var deepest = 0
    var inString = false
    var escaped = false
    for byte in bytes {
      if inString {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""):
        inString = true
      case UInt8(ascii: "["), UInt8(ascii: "{"):
        depth += 1
        if depth > deepest {
          deepest = depth
          if deepest > limit { return deepest }
        }
      case UInt8(ascii: "]"), UInt8(ascii: "}"):
        depth -= 1
      default:
        break
      }
    }
    return deepest
  }
}
