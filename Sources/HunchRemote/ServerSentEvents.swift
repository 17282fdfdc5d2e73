import Foundation

/// One Server-Sent Event: the joined `data:` lines and the `event:` name, if any.
public struct ServerSentEvent: Sendable, Equatable {
  public var event: String?
  public var data: String

  public init(event: String? = nil, data: String) {
    self.event = event
    self.data = data
  }
}

/// Turns a byte stream into Server-Sent Events, whatever the chunking: bytes may arrive one at a time or many events
/// at once, and a line may end in LF, CRLF or CR (a CR at the end of a chunk waits to see whether LF follows).
public struct ServerSentEventParser: Sendable {
  private var pending: [UInt8] = []
  private var dataLines: [String] = []
  private var eventName: String?
  /// Most bytes one line may hold, so a server that never ends a line cannot grow the buffer without bound.
  public let maxLineBytes: Int

  public init(maxLineBytes: Int = 4 << 20) {
    self.maxLineBytes = maxLineBytes
  }

  /// Feeds bytes and returns the events they complete.
  public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws -> [ServerSentEvent] where Bytes.Element == UInt8 {
    pending.append(contentsOf: bytes)
    var events: [ServerSentEvent] = []
    var lineStart = 0
    var index = 0
    while index < pending.count {
      let byte = pending[index]
      if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
        var next = index + 1
        if byte == UInt8(ascii: "\r") {
          // CR LF is one line end; a CR at the very end must wait for the next chunk.
          if next == pending.count { break }
          if pending[next] == UInt8(ascii: "\n") { next += 1 }
        }
        if let event = take(line: pending[lineStart..<index]) { events.append(event) }
        lineStart = next
        index = next
      } else {
        index += 1
      }
    }
    pending.removeFirst(lineStart)
    if pending.count > maxLineBytes {
      throw RemoteError(.badResponse, "an event stream line is longer than \(maxLineBytes) bytes")
    }
    return events
  }

  /// The event left open when the stream ends without a blank line (servers often omit the last one).
  public mutating func finish() -> ServerSentEvent? {
    var event: ServerSentEvent?
    if !pending.isEmpty {
      let line = pending[...]
      pending = []
      event = take(line: line)
    }
    return event ?? take(line: [][...])
  }

  private mutating func take(line: ArraySlice<UInt8>) -> ServerSentEvent? {
    if line.isEmpty {
      defer {
        dataLines = []
        eventName = nil
      }
      guard !dataLines.isEmpty else { return nil }
      return ServerSentEvent(event: eventName, data: dataLines.joined(separator: "\n"))
    }
    if line.first == UInt8(ascii: ":") { return nil }  // a comment (keep-alive ping)
    let text = String(decoding: line, as: UTF8.self)
    let field: Substring
    var value: Substring
    if let colon = text.firstIndex(of: ":") {
      field = text[..<colon]
      value = text[text.index(after: colon)...]
      if value.first == " " { value = value.dropFirst() }
    } else {
      field = text[...]
      value = ""
    }
    switch field {
    case "data": dataLines.append(String(value))
    case "event": eventName = String(value)
    // llama-server reports a failure inside a stream as an `error:` line; keep it as an event of that name.
    case "error":
      eventName = "error"
      dataLines.append(String(value))
    default: break
    }
    return nil
  }
}
