import CTreeSitter
import Foundation

/// A node of a `SyntaxTree`. Holds the tree alive; cheap to copy.
public struct SyntaxNode: @unchecked Sendable {
  let raw: TSNode
  public let tree: SyntaxTree

  init(raw: TSNode, tree: SyntaxTree) {
    self.raw = raw
    self.tree = tree
  }

  /// Wraps a possibly-null TSNode.
  private func wrap(_ node: TSNode) -> SyntaxNode? {
    ts_node_is_null(node) ? nil : SyntaxNode(raw: node, tree: tree)
  }

  /// The grammar's node type, e.g. "function_definition", or the literal text of an anonymous node, e.g. "(".
  public var type: String { String(cString: ts_node_type(raw)) }
  public var isNamed: Bool { ts_node_is_named(raw) }
  /// Inserted by error recovery, with no text.
  public var isMissing: Bool { ts_node_is_missing(raw) }
  /// Comments and the like, allowed anywhere.
  public var isExtra: Bool { ts_node_is_extra(raw) }
  /// This node is an ERROR node.
  public var isError: Bool { type == "ERROR" }
  /// This node or a descendant is an ERROR or MISSING node.
  public var hasError: Bool { ts_node_has_error(raw) }

  public var startByte: Int { Int(ts_node_start_byte(raw)) }
  public var endByte: Int { Int(ts_node_end_byte(raw)) }
  /// UTF-8 byte offsets into `tree.source`.
  public var byteRange: Range<Int> { startByte..<max(startByte, endByte) }
  public var startPoint: SyntaxPoint { SyntaxPoint(ts_node_start_point(raw)) }
  public var endPoint: SyntaxPoint { SyntaxPoint(ts_node_end_point(raw)) }

  public var childCount: Int { Int(ts_node_child_count(raw)) }
  public var namedChildCount: Int { Int(ts_node_named_child_count(raw)) }

  public func child(at index: Int) -> SyntaxNode? {
    guard index >= 0, index < childCount else { return nil }
    return wrap(ts_node_child(raw, UInt32(index)))
  }

  public func namedChild(at index: Int) -> SyntaxNode? {
    guard index >= 0, index < namedChildCount else { return nil }
    return wrap(ts_node_named_child(raw, UInt32(index)))
  }

  public var children: [SyntaxNode] { (0..<childCount).compactMap { child(at: $0) } }
  public var namedChildren: [SyntaxNode] { (0..<namedChildCount).compactMap { namedChild(at: $0) } }

  /// The child in the grammar field `name` (e.g. "name", "body", "parameters").
  public func child(byFieldName name: String) -> SyntaxNode? {
    let length = UInt32(name.utf8.count)
    return wrap(name.withCString { ts_node_child_by_field_name(raw, $0, length) })
  }

  public var parent: SyntaxNode? { wrap(ts_node_parent(raw)) }
  public var nextSibling: SyntaxNode? { wrap(ts_node_next_sibling(raw)) }
  public var previousSibling: SyntaxNode? { wrap(ts_node_prev_sibling(raw)) }
  public var nextNamedSibling: SyntaxNode? { wrap(ts_node_next_named_sibling(raw)) }
  public var previousNamedSibling: SyntaxNode? { wrap(ts_node_prev_named_sibling(raw)) }

  /// Parent, grandparent, ... up to the root.
  public var ancestors: [SyntaxNode] {
    var result: [SyntaxNode] = []
    var current = parent
    while let node = current {
      result.append(node)
      current = node.parent
    }
    return result
  }

  /// The smallest named node inside this one spanning the byte range (clamped to the text).
  public func namedDescendant(forByteRange range: Range<Int>) -> SyntaxNode? {
    let (lower, upper) = clamped(range)
    return wrap(ts_node_named_descendant_for_byte_range(raw, lower, upper))
  }

  /// The smallest node, named or not, inside this one spanning the byte range (clamped to the text).
  public func descendant(forByteRange range: Range<Int>) -> SyntaxNode? {
    let (lower, upper) = clamped(range)
    return wrap(ts_node_descendant_for_byte_range(raw, lower, upper))
  }

  private func clamped(_ range: Range<Int>) -> (UInt32, UInt32) {
    let count = tree.source.count
    let lower = min(max(range.lowerBound, 0), count)
    let upper = min(max(range.upperBound, lower), count)
    return (UInt32(clamping: lower), UInt32(clamping: upper))
  }

  /// The node's source text.
  public var text: String { tree.text(inByteRange: byteRange) }

  /// S-expression of this subtree (named nodes, with field names).
  public var sExpression: String {
    guard let cString = ts_node_string(raw) else { return "" }
    defer { free(cString) }
    return String(cString: cString)
  }
}

extension SyntaxNode: Equatable {
  public static func == (lhs: SyntaxNode, rhs: SyntaxNode) -> Bool {
    lhs.tree === rhs.tree && ts_node_eq(lhs.raw, rhs.raw)
  }
}

extension SyntaxNode: CustomStringConvertible {
  public var description: String { "\(type) \(startPoint)-\(endPoint) bytes \(startByte)..<\(endByte)" }
}
