import Foundation
import HunchGGUF
import HunchInference
import HunchKernels
import HunchTestSupport
import XCTest

/// The forward pass gives the same answer however the tokens are batched, and a trimmed cache behaves as if the
/// trimmed tokens had never been fed.
final class BatchAndCacheTests: XCTestCase {
  /// A token's logits do not depend on how many tokens share its batch: bit for bit (speculative verification and
  /// prompt reuse rely on it).
  static let batchTolerance: Float = 0

  private func lastLogits(_ model: Transformer, _ cache: KVCache, _ tokens: [Int32]) throws -> [Float] {
    Array(try model.forward(tokens, cache: cache, logits: .last))
  }

  private func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ message: String) {
    XCTAssertEqual(a.count, b.count)
    var worst: Float = 0
    for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): largest difference \(worst)")
  }

  private func checkBatchEqualsSequential(_ model: Transformer, _ tokens: [Int32]) throws {
    let batched = try lastLogits(model, model.makeCache(capacity: 64), tokens)
    let cache = model.makeCache(capacity: 64)
    var sequential: [Float] = []
    for t in tokens { sequential = try lastLogits(model, cache, [t]) }
    assertClose(batched, sequential, Self.batchTolerance, "batch vs token by token")
    // All-position logits of a batch equal the last-position logits at each prefix.
    let all = Array(try model.forward(tokens, cache: model.makeCache(capacity: 64), logits: .all))
    let v = model.config.vocabulary
    let prefixCache = model.makeCache(capacity: 64)
    for (i, t) in tokens.enumerated() {
      let step = try lastLogits(model, prefixCache, [t])
      assertClose(Array(all[(i * v)..<((i + 1) * v)]), step, Self.batchTolerance, "position \(i)")
    }
  }

  private func checkTrim(_ model: Transformer, _ a: [Int32], _ b: [Int32], _ c: [Int32]) throws {
    let fresh = try lastLogits(model, model.makeCache(capacity: 64), a + c)
    let cache = model.makeCache(capacity: 64)
    _ = try lastLogits(model, cache, a + b)
    cache.trim(to: a.count)
    XCTAssertEqual(cache.length, a.count)
    let reused = try lastLogits(model, cache, c)
    assertClose(fresh, reused, Self.batchTolerance, "trim and re-feed")
  }

  func testTinySyntheticModel() throws {
    let model = try Transformer(
      file: try GGUFFile(path: try TinyModel.write(architecture: "llama")), threads: 2, maxBatch: 4)
    try checkBatchEqualsSequential(model, [1, 5, 9, 2, 33, 7, 7, 40, 11])
    try checkTrim(model, [3, 4, 5], [6, 7, 8, 9], [10, 11])
    let qwenLike = try Transformer(file: try GGUFFile(path: try TinyModel.write(architecture: "qwen2")), threads: 1)
    try checkBatchEqualsSequential(qwenLike, [0, 49, 3, 3, 12])
    try checkTrim(qwenLike, [1], [2, 3], [4, 5, 6])
  }

  func testRealModelBatchingAndTrimming() throws {
    let (model, tokenizer) = try LoadedModels.get("smollm2-135m")
    let tokens = tokenizer.encode("for (int i = 0; i < n; i++) {\n    total += values[i];")
    XCTAssertGreaterThan(tokens.count, 10)
    try checkBatchEqualsSequential(model, tokens)
    try checkTrim(model, Array(tokens[0..<6]), Array(tokens[6..<11]), Array(tokens[11...]))
  }

  /// Moving the weights into the arena, and interleaving the 0.5B's Q5_0 and Q8_0 matrices, must not change a bit
  /// of the logits (the goldens and exact speculative verification were measured on the file's layout).
  func testWeightPlacementsGiveTheSameLogits() throws {
    let path = try TestModels.require("qwen2.5-coder-0.5b")
    let (_, tokenizer) = try LoadedModels.get("qwen2.5-coder-0.5b")
    let tokens = tokenizer.encode("def mean(values):\n    return sum(values) / len(")
    var logits: [WeightPlacement: [Float]] = [:]
    var vocabulary = 0
    for placement in [WeightPlacement.file, .copied, .interleaved] {
      let file = try GGUFFile(path: path)
      let model = try Transformer(file: file, threads: 2, maxBatch: 8, placement: placement)
      if placement == .interleaved, KernelLevel.best == .avx512 {
        XCTAssertEqual(model.weights.layers[0].query.layout, .interleaved)
        XCTAssertEqual(model.weights.output.layout, .interleaved)
      }
      XCTAssertEqual(model.weights.layers[0].down.layout, .rows)
      // All positions' logits, through batches of 8 and a last partial one.
      let cache = model.makeCache(capacity: 64)
      vocabulary = model.config.vocabulary
      logits[placement] = Array(try model.forward(tokens, cache: cache, logits: .all))
    }
    let reference = try XCTUnwrap(logits[.file])
    XCTAssertEqual(reference.count, tokens.count * vocabulary)
    for placement in [WeightPlacement.copied, .interleaved] {
      let got = try XCTUnwrap(logits[placement])
      let differing = zip(got, reference).filter { $0.bitPattern != $1.bitPattern }.count
      XCTAssertEqual(differing, 0, "\(placement): \(differing) of \(got.count) logits differ from the file's")
    }
  }

  func testRefusesBadTokensAndFullContext() throws {
    let model = try Transformer(file: try GGUFFile(path: try TinyModel.write(architecture: "llama")), threads: 1)
    let cache = model.makeCache(capacity: 4)
    XCTAssertThrowsError(try model.forward([-1], cache: cache)) {
      XCTAssertEqual(($0 as? InferenceError)?.code, .invalidToken)
    }
    XCTAssertThrowsError(try model.forward([Int32(model.config.vocabulary)], cache: cache))
    XCTAssertThrowsError(try model.forward([1, 2, 3, 4, 5], cache: cache)) {
      XCTAssertEqual(($0 as? InferenceError)?.code, .contextFull)
    }
    XCTAssertEqual(cache.length, 0, "a refused batch leaves the cache as it was")
  }

  func testPromptReuseComputesOnlyTheNewTokens() throws {
    let model = try Transformer(file: try GGUFFile(path: try TinyModel.write(architecture: "llama")), threads: 1)
    let session = GenerationSession(model: model, contextLength: 64)
    var first = GenerationStats()
    let a = try session.generate(prompt: [1, 2, 3, 4, 5, 6], maxTokens: 4, stats: &first)
    XCTAssertEqual(first.promptTokensComputed, 6)
    var second = GenerationStats()
    let b = try session.generate(prompt: [1, 2, 3, 4, 5, 6, 7], maxTokens: 4, stats: &second)
    XCTAssertEqual(second.promptTokensReused, 6)
    XCTAssertEqual(second.promptTokensComputed, 1)
    let cold = GenerationSession(model: model, contextLength: 64)
    var coldStats = GenerationStats()
    XCTAssertEqual(try cold.generate(prompt: [1, 2, 3, 4, 5, 6, 7], maxTokens: 4, stats: &coldStats), b)
    XCTAssertEqual(a.count, 4)
  }

  /// A prompt stopped between chunks keeps what it computed; the next prompt reuses that and answers as a cold run.
  func testStoppedPrefillKeepsItsChunksForTheNextPrompt() throws {
    let model = try Transformer(file: try GGUFFile(path: try TinyModel.write(architecture: "qwen2")), threads: 1)
    let prompt: [Int32] = (0..<20).map { Int32(($0 * 7) % 50) }
    let session = GenerationSession(model: model, contextLength: 64)
    session.prefillChunk = 4
    var chunksSeen = 0
    session.shouldStop = {
      chunksSeen += 1
      return chunksSeen == 2
    }
    var stopped = GenerationStats()
    XCTAssertThrowsError(try session.generate(prompt: prompt, maxTokens: 3, stats: &stopped)) {
      XCTAssertEqual(($0 as? InferenceError)?.code, .cancelled)
    }
    XCTAssertEqual(session.cachedTokens, Array(prompt[0..<8]), "two chunks of four were computed and kept")
    XCTAssertEqual(session.cache.length, 8)

    session.shouldStop = { false }
    var resumed = GenerationStats()
    let warm = try session.generate(prompt: prompt, maxTokens: 3, stats: &resumed)
    XCTAssertEqual(resumed.promptTokensReused, 8)
    let cold = GenerationSession(model: model, contextLength: 64)
    var coldStats = GenerationStats()
    XCTAssertEqual(try cold.generate(prompt: prompt, maxTokens: 3, stats: &coldStats), warm)
  }
}

