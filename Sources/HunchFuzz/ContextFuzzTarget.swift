import Foundation
import HunchCompletion
import HunchRuntime

/// The context builder: `CompletionEngine.complete` on random files (code-like pieces and raw bytes), random cursor
/// positions (including outside the file and inside a character), random budgets and languages, other open buffers,
/// with a scripted model whose output is random too, so the stop rules and clean-up run on it. The syntax oracle is
/// tree-sitter's for the installed grammars or the plain-text one. Oracles: a cursor outside the text or inside a
/// character is an error, any other cursor is not; the replaced range lies inside the document and starts at the
/// cursor; the prompt the model saw is not empty.
final class ContextFuzzTarget: FuzzTarget {
  static let name = "context"
  static let summary = "prompt context builder (budgets, scopes, extra context, stop rules, clean-up)"
  static let maximumInputLength = 8 * 1024

  private static let pieces = [
    "def ", "class ", "func ", "return ", "import os\n", "from x import y\n", "struct S {", "}", "{", "(", ")", "[",
    "]", ":", "\n", "\n    ", "\t", " ", "\"", "'", "#", "//", "/*", "*/", "\"\"\"", "x", "value", " = ", "+", ".",
    ",", "é", "😀", "\r\n", "if x:\n", "    pass\n", "<|fim_prefix|>", "<|endoftext|>", "`", "\\",
  ]
  private static let languages = ["python", "swift", "javascript", "typescript", "rust", "go", "c", "plaintext", ""]
  private static let specials = [
    "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
    "<|file_sep|>",
  ]

  private let treeSitter = TreeSitterSyntaxOracle()
  private let plain = PlainTextSyntaxOracle()

  init() {}

  func run(_ data: [UInt8]) {
    var input = FuzzInput(data)
    let flags = input.byte()
    var config = CompletionConfig()
    config.prefixTokens = input.int(below: 2048)
    config.suffixTokens = input.int(below: 512)
    config.extraContextTokens = input.int(below: 512)
    config.maxTokens = 1 + input.int(below: 64)
    config.maxBlockTokens = 1 + input.int(below: 128)
    config.maxBlockLines = input.int(below: 20)
    config.shapePolicy = input.pick([ShapePolicy.automatic, .singleLine, .block])
    config.currentLineAfterMiddle = flags & 1 != 0
    config.holdBackTrailingWhitespace = flags & 2 != 0
    config.identifierWindow = input.int(below: 24)
    config.prefixAnchorLines = input.int(below: 4)
    config.repositoryName = flags & 4 != 0 ? "fuzz" : nil
    let language = input.pick(Self.languages)
    let text = flags & 8 != 0 ? input.string(maximumBytes: 2048) : codeText(&input)
    let utf8Count = text.utf8.count
    let cursor = flags & 16 != 0 ? input.int(below: utf8Count + 3) - 1 : codeCursor(&input, in: text)
    var others: [OpenDocument] = []
    for index in 0..<(input.int(below: 3)) {
      others.append(OpenDocument(path: "other\(index).\(language)", languageID: language, text: codeText(&input)))
    }
    var script: [String] = []
    for _ in 0..<input.int(below: 24) { script.append(input.pick(Self.pieces + ["<|endoftext|>"])) }
    let model = ScriptedCompletionModel(specialTokens: Self.specials, script: script)
    let oracle: any SyntaxOracle = flags & 32 != 0 ? plain : treeSitter
    let request = CompletionRequest(
      document: OpenDocument(path: "main.\(language)", languageID: language, text: text), cursor: cursor,
      otherDocuments: others)

    let validCursor = cursor >= 0 && cursor <= utf8Count && Self.isCharacterBoundary(text, cursor)
    do {
      let result = try CompletionEngine(config: config).complete(request, model: model, oracle: oracle)
      fuzzCheck(validCursor, "cursor \(cursor) of \(utf8Count) bytes was accepted")
      fuzzCheck(result.replacing.lowerBound == cursor, "the replaced range \(result.replacing) does not start at \(cursor)")
      fuzzCheck(result.replacing.upperBound <= utf8Count, "the replaced range \(result.replacing) ends past the text")
      fuzzCheck(!model.lastPrompt.isEmpty, "the model saw an empty prompt")
    } catch let error as CompletionError {
      fuzzCheck(
        !validCursor || error.code == .emptyPrompt, "cursor \(cursor) of \(utf8Count) bytes was refused: \(error)")
    } catch {
      fuzzCheck(false, "unexpected error type: \(error)")
    }
  }

  private func codeText(_ input: inout FuzzInput) -> String {
    var text = ""
    for _ in 0..<input.int(below: 160) { text += input.pick(Self.pieces) }
    return text
  }

  /// A cursor on a character boundary, as a server computes it from a position.
  private func codeCursor(_ input: inout FuzzInput, in text: String) -> Int {
    let boundaries = text.unicodeScalars.indices.map { text.utf8.distance(from: text.utf8.startIndex, to: $0) }
    let all = boundaries + [text.utf8.count]
    return all[input.int(below: all.count)]
  }

  private static func isCharacterBoundary(_ text: String, _ offset: Int) -> Bool {
    let utf8 = text.utf8
    let index = utf8.index(utf8.startIndex, offsetBy: offset)
    return index.samePosition(in: text) != nil
  }

  static func seeds() -> [[UInt8]] {
    [
      [0, 1, 0, 0, 128, 0, 64, 0, 16, 0, 32, 0, 5, 0, 0, 0, 0, 0, 8, 0, 1, 0, 12, 0, 0, 0, 30]
        + (0..<60).map { UInt8($0 % 41) },
      [32, 4, 0, 0, 64, 0, 0, 0, 16, 0, 32, 0, 5, 1, 1, 0, 12, 0, 1, 2, 0, 20] + (0..<80).map { UInt8(($0 * 7) % 41) },
      [40] + Array(repeating: 3, count: 20) + Array("def f(x):\n    return x + \u{e9}\n".utf8),
    ]
  }
}
