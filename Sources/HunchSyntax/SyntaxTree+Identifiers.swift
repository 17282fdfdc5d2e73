import CTreeSitter

/// Names used near the cursor: the context builder looks their definitions up with a tags query.
extension SyntaxTree {
  /// Named leaf nodes whose type ends in "identifier" (identifier, type_identifier, field_identifier,
  /// property_identifier, simple_identifier, ...) that touch the byte range, in document order.
  public func identifiers(inByteRange range: Range<Int>) -> [SyntaxNode] {
    var result: [SyntaxNode] = []
    var cursor = ts_tree_cursor_new(ts_tree_root_node(pointer))
    defer { ts_tree_cursor_delete(&cursor) }
    while true {
      let node = ts_tree_cursor_current_node(&cursor)
      let touches = Int(ts_node_end_byte(node)) >= range.lowerBound && Int(ts_node_start_byte(node)) <= range.upperBound
      if touches, ts_node_child_count(node) == 0, ts_node_is_named(node),
        String(cString: ts_node_type(node)).hasSuffix("identifier")
      {
        result.append(SyntaxNode(raw: node, tree: self))
      }
      // Only subtrees touching the range are entered, so the walk costs the window, not the file.
      if touches, ts_tree_cursor_goto_first_child(&cursor) { continue }
      while !ts_tree_cursor_goto_next_sibling(&cursor) {
        if !ts_tree_cursor_goto_parent(&cursor) { return result }
      }
    }
  }
}
