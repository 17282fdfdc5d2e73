import CTreeSitter
import Foundation

/// The text predicates a query pattern may carry; tree-sitter parses them but leaves checking to the caller.
enum TextPredicate: @unchecked Sendable {
  enum Operand {
    case capture(String)
    case literal(String)
  }

  case equal(String, Operand, negated: Bool)
  case match(String, NSRegularExpression, negated: Bool)
  case anyOf(String, Set<String>, negated: Bool)

  /// A predicate whose capture did not take part in the match holds (tree-sitter's convention for optional captures).
  func holds(for captures: [SyntaxCapture]) -> Bool {
    func texts(_ name: String) -> [String] { captures.filter { $0.name == name }.map(\.text) }
    switch self {
    case .equal(let name, let operand, let negated):
      let left = texts(name)
      guard !left.isEmpty else { return true }
      let right: [String]
      switch operand {
      case .literal(let value): right = [value]
      case .capture(let other): right = texts(other)
      }
      guard !right.isEmpty else { return true }
      return left.allSatisfy { right.contains($0) } != negated
    case .match(let name, let regex, let negated):
      return texts(name).allSatisfy { text in
        let found = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        return found != negated
      }
    case .anyOf(let name, let values, let negated):
      return texts(name).allSatisfy { values.contains($0) != negated }
    }
  }
}

extension SyntaxQuery {
  static func readPredicates(_ query: OpaquePointer, pattern: Int) throws(SyntaxError) -> [TextPredicate] {
    var stepCount: UInt32 = 0
    guard let steps = ts_query_predicates_for_pattern(query, UInt32(pattern), &stepCount), stepCount > 0 else {
      return []
    }
    func text(_ step: TSQueryPredicateStep) -> TextPredicate.Operand {
      var length: UInt32 = 0
      if step.type == TSQueryPredicateStepTypeCapture {
        guard let name = ts_query_capture_name_for_id(query, step.value_id, &length) else { return .literal("") }
        return .capture(string(name, length))
      }
      guard let value = ts_query_string_value_for_id(query, step.value_id, &length) else { return .literal("") }
      return .literal(string(value, length))
    }
    var result: [TextPredicate] = []
    var current: [TextPredicate.Operand] = []
    for index in 0..<Int(stepCount) {
      let step = steps[index]
      if step.type != TSQueryPredicateStepTypeDone {
        current.append(text(step))
        continue
      }
      defer { current = [] }
      guard case .literal(let operator_)? = current.first else { continue }
      let arguments = Array(current.dropFirst())
      let negated = operator_.hasPrefix("not-")
      switch operator_ {
      case "eq?", "not-eq?":
        guard arguments.count == 2, case .capture(let name) = arguments[0] else {
          throw SyntaxError(.queryInvalid, "#\(operator_) wants a capture and a capture or string (pattern \(pattern))")
        }
        result.append(.equal(name, arguments[1], negated: negated))
      case "match?", "not-match?":
        guard arguments.count == 2, case .capture(let name) = arguments[0], case .literal(let pattern_) = arguments[1]
        else {
          throw SyntaxError(
            .queryInvalid, "#\(operator_) wants a capture and a regular expression (pattern \(pattern))")
        }
        do {
          result.append(.match(name, try NSRegularExpression(pattern: pattern_), negated: negated))
        } catch {
          throw SyntaxError(.queryInvalid, "#\(operator_): bad regular expression", cause: pattern_)
        }
      case "any-of?", "not-any-of?":
        guard case .capture(let name)? = arguments.first else {
          throw SyntaxError(.queryInvalid, "#\(operator_) wants a capture first (pattern \(pattern))")
        }
        let values = arguments.dropFirst().compactMap { operand -> String? in
          if case .literal(let value) = operand { return value }
          return nil
        }
        result.append(.anyOf(name, Set(values), negated: negated))
      default:
        continue  // #set!, #strip!, #select-adjacent! and the like: directives for other tools
      }
    }
    return result
  }
}
