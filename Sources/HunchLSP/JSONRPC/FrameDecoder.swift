import Foundation

/// How large a frame's header and body may be before we refuse it.
public struct FrameLimits: Sendable {
  public var maximumHeaderBytes: Int
  public var maximumBodyBytes: Int

  public init(maximumHeaderBytes: Int = 8 * 1024, maximumBodyBytes: Int = 64 * 1024 * 1024) {
    self.maximumHeaderBytes = maximumHeaderBytes
    self.maximumBodyBytes = maximumBodyBytes
  }
}

/// Why a frame was refused. The decoder reports it once and then looks for the next header.
public struct FramingError: Error, Equatable, Sendable, CustomStringConvertible {
  public enum Code: String, Sendable {
    case headerTooLarge
    case missingContentLength
    case invalidContentLength
    case bodyTooLarge
    case malformedHeader
  }

  public let code: Code
  public let message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code.rawValue): \(message)" }
}

/// What the decoder found in the bytes pushed so far.
public enum FrameEvent: Equatable, Sendable {
  case body(Data)
  case error(FramingError)
}

/// Splits a byte stream into `Content-Length`-framed bodies (the LSP base protocol).
///
/// Bytes may arrive in any chunking. A bad header is reported once; the decoder then skips ahead to the next
/// `Content-Length` it can find, so one garbled message does not end the session.
public struct FrameDecoder: Sendable {
  public let limits: FrameLimits
  private var buffer: [UInt8] = []
  /// Bytes of `buffer` before this index are consumed.
  private var start = 0
  /// Length of the body being collected, once its header has been read.
  private var pendingBodyLength: Int?
  /// True while skipping garbage after an error; no further errors are reported until a header parses.
  private var resynchronizing = false

  private static let terminator: [UInt8] = Array("\r\n\r\n".utf8)
  private static let contentLengthName: [UInt8] = Array("content-length".utf8)

  public init(limits: FrameLimits = FrameLimits()) {
    self.limits = limits
  }

  /// Bytes received but not yet part of a complete frame.
  public var bufferedByteCount: Int { buffer.count - start }

  public mutating func push<Bytes: Sequence>(_ bytes: Bytes) -> [FrameEvent] where Bytes.Element == UInt8 {
    buffer.append(contentsOf: bytes)
    var events: [FrameEvent] = []
    while let event = nextEvent() {
      events.append(event)
    }
    compact()
    return events
  }

  private mutating func nextEvent() -> FrameEvent? {
    while true {
      if let length = pendingBodyLength {
        guard buffer.count - start >= length else { return nil }
        let body = Data(buffer[start..<(start + length)])
        start += length
        pendingBodyLength = nil
        return .body(body)
      }
      guard start < buffer.count else { return nil }
      if resynchronizing {
        guard skipToNextHeaderCandidate() else { return nil }
      }
      // Some clients put a stray line break between messages; it is not an error.
      while start < buffer.count, buffer[start] == 0x0D || buffer[start] == 0x0A {
        start += 1
      }
      guard start < buffer.count else { return nil }
      let searchEnd = min(buffer.count, start + limits.maximumHeaderBytes + Self.terminator.count)
      guard let headerEnd = find(Self.terminator, from: start, to: searchEnd) else {
        if buffer.count - start > limits.maximumHeaderBytes + Self.terminator.count {
          if let event = refuse(
            .headerTooLarge, "no blank line within \(limits.maximumHeaderBytes) header bytes", skipTo: nil)
          {
            return event
          }
          continue
        }
        return nil
      }
      let afterHeader = headerEnd + Self.terminator.count
      switch parseHeader(buffer[start..<headerEnd]) {
      case .success(let length):
        resynchronizing = false
        start = afterHeader
        pendingBodyLength = length
      case .failure(let error):
        // Garbage followed by a real header: start again at the header's own Content-Length line.
        if let restart = findContentLength(from: start + 1, to: headerEnd) {
          if !resynchronizing {
            resynchronizing = true
            return .error(FramingError(.malformedHeader, "skipped \(restart - start) bytes of garbage before a header"))
          }
          start = restart
          continue
        }
        if let event = refuse(error.code, error.message, skipTo: afterHeader) { return event }
      }
    }
  }

  /// Skips either to `skipTo` or past the current byte, and returns the error to report, or nil when one was
  /// already reported for this stretch of garbage.
  private mutating func refuse(_ code: FramingError.Code, _ message: String, skipTo: Int?) -> FrameEvent? {
    let wasResynchronizing = resynchronizing
    resynchronizing = true
    start = skipTo ?? start + 1
    return wasResynchronizing ? nil : .error(FramingError(code, message))
  }

  /// Moves `start` to the next `Content-Length` in the buffer; when there is none, drops all but a tail that could
  /// be the beginning of one. Returns whether a candidate was found.
  private mutating func skipToNextHeaderCandidate() -> Bool {
    if let found = findContentLength(from: start, to: buffer.count) {
      start = found
      return true
    }
    start = max(start, buffer.count - (Self.contentLengthName.count - 1))
    return false
  }

  private func parseHeader(_ header: ArraySlice<UInt8>) -> Result<Int, FramingError> {
    guard let text = String(bytes: header, encoding: .utf8) else {
      return .failure(FramingError(.malformedHeader, "header is not text"))
    }
    var contentLength: Int?
    for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
      guard let colon = line.firstIndex(of: ":") else {
        return .failure(FramingError(.malformedHeader, "header line without a colon"))
      }
      let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      guard name == "content-length" else { continue }
      // Digits only: refuses "-5", "+5", "5.0", "0x10" and empty values; 18 digits cannot overflow Int.
      guard !value.isEmpty, value.count <= 18, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        let length = Int(value)
      else {
        return .failure(FramingError(.invalidContentLength, "Content-Length is not a byte count: \(value.prefix(40))"))
      }
      guard length <= limits.maximumBodyBytes else {
        return .failure(
          FramingError(.bodyTooLarge, "Content-Length \(length) is above the limit of \(limits.maximumBodyBytes)"))
      }
      contentLength = length
    }
    guard let contentLength else {
      return .failure(FramingError(.missingContentLength, "header has no Content-Length"))
    }
    return .success(contentLength)
  }

  private func find(_ needle: [UInt8], from: Int, to end: Int) -> Int? {
    guard end - from >= needle.count else { return nil }
    var index = from
    while index <= end - needle.count {
      if buffer[index] == needle[0] {
        var matches = true
        for offset in 1..<needle.count where buffer[index + offset] != needle[offset] {
          matches = false
          break
        }
        if matches { return index }
      }
      index += 1
    }
    return nil
  }

  /// The next occurrence of "Content-Length", ignoring case.
  private func findContentLength(from: Int, to end: Int) -> Int? {
    let name = Self.contentLengthName
    guard end - from >= name.count else { return nil }
    var index = from
    while index <= end - name.count {
      var matches = true
      for offset in 0..<name.count where Self.lowercased(buffer[index + offset]) != name[offset] {
        matches = false
        break
      }
      if matches { return index }
      index += 1
    }
    return nil
  }

  private static func lowercased(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
  }

  private mutating func compact() {
    if start == buffer.count {
      buffer.removeAll(keepingCapacity: buffer.count < 1 << 20)
      start = 0
    } else if start > 64 * 1024 && start > buffer.count / 2 {
      buffer.removeSubrange(0..<start)
      start = 0
    }
  }
}

/// Frames a body for the wire.
public func frame(_ body: Data) -> Data {
  var data = Data("Content-Length: \(body.count)\r\n\r\n".utf8)
  data.append(body)
  return data
}
