import HunchCompletion
import XCTest

/// Qwen2.5-Coder's special tokens (the scripted model numbers them from 1000 in this order).
let qwenSpecials = [
  "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
  "<|file_sep|>", "<|im_start|>", "<|im_end|>",
]
let starCoderSpecials = ["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<reponame>",
  "<file_sep>"]
let codeLlamaSpecials = ["<s>", "</s>", "▁<PRE>", "▁<MID>", "▁<SUF>", "▁<EOT>"]

let cursorMark = "‸"

/// A document with `‸` marking the cursor: the text without the mark and the cursor's UTF-8 offset.
func document(_ marked: String) -> (text: String, cursor: Int) {
  guard let range = marked.range(of: cursorMark) else { return (marked, marked.utf8.count) }
  let cursor = marked[..<range.lowerBound].utf8.count
  return (marked.replacingCharacters(in: range, with: ""), cursor)
}

struct Completed {
  var result: CompletionResult
  var model: ScriptedCompletionModel
  var text: String { result.text }
  var reason: StopReason { result.diagnostics.stopReason }
}

/// Completes `marked` (cursor at `‸`) with a model that replays `output` word by word, then ends with end-of-text.
func complete(
  _ marked: String, language: String, output: String, config: CompletionConfig = CompletionConfig(),
  others: [OpenDocument] = [], specials: [String] = qwenSpecials, endWith: String? = "<|endoftext|>",
  path: String = "main.src", healsPromptEnd: Bool = false, file: StaticString = #filePath, line: UInt = #line
) throws -> Completed {
  let (text, cursor) = document(marked)
  var script = ScriptedCompletionModel.pieces(of: output, specials: specials)
  if let endWith { script.append(endWith) }
  let model = ScriptedCompletionModel(specialTokens: specials, script: script)
  model.healsPromptEnd = healsPromptEnd
  let request = CompletionRequest(
    document: OpenDocument(path: path, languageID: language, text: text), cursor: cursor, otherDocuments: others)
  let result = try CompletionEngine(config: config).complete(request, model: model, oracle: PlainTextSyntaxOracle())
  return Completed(result: result, model: model)
}
