import Foundation

/// A syntax oracle for any language, from indentation, brackets, quotes and comment markers alone.
/// Used when no tree-sitter grammar exists, and as the reference the tests run against.
public struct PlainTextSyntaxOracle: SyntaxOracle, Sendable {
  public init() {}

  public func cursorContext(text: String, cursor: Int, languageID: String) -> CursorContext {
    let rules = LexicalRules.forLanguage(languageID)
    let table = LineTable(text)
    let cursor = min(max(cursor, 0), table.bytes.count)
    let (classes, _) = CodeScanner(rules: rules).classify(table.bytes)
    let prefixState = CodeScanner(rules: rules).classify(Array(table.bytes[..<cursor])).endState
    let cursorLine = table.line(containing: cursor)
    let lineRange = table.range(of: cursorLine)
    let linePrefixCode = codeText(table.bytes, classes, lineRange.lowerBound..<cursor)
    let lineSuffixCode = codeText(table.bytes, classes, cursor..<lineRange.upperBound)
    let trimmedPrefix = linePrefixCode.trimmingCharacters(in: .whitespaces)
    let trimmedSuffix = lineSuffixCode.trimmingCharacters(in: .whitespaces)

    let scopes = enclosingScopes(
      table: table, classes: classes, rules: rules, cursor: cursor, cursorLine: cursorLine,
      linePrefixCode: trimmedPrefix)
    var emptyBody = false
    if let innermost = scopes.first, innermost.body.contains(cursor) || innermost.body.upperBound == cursor {
      let bodyCode = codeText(table.bytes, classes, innermost.body)
      var content = bodyCode.trimmingCharacters(in: .whitespacesAndNewlines)
      if content.hasSuffix("}") { content.removeLast() }
      emptyBody = content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }
    let inString = prefixState != .code
    let statementEnders: Set<Character> = rules.blocksByIndentation ? [":", ";"] : [";", "{", "}", ":"]
    var midExpression = false
    if !trimmedPrefix.isEmpty, let last = trimmedPrefix.last {
      midExpression = !statementEnders.contains(last) || unclosedBrackets(in: trimmedPrefix) > 0
    }
    if emptyBody && !(trimmedSuffix.isEmpty || trimmedSuffix == "}") { emptyBody = false }
    return CursorContext(
      scopes: scopes, isInEmptyBlockBody: emptyBody && !inString, isMidExpression: midExpression && !emptyBody,
      isInStringOrComment: inString, importLines: importLines(table))
  }

  public func definitions(text: String, languageID: String) -> [SyntaxDefinition] {
    let rules = LexicalRules.forLanguage(languageID)
    let table = LineTable(text)
    let (classes, _) = CodeScanner(rules: rules).classify(table.bytes)
    var found: [SyntaxDefinition] = []
    for line in 0..<table.count {
      let lineText = table.text(of: line)
      guard let name = Self.definedName(lineText) else { continue }
      let indent = table.indent(of: line)
      let isBinding = Self.isBindingKeyword(lineText)
      if isBinding && indent > 0 { continue }
      var lastLine = line
      if let header = headerEnd(table: table, classes: classes, rules: rules, line: line) {
        lastLine = blockEnd(table: table, classes: classes, rules: rules, headerEnd: header, headerIndent: indent)
      }
      lastLine = min(lastLine, line + 80)
      let start = table.starts[line]
      let end = table.range(of: lastLine).upperBound
      found.append(
        SyntaxDefinition(name: name, text: String(decoding: table.bytes[start..<end], as: UTF8.self), line: line))
    }
    return found
  }

  public func errorCount(text: String, languageID: String) -> Int {
    let rules = LexicalRules.forLanguage(languageID)
    let table = LineTable(text)
    let (classes, endState) = CodeScanner(rules: rules).classify(table.bytes)
    var errors = endState == .code || endState == .lineComment ? 0 : 1
    var stack: [UInt8] = []
    for (offset, byte) in table.bytes.enumerated() where classes[offset] == .code {
      if Brackets.openers.contains(byte) {
        stack.append(byte)
      } else if let opener = Brackets.opener(for: byte) {
        if stack.last == opener { stack.removeLast() } else { errors += 1 }
      }
    }
    errors += stack.count
    if rules.blocksByIndentation {
      // A header line ending in `:` must be followed by a more indented line ("expected an indented block").
      for line in 0..<table.count where !table.isBlank(line) {
        let code = codeText(table.bytes, classes, table.range(of: line)).trimmingCharacters(in: .whitespaces)
        guard code.hasSuffix(":"), unclosedBrackets(in: code) == 0 else { continue }
        var next = line + 1
        while next < table.count && table.isBlank(next) { next += 1 }
        if next >= table.count || table.indent(of: next) <= table.indent(of: line) { errors += 1 }
      }
    }
    return errors
  }
}

