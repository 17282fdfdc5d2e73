import Foundation

/// Settings of speculative decoding.
public struct SpeculationOptions: Sendable {
  /// Draft length a drafter starts with and the bounds it adapts within.
  public var initialDraft = 6
  public var minDraft = 1
  /// Long drafts pay when they are accepted: one pass over 48 tokens costs far less than 48 one-token steps (the
  /// weights are read once), and a drafter that keeps being right (the previous suggestion) earns them quickly.
  public var maxDraft = 48
  /// Verification steps a drafter gets before its cost is judged.
  public var trialSteps = 8
  /// A drafter losing clearly (time per emitted token above `clearLossRatio` times the break-even) is judged after
  /// this many steps already: a draft model that loses costs about half a plain step per drafted token, so waiting
  /// out the whole trial would spend a short completion's budget on it.
  public var earlyVerdictSteps = 3
  public var clearLossRatio = 1.5
  /// A drafter is switched off while its time per emitted token exceeds this fraction of a plain step's.
  public var breakEvenRatio = 1.0
  /// Steps a switched-off drafter sits out before it gets another trial; each verdict against it in a row doubles
  /// this (up to `maxCooldownSteps`), so a drafter that never pays costs ever less, and one that pays again resets it.
  public var cooldownSteps = 128
  public var maxCooldownSteps = 4096
  /// Whether drafters are switched off at all (the bench turns this off to measure each one).
  public var adaptive = true
  /// Most tokens per verification forward pass (0: the whole draft in one pass). A token's logits are the same
  /// whatever the batch (the multi-row kernels are bit-identical to the one-row kernels), so one pass verifies
  /// exactly.
  public var verifyChunk = 0
  /// Seed of the acceptance draws in sampling mode.
  public var seed: UInt64 = 0x5eed_d7af

  public init() {}
}

/// One drafter's running state: its draft length, what it cost and what it gained.
final class DrafterState {
  let drafter: Drafter
  var draftLength: Int
  /// Recent verification steps' seconds (proposal plus verification) and emitted tokens, exponentially weighted.
  var recentSeconds = 0.0
  var recentTokens = 0.0
  var recentSteps = 0
  var disabledUntilStep: Int?
  /// Verdicts against the drafter since it last paid for itself.
  var lostTrials = 0
  /// Whether `begin` ran for the current request (a drafter off at its start stays off until the next one).
  var begunForRequest = false
  /// Seconds `begin` took (a draft model's prefill), charged to the drafter's next verification step.
  var pendingBeginSeconds = 0.0

  init(drafter: Drafter, draftLength: Int) {
    self.drafter = drafter
    self.draftLength = draftLength
  }
}

/// Runs the drafters for a session: picks the proposal, adapts each drafter's draft length to its acceptance, and
/// switches off a drafter whose verification costs more wall-clock time per emitted token than plain decoding.
public final class SpeculationController {
  public let options: SpeculationOptions
  let states: [DrafterState]
  /// Seconds of a plain one-token step, exponentially weighted; nil until one was measured.
  var plainStepSeconds: Double?
  var step = 0
  private var seeds: SplitMix64

  /// `drafters` are asked in order; the first non-empty proposal is verified.
  public init(drafters: [Drafter], options: SpeculationOptions = SpeculationOptions()) {
    self.options = options
    seeds = SplitMix64(seed: options.seed)
    states = drafters.map { DrafterState(drafter: $0, draftLength: options.initialDraft) }
  }

  public var drafters: [Drafter] { states.map(\.drafter) }

  /// Names of drafters currently switched off.
  public var disabledDrafters: [String] {
    states.filter(isDisabled).map(\.drafter.name)
  }

  /// The current draft length of each drafter, by name.
  public var draftLengths: [String: Int] {
    Dictionary(states.map { ($0.drafter.name, $0.draftLength) }, uniquingKeysWith: { a, _ in a })
  }

  /// A fresh seed for one request's acceptance draws.
  func nextSeed() -> UInt64 { seeds.next() }

  /// Lets the active drafters see the prompt. A switched-off drafter is skipped (a draft model would prefill the
  /// whole prompt for nothing) and stays off for the whole request even if its cooldown ends meanwhile: catching up
  /// on the prompt mid-generation would cost what skipping saved. The time `begin` takes is part of the drafter's
  /// cost when it is judged.
  func begin(prompt: [Int32]) throws(InferenceError) {
    for state in states {
      state.begunForRequest = false
      if isDisabled(state) { continue }
      if state.disabledUntilStep != nil { reactivate(state) }
      let started = DispatchTime.now().uptimeNanoseconds
      try state.drafter.begin(prompt: prompt)
      state.pendingBeginSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
      state.begunForRequest = true
    }
  }

  private func reactivate(_ state: DrafterState) {
    state.disabledUntilStep = nil
    state.recentSteps = 0
    state.recentSeconds = 0
    state.recentTokens = 0
    state.draftLength = options.initialDraft
  }

  private func isDisabled(_ state: DrafterState) -> Bool { state.disabledUntilStep.map { $0 > step } ?? false }

  /// The first non-empty proposal of an active drafter, at most `limit` tokens.
  func propose(context: [Int32], limit: Int) throws(InferenceError) -> (state: DrafterState, tokens: [Int32])? {
    step += 1
    guard limit > 0 else { return nil }
    // Without a measured plain step there is nothing to judge drafters against: take one plain step first.
    if options.adaptive && plainStepSeconds == nil { return nil }
    for state in states {
      if let until = state.disabledUntilStep {
        if until > step || !state.begunForRequest { continue }
        reactivate(state)
      }
      let tokens = try state.drafter.propose(context: context, maxDraft: min(limit, state.draftLength))
      if !tokens.isEmpty { return (state, Array(tokens.prefix(limit))) }
    }
    return nil
  }

  func recordPlainStep(seconds: Double) {
    plainStepSeconds = plainStepSeconds.map { 0.8 * $0 + 0.2 * seconds } ?? seconds
  }

  /// `emitted` is the accepted tokens plus the target's own token after them.
  func record(_ state: DrafterState, proposal: [Int32], accepted: Int, seconds: Double) {
    state.drafter.observe(proposal: proposal, accepted: accepted)
    // Draft length: double after a fully accepted draft, shrink to just past the accepted part otherwise.
    if accepted == proposal.count {
      if proposal.count == state.draftLength { state.draftLength = min(options.maxDraft, state.draftLength * 2) }
    } else {
      state.draftLength = max(options.minDraft, min(state.draftLength - 1, accepted + 2))
    }
    let decay = 0.9
    state.recentSeconds = decay * state.recentSeconds + seconds + state.pendingBeginSeconds
    state.pendingBeginSeconds = 0
    state.recentTokens = decay * state.recentTokens + Double(accepted + 1)
    state.recentSteps += 1
    guard options.adaptive, let plain = plainStepSeconds else { return }
    let perToken = state.recentSeconds / max(state.recentTokens, 1e-9)
    let judged = state.recentSteps >= options.trialSteps
    let losing = perToken > plain * options.breakEvenRatio
    let clearlyLosing =
      state.recentSteps >= options.earlyVerdictSteps
      && perToken > plain * options.breakEvenRatio * options.clearLossRatio
    if (judged && losing) || clearlyLosing {
      let doubled = options.cooldownSteps << min(state.lostTrials, 16)
      state.disabledUntilStep = step + max(options.cooldownSteps, min(options.maxCooldownSteps, doubled))
      state.lostTrials += 1
    } else if judged {
      state.lostTrials = 0
    }
  }
}
