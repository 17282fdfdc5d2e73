import Foundation

/// The fill-in-the-middle convention a vocabulary speaks.
public enum FIMFamily: String, Sendable, Equatable {
  /// `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>`, repository framing `<|repo_name|>` / `<|file_sep|>`.
  case qwen
  /// `<fim_prefix>…<fim_suffix>…<fim_middle>`, `<reponame>`, `<file_sep>` or `<filename>`.
  case starCoder
  /// `<PRE> {prefix} <SUF>{suffix} <MID>`.
  case codeLlama
  /// No FIM tokens: the prompt is the prefix alone.
  case prefixOnly
}

/// One element of a prompt: a special token by id, or plain text to tokenize.
public enum PromptPiece: Sendable, Equatable {
  case special(Int32)
  case text(String)
}

/// A file shown to the model before the current one (an open buffer's definitions or recent edits).
public struct ContextChunk: Sendable, Equatable {
  public var path: String
  public var text: String

  public init(path: String, text: String) {
    self.path = path
    self.text = text
  }
}

/// The special token ids of a FIM family, read from a vocabulary.
public struct PromptFormat: Sendable, Equatable {
  public var family: FIMFamily
  public var prefix: Int32?
  public var suffix: Int32?
  public var middle: Int32?
  public var repoName: Int32?
  public var fileSeparator: Int32?
  /// StarCoder 1 names files with `<filename>` instead of separating them with `<file_sep>`.
  public var fileName: Int32?
  /// Whether `prefix`/`suffix`/`middle` carry their own leading space (CodeLlama's `▁<PRE>` spelling).
  public var markersCarrySpace: Bool
  /// Tokens that end a completion: end of text, FIM markers, file separators.
  public var stopTokens: Set<Int32>

  static let endOfTextNames = [
    "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end|>", "</s>", "<EOT>", "▁<EOT>", "<|end_of_text|>",
    "<|fim_pad|>", "<fim_pad>", "<|file_separator|>",
  ]

  /// Detects the family from the vocabulary's special tokens (text → id).
  public static func detect(specialTokens: [String: Int32]) -> PromptFormat {
    var format = PromptFormat(
      family: .prefixOnly, prefix: nil, suffix: nil, middle: nil, repoName: nil, fileSeparator: nil, fileName: nil,
      markersCarrySpace: false, stopTokens: [])
    if let prefix = specialTokens["<|fim_prefix|>"], let suffix = specialTokens["<|fim_suffix|>"],
      let middle = specialTokens["<|fim_middle|>"]
    {
      format.family = .qwen
      (format.prefix, format.suffix, format.middle) = (prefix, suffix, middle)
      format.repoName = specialTokens["<|repo_name|>"]
      format.fileSeparator = specialTokens["<|file_sep|>"]
    } else if let prefix = specialTokens["<fim_prefix>"], let suffix = specialTokens["<fim_suffix>"],
      let middle = specialTokens["<fim_middle>"]
    {
      format.family = .starCoder
      (format.prefix, format.suffix, format.middle) = (prefix, suffix, middle)
      format.repoName = specialTokens["<reponame>"]
      format.fileSeparator = specialTokens["<file_sep>"]
      format.fileName = format.fileSeparator == nil ? specialTokens["<filename>"] : nil
    } else if let prefix = specialTokens["▁<PRE>"], let suffix = specialTokens["▁<SUF>"],
      let middle = specialTokens["▁<MID>"]
    {
      format.family = .codeLlama
      (format.prefix, format.suffix, format.middle) = (prefix, suffix, middle)
      format.markersCarrySpace = true
    } else if let prefix = specialTokens["<PRE>"], let suffix = specialTokens["<SUF>"],
      let middle = specialTokens["<MID>"]
    {
      format.family = .codeLlama
      (format.prefix, format.suffix, format.middle) = (prefix, suffix, middle)
    }
    var stops = Set(endOfTextNames.compactMap { specialTokens[$0] })
    for id in [format.prefix, format.suffix, format.middle, format.repoName, format.fileSeparator, format.fileName] {
      if let id { stops.insert(id) }
    }
    format.stopTokens = stops
    return format
  }

  /// Assembles a prompt in stable order: other files first, then the current file's path, then prefix and suffix.
  /// With `lineAfterMiddle` (the llama.vim trick) the current line's text left of the cursor, `currentLinePrefix`,
  /// follows the middle marker instead of ending the prefix, so a request on the same line reuses the cached prompt.
  public func pieces(
    repository: String?, chunks: [ContextChunk], path: String?, prefix: String, suffix: String,
    currentLinePrefix: String = "", lineAfterMiddle: Bool = false
  ) -> [PromptPiece] {
    var pieces: [PromptPiece] = []
    let afterMiddle = lineAfterMiddle ? currentLinePrefix : ""
    let prefixText = lineAfterMiddle ? prefix : prefix + currentLinePrefix
    switch family {
    case .qwen, .starCoder:
      guard let prefixID = self.prefix, let suffixID = self.suffix, let middleID = middle else { break }
      let separator = fileSeparator ?? fileName
      if let separator {
        if let repoName, let repository {
          pieces += [.special(repoName), .text(repository + "\n")]
        }
        for chunk in chunks {
          pieces += [.special(separator), .text(chunk.path + "\n" + chunk.text + (chunk.text.hasSuffix("\n") ? "" : "\n"))]
        }
        if let path { pieces += [.special(separator), .text(path + "\n")] }
      }
      pieces += [.special(prefixID), .text(prefixText), .special(suffixID), .text(suffix), .special(middleID)]
      if !afterMiddle.isEmpty { pieces.append(.text(afterMiddle)) }
    case .codeLlama:
      guard let prefixID = self.prefix, let suffixID = self.suffix, let middleID = middle else { break }
      // `<PRE> {prefix} <SUF>{suffix} <MID>`: the `▁<PRE>` spelling of the markers carries the spaces itself.
      if markersCarrySpace {
        pieces += [.special(prefixID), .text(prefixText), .special(suffixID), .text(suffix), .special(middleID)]
      } else {
        pieces += [.special(prefixID), .text(" " + prefixText + " "), .special(suffixID), .text(suffix + " ")]
        pieces.append(.special(middleID))
      }
      if !afterMiddle.isEmpty { pieces.append(.text(afterMiddle)) }
    case .prefixOnly:
      break
    }
    if pieces.isEmpty { pieces = [.text(prefix + currentLinePrefix)] }
    return pieces.filter { if case .text(let text) = $0 { return !text.isEmpty } else { return true } }
  }
}

extension CompletionModel {
  /// Token ids of `pieces`: special pieces by id, text pieces through `tokenize` (which never yields specials).
  public func tokens(of pieces: [PromptPiece]) -> [Int32] {
    var tokens: [Int32] = beginningOfText.map { [$0] } ?? []
    for piece in pieces {
      switch piece {
      case .special(let id): tokens.append(id)
      case .text(let text): tokens += tokenize(text)
      }
    }
    return tokens
  }
}
