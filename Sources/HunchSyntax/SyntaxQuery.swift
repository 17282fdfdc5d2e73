import CTreeSitter
import Foundation

/// One captured node of a query match.
public struct SyntaxCapture: @unchecked Sendable {
  /// The capture's name without the "@", e.g. "definition.function".
  public let name: String
  public let node: SyntaxNode
  /// Which pattern of the query matched (index in source order).
  public let patternIndex: Int

  /// UTF-8 byte offsets into the tree's source.
  public var byteRange: Range<Int> { node.byteRange }
  public var text: String { node.text }
}

/// One match of a query pattern: the captures it bound.
public struct SyntaxQueryMatch: @unchecked Sendable {
  public let patternIndex: Int
  public let captures: [SyntaxCapture]

  public func capture(named name: String) -> SyntaxCapture? { captures.first { $0.name == name } }
}

/// A compiled tree-sitter query (S-expression patterns) for one grammar. The text predicates #eq?, #not-eq?,
/// #match?, #not-match?, #any-of? and #not-any-of? are applied; other predicates and directives are ignored.
/// Immutable after creation; each run uses its own query cursor.
public final class SyntaxQuery: @unchecked Sendable {
  let pointer: OpaquePointer
  public let grammar: Grammar
  /// Capture names by capture id.
  public let captureNames: [String]
  public let patternCount: Int
  let predicates: [[TextPredicate]]  // (pattern) → predicates all of which must hold

  /// Compiles `source` for `grammar`; a pattern naming a node type or field the grammar lacks is an error.
  public init(grammar: Grammar, source: String) throws(SyntaxError) {
    var errorOffset: UInt32 = 0
    var errorType = TSQueryErrorNone
    let length = UInt32(clamping: source.utf8.count)
    let compiled = source.withCString { ts_query_new(grammar.language, $0, length, &errorOffset, &errorType) }
    guard let compiled else {
      throw Self.describe(errorType, at: Int(errorOffset), in: source, grammar: grammar.name)
    }
    pointer = compiled
    self.grammar = grammar
    patternCount = Int(ts_query_pattern_count(compiled))
    captureNames = (0..<ts_query_capture_count(compiled)).map { id in
      var nameLength: UInt32 = 0
      guard let name = ts_query_capture_name_for_id(compiled, id, &nameLength) else { return "" }
      return Self.string(name, nameLength)
    }
    do {
      predicates = try (0..<patternCount).map { pattern throws(SyntaxError) in
        try Self.readPredicates(compiled, pattern: pattern)
      }
    } catch {
      ts_query_delete(compiled)
      throw error
    }
  }

  deinit { ts_query_delete(pointer) }

  /// All matches in the tree, or only those intersecting `byteRange`, in document order.
  public func matches(in tree: SyntaxTree, byteRange: Range<Int>? = nil) -> [SyntaxQueryMatch] {
    matches(under: tree.rootNode, byteRange: byteRange)
  }

  /// Matches inside `node`, optionally limited to those intersecting `byteRange`.
  public func matches(under node: SyntaxNode, byteRange: Range<Int>? = nil) -> [SyntaxQueryMatch] {
    guard let cursor = ts_query_cursor_new() else { return [] }
    defer { ts_query_cursor_delete(cursor) }
    if let byteRange {
      ts_query_cursor_set_byte_range(
        cursor, UInt32(clamping: max(byteRange.lowerBound, 0)), UInt32(clamping: max(byteRange.upperBound, 0)))
    }
    ts_query_cursor_exec(cursor, pointer, node.raw)
    var results: [SyntaxQueryMatch] = []
    var raw = TSQueryMatch()
    while ts_query_cursor_next_match(cursor, &raw) {
      let patternIndex = Int(raw.pattern_index)
      var captures: [SyntaxCapture] = []
      captures.reserveCapacity(Int(raw.capture_count))
      for index in 0..<Int(raw.capture_count) {
        guard let capture = raw.captures?[index] else { continue }
        let id = Int(capture.index)
        captures.append(
          SyntaxCapture(
            name: id < captureNames.count ? captureNames[id] : "", node: SyntaxNode(raw: capture.node, tree: node.tree),
            patternIndex: patternIndex))
      }
      guard patternIndex < predicates.count, predicates[patternIndex].allSatisfy({ $0.holds(for: captures) }) else {
        continue
      }
      results.append(SyntaxQueryMatch(patternIndex: patternIndex, captures: captures))
    }
    return results
  }

  /// Every capture of every match, ordered by start byte (then longest first).
  public func captures(in tree: SyntaxTree, byteRange: Range<Int>? = nil) -> [SyntaxCapture] {
    matches(in: tree, byteRange: byteRange).flatMap(\.captures).sorted {
      ($0.byteRange.lowerBound, -$0.byteRange.upperBound) < ($1.byteRange.lowerBound, -$1.byteRange.upperBound)
    }
  }

  static func string(_ pointer: UnsafePointer<CChar>, _ length: UInt32) -> String {
    pointer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
      String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
    }
  }

  private static func describe(_ type: TSQueryError, at offset: Int, in source: String, grammar: String) -> SyntaxError
  {
    let kind: String
    switch type {
    case TSQueryErrorSyntax: kind = "syntax error"
    case TSQueryErrorNodeType: kind = "unknown node type"
    case TSQueryErrorField: kind = "unknown field"
    case TSQueryErrorCapture: kind = "unknown capture"
    case TSQueryErrorStructure: kind = "impossible pattern structure"
    case TSQueryErrorLanguage: kind = "incompatible language"
    default: kind = "error"
    }
    let bytes = Array(source.utf8)
    let clamped = min(max(offset, 0), bytes.count)
    let line = bytes[..<clamped].reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    let fragment = String(decoding: bytes[clamped..<min(clamped + 40, bytes.count)], as: UTF8.self)
    return SyntaxError(
      .queryInvalid, "\(grammar) query: \(kind) at byte \(offset) (line \(line))",
      cause: fragment.split(separator: "\n").first.map(String.init))
  }
}
