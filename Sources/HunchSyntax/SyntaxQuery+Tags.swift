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
  /// through the end of the line holding the name, and at most `maxHeaderLines` lines (a long signature keeps its
  /// first line only); trailing whitespace dropped. E.g. `def area(self) -> float:`.
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
    if source[start..<end].reduce(0, { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }) >= Self.maxHeaderLines {
      end = source[start..<end].firstIndex(of: UInt8(ascii: "\n")) ?? end
    }
    while end > start,
      [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(
        source[end - 1])
    {
      end -= 1
    }
    return start..<end
  }

  public static let maxHeaderLines = 4

  public var headerText: String { node.tree.text(inByteRange: headerByteRange) }
}

extension SyntaxQuery {
  /// Definitions (matches holding `@definition.*` and `@name`), in document order; limited to those intersecting
  /// `byteRange` when given.
  public func definitions(in tree: SyntaxTree, byteRange: Range<Int>? = nil) -> [SyntaxDefinition] {
    let prefix = "definition."
    // Several patterns may tag one construct (a method is also a function): the earliest pattern in the file wins,
    // so tags files list specific patterns before general ones.
    var best: [[Int]: (patternIndex: Int, definition: SyntaxDefinition)] = [:]
    for match in matches(in: tree, byteRange: byteRange) {
      guard let definition = match.captures.first(where: { $0.name.hasPrefix(prefix) }),
        let name = match.capture(named: "name")
      else { continue }
      let key = [definition.byteRange.lowerBound, definition.byteRange.upperBound, name.byteRange.lowerBound]
      if let existing = best[key], existing.patternIndex <= match.patternIndex { continue }
      best[key] = (
        match.patternIndex,
        SyntaxDefinition(
          kind: String(definition.name.dropFirst(prefix.count)), name: name.text, nameByteRange: name.byteRange,
          node: definition.node)
      )
    }
    return best.values.map(\.definition).sorted {
      ($0.byteRange.lowerBound, -$0.byteRange.upperBound, $0.nameByteRange.lowerBound)
        < ($1.byteRange.lowerBound, -$1.byteRange.upperBound, $1.nameByteRange.lowerBound)
    }
  }

  /// Definitions whose range contains `byteOffset` (the cursor), outermost first: the enclosing class, then method.
  /// A cursor at a definition's very end still counts as inside it (typing at the end of a block).
  public func enclosingDefinitions(in tree: SyntaxTree, atByteOffset byteOffset: Int) -> [SyntaxDefinition] {
    definitions(in: tree, byteRange: byteOffset..<(byteOffset + 1)).filter {
      $0.byteRange.lowerBound <= byteOffset && byteOffset <= $0.byteRange.upperBound
    }
  }
}
