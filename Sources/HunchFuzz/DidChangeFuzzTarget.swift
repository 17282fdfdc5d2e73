import HunchLSP

/// Incremental `didChange`: random edit sequences applied to a `TextDocument` and, independently, to a plain array of
/// Unicode scalars by the LSP's own definition of positions (lines end at \n, \r\n or \r; a character past the line's
/// end means the end; a position inside a character means its start; utf-8, utf-16 or utf-32 units). The texts, the
/// line counts, the errors and the offset ↔ position round trip must agree after every edit.
final class DidChangeFuzzTarget: FuzzTarget {
  static let name = "didchange"
  static let summary = "incremental didChange edits vs the same edits on a plain string"
  static let maximumInputLength = 4096

  /// Pieces texts are made of: line breaks of every kind, and characters of every UTF-8 and UTF-16 width.
  private static let alphabet = ["a", "b", " ", "\n", "\r\n", "\r", "\t", "é", "€", "😀", "xy", "\n\n"]

  init() {}

  func run(_ data: [UInt8]) {
    var input = FuzzInput(data)
    let encoding = input.pick([PositionEncodingKind.utf8, .utf16, .utf32])
    var reference = Array(randomText(&input).unicodeScalars)
    var document = TextDocument(uri: "file:///fuzz.txt", languageID: "plaintext", version: 1, text: String(String.UnicodeScalarView(reference)))
    var editCount = 0
    while !input.isAtEnd && editCount < 64 {
      editCount += 1
      let kind = input.byte()
      let text = randomText(&input)
      if kind % 16 == 0 {
        try? document.apply(TextDocumentContentChangeEvent(range: nil, text: text), encoding: encoding)
        reference = Array(text.unicodeScalars)
      } else {
        let start = position(&input, in: reference, encoding: encoding)
        let end = kind % 4 == 1 ? start : position(&input, in: reference, encoding: encoding)
        let change = TextDocumentContentChangeEvent(range: Range(start: start, end: end), text: text)
        let expected = Self.apply(start, end, text, to: reference, encoding: encoding)
        do {
          try document.apply(change, encoding: encoding)
          fuzzCheck(expected != nil, "edit \(start)-\(end) was applied; the reference refuses it")
        } catch {
          fuzzCheck(expected == nil, "edit \(start)-\(end) was refused (\(error)); the reference applies it")
        }
        if let expected { reference = expected }
      }
      let expectedText = String(String.UnicodeScalarView(reference))
      fuzzCheck(document.text == expectedText, "text \(document.text.debugDescription) vs \(expectedText.debugDescription)")
      let lines = Self.lines(of: reference)
      fuzzCheck(document.lineCount == lines.count, "\(document.lineCount) lines vs \(lines.count)")
      checkPositionRoundTrip(&input, document: document, reference: reference, encoding: encoding)
    }
  }

  private func randomText(_ input: inout FuzzInput) -> String {
    var text = ""
    for _ in 0..<input.int(below: 24) { text += input.pick(Self.alphabet) }
    return text
  }

  /// Mostly positions in or near the document, sometimes the extremes a hostile client can send.
  private func position(_ input: inout FuzzInput, in scalars: [Unicode.Scalar], encoding: PositionEncodingKind) -> Position {
    let lines = Self.lines(of: scalars)
    switch input.byte() % 16 {
    case 0: return Position(line: input.wideInt(), character: input.wideInt())
    case 1: return Position(line: input.int(below: lines.count + 2) - 1, character: input.wideInt())
    default:
      let line = input.int(below: lines.count + 1)
      let width = line < lines.count ? Self.units(lines[line].content, encoding) : 0
      return Position(line: line, character: input.int(below: width + 3))
    }
  }

  private func checkPositionRoundTrip(
    _ input: inout FuzzInput, document: TextDocument, reference: [Unicode.Scalar], encoding: PositionEncodingKind
  ) {
    let scalarIndex = input.int(below: reference.count + 1)
    let byteOffset = reference[..<scalarIndex].reduce(0) { $0 + $1.utf8.count }
    let position = document.position(ofOffset: byteOffset, encoding: encoding)
    // A byte offset between the \r and \n of one line break has no position of its own.
    let splitsBreak = scalarIndex > 0 && scalarIndex < reference.count && reference[scalarIndex - 1] == "\r"
      && reference[scalarIndex] == "\n"
    guard !splitsBreak else { return }
    let back = try? document.offset(of: position, encoding: encoding)
    fuzzCheck(back == byteOffset, "offset \(byteOffset) → \(position) → \(String(describing: back))")
  }

  // MARK: - The reference, on scalars

  struct Line {
    var start: Int  // scalar index of the first character
    var content: ArraySlice<Unicode.Scalar>  // without the line break
  }

  static func lines(of scalars: [Unicode.Scalar]) -> [Line] {
    var lines: [Line] = []
    var start = 0
    var index = 0
    while index < scalars.count {
      if scalars[index] == "\n" || scalars[index] == "\r" {
        lines.append(Line(start: start, content: scalars[start..<index]))
        if scalars[index] == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
        start = index + 1
      }
      index += 1
    }
    lines.append(Line(start: start, content: scalars[start..<scalars.count]))
    return lines
  }

  static func units(_ scalars: ArraySlice<Unicode.Scalar>, _ encoding: PositionEncodingKind) -> Int {
    scalars.reduce(0) { $0 + units($1, encoding) }
  }

  static func units(_ scalar: Unicode.Scalar, _ encoding: PositionEncodingKind) -> Int {
    switch encoding {
    case .utf8: return scalar.utf8.count
    case .utf16: return scalar.utf16.count
    default: return 1
    }
  }

  /// The scalar index of a position, or nil when the LSP says the position is invalid (its line does not exist).
  static func index(of position: Position, in scalars: [Unicode.Scalar], encoding: PositionEncodingKind) -> Int? {
    let lines = lines(of: scalars)
    guard position.line >= 0, position.line < lines.count else { return nil }
    let line = lines[position.line]
    var index = line.start
    var units = 0
    for scalar in line.content {
      let width = Self.units(scalar, encoding)
      if units + width > max(0, position.character) { break }
      units += width
      index += 1
    }
    return index
  }

  static func apply(
    _ start: Position, _ end: Position, _ text: String, to scalars: [Unicode.Scalar], encoding: PositionEncodingKind
  ) -> [Unicode.Scalar]? {
    guard let lower = index(of: start, in: scalars, encoding: encoding),
      let upper = index(of: end, in: scalars, encoding: encoding), lower <= upper
    else { return nil }
    var result = scalars
    result.replaceSubrange(lower..<upper, with: Array(text.unicodeScalars))
    return result
  }

  static func seeds() -> [[UInt8]] {
    [
      [0, 0, 8, 1, 3, 5, 7, 2, 0, 4, 2, 0, 1, 0, 3, 2, 2, 0, 2, 0, 5, 9, 9],
      [1, 0, 12, 3, 4, 4, 4, 9, 8, 7, 0, 6, 1, 2, 5, 5, 2, 0, 1, 0, 0, 2, 0, 0, 3, 3],
      [2, 0, 6, 5, 4, 3, 2, 1, 0, 33, 0, 2, 9, 10, 2, 0, 0, 0, 1, 2, 0, 1, 0, 2],
      [1, 0, 3, 3, 8, 7, 17, 0, 1, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0, 0],
    ]
  }
}
