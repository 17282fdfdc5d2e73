/// Reads TOML 1.0 documents into `SettingValue` tables: comments, bare, quoted and dotted keys, `[table]` and
/// `[[array of tables]]` headers, the four string forms with their escapes, integers (decimal, hex, octal, binary,
/// `_` separators), floats (`inf`, `nan`), booleans, arrays over several lines and inline tables. Dates and times
/// are refused with a clear message: no setting of Hunch takes one.
///
/// Errors carry the 1-based line. Input is bounded by the caller (settings files are small); nesting of arrays and
/// inline tables is capped so that a hostile file cannot exhaust the stack.
public struct TOMLParser {
  private let bytes: [UInt8]
  private var index = 0
  private var line = 1
  private var root: [String: SettingValue] = [:]
  /// The table that `key = value` lines go into, as a path from the root.
  private var currentTable: [String] = []
  /// Tables opened by a `[header]` (paths joined with U+0000), to refuse a second header for the same table.
  private var declaredTables: Set<String> = []
  /// Tables given by inline `{…}` or dotted keys, which no header may reopen.
  private var sealedTables: Set<String> = []
  private var depth = 0

  static let maximumNesting = 64

  /// Parses `text` into its root table.
  public static func parse(_ text: String) throws(SettingsError) -> [String: SettingValue] {
    var parser = TOMLParser(bytes: Array(text.utf8))
    return try parser.parseDocument()
  }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  // MARK: - Document

  private mutating func parseDocument() throws(SettingsError) -> [String: SettingValue] {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    while true {
      skipBlank()
      guard let byte = peek() else { break }
      switch byte {
      case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
        try consumeNewline()
      case UInt8(ascii: "#"):
        try skipComment()
      case UInt8(ascii: "["):
        try parseHeader()
        try finishLine()
      default:
        let key = try parseKey()
        skipBlank()
        try expect(UInt8(ascii: "="), "expected `=` after the key")
        skipBlank()
        let value = try parseValue()
        try assign(value, at: currentTable, key: key)
        try finishLine()
      }
    }
    return root
  }

  private mutating func parseHeader() throws(SettingsError) {
    index += 1
    let isArray = peek() == UInt8(ascii: "[")
    if isArray { index += 1 }
    skipBlank()
    let path = try parseKey()
    skipBlank()
    try expect(UInt8(ascii: "]"), "expected `]` to close the table header")
    if isArray { try expect(UInt8(ascii: "]"), "expected `]]` to close the array-of-tables header") }
    let name = path.joined(separator: "\u{0}")
    if sealedTables.contains(name) { throw error("table [\(path.joined(separator: "."))] is already defined") }
    if isArray {
      try appendTable(at: path)
    } else {
      guard declaredTables.insert(name).inserted else {
        throw error("table [\(path.joined(separator: "."))] is defined twice")
      }
      try ensureTable(at: path)
    }
    currentTable = path
  }

  /// After a value or header only blanks and a comment may follow on the line.
  private mutating func finishLine() throws(SettingsError) {
    skipBlank()
    guard let byte = peek() else { return }
    if byte == UInt8(ascii: "#") {
      try skipComment()
      return
    }
    guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else {
      throw error("unexpected \(describe(byte)) after the value; one key = value per line")
    }
    try consumeNewline()
  }

  // MARK: - Keys

  /// A dotted key: `a`, `a.b`, `"quoted key".c`.
  private mutating func parseKey() throws(SettingsError) -> [String] {
    var parts: [String] = []
    while true {
      skipBlank()
      guard let byte = peek() else { throw error("expected a key, found the end of the file") }
      switch byte {
      case UInt8(ascii: "\""):
        parts.append(try parseBasicString())
      case UInt8(ascii: "'"):
        parts.append(try parseLiteralString())
      default:
        let start = index
        while let c = peek(), Self.isBareKeyByte(c) { index += 1 }
        guard index > start else { throw error("expected a key, found \(describe(byte))") }
        parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
      }
      skipBlank()
      guard peek() == UInt8(ascii: ".") else { return parts }
      index += 1
    }
  }

