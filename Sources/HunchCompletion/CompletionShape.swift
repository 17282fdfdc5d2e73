import Foundation

/// How much text a completion may produce.
public enum CompletionShape: Sendable, Equatable {
  /// The rest of the current line.
  case line
  /// Only up to `rightText`, the non-blank text right of the cursor on the same line.
  case fillLine(rightText: String)
  /// A block body: lines until one dedents to `headerIndent` or below, or the enclosing node closes.
  /// `suffixClosesBlock` tells whether the document already has the block's closer (`}`) after the cursor.
  case block(headerIndent: Int, suffixClosesBlock: Bool)

  public var isBlock: Bool {
    if case .block = self { return true }
    return false
  }
}

/// Whether completions may span lines.
public enum ShapePolicy: String, Sendable {
  /// Blocks in empty bodies, the rest of the line otherwise.
  case automatic
  case singleLine
  /// A block wherever the cursor line is blank.
  case block
}

extension CompletionShape {
  /// Decides the shape from the oracle's view of the cursor.
  /// `linePrefix`/`lineSuffix` are the cursor line's text left and right of the cursor; `text`/`cursor` the document.
  public static func decide(
    context: CursorContext, linePrefix: String, lineSuffix: String, text: String, cursor: Int, policy: ShapePolicy
  ) -> CompletionShape {
    let right = lineSuffix.trimmingCharacters(in: .whitespaces)
    let rightIsBlockCloser = right.first.map { "})]".contains($0) } ?? false
    if policy != .singleLine && context.isInEmptyBlockBody && !context.isInStringOrComment
      && (right.isEmpty || rightIsBlockCloser)
    {
      return blockShape(context: context, text: text, cursor: cursor)
    }
    if !right.isEmpty { return .fillLine(rightText: right) }
    if context.isMidExpression || policy != .block { return .line }
    if linePrefix.trimmingCharacters(in: .whitespaces).isEmpty {
      return blockShape(context: context, text: text, cursor: cursor)
    }
    return .line
  }

  static func blockShape(context: CursorContext, text: String, cursor: Int) -> CompletionShape {
    guard let scope = context.scopes.first else { return .block(headerIndent: -1, suffixClosesBlock: false) }
    let table = LineTable(text)
    let headerLine = min(scope.headerLines.lowerBound, table.count - 1)
    let bytes = table.bytes
    let closes = scope.body.upperBound > cursor && scope.body.upperBound <= bytes.count
      && bytes[scope.body.upperBound - 1] == UInt8(ascii: "}")
    return .block(headerIndent: table.indent(of: headerLine), suffixClosesBlock: closes)
  }
}
