/// Turns a suggestion into the two shapes clients want: ghost text and a popup item.
struct CompletionItemBuilder {
  let document: TextDocument
  let encoding: PositionEncodingKind

  func range(of bytes: Swift.Range<Int>) -> Range {
    Range(
      start: document.position(ofOffset: bytes.lowerBound, encoding: encoding),
      end: document.position(ofOffset: bytes.upperBound, encoding: encoding))
  }

  func inlineItem(_ suggestion: CompletionSuggestion) -> InlineCompletionItem {
    InlineCompletionItem(insertText: suggestion.text, range: range(of: suggestion.replacedRange))
  }

  /// A popup item: its label and filter text start with the word typed before the cursor (clients filter on it),
  /// and its edit replaces that word with the word plus the whole suggestion.
  func popupItem(_ suggestion: CompletionSuggestion, snippetSupport: Bool) -> CompletionItem {
    let wordStart = Self.wordStart(in: document.bytes, before: suggestion.replacedRange.lowerBound)
    let word = String(decoding: document.bytes[wordStart..<suggestion.replacedRange.lowerBound], as: UTF8.self)
    let fullText = word + suggestion.text
    let isMultiline = suggestion.text.contains(where: \.isNewline)
    let useSnippet = isMultiline && snippetSupport
    let firstLine = fullText.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? ""
    let label = firstLine.count > 80 ? String(firstLine.prefix(79)) + "…" : String(firstLine)
    let fence = "```"
    return CompletionItem(
      label: isMultiline && label.count <= 80 ? label + " …" : label,
      kind: useSnippet ? 15 : 1,
      detail: "Hunch",
      documentation: .markdown("\(fence)\(document.languageID)\n\(fullText)\n\(fence)"),
      preselect: true,
      sortText: "0",
      filterText: fullText,
      insertTextFormat: useSnippet ? 2 : 1,
      textEdit: TextEdit(
        range: range(of: wordStart..<suggestion.replacedRange.upperBound),
        newText: useSnippet ? Self.escapeSnippet(fullText) : fullText))
  }

  /// Escapes the characters that mean something in LSP snippet syntax.
  static func escapeSnippet(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
      if character == "\\" || character == "$" || character == "}" { escaped.append("\\") }
      escaped.append(character)
    }
    return escaped
  }

  /// Start of the identifier-like word that ends at `offset` (letters, digits, underscore; any non-ASCII byte counts
  /// as a letter so that words in other scripts are kept whole).
  static func wordStart(in bytes: [UInt8], before offset: Int) -> Int {
    var start = offset
    while start > 0 {
      let byte = bytes[start - 1]
      let isWordByte =
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        || byte == 0x5F || byte >= 0x80
      guard isWordByte else { break }
      start -= 1
    }
    return start
  }
}
