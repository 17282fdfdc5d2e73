/// Code points of a text with their classes, the input of a pre-tokenizer split.
struct ScalarText {
  let codePoints: UnsafeBufferPointer<UInt32>
  let classes: UnsafeBufferPointer<CharacterClass>
  var count: Int { codePoints.count }
}

/// How a model cuts text into words before BPE, named as in the GGUF key `tokenizer.ggml.pre`.
///
/// Each split reproduces what llama.cpp does for that name (its hand-written scanners, not a regex engine), since
/// the models were trained on, and are served with, exactly those word boundaries.
enum PreTokenizer: String, Sendable {
  /// Qwen2 / Qwen2.5: contractions (any case), an optional non-letter before a letter run, single digits,
  /// punctuation runs with trailing newlines, whitespace up to the last newline, whitespace runs that leave one
  /// space for the next word.
  case qwen2
  /// SmolLM / StarCoder: every number code point alone, then the GPT-2 split on the pieces between them.
  case smollm
  /// GPT-2: contractions (lower case), an optional space before a letter, number or punctuation run, whitespace.
  case gpt2

  init?(ggufName: String) {
    switch ggufName {
    case "qwen2": self = .qwen2
    case "smollm", "starcoder": self = .smollm
    case "gpt-2", "gpt2": self = .gpt2
    default: return nil
    }
  }

  /// Appends the end index (in code points) of every word of `text`, in order; the last end is `text.count`.
  func split(_ text: ScalarText, into ends: inout [Int]) {
    switch self {
    case .qwen2:
      Self.splitQwen2(text, from: 0, to: text.count, into: &ends)
    case .gpt2:
      Self.splitGPT2(text, from: 0, to: text.count, into: &ends)
    case .smollm:
      var start = 0
      for index in 0..<text.count where text.classes[index].contains(.number) {
        if start < index { Self.splitGPT2(text, from: start, to: index, into: &ends) }
        ends.append(index + 1)
        start = index + 1
      }
      if start < text.count { Self.splitGPT2(text, from: start, to: text.count, into: &ends) }
    }
  }

  private static let apostrophe: UInt32 = 0x27
  private static let space: UInt32 = 0x20
  private static let carriageReturn: UInt32 = 0x0D
  private static let lineFeed: UInt32 = 0x0A

  /// The suffix after an apostrophe that makes a contraction (`'s 't 'm 'd 're 've 'll`): its length, or 0.
  @inline(__always)
  private static func contractionLength(
    _ cps: UnsafeBufferPointer<UInt32>, at apostropheIndex: Int, end: Int, ignoringCase: Bool
  ) -> Int {
    @inline(__always) func letter(_ i: Int) -> UInt32 {
      let c = cps[i]
      return ignoringCase && c >= 0x41 && c <= 0x5A ? c + 0x20 : c
    }
    let first = apostropheIndex + 1
    guard first < end else { return 0 }
    switch letter(first) {
    case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
    default: break
    }
    guard first + 1 < end else { return 0 }
    switch (letter(first), letter(first + 1)) {
    case (0x72, 0x65), (0x76, 0x65), (0x6C, 0x6C): return 3  // re ve ll
    default: return 0
    }
  }

  /// Qwen2's pattern, `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
  /// \s*[\r\n]+|\s+(?!\S)|\s+`, scanned alternative by alternative over `lo..<hi`.
  static func splitQwen2(_ text: ScalarText, from lo: Int, to hi: Int, into ends: inout [Int]) {
    let cps = text.codePoints
    let classes = text.classes
    @inline(__always) func classAt(_ i: Int) -> CharacterClass { i < hi ? classes[i] : .outside }
    @inline(__always) func isNewline(_ c: UInt32) -> Bool { c == carriageReturn || c == lineFeed }

    var position = lo
    while position < hi {
      let c = cps[position]
      let cls = classes[position]

      if c == apostrophe {
        let length = contractionLength(cps, at: position, end: hi, ignoringCase: true)
        if length > 0 {
          position += length
          ends.append(position)
          continue
        }
      }

      // An optional lead (anything but a newline, letter or number) and a run of letters.
      if !isNewline(c), !cls.contains(.number), cls.contains(.letter) || classAt(position + 1).contains(.letter) {
        position += 1
        while classAt(position).contains(.letter) { position += 1 }
        ends.append(position)
        continue
      }

      if cls.contains(.number) {
        position += 1
        ends.append(position)
        continue
      }

      // An optional space, a run of "other" code points, then any newlines. A space at the very end also lands
      // here, alone, as it does in llama.cpp.
      let afterSpace = c == space ? classAt(position + 1) : cls
      if afterSpace.isDisjoint(with: .letterNumberOrSpace) {
        if c == space { position += 1 }
        while classAt(position).isDisjoint(with: [.letterNumberOrSpace, .outside]) { position += 1 }
        while position < hi, isNewline(cps[position]) { position += 1 }
        ends.append(position)
        continue
      }

      position = endOfWhitespace(cps, classes, from: position, to: hi, upToLastNewline: true)
      ends.append(position)
    }
  }

  /// GPT-2's pattern, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, over `lo..<hi`.
  static func splitGPT2(_ text: ScalarText, from lo: Int, to hi: Int, into ends: inout [Int]) {
    let cps = text.codePoints
    let classes = text.classes
    @inline(__always) func classAt(_ i: Int) -> CharacterClass { i < hi ? classes[i] : .outside }

    var position = lo
    while position < hi {
      let c = cps[position]

      if c == apostrophe {
        let length = contractionLength(cps, at: position, end: hi, ignoringCase: false)
        if length > 0 {
          position += length
          ends.append(position)
          continue
        }
      }

      let lead = c == space ? classAt(position + 1) : classes[position]
      let run: CharacterClass?
      if lead.contains(.letter) {
        run = .letter
      } else if lead.contains(.number) {
        run = .number
      } else if lead.isDisjoint(with: [.letterNumberOrSpace, .outside]) {
        run = nil  // "other" code points
      } else {
        position = endOfWhitespace(cps, classes, from: position, to: hi, upToLastNewline: false)
        ends.append(position)
        continue
      }
      if c == space { position += 1 }
      if let run {
        while classAt(position).contains(run) { position += 1 }
      } else {
        while classAt(position).isDisjoint(with: [.letterNumberOrSpace, .outside]) { position += 1 }
      }
      ends.append(position)
    }
  }

  /// Where the whitespace word starting at `start` ends: up to its last newline when asked and there is one;
  /// otherwise the whole run, less its last code point when something other than whitespace follows (that space
  /// then leads the next word).
  @inline(__always)
  private static func endOfWhitespace(
    _ cps: UnsafeBufferPointer<UInt32>, _ classes: UnsafeBufferPointer<CharacterClass>,
    from start: Int, to hi: Int, upToLastNewline: Bool
  ) -> Int {
    var end = start
    var afterLastNewline = -1
    while end < hi, classes[end].contains(.whitespace) {
      if upToLastNewline, cps[end] == carriageReturn || cps[end] == lineFeed { afterLastNewline = end + 1 }
      end += 1
    }
    let runLength = end - start
    if afterLastNewline >= 0 { return afterLastNewline }
    if runLength > 1, end < hi { return end - 1 }
    if runLength > 0 { return end }
    return start + 1  // nothing matched: the code point stands alone
  }
}
