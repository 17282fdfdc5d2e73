import Foundation

/// Budgets and limits of the completion engine.
public struct CompletionConfig: Sendable {
  /// Tokens for the text above the cursor (unused suffix budget is added to it).
  public var prefixTokens = 1024
  public var suffixTokens = 256
  /// Tokens for context from other open buffers.
  public var extraContextTokens = 512
  /// Most tokens for a single-line completion.
  public var maxTokens = 96
  /// Most tokens for a block.
  public var maxBlockTokens = 256
  public var maxBlockLines = 40
  public var shapePolicy = ShapePolicy.automatic
  /// The llama.vim trick: the cursor line left of the cursor goes after the middle marker.
  public var currentLineAfterMiddle = false
  /// Shown with `<|repo_name|>` when the vocabulary has it.
  public var repositoryName: String?
  /// Blanks ending the cursor line left of the cursor are left out of the prompt and expected from the model (a
  /// prompt ending in blanks splits the tokens the model would write); the model's copy is removed from the output.
  /// For a model that heals the prompt's last token, only an indentation-only line is held back: blanks typed after
  /// code stay, and healing makes the first token start with them (holding them back let the healed word before
  /// them be finished instead: `exec ` became `exec ute() {`).
  public var holdBackTrailingWhitespace = true
  /// Lines around the cursor whose identifiers are looked up in other buffers.
  public var identifierWindow = 12
  /// See `PromptBudget.keptPrefixLines(anchorLines:)`: 1 cuts the prefix as late as the budget allows.
  public var prefixAnchorLines = 1

  public init() {}
}

/// A completion request: the document, the cursor (UTF-8 byte offset) and the other open documents.
public struct CompletionRequest: Sendable {
  public var document: OpenDocument
  public var cursor: Int
  public var otherDocuments: [OpenDocument]

  public init(document: OpenDocument, cursor: Int, otherDocuments: [OpenDocument] = []) {
    self.document = document
    self.cursor = cursor
    self.otherDocuments = otherDocuments
  }
}

/// Measurements of one completion.
public struct CompletionDiagnostics: Sendable {
  public var family: FIMFamily
  public var shape: CompletionShape
  public var promptTokens = 0
  public var reusedPromptTokens = 0
  public var generatedTokens = 0
  public var stopReason = StopReason.stopToken
  public var prefixLinesDropped = 0
  public var suffixLinesDropped = 0
  public var contextChunks = 0
  public var candidates = 0
  /// The model's output before the stop rules and clean-up.
  public var rawOutput = ""
  public var prepareMilliseconds = 0.0
  public var promptMilliseconds = 0.0
  public var generationMilliseconds = 0.0
  public var totalMilliseconds = 0.0
}

/// The completion: insert `text` in place of `replacing` (UTF-8 byte offsets of the document).
public struct CompletionResult: Sendable {
  public var text: String
  public var replacing: Range<Int>
  public var diagnostics: CompletionDiagnostics
}

/// Everything between the documents and the model: context, prompt, shape, stop rules and clean-up.
public struct CompletionEngine {
  public var config: CompletionConfig

  public init(config: CompletionConfig = CompletionConfig()) {
    self.config = config
  }

