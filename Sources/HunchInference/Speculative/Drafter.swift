import Foundation

/// Proposes tokens the target model is likely to produce next, for the target to verify in one batched pass.
///
/// Drafters are deterministic: a proposal is a function of the context, so in sampling mode the rejection scheme
/// treats the draft distribution as one-hot and the output keeps the target's distribution exactly.
public protocol Drafter: AnyObject {
  /// A short stable name for statistics ("lookup", "suggestion", "draft-model").
  var name: String { get }
  /// Called once per request with the prompt, before any proposal (a draft model prefills here), unless the drafter
  /// is switched off then (it is not asked for proposals in that request either). A drafter switched off and back on
  /// within a request catches up from the context it is given.
  func begin(prompt: [Int32]) throws(InferenceError)
  /// Up to `maxDraft` tokens that may follow `context` (prompt plus the tokens generated so far); empty when the
  /// drafter has no idea.
  func propose(context: [Int32], maxDraft: Int) throws(InferenceError) -> [Int32]
  /// How many of the last proposal's tokens the target accepted.
  func observe(proposal: [Int32], accepted: Int)
}

extension Drafter {
  public func begin(prompt: [Int32]) throws(InferenceError) {}
  public func observe(proposal: [Int32], accepted: Int) {}
}

/// Finds the continuation of `context`'s tail in token sequences: the shared matcher of the lookup drafters.
enum NGramMatch {
  /// The tokens that followed the longest (up to `maxN`, at least `minN`) tail of `context` found in `sequence`,
  /// searching only `sequence[..<searchEnd]` for the match start; the most recent occurrence wins when
  /// `preferLatest`, else the earliest. At most `maxDraft` tokens.
  static func continuation(
    of context: [Int32], in sequence: [Int32], searchEnd: Int? = nil, minN: Int, maxN: Int, maxDraft: Int,
    preferLatest: Bool
  ) -> [Int32] {
    guard maxDraft > 0, !context.isEmpty, !sequence.isEmpty else { return [] }
    let end = min(searchEnd ?? sequence.count, sequence.count)
    var n = min(maxN, context.count)
    while n >= minN && n >= 1 {
      let tail = context[(context.count - n)...]
      // A match at `start` covers sequence[start..<start+n] and must leave at least one token after it.
      let lastStart = min(end, sequence.count) - n - 1
      if lastStart >= 0 {
        let starts = preferLatest ? Array(stride(from: lastStart, through: 0, by: -1)) : Array(0...lastStart)
        for start in starts where sequence[start] == tail.first {
          var same = true
          var i = 1
          while i < n {
            if sequence[start + i] != tail[tail.startIndex + i] {
              same = false
              break
            }
            i += 1
          }
          if same {
            let from = start + n
            return Array(sequence[from..<min(sequence.count, from + maxDraft)])
          }
        }
      }
      n -= 1
    }
    return []
  }
}
