import ArgumentParser
import Foundation
import HunchGGUF
import HunchInference
import HunchProvisioning

struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Continue a prompt with the model (raw continuation, greedy unless told otherwise).",
    discussion: "Example: hunch generate --prompt 'def fibonacci(n):' --max-tokens 32")

  @Option(help: "A GGUF file or a pulled model name.")
  var model: String?

  @Option(help: "The prompt text.")
  var prompt: String?

  @Option(help: "Read the prompt from this file.")
  var promptFile: String?

  @Option(help: "The prompt as token ids, comma- or space-separated (bypasses the tokenizer).")
  var promptIds: String?

  @Option(help: "How many tokens to generate at most.")
  var maxTokens = 64

  @Option(help: "Sampling temperature; 0 is greedy.")
  var temperature: Float = 0

  @Option(help: "Top-k for sampling.")
  var topK = 40

  @Option(help: "Top-p for sampling.")
  var topP: Float = 0.95

  @Option(help: "Seed for sampling.")
  var seed: UInt64 = 0x5eed

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  @Option(help: "Context length to allocate the KV cache for.")
  var context = 4096

  @Flag(help: "Print the generated token ids too.")
  var tokens = false

  @Flag(help: "Print timing and token counts to stderr.")
  var stats = false

  @Option(help: .hidden)
  var debugTopLogits = 0

  func validate() throws {
    let given = [prompt != nil, promptFile != nil, promptIds != nil].filter { $0 }.count
    guard given == 1 else { throw ValidationError("give exactly one of --prompt, --prompt-file, --prompt-ids") }
    guard maxTokens >= 0 else { throw ValidationError("--max-tokens must not be negative") }
    guard context >= 16 else { throw ValidationError("--context must be at least 16") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    let path = try ModelLocator.resolve(model)
    let file = try GGUFFile(path: path)
    let transformer = try Transformer(file: file, threads: threads)
    let tokenizer = try Tokenizer(gguf: file)
    let promptTokens: [Int32]
    if let promptIds {
      let parts = promptIds.split(whereSeparator: { $0 == "," || $0 == " " })
      let ids = parts.compactMap { Int32($0) }
      guard ids.count == parts.count, !ids.isEmpty else { throw ValidationError("--prompt-ids must be integers") }
      promptTokens = ids
    } else {
      let text: String
      if let promptFile {
        do { text = try String(contentsOfFile: promptFile, encoding: .utf8) } catch {
          throw ValidationError("cannot read \(promptFile): \(error.localizedDescription)")
        }
      } else {
        text = prompt ?? ""
      }
      promptTokens = tokenizer.encode(text)
      guard !promptTokens.isEmpty else { throw ValidationError("the prompt is empty") }
    }
    if debugTopLogits > 0 {
      let cache = transformer.makeCache(capacity: context)
      var logits = try transformer.forward([promptTokens[0]], cache: cache, logits: .last)
      if ProcessInfo.processInfo.environment["HUNCH_DEBUG_SEQUENTIAL"] == "1" {
        for t in promptTokens.dropFirst() { logits = try transformer.forward([t], cache: cache, logits: .last) }
      } else if promptTokens.count > 1 {
        logits = try transformer.forward(Array(promptTokens.dropFirst()), cache: cache, logits: .last)
      }
      let top = logits.enumerated().sorted { $0.element > $1.element }.prefix(debugTopLogits)
      print(top.map { "\($0.offset):\($0.element)" }.joined(separator: " "))
      return
    }
    let session = GenerationSession(model: transformer, contextLength: context)
    var statistics = GenerationStats()
    let sampler = Sampler(temperature: temperature, topK: topK, topP: topP, seed: seed)
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    let output = try session.generate(
      prompt: promptTokens, maxTokens: maxTokens, sampler: sampler, stopTokens: tokenizer.endOfTextIDs,
      stats: &statistics
    ) { token in
      if !tokens {
        let piece = decoder.append(token)
        FileHandle.standardOutput.write(Data(piece.utf8))
      }
      return .proceed
    }
    if tokens {
      print(output.map(String.init).joined(separator: " "))
    } else {
      print(decoder.finish())
    }
    if stats {
      let line = String(
        format: "prompt: %d tokens (%d reused) in %.3f s, %.1f t/s; generated: %d tokens in %.3f s, %.1f t/s\n",
        statistics.promptTokens, statistics.promptTokensReused, statistics.promptSeconds,
        statistics.promptTokensPerSecond, statistics.generatedTokens, statistics.generationSeconds,
        statistics.generationTokensPerSecond)
      FileHandle.standardError.write(Data(line.utf8))
    }
  }
}
