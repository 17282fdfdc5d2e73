/// A definition found by a tags query: patterns capture the whole construct as `@definition.<kind>` and its name as
/// `@name` (the convention of tree-sitter tags.scm files).
public struct SyntaxDefinition: @unchecked Sendable {
  /// "function", "method", "class", "interface", "module", ... — the part after "definition.".
  public let kind: String
  public let name: String
  /// Byte range of the name.
  public let nameByteRange: Range<Int>
  /// The whole definition.
  public let node: SyntaxNode

  public var byteRange: Range<Int> { node.byteRange }

  /// The definition's header: from its start up to its body (the node's "body" field) when it has one, otherwise
  /// through the end of the line holding the name; trailing whitespace dropped. E.g. `def area(self) -> float:`.
  public var headerByteRange: Range<Int> {
    let source = node.tree.source
    let start = node.startByte
    var end: Int
    if let body = node.child(byFieldName: "body"), body.startByte > start {
      end = body.startByte
    } else {
      end = nameByteRange.upperBound
      while end < node.endByte, source[end] != UInt8(ascii: "\n") { end += 1 }
    }
    while end > start, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(
      source[end - 1])
    {
      end -= 1
    }
    return start..<end
  }

  public var headerText: String { node.tree.text(inByteRange: headerByteRange) }
}

extension SyntaxQuery {
  /// Definitions (matches holding `@definition.*` and `@name`), in document order; limited to those intersecting
  /// `byteRange` when given.
  public func definitions(in tree: SyntaxTree, byteRange: Range<Int>? = nil) -> [SyntaxDefinition] {
    let prefix = "definition."
    var seen = Set<[Int]>()
    var result: [SyntaxDefinition] = []
    for match in matches(in: tree, byteRange: byteRange) {
      guard let definition = match.captures.first(where: { $0.name.hasPrefix(prefix) }),
        let name = match.capture(named: "name")
      else { continue }
      // Two patterns may tag the same construct (e.g. function and method); keep the first.
      let key = [definition.byteRange.lowerBound, definition.byteRange.upperBound, name.byteRange.lowerBound]
      guard seen.insert(key).inserted else { continue }
      result.append(
        SyntaxDefinition(
          kind: String(definition.name.dropFirst(prefix.count)), name: name.text, nameByteRange: name.byteRange,
          node: definition.node))
    }
    return result.sorted { ($0.byteRange.lowerBound, -$0.byteRange.upperBound) < ($1.byteRange.lowerBound, -$1.byteRange.upperBound) }
  }

  /// Definitions whose range contains `byteOffset` (the cursor), outermost first: the enclosing class, then method.
  /// A cursor at a definition's very end still counts as inside it (typing at the end of a block).
  public func enclosingDefinitions(in tree: SyntaxTree, atByteOffset byteOffset: Int) -> [SyntaxDefinition] {
    definitions(in: tree, byteRange: byteOffset..<(byteOffset + 1)).filter {
      $0.byteRange.lowerBound <= byteOffset && byteOffset <= $0.byteRange.upperBound
    }
  }
}
