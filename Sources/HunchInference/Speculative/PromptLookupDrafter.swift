import Foundation

/// Prompt lookup: finds the generated tail (the last 3, 2 or 1 tokens) earlier in the prompt and generated text,
/// or in reference texts given to it, and proposes what followed there. Free to run; pays off when the completion
/// copies from its context, as code completion often does.
public final class PromptLookupDrafter: Drafter {
  public let name = "lookup"
  public let minN: Int
  public let maxN: Int
  /// Other token sequences to search after the context itself (open files, the previous suggestion).
  public var references: [[Int32]] = []

  public init(minN: Int = 1, maxN: Int = 3, references: [[Int32]] = []) {
    self.minN = max(1, minN)
    self.maxN = max(self.minN, maxN)
    self.references = references
  }

  public func propose(context: [Int32], maxDraft: Int) -> [Int32] {
    // The context's own tail is excluded as a match start: it would propose nothing but itself.
    let own = NGramMatch.continuation(
      of: context, in: context, searchEnd: context.count - 1, minN: minN, maxN: maxN, maxDraft: maxDraft,
      preferLatest: true)
    if !own.isEmpty { return own }
    for reference in references {
      let found = NGramMatch.continuation(
        of: context, in: reference, minN: minN, maxN: maxN, maxDraft: maxDraft, preferLatest: true)
      if !found.isEmpty { return found }
    }
    return []
  }
}

/// The previous suggestion as a draft: when the user types on into a suggestion, the still-valid rest of it is what
/// the model will most likely say again. Seed it with the tokens of the context the suggestion followed and of the
/// suggestion; it proposes what followed the longest tail of the current context found in them.
public final class SuggestionDrafter: Drafter {
  public let name = "suggestion"
  public private(set) var sequence: [Int32] = []
  /// How many context tokens before the suggestion are kept to anchor the match.
  public let anchorLength: Int

  public init(anchorLength: Int = 8) {
    self.anchorLength = max(1, anchorLength)
  }

  /// Hands the drafter the last suggestion: `suggestion` as generated after `context`.
  public func seed(suggestion: [Int32], after context: [Int32] = []) {
    sequence = Array(context.suffix(anchorLength)) + suggestion
  }

  /// Forgets the suggestion.
  public func clear() { sequence = [] }

  public func propose(context: [Int32], maxDraft: Int) -> [Int32] {
    // The earliest match follows the suggestion from its start; a longer tail must match to be trusted.
    NGramMatch.continuation(
      of: context, in: sequence, minN: 2, maxN: anchorLength, maxDraft: maxDraft, preferLatest: false)
  }
}

/// Proposes a fixed script of tokens per call, for tests: proposals chosen to be wrong at chosen positions.
public final class ScriptedDrafter: Drafter {
  public let name: String
  /// Given the context and the draft length, what to propose.
  public let script: ([Int32], Int) -> [Int32]
  public private(set) var observations: [(proposal: [Int32], accepted: Int)] = []
  /// Prompts `begin` was called with.
  public private(set) var begun: [[Int32]] = []

  public init(name: String = "scripted", script: @escaping ([Int32], Int) -> [Int32]) {
    self.name = name
    self.script = script
  }

  public func begin(prompt: [Int32]) { begun.append(prompt) }

  public func propose(context: [Int32], maxDraft: Int) -> [Int32] { Array(script(context, maxDraft).prefix(maxDraft)) }

  public func observe(proposal: [Int32], accepted: Int) { observations.append((proposal, accepted)) }
}