  private static func isBareKeyByte(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
      || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
  }

  // MARK: - Values

  private mutating func parseValue() throws(SettingsError) -> SettingValue {
    guard let byte = peek() else { throw error("expected a value, found the end of the file") }
    switch byte {
    case UInt8(ascii: "\""):
      if starts(with: "\"\"\"") { return .string(try parseMultilineBasicString()) }
      return .string(try parseBasicString())
    case UInt8(ascii: "'"):
      if starts(with: "'''") { return .string(try parseMultilineLiteralString()) }
      return .string(try parseLiteralString())
    case UInt8(ascii: "["):
      return try nested { (parser: inout TOMLParser) throws(SettingsError) in try parser.parseArray() }
    case UInt8(ascii: "{"):
      return try nested { (parser: inout TOMLParser) throws(SettingsError) in try parser.parseInlineTable() }
    case UInt8(ascii: "t") where starts(with: "true"):
      index += 4
      return .boolean(true)
    case UInt8(ascii: "f") where starts(with: "false"):
      index += 5
      return .boolean(false)
    default:
      return try parseNumber()
    }
  }

  private mutating func nested(_ body: (inout TOMLParser) throws(SettingsError) -> SettingValue)
    throws(SettingsError) -> SettingValue
  {
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maximumNesting else { throw error("arrays and tables nest deeper than 64 levels") }
    return try body(&self)
  }

  private mutating func parseArray() throws(SettingsError) -> SettingValue {
    index += 1
    var elements: [SettingValue] = []
    while true {
      try skipBlankLinesAndComments()
      if peek() == UInt8(ascii: "]") {
        index += 1
        return .array(elements)
      }
      elements.append(try parseValue())
      try skipBlankLinesAndComments()
      guard let byte = peek() else { throw error("the array is not closed with `]`") }
      if byte == UInt8(ascii: ",") {
        index += 1
      } else if byte != UInt8(ascii: "]") {
        throw error("expected `,` or `]` in the array, found \(describe(byte))")
      }
    }
  }

  private mutating func parseInlineTable() throws(SettingsError) -> SettingValue {
    index += 1
    var table: [String: SettingValue] = [:]
    skipBlank()
    if peek() == UInt8(ascii: "}") {
      index += 1
      return .table(table)
    }
    while true {
      let key = try parseKey()
      skipBlank()
      try expect(UInt8(ascii: "="), "expected `=` after the key")
      skipBlank()
      let value = try parseValue()
      try Self.insert(value, into: &table, key: key, line: line)
      skipBlank()
      guard let byte = peek() else { throw error("the inline table is not closed with `}`") }
      index += 1
      if byte == UInt8(ascii: "}") { return .table(table) }
      guard byte == UInt8(ascii: ",") else {
        throw error("expected `,` or `}` in the inline table, found \(describe(byte))")
      }
      skipBlank()
    }
  }

