/// The Unicode facts the pre-tokenizers split on, packed as bit flags per code point.
///
/// Letters are general category L*, numbers N*, and whitespace is the Unicode White_Space set (the same 25 code
/// points `\s` matches in the reference tokenizers). Every other code point, assigned or not, has no flag set.
struct CharacterClass: OptionSet, Sendable {
  let rawValue: UInt8

  static let letter = CharacterClass(rawValue: 1)
  static let number = CharacterClass(rawValue: 2)
  static let whitespace = CharacterClass(rawValue: 4)
  /// A position past the end of the text being split: matches nothing, not even "anything else".
  static let outside = CharacterClass(rawValue: 0x80)

  static let letterNumberOrSpace: CharacterClass = [.letter, .number, .whitespace]

  /// Classes of the ASCII code points, looked up instead of asking the Unicode tables. (128)
  private static let ascii: [CharacterClass] = (0..<128).map { classify(UInt32($0)) }

  static func of(_ codePoint: UInt32) -> CharacterClass {
    codePoint < 128 ? ascii[Int(codePoint)] : classify(codePoint)
  }

  private static func classify(_ codePoint: UInt32) -> CharacterClass {
    if isWhitespace(codePoint) { return .whitespace }
    guard let scalar = Unicode.Scalar(codePoint) else { return [] }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
    case .decimalNumber, .letterNumber, .otherNumber: return .number
    default: return []
    }
  }

  /// Unicode White_Space, spelled out so the split does not depend on how a platform defines "space".
  static func isWhitespace(_ codePoint: UInt32) -> Bool {
    switch codePoint {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
  }
}
