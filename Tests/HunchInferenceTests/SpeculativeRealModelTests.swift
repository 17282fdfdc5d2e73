import Foundation
import HunchGGUF
import HunchInference
import HunchTestSupport
import XCTest

/// Greedy speculative decoding on the real models gives the plain greedy output token for token, for every drafter.
final class SpeculativeRealModelTests: XCTestCase {
  private func prompts() throws -> [String] {
    try JSONDecoder().decode(
      [String].self,
      from: Data(
        contentsOf: try XCTUnwrap(Bundle.module.resourceURL).appendingPathComponent("Fixtures/generation/prompts.json")))
  }

  private func fixedOptions(draft: Int) -> SpeculationOptions {
    var options = SpeculationOptions()
    options.initialDraft = draft
    options.adaptive = false  // every drafter runs on every step, so every path is exercised
    return options
  }

  func testEveryDrafterMatchesPlainGreedyOnQwen05B() throws {
    let name = "qwen2.5-coder-0.5b"
    let (model, tokenizer) = try LoadedModels.get(name)
    let texts = try prompts()
    XCTAssertGreaterThanOrEqual(texts.count, 20)
    let session = GenerationSession(model: model, contextLength: 1024)
    // The same model drafting for itself (in its own cache) exercises the draft-model path's cache bookkeeping.
    let selfDraft = DraftModelDrafter(model: model, contextLength: 1024)
    var totals: [String: DrafterStats] = [:]
    for (index, text) in texts.enumerated() {
      let prompt = tokenizer.encode(text)
      var plainStats = GenerationStats()
      session.reset()
      let plain = try session.generate(
        prompt: prompt, maxTokens: 64, stopTokens: tokenizer.endOfTextIDs, stats: &plainStats)
      // A previous suggestion that was right for a while, then wrong.
      var suggestion = plain
      if suggestion.count > 12 { suggestion[12] = suggestion[11] }
      let seeded = SuggestionDrafter()
      seeded.seed(suggestion: suggestion, after: prompt)
      let sets: [(String, [Drafter])] = [
        ("lookup", [PromptLookupDrafter()]), ("suggestion", [seeded]), ("draft-model", [selfDraft]),
      ]
      for (label, drafters) in sets {
        var stats = GenerationStats()
        let output = try session.generate(
          prompt: prompt, maxTokens: 64, stopTokens: tokenizer.endOfTextIDs,
          speculation: SpeculationController(drafters: drafters, options: fixedOptions(draft: 5)), stats: &stats)
        XCTAssertEqual(output, plain, "prompt \(index) with \(label)")
        XCTAssertEqual(session.cache.length, session.cachedTokens.count)
        for entry in stats.drafters {
          var total = totals[entry.name] ?? DrafterStats(name: entry.name)
          total.drafted += entry.drafted
          total.accepted += entry.accepted
          totals[entry.name] = total
        }
      }
      XCTAssertEqual(selfDraft.cache.length, selfDraft.cachedTokens.count)
    }
    for (name, total) in totals.sorted(by: { $0.key < $1.key }) {
      print("\(name): drafted \(total.drafted), accepted \(total.accepted)")
    }
    XCTAssertGreaterThan(totals["lookup"]?.drafted ?? 0, totals["lookup"]?.accepted ?? 0, "lookup was wrong at times")
    XCTAssertGreaterThan(totals["suggestion"]?.accepted ?? 0, 0)
    // A model drafting for itself agrees nearly always (measured 1312 of 1320; the few rejections are not explained
    // yet — the output stays exact either way, which is what the loop above checks).
    let selfDrafted = try XCTUnwrap(totals["draft-model"])
    XCTAssertGreaterThan(Double(selfDrafted.accepted), 0.98 * Double(selfDrafted.drafted), "a model agrees with itself")
  }

  func testHalfBillionDraftsForOnePointFiveBillion() throws {
    // Opt-in: CI does not pull the 1.5B model (`hunch models pull qwen2.5-coder-1.5b` enables this test).
    guard FileManager.default.fileExists(atPath: TestModels.path("qwen2.5-coder-1.5b")) else {
      throw XCTSkip("qwen2.5-coder-1.5b is not pulled")
    }
    let targetPath = TestModels.path("qwen2.5-coder-1.5b")
    let target = try Transformer(file: try GGUFFile(path: targetPath))
    let (draftModel, tokenizer) = try LoadedModels.get("qwen2.5-coder-0.5b")
    let drafter = DraftModelDrafter(model: draftModel, contextLength: 512)
    let session = GenerationSession(model: target, contextLength: 512)
    var drafted = 0
    var accepted = 0
    for text in try prompts().prefix(4) {
      let prompt = tokenizer.encode(text)
      var plainStats = GenerationStats()
      let plain = try session.generate(prompt: prompt, maxTokens: 32, stopTokens: tokenizer.endOfTextIDs, stats: &plainStats)
      var stats = GenerationStats()
      let output = try session.generate(
        prompt: prompt, maxTokens: 32, stopTokens: tokenizer.endOfTextIDs,
        speculation: SpeculationController(drafters: [drafter], options: fixedOptions(draft: 4)), stats: &stats)
      XCTAssertEqual(output, plain, text)
      drafted += stats[drafter: "draft-model"].drafted
      accepted += stats[drafter: "draft-model"].accepted
      XCTAssertEqual(drafter.cache.length, drafter.cachedTokens.count)
    }
    print("0.5B for 1.5B: drafted \(drafted), accepted \(accepted)")
    XCTAssertGreaterThan(accepted, 0)
    XCTAssertGreaterThan(drafted, accepted, "different models disagree at times")
  }
}