/// A two-layer model with random F32 weights, built in memory: fast enough for debug builds, and shaped so that
/// grouped-query attention, biases (qwen2) and both rotary layouts are exercised.
enum TinyModel {
  static func write(architecture: String, seed: UInt64 = 7) throws -> String {
    let embedding = 32
    let heads = 4
    let kvHeads = 2
    let headSize = embedding / heads
    let feedForward = 64
    let vocabulary = 50
    var random = SplitMix64(seed: seed)
    func values(_ count: Int, scale: Float = 0.2) -> [Float] {
      (0..<count).map { _ in Float(random.nextUnit() * 2 - 1) * scale }
    }
    func matrix(_ name: String, rows: Int, columns: Int) -> GGUFBuilder.Tensor {
      .float32(name, dimensions: [columns, rows], values: values(rows * columns))
    }
    var tensors: [GGUFBuilder.Tensor] = [matrix("token_embd.weight", rows: vocabulary, columns: embedding)]
    for layer in 0..<2 {
      let p = "blk.\(layer)."
      tensors += [
        .float32(
          p + "attn_norm.weight", dimensions: [embedding], values: values(embedding, scale: 1).map { 1 + $0 / 4 }),
        matrix(p + "attn_q.weight", rows: embedding, columns: embedding),
        matrix(p + "attn_k.weight", rows: kvHeads * headSize, columns: embedding),
        matrix(p + "attn_v.weight", rows: kvHeads * headSize, columns: embedding),
        matrix(p + "attn_output.weight", rows: embedding, columns: embedding),
        .float32(
          p + "ffn_norm.weight", dimensions: [embedding], values: values(embedding, scale: 1).map { 1 + $0 / 4 }),
        matrix(p + "ffn_gate.weight", rows: feedForward, columns: embedding),
        matrix(p + "ffn_up.weight", rows: feedForward, columns: embedding),
        matrix(p + "ffn_down.weight", rows: embedding, columns: feedForward),
      ]
      if architecture == "qwen2" {
        tensors += [
          .float32(p + "attn_q.bias", dimensions: [embedding], values: values(embedding)),
          .float32(p + "attn_k.bias", dimensions: [kvHeads * headSize], values: values(kvHeads * headSize)),
          .float32(p + "attn_v.bias", dimensions: [kvHeads * headSize], values: values(kvHeads * headSize)),
        ]
      }
    }
    tensors.append(
      .float32("output_norm.weight", dimensions: [embedding], values: Array(repeating: 1, count: embedding)))
    let a = architecture
    let builder = GGUFBuilder(
      metadata: [
        ("general.architecture", .string(a)),
        ("\(a).block_count", .uint32(2)),
        ("\(a).embedding_length", .uint32(UInt32(embedding))),
        ("\(a).feed_forward_length", .uint32(UInt32(feedForward))),
        ("\(a).attention.head_count", .uint32(UInt32(heads))),
        ("\(a).attention.head_count_kv", .uint32(UInt32(kvHeads))),
        ("\(a).rope.freq_base", .float32(10_000)),
        ("\(a).attention.layer_norm_rms_epsilon", .float32(1e-5)),
        ("\(a).context_length", .uint32(128)),
        ("tokenizer.ggml.tokens", .array(.strings((0..<vocabulary).map { "t\($0)" }))),
      ],
      tensors: tensors)
    return try builder.write()
  }
}
