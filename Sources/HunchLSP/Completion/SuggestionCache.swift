/// The last suggestion per document, so that typing the characters it predicted is answered from it without
/// asking the provider again.
struct SuggestionCache {
  private struct Entry {
    let version: Int
    /// Where the suggestion's text starts (the replaced range's lower bound), in bytes.
    let anchor: Int
    /// How many bytes after the anchor the suggestion replaces.
    let replacedLength: Int
    let suggestion: [UInt8]
    let prefixHash: Int
    let suffixHash: Int
  }

  private var entries: [DocumentURI: Entry] = [:]

  mutating func remember(_ suggestion: CompletionSuggestion, for document: TextDocument) {
    let anchor = suggestion.replacedRange.lowerBound
    entries[document.uri] = Entry(
      version: document.version, anchor: anchor, replacedLength: suggestion.replacedRange.count,
      suggestion: Array(suggestion.text.utf8),
      prefixHash: Self.hash(document.bytes[..<anchor]), suffixHash: Self.hash(document.bytes[anchor...]))
  }

  mutating func forget(_ uri: DocumentURI) {
    entries[uri] = nil
  }

  /// The rest of the remembered suggestion when the document is the one it was made for plus a typed prefix of it,
  /// and the cursor sits right after what was typed. Nil otherwise (including when nothing is left to suggest).
  func continuation(in document: TextDocument, cursor: Int) -> CompletionSuggestion? {
    guard let entry = entries[document.uri], cursor >= entry.anchor else { return nil }
    let typed = cursor - entry.anchor
    guard typed < entry.suggestion.count else { return nil }
    // Never split a character of the suggestion.
    guard !TextDocument.isContinuationByte(entry.suggestion[typed]) else { return nil }
    let bytes = document.bytes
    guard bytes.count - cursor >= 0, bytes[entry.anchor..<cursor].elementsEqual(entry.suggestion[..<typed]) else {
      return nil
    }
    guard Self.hash(bytes[..<entry.anchor]) == entry.prefixHash, Self.hash(bytes[cursor...]) == entry.suffixHash
    else { return nil }
    let rest = String(decoding: entry.suggestion[typed...], as: UTF8.self)
    return CompletionSuggestion(text: rest, replacing: cursor..<(cursor + entry.replacedLength))
  }

  private static func hash(_ bytes: ArraySlice<UInt8>) -> Int {
    var hasher = Hasher()
    hasher.combine(bytes.count)
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    return hasher.finalize()
  }
}
