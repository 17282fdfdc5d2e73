import Foundation

extension GenerationSession {
  /// Like `generate(prompt:maxTokens:sampler:stopTokens:firstTokenChoices:stats:onToken:)`, but each step verifies
  /// a drafter's proposal in one batched forward pass over [last token + draft]: the longest prefix the target agrees
  /// with is kept, plus the target's own next token, and the KV cache is trimmed back past the first rejected token.
  /// Greedy output is token for token the plain greedy output; sampled output has the plain sampler's distribution
  /// (standard rejection with a one-hot draft distribution). `speculation` nil decodes plainly.
  public func generate(
    prompt: [Int32], maxTokens: Int, sampler: Sampler = .greedy, stopTokens: Set<Int32> = [],
    firstTokenChoices: [Int32]? = nil, speculation: SpeculationController?,
    stats: inout GenerationStats, onToken: (Int32) -> GenerationControl = { _ in .proceed }
  ) throws(InferenceError) -> [Int32] {
    guard let speculation else {
      return try generate(
        prompt: prompt, maxTokens: maxTokens, sampler: sampler, stopTokens: stopTokens,
        firstTokenChoices: firstTokenChoices, stats: &stats, onToken: onToken)
    }
    let vocabulary = model.config.vocabulary
    var row = Array(try prefill(prompt, stats: &stats))  // (vocabulary): logits the next token is chosen from
    let drafterPrefill = DispatchTime.now()
    try speculation.begin(prompt: prompt)
    stats.promptSeconds += Self.seconds(since: drafterPrefill)
    let started = DispatchTime.now()
    defer { stats.generationSeconds += Self.seconds(since: started) }
    var verifier = DraftVerifier(sampler: sampler, seed: speculation.nextSeed())
    var output: [Int32] = []
    var context = prompt
    lastStopToken = nil
    // In sampling mode, the draft token just rejected at `row`: the next token comes from the residual without it.
    var rejected: Int32?
    generation: while output.count < maxTokens {
      var token = row.withUnsafeBufferPointer { verifier.choose($0, excluding: rejected) }
      rejected = nil
      if output.isEmpty, let choices = firstTokenChoices, !choices.isEmpty {
        token = choices.max { row[Int($0)] < row[Int($1)] || (row[Int($0)] == row[Int($1)] && $0 > $1) } ?? token
      }
      if stopTokens.contains(token) {
        lastStopToken = token
        break
      }
      output.append(token)
      context.append(token)
      stats.generatedTokens += 1
      if onToken(token) == .stop { break }
      if output.count == maxTokens || cache.length >= cache.capacity { break }

      let stepStarted = DispatchTime.now()
      let room = min(maxTokens - output.count, cache.capacity - cache.length - 1)
      guard let proposal = try speculation.propose(context: context, limit: room) else {
        row = Array(try model.forward([token], cache: cache, logits: .last))
        cachedTokens.append(token)
        stats.targetSteps += 1
        speculation.recordPlainStep(seconds: Self.seconds(since: stepStarted))
        continue
      }
      let (state, draft) = proposal
      let proposeSeconds = Self.seconds(since: stepStarted)
      let verifyStarted = DispatchTime.now()
      let base = cache.length
      let batch = [token] + draft
      // Row a of the batch holds the target's logits after batch[...a], which is what draft[a] is checked against.
      // The batch runs in chunks of `verifyChunk` rows, stopping at the first chunk holding a rejection.
      let chunk = speculation.options.verifyChunk > 0 ? speculation.options.verifyChunk : batch.count
      var accepted = 0
      var finished = false
      var fed = 0
      verification: while fed < batch.count {
        let end = min(batch.count, fed + chunk)
        let rows = try model.forward(Array(batch[fed..<end]), cache: cache, logits: .all)  // (end - fed, vocabulary)
        cachedTokens.append(contentsOf: batch[fed..<end])
        stats.targetSteps += 1
        for a in fed..<end {
          let rowLogits = UnsafeBufferPointer(rebasing: rows[((a - fed) * vocabulary)..<((a - fed + 1) * vocabulary)])
          guard a < draft.count, verifier.accepts(draft[a], rowLogits) else {
            // The whole draft stood (the row gives the bonus token) or draft[a] fell: the next token comes from here.
            if a < draft.count && !sampler.isGreedy { rejected = draft[a] }
            row = Array(rowLogits)
            break verification
          }
          let candidate = draft[a]
          if stopTokens.contains(candidate) {
            lastStopToken = candidate
            finished = true
            break verification
          }
          accepted += 1
          output.append(candidate)
          context.append(candidate)
          stats.generatedTokens += 1
          if onToken(candidate) == .stop || output.count == maxTokens {
            finished = true
            break verification
          }
        }
        fed = end
      }
      // Keep the last token and the accepted draft; the rest never happened. (A generation that ended on the last
      // row of a chunk accepted a token not fed yet.)
      let keep = min(base + 1 + accepted, cachedTokens.count)
      cache.trim(to: keep)
      cachedTokens.removeSubrange(keep...)
      let verifySeconds = Self.seconds(since: verifyStarted)
      speculation.record(state, proposal: draft, accepted: accepted, seconds: proposeSeconds + verifySeconds)
      var entry = stats[drafter: state.drafter.name]
      entry.steps += 1
      entry.drafted += draft.count
      entry.accepted += accepted
      entry.proposeSeconds += proposeSeconds
      entry.verifySeconds += verifySeconds
      stats[drafter: state.drafter.name] = entry
      if finished { break generation }
    }
    return output
  }
}
