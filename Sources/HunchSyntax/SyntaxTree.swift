import CTreeSitter
import Foundation

/// A position as tree-sitter counts it: zero-based row, and column in UTF-8 bytes from the start of the row.
public struct SyntaxPoint: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var row: Int
  /// Bytes (not characters, not UTF-16 units) from the start of the row.
  public var column: Int

  public init(row: Int, column: Int) {
    self.row = row
    self.column = column
  }

  init(_ point: TSPoint) { self.init(row: Int(point.row), column: Int(point.column)) }

  var raw: TSPoint { TSPoint(row: UInt32(clamping: row), column: UInt32(clamping: column)) }

  public static func < (lhs: SyntaxPoint, rhs: SyntaxPoint) -> Bool {
    (lhs.row, lhs.column) < (rhs.row, rhs.column)
  }

  public var description: String { "\(row):\(column)" }
}

/// A parsed tree together with the UTF-8 text it was parsed from. Immutable: edits make a new tree (the document
/// edits a copy of the old one), so nodes held elsewhere keep their positions. Only read-only tree-sitter calls are
/// made on it.
public final class SyntaxTree: @unchecked Sendable {
  let pointer: OpaquePointer
  public let grammar: Grammar
  /// The UTF-8 bytes this tree describes; every byte offset in the API indexes into this.
  public let source: [UInt8]

  init(pointer: OpaquePointer, grammar: Grammar, source: [UInt8]) {
    self.pointer = pointer
    self.grammar = grammar
    self.source = source
  }

  deinit { ts_tree_delete(pointer) }

  public var rootNode: SyntaxNode { SyntaxNode(raw: ts_tree_root_node(pointer), tree: self) }

  /// Whether the tree holds any ERROR or MISSING node.
  public var hasError: Bool { rootNode.hasError }

  /// The smallest named node spanning the byte range (clamped to the text).
  public func namedDescendant(forByteRange range: Range<Int>) -> SyntaxNode? {
    rootNode.namedDescendant(forByteRange: range)
  }

  /// Named nodes, innermost first, whose range contains `byteOffset` (the cursor): the node at the offset, then its
  /// ancestors up to the root.
  public func enclosingNodes(atByteOffset byteOffset: Int) -> [SyntaxNode] {
    guard let innermost = namedDescendant(forByteRange: byteOffset..<byteOffset) else { return [] }
    return [innermost] + innermost.ancestors.filter(\.isNamed)
  }

  /// Decodes a byte range of the source (clamped), invalid UTF-8 replaced.
  public func text(inByteRange range: Range<Int>) -> String {
    let lower = min(max(range.lowerBound, 0), source.count)
    let upper = min(max(range.upperBound, lower), source.count)
    return String(decoding: source[lower..<upper], as: UTF8.self)
  }

  /// The tree as an S-expression of named nodes, e.g. `(module (expression_statement ...))`.
  public var sExpression: String { rootNode.sExpression }
}