  private mutating func parseNumber() throws(SettingsError) -> SettingValue {
    let start = index
    while let c = peek(), !Self.endsValue(c) { index += 1 }
    let token = String(decoding: bytes[start..<index], as: UTF8.self)
    guard !token.isEmpty else { throw error("expected a value") }
    switch token {
    case "inf", "+inf": return .float(.infinity)
    case "-inf": return .float(-.infinity)
    case "nan", "+nan", "-nan": return .float(.nan)
    default: break
    }
    let isDateLike =
      token.count >= 5 && token.prefix(4).allSatisfy(\.isNumber)
      && token[token.index(token.startIndex, offsetBy: 4)] == "-"
    if isDateLike || (token.contains(":") && token.first?.isNumber == true) {
      throw error("dates and times are not supported here (found `\(token)`)")
    }
    guard let first = token.first, first.isNumber || first == "+" || first == "-" || first == "." else {
      throw error("`\(token)` is not a value (strings need quotes)")
    }
    guard Self.hasValidUnderscores(token) else { throw error("`\(token)` is not a number") }
    let digits = token.replacingOccurrences(of: "_", with: "")
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
      guard let value = Int(digits.dropFirst(2), radix: radix) else {
        throw error("`\(token)` is not a valid integer")
      }
      return .integer(value)
    }
    let unsigned = digits.first == "+" || digits.first == "-" ? digits.dropFirst() : Substring(digits)
    if unsigned.count > 1, unsigned.first == "0", unsigned.dropFirst().first?.isNumber == true {
      throw error("`\(token)`: leading zeros are not allowed")
    }
    let isFloat = digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    if !isFloat {
      guard let value = Int(digits) else { throw error("`\(token)` is not a value (strings need quotes)") }
      return .integer(value)
    }
    let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
    let fractionOK = parts.count < 2 || (parts[1].first?.isNumber == true && parts[0].last?.isNumber == true)
    guard fractionOK, let value = Double(digits), value.isFinite else { throw error("`\(token)` is not a number") }
    return .float(value)
  }

  private static func endsValue(_ c: UInt8) -> Bool {
    c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
      || c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}") || c == UInt8(ascii: "#")
  }

  /// `_` only between two digits.
  private static func hasValidUnderscores(_ token: String) -> Bool {
    let characters = Array(token)
    for (offset, character) in characters.enumerated() where character == "_" {
      guard offset > 0, offset + 1 < characters.count, characters[offset - 1].isHexDigit,
        characters[offset + 1].isHexDigit
      else { return false }
    }
    return true
  }

  // MARK: - Strings

  private mutating func parseBasicString() throws(SettingsError) -> String {
    index += 1
    var result: [UInt8] = []
    while true {
      guard let byte = peek() else { throw error("the string is not closed with `\"`") }
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        return try decodeUTF8(result)
      case UInt8(ascii: "\\"):
        try parseEscape(into: &result)
      case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
        throw error("the string is not closed before the end of the line")
      default:
        try checkStringByte(byte)
        result.append(byte)
        index += 1
      }
    }
  }

  private mutating func parseMultilineBasicString() throws(SettingsError) -> String {
    index += 3
    try skipNewlineAfterOpeningQuotes()
    var result: [UInt8] = []
    while true {
      guard let byte = peek() else { throw error("the multi-line string is not closed with `\"\"\"`") }
      if starts(with: "\"\"\"") {
        // Up to two quotes right before the closing ones belong to the string.
        var extra = 0
        while extra < 2, index + 3 + extra < bytes.count, bytes[index + 3 + extra] == UInt8(ascii: "\"") { extra += 1 }
        result.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: extra))
        index += 3 + extra
        return try decodeUTF8(result)
      }
      if byte == UInt8(ascii: "\\") {
        if isLineEndingBackslash() {
          index += 1
          try skipWhitespaceAndNewlines()
          continue
        }
        try parseEscape(into: &result)
        continue
      }
      if byte == UInt8(ascii: "\n") { line += 1 }
      if byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "\r") { try checkStringByte(byte) }
      result.append(byte)
      index += 1
    }
  }

  private mutating func parseLiteralString() throws(SettingsError) -> String {
    index += 1
    let start = index
    while true {
      guard let byte = peek() else { throw error("the string is not closed with `'`") }
      if byte == UInt8(ascii: "'") { break }
      if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
        throw error("the string is not closed before the end of the line")
      }
      try checkStringByte(byte)
      index += 1
    }
    let text = try decodeUTF8(Array(bytes[start..<index]))
    index += 1
    return text
  }

  private mutating func parseMultilineLiteralString() throws(SettingsError) -> String {
    index += 3
    try skipNewlineAfterOpeningQuotes()
    var result: [UInt8] = []
    while true {
      guard let byte = peek() else { throw error("the multi-line string is not closed with `'''`") }
      if starts(with: "'''") {
        var extra = 0
        while extra < 2, index + 3 + extra < bytes.count, bytes[index + 3 + extra] == UInt8(ascii: "'") { extra += 1 }
        result.append(contentsOf: repeatElement(UInt8(ascii: "'"), count: extra))
        index += 3 + extra
        return try decodeUTF8(result)
      }
      if byte == UInt8(ascii: "\n") { line += 1 }
      result.append(byte)
      index += 1
    }
  }

  private mutating func skipNewlineAfterOpeningQuotes() throws(SettingsError) {
    if peek() == UInt8(ascii: "\n") || (peek() == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
      try consumeNewline()
    }
  }

  /// A backslash followed only by blanks up to the end of the line joins the lines (multi-line basic strings).
  private func isLineEndingBackslash() -> Bool {
    var probe = index + 1
    while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") { probe += 1 }
    return probe < bytes.count && (bytes[probe] == UInt8(ascii: "\n") || bytes[probe] == UInt8(ascii: "\r"))
  }

  private mutating func skipWhitespaceAndNewlines() throws(SettingsError) {
    while let byte = peek() {
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "\t"): index += 1
      case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try consumeNewline()
      default: return
      }
    }
  }

  private mutating func parseEscape(into result: inout [UInt8]) throws(SettingsError) {
    index += 1
    guard let byte = peek() else { throw error("the string ends inside an escape") }
    index += 1
    let simple: [UInt8: UInt8] = [
      UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
      UInt8(ascii: "r"): 0x0D, UInt8(ascii: "e"): 0x1B, UInt8(ascii: "\""): 0x22, UInt8(ascii: "\\"): 0x5C,
    ]
    if let replacement = simple[byte] {
      result.append(replacement)
      return
    }
    let width: Int
    switch byte {
    case UInt8(ascii: "u"): width = 4
    case UInt8(ascii: "U"): width = 8
    default: throw error("unknown escape `\\\(describe(byte))` in a string")
    }
    guard index + width <= bytes.count,
      let code = UInt32(String(decoding: bytes[index..<index + width], as: UTF8.self), radix: 16),
      let scalar = Unicode.Scalar(code)
    else { throw error("`\\\(Character(Unicode.Scalar(byte)))` needs \(width) hex digits of a Unicode scalar") }
    index += width
    result.append(contentsOf: Array(String(Character(scalar)).utf8))
  }

  /// Control characters other than tab must be escaped.
  private func checkStringByte(_ byte: UInt8) throws(SettingsError) {
    if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
      throw error("control character \(describe(byte)) in a string; escape it")
    }
  }

  private func decodeUTF8(_ raw: [UInt8]) throws(SettingsError) -> String {
    guard let text = String(validating: raw, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
    return text
  }

  // MARK: - Tables

  private mutating func assign(_ value: SettingValue, at table: [String], key: [String]) throws(SettingsError) {
    // Dotted keys create tables that later headers may not reopen.
    for length in 1..<max(1, key.count) {
      sealedTables.insert((table + key.prefix(length)).joined(separator: "\u{0}"))
    }
    if case .table = value { sealedTables.insert((table + key).joined(separator: "\u{0}")) }
    let lineNumber = line
    try Self.modify(&root, path: table, line: lineNumber) { (target: inout [String: SettingValue]) throws(SettingsError) in
      try Self.insert(value, into: &target, key: key, line: lineNumber)
    }
  }

  private mutating func ensureTable(at path: [String]) throws(SettingsError) {
    let lineNumber = line
    try Self.modify(&root, path: path, line: lineNumber) { (_: inout [String: SettingValue]) throws(SettingsError) in }
  }

  private mutating func appendTable(at path: [String]) throws(SettingsError) {
    guard let last = path.last else { return }
    let lineNumber = line
    try Self.modify(&root, path: Array(path.dropLast()), line: lineNumber) {
      (parent: inout [String: SettingValue]) throws(SettingsError) in
      switch parent[last] {
      case nil:
        parent[last] = .array([.table([:])])
      case .array(var elements) where elements.allSatisfy({ $0.tableValue != nil }):
        elements.append(.table([:]))
        parent[last] = .array(elements)
      default:
        throw SettingsError(.syntax, "`\(last)` is already a value, not an array of tables", line: lineNumber)
      }
    }
  }

  /// Runs `body` on the table at `path`, creating missing tables; through an array of tables it goes into the last.
  private static func modify(
    _ table: inout [String: SettingValue], path: some Collection<String>, line: Int,
    _ body: (inout [String: SettingValue]) throws(SettingsError) -> Void
  ) throws(SettingsError) {
    guard let first = path.first else {
      try body(&table)
      return
    }
    let rest = path.dropFirst()
    switch table[first] {
    case nil:
      var child: [String: SettingValue] = [:]
      try modify(&child, path: rest, line: line, body)
      table[first] = .table(child)
    case .table(var child):
      table[first] = nil  // keep the child uniquely referenced while it changes
      defer { table[first] = .table(child) }
      try modify(&child, path: rest, line: line, body)
    case .array(var elements):
      guard case .table(var child)? = elements.last else {
        throw SettingsError(.syntax, "`\(first)` is an array, not a table", line: line)
      }
      try modify(&child, path: rest, line: line, body)
      elements[elements.count - 1] = .table(child)
      table[first] = .array(elements)
    case let other?:
      throw SettingsError(.syntax, "`\(first)` is \(other.typeName), not a table", line: line)
    }
  }

  private static func insert(
    _ value: SettingValue, into table: inout [String: SettingValue], key: [String], line: Int
  ) throws(SettingsError) {
    guard let last = key.last else { return }
    try modify(&table, path: key.dropLast(), line: line) { (target: inout [String: SettingValue]) throws(SettingsError) in
      guard target[last] == nil else {
        throw SettingsError(.syntax, "`\(key.joined(separator: "."))` is defined twice", line: line)
      }
      target[last] = value
    }
  }

  // MARK: - Bytes

  private func peek(_ offset: Int = 0) -> UInt8? {
    index + offset < bytes.count ? bytes[index + offset] : nil
  }

  private func starts(with text: StaticString) -> Bool {
    text.withUTF8Buffer { pattern in
      index + pattern.count <= bytes.count && bytes[index..<index + pattern.count].elementsEqual(pattern)
    }
  }

  private mutating func skipBlank() {
    while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
  }

  private mutating func skipComment() throws(SettingsError) {
    while let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") {
      if byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
        throw error("control character \(describe(byte)) in a comment")
      }
      index += 1
    }
  }

  private mutating func skipBlankLinesAndComments() throws(SettingsError) {
    while let byte = peek() {
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "\t"): index += 1
      case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try consumeNewline()
      case UInt8(ascii: "#"): try skipComment()
      default: return
      }
    }
  }

  private mutating func consumeNewline() throws(SettingsError) {
    if peek() == UInt8(ascii: "\r") {
      guard peek(1) == UInt8(ascii: "\n") else { throw error("a carriage return must be followed by a newline") }
      index += 1
    }
    index += 1
    line += 1
  }

  private mutating func expect(_ byte: UInt8, _ message: String) throws(SettingsError) {
    guard peek() == byte else {
      throw error(peek().map { "\(message), found \(describe($0))" } ?? "\(message), found the end of the file")
    }
    index += 1
  }

  private func describe(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F { return "`\(Character(Unicode.Scalar(byte)))`" }
    return "byte 0x" + String(byte, radix: 16)
  }

  private func error(_ message: String) -> SettingsError { SettingsError(.syntax, message, line: line) }
}
