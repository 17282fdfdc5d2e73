import CTreeSitter
import Foundation

/// Bounds on one parse, so a huge or pathological buffer cannot hold up a request.
public struct ParseLimits: Equatable, Sendable {
  /// Texts larger than this many UTF-8 bytes get no tree (plain-text treatment).
  public var maxBytes: Int
  /// A parse running longer than this is abandoned (ts_parser_set_timeout_micros); 0 means no limit.
  public var timeoutMicroseconds: UInt64

  public init(maxBytes: Int = 4 << 20, timeoutMicroseconds: UInt64 = 1_000_000) {
    self.maxBytes = maxBytes
    self.timeoutMicroseconds = timeoutMicroseconds
  }

  public static let standard = ParseLimits()
}

/// Whether the document currently has a tree, and why not.
public enum ParseState: Equatable, Sendable {
  /// `tree` describes the current text.
  case parsed
  /// No grammar: the document is plain text.
  case plainText
  /// The text exceeds `ParseLimits.maxBytes`.
  case tooLarge(byteCount: Int, limit: Int)
  /// The parse was refused or abandoned (time limit, language rejected).
  case failed(SyntaxError)
}

/// An open buffer: its UTF-8 text and, when a grammar applies and the limits allow, its syntax tree, kept current
/// across edits by incremental reparsing. Not thread-safe: one owner (an actor or a queue) at a time.
public final class SyntaxDocument {
  public let grammar: Grammar?
  public let limits: ParseLimits
  /// The text as UTF-8 bytes; all offsets in this API index into it.
  public private(set) var utf8: [UInt8]
  /// The tree for the current text, or nil (see `state`).
  public private(set) var tree: SyntaxTree?
  public private(set) var state: ParseState
  /// Byte offset where each line starts; line 0 starts at 0. A line ends after "\n".
  var lineStarts: [Int]
  private let parser: OpaquePointer?

  /// `grammar` nil means plain text: the document still tracks text and positions.
  public convenience init(text: String, grammar: Grammar?, limits: ParseLimits = .standard) {
    self.init(utf8: Array(text.utf8), grammar: grammar, limits: limits)
  }

  public init(utf8: [UInt8], grammar: Grammar?, limits: ParseLimits = .standard) {
    self.grammar = grammar
    self.limits = limits
    self.utf8 = utf8
    self.lineStarts = Self.lineStarts(of: utf8)
    self.tree = nil
    self.state = .plainText
    guard let grammar, let parser = ts_parser_new() else {
      self.parser = nil
      return
    }
    self.parser = parser
    guard ts_parser_set_language(parser, grammar.language) else {
      state = .failed(
        SyntaxError(.languageRejected, "libtree-sitter refused the \(grammar.name) grammar (ABI \(grammar.abiVersion))")
      )
      return
    }
    ts_parser_set_timeout_micros(parser, limits.timeoutMicroseconds)
    parse(editedOldTree: nil)
  }

  deinit {
    if let parser { ts_parser_delete(parser) }
  }

  /// The text, decoded (invalid UTF-8 replaced).
  public var text: String { String(decoding: utf8, as: UTF8.self) }

  public var lineCount: Int { lineStarts.count }

  /// Replaces the whole text and parses it afresh (LSP full-document sync).
  public func replaceAll(with newText: String) {
    utf8 = Array(newText.utf8)
    lineStarts = Self.lineStarts(of: utf8)
    parse(editedOldTree: nil)
  }

  /// Replaces the bytes in `range` with `replacement` and reparses incrementally from the edited old tree.
  /// Throws `.invalidEdit` if the range is not inside the text; the document is then unchanged.
  public func edit(replacingBytes range: Range<Int>, with replacement: String) throws(SyntaxError) {
    guard range.lowerBound >= 0, range.upperBound <= utf8.count else {
      throw SyntaxError(.invalidEdit, "edit range \(range) is outside the text's \(utf8.count) bytes")
    }
    let inserted = Array(replacement.utf8)
    let startPoint = point(forByteOffset: range.lowerBound)
    let oldEndPoint = point(forByteOffset: range.upperBound)
    let newEndPoint = Self.point(after: inserted, from: startPoint)
    updateLineStarts(replacing: range, with: inserted)
    utf8.replaceSubrange(range, with: inserted)

    var oldTree: OpaquePointer?
    if let previous = tree {
      // Edit a copy: the old SyntaxTree stays valid and unchanged for anyone still holding its nodes.
      oldTree = ts_tree_copy(previous.pointer)
      var inputEdit = TSInputEdit(
        start_byte: UInt32(clamping: range.lowerBound), old_end_byte: UInt32(clamping: range.upperBound),
        new_end_byte: UInt32(clamping: range.lowerBound + inserted.count), start_point: startPoint.raw,
        old_end_point: oldEndPoint.raw, new_end_point: newEndPoint.raw)
      if let oldTree { ts_tree_edit(oldTree, &inputEdit) }
    }
    parse(editedOldTree: oldTree)
    if let oldTree { ts_tree_delete(oldTree) }
  }

  /// Parses the current text, reusing `editedOldTree` (already adjusted with ts_tree_edit) when given.
  private func parse(editedOldTree: OpaquePointer?) {
    tree = nil
    guard let grammar, let parser else {
      state = .plainText
      return
    }
    if case .failed(let error) = state, error.code == .languageRejected { return }
    guard utf8.count <= limits.maxBytes else {
      state = .tooLarge(byteCount: utf8.count, limit: limits.maxBytes)
      return
    }
    let source = utf8
    let parsed: OpaquePointer? = source.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        guard let base = chars.baseAddress else {
          return "".withCString { ts_parser_parse_string(parser, editedOldTree, $0, 0) }
        }
        return ts_parser_parse_string(parser, editedOldTree, base, UInt32(chars.count))
      }
    }
    guard let parsed else {
      // A stopped parse would otherwise resume on the next call with stale state.
      ts_parser_reset(parser)
      if limits.timeoutMicroseconds > 0 {
        state = .failed(
          SyntaxError(
            .parseTimedOut,
            "parsing \(source.count) bytes of \(grammar.name) took over \(limits.timeoutMicroseconds) µs; abandoned"))
      } else {
        state = .failed(SyntaxError(.parseFailed, "tree-sitter returned no tree for \(grammar.name)"))
      }
      return
    }
    tree = SyntaxTree(pointer: parsed, grammar: grammar, source: source)
    state = .parsed
  }
}
