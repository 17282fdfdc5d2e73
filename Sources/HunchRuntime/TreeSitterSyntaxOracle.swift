import Foundation
import HunchCompletion
import HunchSyntax

/// The completion engine's syntax side, from tree-sitter where a grammar is installed and from indentation and
/// brackets (`PlainTextSyntaxOracle`) where none is, or where parsing was refused (too large, too slow).
public final class TreeSitterSyntaxOracle: SyntaxOracle, @unchecked Sendable {
  public let registry: GrammarRegistry
  private let plain = PlainTextSyntaxOracle()
  private let limits: ParseLimits
  private let lock = NSLock()
  private var lastParse: (key: Int, languageID: String, tree: SyntaxTree?)?

  public init(registry: GrammarRegistry = .standard(), limits: ParseLimits = ParseLimits(timeoutMicroseconds: 200_000)) {
    self.registry = registry
    self.limits = limits
  }

  /// The tree for `text`, reusing the last parse when the same text is asked for again (one request asks several
  /// questions about one buffer).
  private func tree(text: String, languageID: String) -> SyntaxTree? {
    lock.lock()
    defer { lock.unlock() }
    let key = text.hashValue
    if let lastParse, lastParse.key == key, lastParse.languageID == languageID { return lastParse.tree }
    var tree: SyntaxTree?
    if let grammar = registry.grammar(forPath: nil, languageId: languageID) {
      tree = SyntaxDocument(text: text, grammar: grammar, limits: limits).tree
    }
    lastParse = (key, languageID, tree)
    return tree
  }

  public func cursorContext(text: String, cursor: Int, languageID: String) -> CursorContext {
    var context = plain.cursorContext(text: text, cursor: cursor, languageID: languageID)
    guard let tree = tree(text: text, languageID: languageID) else { return context }
    let lineStarts = Self.lineStarts(text)
    func line(_ byte: Int) -> Int { Self.line(of: byte, in: lineStarts) }

    if let tags = try? registry.query(.tags, for: tree.grammar) {
      let enclosing = tags.enclosingDefinitions(in: tree, atByteOffset: cursor)
      if !enclosing.isEmpty {
        // Innermost first, as the engine wants; header lines from the definition's header, body after it.
        let definitions = enclosing.reversed().map { definition in
          let headerStart = line(definition.headerByteRange.lowerBound)
          let headerEnd = line(max(definition.headerByteRange.lowerBound, definition.headerByteRange.upperBound - 1))
          // The body in UTF-8 bytes, as `SyntaxScope` has it: from the end of the header to the end of the node.
          let bodyStart = min(definition.headerByteRange.upperBound, definition.byteRange.upperBound)
          return SyntaxScope(
            kind: definition.kind, headerLines: headerStart..<(headerEnd + 1),
            body: bodyStart..<max(bodyStart, definition.byteRange.upperBound))
        }
        // Blocks inside the innermost definition (an `if`, a loop, a closure) come first: a block completion must
        // stop when it dedents out of the block the cursor is in, not only out of the function around it.
        let innermostHeader = definitions.first?.headerLines.lowerBound ?? -1
        let innerBlocks = context.scopes.filter { $0.headerLines.lowerBound > innermostHeader }
        context.scopes = innerBlocks + definitions
      }
    }
    let probe = max(0, min(cursor, tree.source.count) - 1)
    let nodes = tree.enclosingNodes(atByteOffset: probe)
    if let innermost = nodes.first {
      let type = innermost.type
      let inside = innermost.startByte < cursor && cursor < innermost.endByte
      if (type.contains("string") || type.contains("comment")) && inside {
        context.isInStringOrComment = true
      } else if type.contains("comment") && innermost.startPoint.row == line(cursor) && innermost.endByte >= cursor {
        context.isInStringOrComment = true  // a line comment runs to the end of its line
      }
    }
    return context
  }

  public func definitions(text: String, languageID: String) -> [HunchCompletion.SyntaxDefinition] {
    guard let tree = tree(text: text, languageID: languageID),
      let tags = try? registry.query(.tags, for: tree.grammar)
    else { return plain.definitions(text: text, languageID: languageID) }
    let lineStarts = Self.lineStarts(text)
    return tags.definitions(in: tree).map { definition in
      HunchCompletion.SyntaxDefinition(
        name: definition.name, text: tree.text(inByteRange: definition.byteRange),
        line: Self.line(of: definition.byteRange.lowerBound, in: lineStarts))
    }
  }

  public func errorCount(text: String, languageID: String) -> Int {
    guard let tree = tree(text: text, languageID: languageID) else {
      return plain.errorCount(text: text, languageID: languageID)
    }
    guard tree.hasError else { return 0 }
    var count = 0
    var stack = [tree.rootNode]
    while let node = stack.popLast(), count < 1000 {
      if node.isError || node.isMissing { count += 1 }
      if node.hasError { stack.append(contentsOf: node.children) }
    }
    return count
  }

  static func lineStarts(_ text: String) -> [Int] {
    var starts = [0]
    for (offset, byte) in text.utf8.enumerated() where byte == UInt8(ascii: "\n") { starts.append(offset + 1) }
    return starts
  }

  static func line(of byte: Int, in starts: [Int]) -> Int {
    var low = 0
    var high = starts.count - 1
    while low < high {
      let mid = (low + high + 1) / 2
      if starts[mid] <= byte { low = mid } else { high = mid - 1 }
    }
    return low
  }
}