  public func complete(
    _ request: CompletionRequest, model: any CompletionModel, oracle: any SyntaxOracle,
    isCancelled: () -> Bool = { false }
  ) throws -> CompletionResult {
    let start = Date()
    let document = request.document
    let utf8 = document.text.utf8
    guard request.cursor >= 0, request.cursor <= utf8.count else {
      throw CompletionError(.cursorOutOfRange, "cursor \(request.cursor) is outside 0...\(utf8.count)")
    }
    let cursorIndex = utf8.index(utf8.startIndex, offsetBy: request.cursor)
    guard let cursor = cursorIndex.samePosition(in: document.text) else {
      throw CompletionError(.cursorInsideCharacter, "cursor \(request.cursor) falls inside a UTF-8 character")
    }
    let prefixText = String(document.text[..<cursor])
    let suffixText = String(document.text[cursor...])
    let context = oracle.cursorContext(text: document.text, cursor: request.cursor, languageID: document.languageID)

    var prefixLines = prefixText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let linePrefix = prefixLines.removeLast()
    var suffixLines = suffixText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let lineSuffix = suffixLines.removeFirst()
    let shape = CompletionShape.decide(
      context: context, linePrefix: linePrefix, lineSuffix: lineSuffix, text: document.text, cursor: request.cursor,
      policy: config.shapePolicy)

    // Budgets: the suffix first, its unused share goes to the prefix; then context from other buffers.
    let budget = PromptBudget(countTokens: { model.tokenize($0).count })
    let suffixKept = budget.keptSuffixLineCount(
      rightOfCursor: lineSuffix, linesBelow: suffixLines, budget: config.suffixTokens)
    let keptSuffix = ([lineSuffix] + suffixLines.prefix(suffixKept)).joined(separator: "\n")
    let suffixUnused = max(0, config.suffixTokens - budget.countTokens(keptSuffix))
    let cursorLine = prefixLines.count
    let headers = context.scopes.flatMap { Array($0.headerLines) }.filter { $0 < cursorLine }
    let keptLines = budget.keptPrefixLines(
      lines: prefixLines, currentLinePrefix: linePrefix, budget: config.prefixTokens + suffixUnused,
      scopeHeaderLines: headers, importLines: context.importLines, anchorLines: config.prefixAnchorLines)
    let keptPrefix = keptLines.map { prefixLines[$0] + "\n" }.joined()

    let nearby = ExtraContextSelector.identifiersNearCursor(
      prefixLines: prefixLines, currentLine: linePrefix + lineSuffix, suffixLines: suffixLines,
      window: config.identifierWindow)
    let chunks = ExtraContextSelector(budget: budget).select(
      identifiers: nearby, documents: request.otherDocuments, oracle: oracle,
      promptText: keptPrefix + linePrefix + keptSuffix, tokenBudget: config.extraContextTokens)

    var promptLinePrefix = linePrefix
    let indentationOnly = linePrefix.allSatisfy { $0 == " " || $0 == "\t" }
    if config.holdBackTrailingWhitespace && (indentationOnly || !model.healsPromptEnd) {
      while let last = promptLinePrefix.last, last == " " || last == "\t" { promptLinePrefix.removeLast() }
    }
    let heldBack = String(linePrefix.dropFirst(promptLinePrefix.count))

    let format = PromptFormat.detect(specialTokens: model.specialTokens)
    let pieces = format.pieces(
      repository: config.repositoryName, chunks: chunks, path: document.path, prefix: keptPrefix, suffix: keptSuffix,
      currentLinePrefix: promptLinePrefix, lineAfterMiddle: config.currentLineAfterMiddle)
    let prompt = model.tokens(of: pieces)
    guard !prompt.isEmpty else { throw CompletionError(.emptyPrompt, "the prompt has no tokens") }

    var diagnostics = CompletionDiagnostics(family: format.family, shape: shape)
    diagnostics.prefixLinesDropped = prefixLines.count - keptLines.count
    diagnostics.suffixLinesDropped = suffixLines.count - suffixKept
    diagnostics.contextChunks = chunks.count
    diagnostics.prepareMilliseconds = Date().timeIntervalSince(start) * 1000

    let rules = StopRules(
      shape: shape, linePrefix: promptLinePrefix, suffix: suffixText, languageID: document.languageID,
      cursorInStringOrComment: context.isInStringOrComment, maxBlockLines: config.maxBlockLines)
    let generation: Generation
    do {
      generation = try model.generate(
        prompt: prompt, maxTokens: shape.isBlock ? config.maxBlockTokens : config.maxTokens,
        stopTokens: format.stopTokens, isCancelled: isCancelled,
        onPiece: { rules.feed($0) })
    } catch {
      throw CompletionError(.modelFailed, "generation failed", cause: String(describing: error))
    }
    let modelReason: StopReason
    switch generation.finish {
    case .stopToken: modelReason = .stopToken
    case .maxTokens: modelReason = .maxTokens
    case .cancelled: modelReason = .cancelled
    case .stoppedByCaller: modelReason = rules.reason ?? .stopToken
    }
    var (stoppedText, reason) = rules.finish(modelReason: modelReason)
    stoppedText = Self.removingHeldBack(heldBack, from: stoppedText, indentOnly: promptLinePrefix.isEmpty)
    diagnostics.rawOutput = generation.text
    diagnostics.stopReason = reason
    diagnostics.promptTokens = generation.promptTokenCount
    diagnostics.reusedPromptTokens = generation.reusedPromptTokenCount
    diagnostics.generatedTokens = generation.tokens.count
    diagnostics.promptMilliseconds = generation.promptMilliseconds
    diagnostics.generationMilliseconds = generation.generationMilliseconds

    var text = ""
    if reason != .cancelled {
      let cleanup = CompletionCleanup(shape: shape, suffix: suffixText, linePrefix: linePrefix)
      let candidates = cleanup.candidates(for: stoppedText, truncated: reason == .maxTokens)
      diagnostics.candidates = candidates.count
      text = Self.preferParsing(
        candidates, prefix: prefixText, suffix: suffixText, languageID: document.languageID, oracle: oracle)
    }
    // Whitespace right of the cursor is replaced rather than pushed along.
    var replacing = request.cursor..<request.cursor
    if !lineSuffix.isEmpty && lineSuffix.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) && !text.isEmpty {
      replacing = request.cursor..<(request.cursor + lineSuffix.utf8.count)
    }
    diagnostics.totalMilliseconds = Date().timeIntervalSince(start) * 1000
    return CompletionResult(text: text, replacing: replacing, diagnostics: diagnostics)
  }

  /// The output without the whitespace that was held back from the prompt: all leading blanks of the first line when
  /// the cursor line held only indentation (the cursor already sits at the indentation; a first line left empty is
  /// dropped too), else at most the held-back blanks.
  static func removingHeldBack(_ heldBack: String, from output: String, indentOnly: Bool) -> String {
    guard !heldBack.isEmpty else { return output }
    var text = Substring(output)
    if indentOnly {
      if let newline = text.firstIndex(of: "\n"), text[..<newline].allSatisfy({ $0 == " " || $0 == "\t" }),
        text[text.index(after: newline)...].contains(where: { !$0.isWhitespace })
      {
        text = text[text.index(after: newline)...]
      }
      return String(text.drop { $0 == " " || $0 == "\t" })
    }
    var budget = heldBack.count
    while budget > 0, let first = text.first, first == " " || first == "\t" {
      text = text.dropFirst()
      budget -= 1
    }
    return String(text)
  }

  /// The first candidate with the fewest syntax errors once inserted (the oracle decides).
  static func preferParsing(
    _ candidates: [String], prefix: String, suffix: String, languageID: String, oracle: any SyntaxOracle
  ) -> String {
    guard candidates.count > 1 else { return candidates.first ?? "" }
    var best = candidates[0]
    var bestErrors = Int.max
    for candidate in candidates {
      let errors = oracle.errorCount(text: prefix + candidate + suffix, languageID: languageID)
      if errors < bestErrors {
        best = candidate
        bestErrors = errors
      }
    }
    return best
  }
}
