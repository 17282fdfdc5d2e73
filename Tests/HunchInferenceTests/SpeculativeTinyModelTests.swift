import Foundation
import HunchGGUF
import HunchInference
import XCTest

/// Speculative decoding on tiny synthetic models: exact greedy equivalence, rejections at chosen draft positions,
/// consistent (trimmed) caches for the target and the draft model, and the sampled distribution kept.
final class SpeculativeTinyModelTests: XCTestCase {
  private func tinyModel(_ architecture: String = "llama", seed: UInt64 = 7) throws -> Transformer {
    try Transformer(file: try GGUFFile(path: try TinyModel.write(architecture: architecture, seed: seed)), threads: 1)
  }

  /// Fixed draft length, never switched off: each test controls exactly what is proposed.
  private func fixedOptions(draft: Int, verifyChunk: Int = 0) -> SpeculationOptions {
    var options = SpeculationOptions()
    options.verifyChunk = verifyChunk
    options.initialDraft = draft
    options.minDraft = draft
    options.maxDraft = draft
    options.adaptive = false
    return options
  }

  /// The cache holds exactly `cachedTokens`: its logits for a further token equal a fresh cache's.
  private func assertCacheConsistent(
    _ model: Transformer, _ cache: KVCache, _ tokens: [Int32], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    XCTAssertEqual(cache.length, tokens.count, "cache length vs its token list", file: file, line: line)
    let probe: Int32 = 17
    let reused = Array(try model.forward([probe], cache: cache, logits: .last))
    cache.trim(to: tokens.count)
    let fresh = model.makeCache(capacity: cache.capacity)
    let expected = Array(try model.forward(tokens + [probe], cache: fresh, logits: .last))
    let worst = zip(reused, expected).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, 1e-4, "cache content differs from its tokens", file: file, line: line)
  }

  func testScriptedRejectionsAtFirstMiddleAndLastDraftPosition() throws {
    let model = try tinyModel()
    let prompt: [Int32] = [3, 14, 15, 9, 26, 5]
    let plainSession = GenerationSession(model: model, contextLength: 128)
    var plainStats = GenerationStats()
    let plain = try plainSession.generate(prompt: prompt, maxTokens: 30, stats: &plainStats)
    XCTAssertEqual(plain.count, 30)
    let draftLength = 5
    for verifyChunk in [0, 2] {
      for wrongAt in [0, 2, draftLength - 1, nil] as [Int?] {
        // Proposes the plain continuation, with one wrong token at `wrongAt`.
        let drafter = ScriptedDrafter { context, maxDraft in
          let produced = context.count - prompt.count
          var draft = Array(plain[min(produced, plain.count)...].prefix(maxDraft))
          if let wrongAt, wrongAt < draft.count { draft[wrongAt] = (draft[wrongAt] + 1) % 50 }
          return draft
        }
        let session = GenerationSession(model: model, contextLength: 128)
        var stats = GenerationStats()
        let output = try session.generate(
          prompt: prompt, maxTokens: 30,
          speculation: SpeculationController(
            drafters: [drafter], options: fixedOptions(draft: draftLength, verifyChunk: verifyChunk)),
          stats: &stats)
        let label = "wrong at \(wrongAt.map(String.init) ?? "none"), chunk \(verifyChunk)"
        XCTAssertEqual(output, plain, label)
        XCTAssertFalse(drafter.observations.isEmpty, label)
        for observation in drafter.observations {
          let expected = wrongAt.map { min($0, observation.proposal.count) } ?? observation.proposal.count
          XCTAssertEqual(observation.accepted, expected, "\(label): proposal \(observation.proposal)")
        }
        let entry = stats[drafter: "scripted"]
        XCTAssertEqual(entry.accepted, drafter.observations.map(\.accepted).reduce(0, +), label)
        XCTAssertEqual(entry.drafted, drafter.observations.map(\.proposal.count).reduce(0, +), label)
        XCTAssertEqual(stats.generatedTokens, 30, label)
        // In one pass per proposal, every target pass verified a proposal; the first token came from the prompt's pass.
        // In chunks of 2, a pass stops the verification at a rejection: passes = ceil((accepted + 1) / 2) at most.
        if verifyChunk == 0 {
          XCTAssertEqual(stats.targetSteps, drafter.observations.count, label)
        } else {
          let bound = drafter.observations.map { ($0.accepted + 1 + verifyChunk - 1) / verifyChunk }.reduce(0, +)
          XCTAssertLessThanOrEqual(stats.targetSteps, bound, label)
          XCTAssertGreaterThanOrEqual(stats.targetSteps, drafter.observations.count, label)
        }
        if wrongAt != 0 { XCTAssertLessThan(stats.targetSteps, 29, label) }
        XCTAssertEqual(Array(session.cachedTokens.prefix(prompt.count)), prompt, label)
        XCTAssertEqual(
          Array(session.cachedTokens.dropFirst(prompt.count)),
          Array(output.prefix(session.cachedTokens.count - prompt.count)), label)
        try assertCacheConsistent(model, session.cache, session.cachedTokens)
        // The next request reuses the trimmed cache and still agrees with a cold start.
        let next = prompt + output.prefix(10) + [4]
        var warmStats = GenerationStats()
        let warm = try session.generate(prompt: next, maxTokens: 8, stats: &warmStats)
        XCTAssertEqual(warmStats.promptTokensReused, prompt.count + 10, label)
        var coldStats = GenerationStats()
        XCTAssertEqual(
          try GenerationSession(model: model, contextLength: 128).generate(
            prompt: next, maxTokens: 8, stats: &coldStats), warm,
          label)
      }
    }
  }

  func testStopTokenInsideTheDraftEndsTheGeneration() throws {
    let model = try tinyModel()
    let prompt: [Int32] = [8, 8, 1, 30]
    var plainStats = GenerationStats()
    let plain = try GenerationSession(model: model, contextLength: 64).generate(
      prompt: prompt, maxTokens: 12, stats: &plainStats)
    let stop = plain[5]
    let firstStop = try XCTUnwrap(plain.firstIndex(of: stop))
    let drafter = ScriptedDrafter { context, maxDraft in
      Array(plain[(context.count - prompt.count)...].prefix(maxDraft))
    }
    let session = GenerationSession(model: model, contextLength: 64)
    var stats = GenerationStats()
    let output = try session.generate(
      prompt: prompt, maxTokens: 12, stopTokens: [stop],
      speculation: SpeculationController(drafters: [drafter], options: fixedOptions(draft: 8)), stats: &stats)
    XCTAssertEqual(output, Array(plain[..<firstStop]))
    XCTAssertEqual(session.lastStopToken, stop)
    XCTAssertFalse(session.cachedTokens.dropFirst(prompt.count).contains(stop), "the stop token is not kept")
    try assertCacheConsistent(model, session.cache, session.cachedTokens)
  }

  func testOnTokenStopAndMaxTokensInsideTheDraft() throws {
    let model = try tinyModel("qwen2")
    let prompt: [Int32] = [2, 7, 1, 8, 2, 8]
    var plainStats = GenerationStats()
    let plain = try GenerationSession(model: model, contextLength: 64).generate(
      prompt: prompt, maxTokens: 20, stats: &plainStats)
    let drafter = ScriptedDrafter { context, maxDraft in
      Array(plain[(context.count - prompt.count)...].prefix(maxDraft))
    }
    // In chunks of 3, maxTokens 4 ends on the last row of the first chunk: a token accepted but never fed.
    for verifyChunk in [0, 3] {
      let controller = SpeculationController(
        drafters: [drafter], options: fixedOptions(draft: 6, verifyChunk: verifyChunk))
      for maxTokens in [1, 2, 4, 5, 9] {
        var stats = GenerationStats()
        let session = GenerationSession(model: model, contextLength: 64)
        let output = try session.generate(prompt: prompt, maxTokens: maxTokens, speculation: controller, stats: &stats)
        XCTAssertEqual(output, Array(plain.prefix(maxTokens)), "max \(maxTokens), chunk \(verifyChunk)")
        try assertCacheConsistent(model, session.cache, session.cachedTokens)
      }
    }
    let controller = SpeculationController(drafters: [drafter], options: fixedOptions(draft: 6))
    var seen = 0
    var stats = GenerationStats()
    let session = GenerationSession(model: model, contextLength: 64)
    let output = try session.generate(prompt: prompt, maxTokens: 20, speculation: controller, stats: &stats) { _ in
      seen += 1
      return seen == 4 ? .stop : .proceed
    }
    XCTAssertEqual(output, Array(plain.prefix(4)))
    try assertCacheConsistent(model, session.cache, session.cachedTokens)
  }

  func testLookupAndSuggestionDraftersMatchPlainGreedy() throws {
    for architecture in ["llama", "qwen2"] {
      let model = try tinyModel(architecture)
      var random = SplitMix64(seed: 11)
      for trial in 0..<6 {
        // Repetitive prompts give the lookup drafter matches, right and wrong.
        let motif = (0..<4).map { _ in Int32(random.next() % 50) }
        let prompt = motif + motif + [Int32(random.next() % 50)] + motif
        var plainStats = GenerationStats()
        let plain = try GenerationSession(model: model, contextLength: 128).generate(
          prompt: prompt, maxTokens: 24, stats: &plainStats)
        // A suggestion right for 6 tokens, then wrong.
        var suggestion = plain
        suggestion[6] = (suggestion[6] + 3) % 50
        let seeded = SuggestionDrafter()
        seeded.seed(suggestion: suggestion, after: prompt)
        for drafters in [[PromptLookupDrafter()], [seeded], [seeded, PromptLookupDrafter()]] as [[Drafter]] {
          var stats = GenerationStats()
          let session = GenerationSession(model: model, contextLength: 128)
          let output = try session.generate(
            prompt: prompt, maxTokens: 24,
            speculation: SpeculationController(drafters: drafters, options: fixedOptions(draft: 4)), stats: &stats)
          XCTAssertEqual(output, plain, "\(architecture) trial \(trial) \(drafters.map(\.name))")
          try assertCacheConsistent(model, session.cache, session.cachedTokens)
        }
        var suggestionStats = GenerationStats()
        _ = try GenerationSession(model: model, contextLength: 128).generate(
          prompt: prompt, maxTokens: 24,
          speculation: SpeculationController(drafters: [seeded], options: fixedOptions(draft: 4)),
          stats: &suggestionStats)
        let entry = suggestionStats[drafter: "suggestion"]
        XCTAssertGreaterThanOrEqual(
          entry.accepted, 4, "the first draft (tokens 1 to 4) is the right part of the suggestion")
        XCTAssertGreaterThan(entry.drafted, entry.accepted, "the wrong token was proposed and rejected")
      }
    }
  }

  func testDraftModelCacheFollowsRejections() throws {
    let target = try tinyModel("llama", seed: 7)
    let draftModel = try tinyModel("llama", seed: 8)  // other weights: it is often wrong
    let prompt: [Int32] = [5, 6, 7, 8, 9, 10, 11]
    var plainStats = GenerationStats()
    let plain = try GenerationSession(model: target, contextLength: 128).generate(
      prompt: prompt, maxTokens: 40, stats: &plainStats)
    let drafter = DraftModelDrafter(model: draftModel, contextLength: 128)
    let session = GenerationSession(model: target, contextLength: 128)
    var stats = GenerationStats()
    let output = try session.generate(
      prompt: prompt, maxTokens: 40,
      speculation: SpeculationController(drafters: [drafter], options: fixedOptions(draft: 3)), stats: &stats)
    XCTAssertEqual(output, plain)
    let entry = stats[drafter: "draft-model"]
    XCTAssertGreaterThan(entry.drafted, entry.accepted, "the other model must be rejected sometimes")
    try assertCacheConsistent(target, session.cache, session.cachedTokens)
    try assertCacheConsistent(draftModel, drafter.cache, drafter.cachedTokens)
    XCTAssertEqual(Array(drafter.cachedTokens.prefix(prompt.count)), prompt)
    // A drafter that lived through the rejections proposes what a fresh one does.
    let context = prompt + plain.prefix(20)
    let fresh = DraftModelDrafter(model: draftModel, contextLength: 128)
    XCTAssertEqual(try drafter.propose(context: context, maxDraft: 5), try fresh.propose(context: context, maxDraft: 5))
    try assertCacheConsistent(draftModel, drafter.cache, drafter.cachedTokens)
    // The same model drafting for itself is always right.
    var selfStats = GenerationStats()
    let selfDrafted = try GenerationSession(model: target, contextLength: 128).generate(
      prompt: prompt, maxTokens: 40,
      speculation: SpeculationController(
        drafters: [DraftModelDrafter(model: target, contextLength: 128)], options: fixedOptions(draft: 4)),
      stats: &selfStats)
    XCTAssertEqual(selfDrafted, plain)
    XCTAssertEqual(selfStats[drafter: "draft-model"].accepted, selfStats[drafter: "draft-model"].drafted)
  }

  func testAdaptiveControllerShortensDraftsAndSwitchesOffAUselessDrafter() throws {
    let model = try tinyModel()
    let prompt: [Int32] = [1, 2, 3, 4]
    // Always wrong at the first position: costs a batched pass and gains nothing.
    let useless = ScriptedDrafter(name: "useless") { _, maxDraft in Array(repeating: 49, count: maxDraft) }
    var options = SpeculationOptions()
    options.trialSteps = 4
    // The verdict must not hang on timings a loaded machine can skew (one preempted plain step of a tiny model): with
    // a break-even of 0 every verdict goes against the drafter, which is what this half of the test is about.
    options.breakEvenRatio = 0
    let controller = SpeculationController(drafters: [useless], options: options)
    var stats = GenerationStats()
    var plainStats = GenerationStats()
    let plain = try GenerationSession(model: model, contextLength: 128).generate(
      prompt: prompt, maxTokens: 60, stats: &plainStats)
    XCTAssertFalse(plain.contains(49), "the scripted token must be wrong for this test")
    let output = try GenerationSession(model: model, contextLength: 128).generate(
      prompt: prompt, maxTokens: 60, speculation: controller, stats: &stats)
    XCTAssertEqual(output, plain)
    XCTAssertEqual(
      controller.draftLengths["useless"], options.minDraft, "rejected at once: draft length shrinks to the minimum")
    XCTAssertEqual(controller.disabledDrafters, ["useless"])
    XCTAssertLessThan(stats[drafter: "useless"].steps, 20, "switched off after its trial")

    let perfect = ScriptedDrafter(name: "perfect") { context, maxDraft in
      Array(plain[min(context.count - prompt.count, plain.count)...].prefix(maxDraft))
    }
    var generous = SpeculationOptions()
    generous.trialSteps = 2
    // A tiny model's step is all overhead (microseconds), so one preempted step on a loaded machine decides a verdict:
    // only a drafter absurdly worse than plain decoding would go here (a ratio of 4 flipped under CI load).
    generous.breakEvenRatio = 1e6
    generous.initialDraft = 6
    let kept = SpeculationController(drafters: [perfect], options: generous)
    var perfectStats = GenerationStats()
    XCTAssertEqual(
      try GenerationSession(model: model, contextLength: 128).generate(
        prompt: prompt, maxTokens: 60, speculation: kept, stats: &perfectStats), plain)
    XCTAssertEqual(kept.disabledDrafters, [])
    XCTAssertGreaterThan(kept.draftLengths["perfect"] ?? 0, 6, "fully accepted drafts grow")
    XCTAssertEqual(perfectStats[drafter: "perfect"].accepted, perfectStats[drafter: "perfect"].drafted)
  }

  func testALosingDrafterSitsOutEverLongerAndIsNotBegunWhileOff() throws {
    let model = try tinyModel()
    let prompt: [Int32] = [1, 2, 3, 4]
    // Always wrong: one token per batched pass, never better than a plain step.
    var proposedAt: [Int] = []
    let useless = ScriptedDrafter(name: "useless") { context, maxDraft in
      proposedAt.append(context.count)
      return Array(repeating: 49, count: maxDraft)
    }
    var options = SpeculationOptions()
    options.trialSteps = 2
    options.earlyVerdictSteps = 2
    // Every verdict goes against it whatever the timings (a loaded machine made a 0.5 margin flip once).
    options.breakEvenRatio = 0
    options.cooldownSteps = 10
    let controller = SpeculationController(drafters: [useless], options: options)
    let session = GenerationSession(model: model, contextLength: 256)
    var stats = GenerationStats()
    let plain = try GenerationSession(model: model, contextLength: 256).generate(
      prompt: prompt, maxTokens: 120, stats: &stats)
    XCTAssertFalse(plain.contains(49), "the scripted token must be wrong for this test")
    XCTAssertEqual(try session.generate(prompt: prompt, maxTokens: 120, speculation: controller, stats: &stats), plain)
    // Trials come in runs of two proposals; the plain stretches between them double: 10, 20, 40 steps.
    var gaps: [Int] = []
    for (before, after) in zip(proposedAt, proposedAt.dropFirst()) where after - before > 1 {
      gaps.append(after - before)
    }
    XCTAssertGreaterThanOrEqual(gaps.count, 3, "three trials lost within 120 tokens: \(proposedAt)")
    for (shorter, longer) in zip(gaps, gaps.dropFirst()) {
      XCTAssertGreaterThanOrEqual(longer, 2 * shorter - 2, "each lost trial doubles the cooldown: \(gaps)")
    }
    // Switched off at the end of that request, the next one does not hand it the prompt, and its cooldown ending
    // during that request does not bring it back before the one after.
    XCTAssertEqual(controller.disabledDrafters, ["useless"])
    let begunBefore = useless.begun.count
    let proposalsBefore = proposedAt.count
    XCTAssertEqual(
      try session.generate(prompt: prompt, maxTokens: 100, speculation: controller, stats: &stats),
      Array(plain.prefix(100)))
    XCTAssertEqual(useless.begun.count, begunBefore)
    XCTAssertEqual(proposedAt.count, proposalsBefore, "no proposal in a request it was not begun for")
    XCTAssertEqual(controller.disabledDrafters, [], "its cooldown ended during that request")
    _ = try session.generate(prompt: prompt, maxTokens: 4, speculation: controller, stats: &stats)
    XCTAssertEqual(useless.begun.count, begunBefore + 1, "back on at the next request")
  }

  func testSampledSecondTokenKeepsTheTargetDistribution() throws {
    let model = try tinyModel()
    let prompt: [Int32] = [9, 19, 29]
    let temperature: Float = 0.7
    let v = model.config.vocabulary
    func softmax(_ logits: [Float]) -> [Double] {
      let m = logits.max() ?? 0
      let e = logits.map { exp(Double(($0 - m) / temperature)) }
      let s = e.reduce(0, +)
      return e.map { $0 / s }
    }
    // The exact distribution of the second token: sum over first tokens.
    let first = softmax(Array(try model.forward(prompt, cache: model.makeCache(capacity: 16), logits: .last)))
    var second = [Double](repeating: 0, count: v)
    for t in 0..<v where first[t] > 1e-7 {
      let p = softmax(
        Array(try model.forward(prompt + [Int32(t)], cache: model.makeCache(capacity: 16), logits: .last)))
      for u in 0..<v { second[u] += first[t] * p[u] }
    }
    // Always draft the most likely second token: rejections then happen often and the residual matters.
    let favourite = Int32(second.indices.max { second[$0] < second[$1] } ?? 0)
    XCTAssertGreaterThan(second[Int(favourite)], 0.05)
    XCTAssertLessThan(second[Int(favourite)], 0.95)
    let drafter = ScriptedDrafter { _, _ in [favourite] }
    let session = GenerationSession(model: model, contextLength: 16)
    let runs = 3000
    var counts = [Int](repeating: 0, count: v)
    var accepted = 0
    for run in 0..<runs {
      var options = fixedOptions(draft: 1)
      options.seed = UInt64(run) &* 0x9E37_79B9
      var stats = GenerationStats()
      let output = try session.generate(
        prompt: prompt, maxTokens: 2, sampler: Sampler(temperature: temperature, topK: 0, topP: 1, seed: UInt64(run)),
        speculation: SpeculationController(drafters: [drafter], options: options), stats: &stats)
      XCTAssertEqual(output.count, 2)
      counts[Int(output[1])] += 1
      accepted += stats[drafter: "scripted"].accepted
    }
    XCTAssertGreaterThan(accepted, runs / 50)
    XCTAssertLessThan(accepted, runs - runs / 50)
    let totalVariation = zip(counts, second).map { abs(Double($0) / Double(runs) - $1) }.reduce(0, +) / 2
    // Sampling noise with 3000 draws stays well below this; accepting without the residual step does not.
    XCTAssertLessThan(totalVariation, 0.06, "empirical vs exact distribution of the second token")
  }
}
