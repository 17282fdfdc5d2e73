import Foundation

/// How a language spells comments and strings, enough for bracket and indentation heuristics.
struct LexicalRules: Sendable {
  var lineComments: [[UInt8]]
  var blockComment: (open: [UInt8], close: [UInt8])?
  /// Quote bytes that open a single-line string.
  var quotes: [UInt8]
  /// Delimiters of strings that may span lines (`"""`, `'''`, a backtick).
  var multilineQuotes: [[UInt8]]
  /// Python-like languages open blocks with `:` and close them by dedenting.
  var blocksByIndentation: Bool

  static func forLanguage(_ languageID: String) -> LexicalRules {
    let hash: [UInt8] = Array("#".utf8)
    let slashes: [UInt8] = Array("//".utf8)
    let dashes: [UInt8] = Array("--".utf8)
    let cBlock = (open: Array("/*".utf8), close: Array("*/".utf8))
    let dq = UInt8(ascii: "\""), sq = UInt8(ascii: "'"), bt = UInt8(ascii: "`")
    switch languageID.lowercased() {
    case "python":
      return LexicalRules(
        lineComments: [hash], blockComment: nil, quotes: [dq, sq],
        multilineQuotes: [Array("\"\"\"".utf8), Array("'''".utf8)], blocksByIndentation: true)
    case "ruby", "shellscript", "bash", "sh", "yaml", "toml", "r", "perl", "makefile", "dockerfile", "elixir", "nim":
      return LexicalRules(
        lineComments: [hash], blockComment: nil, quotes: [dq, sq], multilineQuotes: [], blocksByIndentation: false)
    case "lua", "sql", "haskell":
      return LexicalRules(
        lineComments: [dashes], blockComment: nil, quotes: [dq, sq], multilineQuotes: [], blocksByIndentation: false)
    case "swift":
      return LexicalRules(
        lineComments: [slashes], blockComment: cBlock, quotes: [dq], multilineQuotes: [Array("\"\"\"".utf8)],
        blocksByIndentation: false)
    case "rust":
      return LexicalRules(
        lineComments: [slashes], blockComment: cBlock, quotes: [dq], multilineQuotes: [], blocksByIndentation: false)
    case "javascript", "typescript", "javascriptreact", "typescriptreact":
      return LexicalRules(
        lineComments: [slashes], blockComment: cBlock, quotes: [dq, sq], multilineQuotes: [[bt]],
        blocksByIndentation: false)
    case "go":
      return LexicalRules(
        lineComments: [slashes], blockComment: cBlock, quotes: [dq, sq], multilineQuotes: [[bt]],
        blocksByIndentation: false)
    default:
      return LexicalRules(
        lineComments: [slashes], blockComment: cBlock, quotes: [dq, sq], multilineQuotes: [],
        blocksByIndentation: false)
    }
  }
}

/// The lexical class of one byte.
enum ByteClass: UInt8 {
  case code, string, comment
}

/// Classifies every byte of a text as code, string or comment. Heuristic (no grammar), one pass.
struct CodeScanner {
  let rules: LexicalRules

  enum State: Equatable {
    case code
    case lineComment
    case blockComment
    case string(delimiter: [UInt8], multiline: Bool)
  }

  /// Classes of `bytes`, and the state at the end (not `.code` when the text ends inside a string or comment).
  func classify(_ bytes: [UInt8]) -> (classes: [ByteClass], endState: State) {
    var classes = [ByteClass](repeating: .code, count: bytes.count)
    var state = State.code
    var index = 0
    let backslash = UInt8(ascii: "\\"), newline = UInt8(ascii: "\n")
    func matches(_ token: [UInt8], at position: Int) -> Bool {
      guard !token.isEmpty, position + token.count <= bytes.count else { return false }
      for offset in 0..<token.count where bytes[position + offset] != token[offset] { return false }
      return true
    }
    while index < bytes.count {
      let byte = bytes[index]
      switch state {
      case .code:
        if let comment = rules.lineComments.first(where: { matches($0, at: index) }) {
          for offset in 0..<comment.count { classes[index + offset] = .comment }
          index += comment.count
          state = .lineComment
          continue
        }
        if let block = rules.blockComment, matches(block.open, at: index) {
          for offset in 0..<block.open.count { classes[index + offset] = .comment }
          index += block.open.count
          state = .blockComment
          continue
        }
        if let quote = rules.multilineQuotes.first(where: { matches($0, at: index) }) {
          for offset in 0..<quote.count { classes[index + offset] = .string }
          index += quote.count
          state = .string(delimiter: quote, multiline: true)
          continue
        }
        if rules.quotes.contains(byte) {
          classes[index] = .string
          index += 1
          state = .string(delimiter: [byte], multiline: false)
          continue
        }
        index += 1
      case .lineComment:
        if byte == newline {
          state = .code
        } else {
          classes[index] = .comment
        }
        index += 1
      case .blockComment:
        classes[index] = .comment
        if let block = rules.blockComment, matches(block.close, at: index) {
          for offset in 0..<block.close.count { classes[index + offset] = .comment }
          index += block.close.count
          state = .code
          continue
        }
        index += 1
      case .string(let delimiter, let multiline):
        if byte == backslash, index + 1 < bytes.count {
          classes[index] = .string
          classes[index + 1] = .string
          index += 2
          continue
        }
        if byte == newline && !multiline {
          // An unterminated one-line string ends at the line's end; the newline itself is code.
          state = .code
          index += 1
          continue
        }
        classes[index] = .string
        if matches(delimiter, at: index) {
          for offset in 0..<delimiter.count { classes[index + offset] = .string }
          index += delimiter.count
          state = .code
          continue
        }
        index += 1
      }
    }
    return (classes, state)
  }
}

/// Bracket pairs the heuristics track.
enum Brackets {
  static let openers: [UInt8] = Array("([{".utf8)
  static let closers: [UInt8] = Array(")]}".utf8)

  static func closer(for opener: UInt8) -> UInt8? {
    openers.firstIndex(of: opener).map { closers[$0] }
  }

  static func opener(for closer: UInt8) -> UInt8? {
    closers.firstIndex(of: closer).map { openers[$0] }
  }
}

/// Byte offsets of the lines of a text.
struct LineTable {
  let bytes: [UInt8]
  /// Start offset of every line; a text ending in a newline has a final empty line.
  let starts: [Int]

  init(_ text: String) {
    bytes = Array(text.utf8)
    var starts = [0]
    for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
    self.starts = starts
  }

  var count: Int { starts.count }

  /// The line holding byte `offset` (an offset just past a newline belongs to the next line).
  func line(containing offset: Int) -> Int {
    var low = 0, high = starts.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if starts[middle] <= offset { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// Bytes of `line` without its newline.
  func range(of line: Int) -> Range<Int> {
    let start = starts[line]
    let end = line + 1 < starts.count ? starts[line + 1] - 1 : bytes.count
    return start..<end
  }

  func text(of line: Int) -> String {
    String(decoding: bytes[range(of: line)], as: UTF8.self)
  }

  func isBlank(_ line: Int) -> Bool {
    bytes[range(of: line)].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 13 }
  }

  /// Indentation width of `line` (a tab counts as 4 columns).
  func indent(of line: Int) -> Int {
    var width = 0
    for byte in bytes[range(of: line)] {
      if byte == UInt8(ascii: " ") {
        width += 1
      } else if byte == UInt8(ascii: "\t") {
        width += 4
      } else {
        break
      }
    }
    return width
  }
}
