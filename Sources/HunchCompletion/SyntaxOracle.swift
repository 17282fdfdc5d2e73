import Foundation

/// A syntactic scope enclosing the cursor: a function, class, block, …
public struct SyntaxScope: Sendable, Equatable {
  /// The grammar's node kind (`function_definition`, `class_declaration`, …) or, for the plain-text oracle, the first
  /// word of the header line (`def`, `func`, `if`, …).
  public var kind: String
  /// 0-based line numbers of the header (signature) lines, e.g. a multi-line `def f(\n a,\n b):` spans three.
  public var headerLines: Range<Int>
  /// UTF-8 byte offsets of the body (after the `:` or `{`, up to and including a closing `}` when there is one).
  public var body: Range<Int>

  public init(kind: String, headerLines: Range<Int>, body: Range<Int>) {
    self.kind = kind
    self.headerLines = headerLines
    self.body = body
  }
}

/// What the syntax side knows about the cursor's surroundings.
public struct CursorContext: Sendable, Equatable {
  /// Enclosing scopes from the innermost outward.
  public var scopes: [SyntaxScope]
  /// The cursor sits in a block whose body holds nothing yet (`def f():⏎|`, `func f() {|}`, `if x {⏎|⏎}`).
  public var isInEmptyBlockBody: Bool
  /// The cursor is inside an unfinished expression or statement (`x = foo(|`, `return a +|`).
  public var isMidExpression: Bool
  /// The cursor is inside a string literal or a comment.
  public var isInStringOrComment: Bool
  /// 0-based line numbers of the import (include, use, require) lines of the document.
  public var importLines: [Int]

  public init(
    scopes: [SyntaxScope] = [], isInEmptyBlockBody: Bool = false, isMidExpression: Bool = false,
    isInStringOrComment: Bool = false, importLines: [Int] = []
  ) {
    self.scopes = scopes
    self.isInEmptyBlockBody = isInEmptyBlockBody
    self.isMidExpression = isMidExpression
    self.isInStringOrComment = isInStringOrComment
    self.importLines = importLines
  }
}

/// A definition found in a document (used for context from other open buffers).
public struct SyntaxDefinition: Sendable, Equatable {
  public var name: String
  /// The definition's source text (header and body); the engine shortens it to its header when it is long.
  public var text: String
  /// 0-based line number where the definition starts.
  public var line: Int

  public init(name: String, text: String, line: Int) {
    self.name = name
    self.text = text
    self.line = line
  }
}

/// The syntax side of completion: tree-sitter where a grammar exists, `PlainTextSyntaxOracle` otherwise.
/// `languageID` is the LSP language id (`python`, `swift`, `javascript`, …). Offsets are UTF-8 bytes.
public protocol SyntaxOracle {
  func cursorContext(text: String, cursor: Int, languageID: String) -> CursorContext
  /// Top-level and nested named definitions (functions, classes, types, methods, constants) of a document.
  func definitions(text: String, languageID: String) -> [SyntaxDefinition]
  /// The number of syntax errors (error and missing nodes for tree-sitter) in `text`.
  func errorCount(text: String, languageID: String) -> Int
}

extension SyntaxOracle {
  public func parsesCleanly(text: String, languageID: String) -> Bool {
    errorCount(text: text, languageID: languageID) == 0
  }
}
