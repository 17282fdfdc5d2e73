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

  @Flag(help: "Speculative decoding: verify drafted tokens in batches (same output when greedy).")
  var speculative = false

  @Option(help: "Drafters for --speculative, comma-separated, asked in order: suggestion, lookup, draft-model.")
  var drafters = "suggestion,lookup,draft-model"

  @Option(help: "A GGUF file or pulled model name sharing the model's tokenizer, drafting for it (with --speculative).")
  var draftModel: String?

  @Option(help: "Text of a previous suggestion to seed the suggestion drafter with (with --speculative).")
  var suggestion: String?

  @Option(help: "Initial draft length (adapts to the acceptance rate).")
  var draftLength = 6

  @Flag(help: "Keep every drafter on even when it does not pay for itself.")
  var noAdaptiveDrafters = false

  @Option(help: "Most tokens per verification pass; 0 verifies a whole draft in one pass (see SpeculationOptions).")
  var verifyChunk = SpeculationOptions().verifyChunk

  @Option(help: .hidden)
  var debugTopLogits = 0

  func validate() throws {
    let given = [prompt != nil, promptFile != nil, promptIds != nil].filter { $0 }.count
    guard given == 1 else { throw ValidationError("give exactly one of --prompt, --prompt-file, --prompt-ids") }
    guard maxTokens >= 0 else { throw ValidationError("--max-tokens must not be negative") }
    guard context >= 16 else { throw ValidationError("--context must be at least 16") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    guard draftLength >= 1 else { throw ValidationError("--draft-length must be at least 1") }
    for name in drafterNames where !["suggestion", "lookup", "draft-model"].contains(name) {
      throw ValidationError("unknown drafter '\(name)': use suggestion, lookup or draft-model")
    }
  }

  var drafterNames: [String] { drafters.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

  /// The drafters asked for; a draft model only when one was given, a suggestion drafter only with a suggestion.
  func makeSpeculation(tokenizer: Tokenizer, promptTokens: [Int32]) throws -> SpeculationController? {
    guard speculative else { return nil }
    var list: [Drafter] = []
    for name in drafterNames {
      switch name {
      case "suggestion":
        guard let suggestion else { continue }
        let drafter = SuggestionDrafter()
        drafter.seed(suggestion: tokenizer.encode(suggestion), after: promptTokens)
        list.append(drafter)
      case "lookup":
        list.append(PromptLookupDrafter())
      case "draft-model":
        guard let draftModel else { continue }
        let file = try GGUFFile(path: try ModelLocator.resolve(draftModel))
        list.append(DraftModelDrafter(model: try Transformer(file: file, threads: threads), contextLength: context))
      default:
        continue
      }
    }
    var options = SpeculationOptions()
    options.initialDraft = draftLength
    options.maxDraft = max(options.maxDraft, draftLength)
    options.adaptive = !noAdaptiveDrafters
    options.verifyChunk = verifyChunk
    options.seed = seed ^ 0xd7af
    return SpeculationController(drafters: list, options: options)
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
      // Diagnostic: the highest logits after the prompt, for comparing numerics with a reference.
      let logits = try transformer.forward(promptTokens, cache: transformer.makeCache(capacity: context), logits: .last)
      let top = logits.enumerated().sorted { $0.element > $1.element }.prefix(debugTopLogits)
      print(top.map { "\($0.offset):\($0.element)" }.joined(separator: " "))
      return
    }
    let session = GenerationSession(model: transformer, contextLength: context)
    var statistics = GenerationStats()
    let sampler = Sampler(temperature: temperature, topK: topK, topP: topP, seed: seed)
    var decoder = StreamingDecoder(tokenizer: tokenizer)
    let speculation = try makeSpeculation(tokenizer: tokenizer, promptTokens: promptTokens)
    let output = try session.generate(
      prompt: promptTokens, maxTokens: maxTokens, sampler: sampler, stopTokens: tokenizer.endOfTextIDs,
      speculation: speculation, stats: &statistics
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
      if speculative {
        var detail = String(format: "target passes: %d for %d tokens\n", statistics.targetSteps, statistics.generatedTokens)
        for drafter in statistics.drafters {
          detail += "  \(drafter.name): " + String(
            format: "%d drafted, %d accepted (%.0f%%) in %d passes; propose %.3f s, verify %.3f s\n",
            drafter.drafted, drafter.accepted, 100 * drafter.acceptanceRate, drafter.steps,
            drafter.proposeSeconds, drafter.verifySeconds)
        }
        if let speculation, !speculation.disabledDrafters.isEmpty {
          detail += "  switched off: \(speculation.disabledDrafters.joined(separator: ", "))\n"
        }
        FileHandle.standardError.write(Data(detail.utf8))
      }
    }
  }
}