extension PlainTextSyntaxOracle {
  /// The code bytes of `range` as text, strings kept, comments removed.
  func codeText(_ bytes: [UInt8], _ classes: [ByteClass], _ range: Range<Int>) -> String {
    guard !range.isEmpty else { return "" }
    var kept: [UInt8] = []
    kept.reserveCapacity(range.count)
    for offset in range where classes[offset] != .comment { kept.append(bytes[offset]) }
    return String(decoding: kept, as: UTF8.self)
  }

  func unclosedBrackets(in text: String) -> Int {
    var depth = 0
    for byte in text.utf8 {
      if Brackets.openers.contains(byte) { depth += 1 } else if Brackets.closers.contains(byte) { depth -= 1 }
    }
    return max(depth, 0)
  }

  /// When the statement starting at `line` is a block header (ends with `:` or `{` once its brackets balance),
  /// the line where it ends and the byte just after its opener.
  func headerEnd(table: LineTable, classes: [ByteClass], rules: LexicalRules, line: Int) -> (line: Int, opener: Int)? {
    var depth = 0
    var current = line
    while current < table.count && current < line + 12 {
      let range = table.range(of: current)
      var lastCode: (byte: UInt8, offset: Int)?
      for offset in range where classes[offset] == .code {
        let byte = table.bytes[offset]
        if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 13 { continue }
        lastCode = (byte, offset)
        if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") {
          depth += 1
        } else if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") {
          depth -= 1
        }
      }
      if depth <= 0 {
        guard let last = lastCode else { return nil }
        let opener = rules.blocksByIndentation ? UInt8(ascii: ":") : UInt8(ascii: "{")
        return last.byte == opener ? (current, last.offset + 1) : nil
      }
      current += 1
    }
    return nil
  }

  /// The last line of the block whose header ends on `headerEnd`.
  func blockEnd(
    table: LineTable, classes: [ByteClass], rules: LexicalRules, headerEnd: (line: Int, opener: Int), headerIndent: Int
  ) -> Int {
    if rules.blocksByIndentation {
      var last = headerEnd.line
      var line = headerEnd.line + 1
      while line < table.count {
        if !table.isBlank(line) {
          if table.indent(of: line) <= headerIndent { break }
          last = line
        }
        line += 1
      }
      return last
    }
    var depth = 1
    var offset = headerEnd.opener
    while offset < table.bytes.count {
      if classes[offset] == .code {
        let byte = table.bytes[offset]
        if byte == UInt8(ascii: "{") { depth += 1 } else if byte == UInt8(ascii: "}") { depth -= 1 }
        if depth == 0 { return table.line(containing: offset) }
      }
      offset += 1
    }
    return table.count - 1
  }

  func enclosingScopes(
    table: LineTable, classes: [ByteClass], rules: LexicalRules, cursor: Int, cursorLine: Int, linePrefixCode: String
  ) -> [SyntaxScope] {
    var scopes: [SyntaxScope] = []
    var referenceIndent = Int.max
    var line = cursorLine
    if !linePrefixCode.isEmpty {
      referenceIndent = table.indent(of: cursorLine)
      // The cursor right after a header's opener (`def f():|`, `if x {|`) is inside that header's body.
      let opener: Character = rules.blocksByIndentation ? ":" : "{"
      if linePrefixCode.last == opener {
        scopes.append(scope(table, classes, rules, headerLine: cursorLine, header: (cursorLine, cursor), cursor: cursor))
      }
    }
    line -= 1
    while line >= 0 && referenceIndent > 0 {
      defer { line -= 1 }
      if table.isBlank(line) { continue }
      let code = codeText(table.bytes, classes, table.range(of: line)).trimmingCharacters(in: .whitespaces)
      if code.isEmpty { continue }
      let indent = table.indent(of: line)
      guard indent < referenceIndent else { continue }
      if let scope = scope(table, classes, rules, headerLine: line, cursor: cursor), scope.body.upperBound >= cursor {
        scopes.append(scope)
        referenceIndent = indent
      } else if referenceIndent == Int.max {
        referenceIndent = indent
      }
    }
    return scopes
  }

  func scope(_ table: LineTable, _ classes: [ByteClass], _ rules: LexicalRules, headerLine: Int, cursor: Int)
    -> SyntaxScope?
  {
    guard let header = headerEnd(table: table, classes: classes, rules: rules, line: headerLine) else { return nil }
    return scope(table, classes, rules, headerLine: headerLine, header: header, cursor: cursor)
  }

  func scope(
    _ table: LineTable, _ classes: [ByteClass], _ rules: LexicalRules, headerLine: Int, header: (line: Int, opener: Int),
    cursor: Int
  ) -> SyntaxScope {
    let indent = table.indent(of: headerLine)
    let endLine = blockEnd(table: table, classes: classes, rules: rules, headerEnd: header, headerIndent: indent)
    var bodyEnd = max(table.range(of: endLine).upperBound, header.opener)
    if !rules.blocksByIndentation {
      // Up to and including the closing brace.
      let range = table.range(of: endLine)
      if let brace = table.bytes[range].lastIndex(of: UInt8(ascii: "}")) { bodyEnd = max(brace + 1, header.opener) }
    } else {
      // Blank lines right after the body (where the cursor may sit) still belong to it.
      var line = endLine + 1
      while line < table.count && table.isBlank(line) && table.starts[line] <= cursor {
        bodyEnd = table.range(of: line).upperBound
        line += 1
      }
    }
    let kind = Self.firstWord(table.text(of: headerLine))
    return SyntaxScope(kind: kind, headerLines: headerLine..<(header.line + 1), body: header.opener..<bodyEnd)
  }

  func importLines(_ table: LineTable) -> [Int] {
    var lines: [Int] = []
    for line in 0..<table.count {
      let text = table.text(of: line).trimmingCharacters(in: .whitespaces)
      if Self.isImport(text) { lines.append(line) }
    }
    return lines
  }

  static func isImport(_ trimmed: String) -> Bool {
    let starts = ["import ", "from ", "#include", "#import", "using ", "use ", "require ", "@import ", "package "]
    if starts.contains(where: { trimmed.hasPrefix($0) }) {
      return !trimmed.hasPrefix("from ") || trimmed.contains(" import ")
    }
    return trimmed.contains("= require(") || trimmed.hasPrefix("@testable import ")
  }

  static func firstWord(_ line: String) -> String {
    let trimmed = line.drop { $0 == " " || $0 == "\t" }
    let word = trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "@" }
    return word.isEmpty ? String(trimmed.prefix(1)) : String(word)
  }

  static let definitionKeywords: Set<String> = [
    "def", "class", "func", "function", "struct", "enum", "protocol", "extension", "interface", "type", "fn", "trait",
    "impl", "actor", "typealias", "const", "let", "var", "init",
  ]
  static let modifiers: Set<String> = [
    "public", "private", "internal", "fileprivate", "open", "static", "final", "export", "async", "default", "override",
    "pub", "mutating", "nonisolated", "convenience", "required", "indirect", "abstract", "declare",
  ]

  static func words(_ line: String) -> [Substring] {
    line.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" || $0 == "@") }
  }

  static func isBindingKeyword(_ line: String) -> Bool {
    let words = words(line).drop { modifiers.contains(String($0)) || $0.hasPrefix("@") }
    guard let first = words.first else { return false }
    return first == "const" || first == "let" || first == "var"
  }

  /// The name a definition line introduces, or nil when the line defines nothing.
  static func definedName(_ line: String) -> String? {
    let trimmed = line.drop { $0 == " " || $0 == "\t" }
    guard let firstCharacter = trimmed.first, firstCharacter.isLetter || firstCharacter == "@" else { return nil }
    var words = words(line)[...]
    while let first = words.first, modifiers.contains(String(first)) || first.hasPrefix("@") { words = words.dropFirst() }
    guard let keyword = words.first, definitionKeywords.contains(String(keyword)) else { return nil }
    if keyword == "init" { return "init" }
    guard let name = words.dropFirst().first, let initial = name.first, initial.isLetter || initial == "_" || initial == "$"
    else { return nil }
    return String(name)
  }
}
