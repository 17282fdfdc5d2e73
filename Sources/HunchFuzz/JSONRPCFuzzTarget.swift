import Foundation
import HunchInference
import HunchLSP

/// The JSON-RPC framer and message decoder. Two oracles:
/// - any byte stream gives the same frames and errors whether it arrives whole or in random chunks;
/// - frames written correctly (random header spelling, extra headers, stray line breaks) come back exactly, with
///   no error.
/// Every body is then parsed as a message and its params decoded as the LSP type its method names (or a random one).
final class JSONRPCFuzzTarget: FuzzTarget {
  static let name = "jsonrpc"
  static let summary = "Content-Length framer (chunking-independent), message envelope, params decoding"
  static let maximumInputLength = 64 * 1024

  init() {}

  func run(_ data: [UInt8]) {
    var input = FuzzInput(data)
    let mode = input.byte()
    let limits = FrameLimits(
      maximumHeaderBytes: 16 + input.int(below: 4096), maximumBodyBytes: 1 + input.int(below: 1 << 16))
    let chunkSeed = UInt64(input.byte()) << 8 | UInt64(input.byte())
    if mode & 1 == 0 {
      let stream = input.rest()
      var whole = FrameDecoder(limits: limits)
      let wholeEvents = whole.push(stream)
      var chunked = FrameDecoder(limits: limits)
      var chunkedEvents: [FrameEvent] = []
      for chunk in Self.chunks(of: stream, seed: chunkSeed) { chunkedEvents += chunked.push(chunk) }
      fuzzCheck(
        Self.bodies(wholeEvents) == Self.bodies(chunkedEvents),
        "frames differ by chunking: \(Self.bodies(wholeEvents).count) whole, \(Self.bodies(chunkedEvents).count) chunked")
      fuzzCheck(
        whole.bufferedByteCount == chunked.bufferedByteCount,
        "buffered bytes differ by chunking: \(whole.bufferedByteCount) vs \(chunked.bufferedByteCount)")
      for body in Self.bodies(wholeEvents) { parse(body, choice: mode) }
      parse(Data(stream), choice: mode)
    } else {
      // Well-formed frames around arbitrary bodies.
      var bodies: [Data] = []
      var stream: [UInt8] = []
      while !input.isAtEnd && bodies.count < 16 {
        let style = input.byte()
        let body = input.bytes(count: input.int(below: min(4096, limits.maximumBodyBytes) + 1))
        var header = (style & 1 == 0 ? "Content-Length" : "content-LENGTH") + ":" + (style & 2 == 0 ? " " : "")
        header += "\(body.count)\r\n"
        if style & 4 != 0 { header += "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n" }
        guard header.utf8.count + 2 <= limits.maximumHeaderBytes else { continue }
        if style & 8 != 0 { stream += Array("\r\n".utf8) }
        stream += Array((header + "\r\n").utf8) + body
        bodies.append(Data(body))
      }
      var decoder = FrameDecoder(limits: limits)
      var events: [FrameEvent] = []
      for chunk in Self.chunks(of: stream, seed: chunkSeed) { events += decoder.push(chunk) }
      fuzzCheck(events == bodies.map { .body($0) }, "well-formed frames came back as \(events.count) events, not \(bodies.count) bodies")
      fuzzCheck(decoder.bufferedByteCount == 0, "bytes left over after whole frames")
      for body in bodies { parse(body, choice: mode) }
    }
  }

  private static func bodies(_ events: [FrameEvent]) -> [Data] {
    events.compactMap { if case .body(let body) = $0 { body } else { nil } }
  }

  /// Splits `bytes` at pseudo-random points chosen by `seed` (1 to 64 bytes a chunk).
  private static func chunks(of bytes: [UInt8], seed: UInt64) -> [ArraySlice<UInt8>] {
    var generator = SplitMix64(seed: seed)
    var pieces: [ArraySlice<UInt8>] = []
    var start = 0
    while start < bytes.count {
      let end = min(bytes.count, start + 1 + Int(generator.next() % 64))
      pieces.append(bytes[start..<end])
      start = end
    }
    return pieces
  }

  private func parse(_ body: Data, choice: UInt8) {
    guard case .success(let message) = IncomingMessage.parse(body) else { return }
    let decoders: [(String, (IncomingMessage) throws -> Void)] = [
      (InitializeRequest.method, { _ = try $0.decodeParams(InitializeRequest.self) }),
      (DidOpenTextDocumentNotification.method, { _ = try $0.decodeParams(DidOpenTextDocumentNotification.self) }),
      (DidChangeTextDocumentNotification.method, { _ = try $0.decodeParams(DidChangeTextDocumentNotification.self) }),
      (CompletionRequest.method, { _ = try $0.decodeParams(CompletionRequest.self) }),
      (InlineCompletionRequest.method, { _ = try $0.decodeParams(InlineCompletionRequest.self) }),
      (CancelRequestNotification.method, { _ = try $0.decodeParams(CancelRequestNotification.self) }),
      (DidChangeConfigurationNotification.method, { _ = try $0.decodeParams(DidChangeConfigurationNotification.self) }),
      (ExecuteCommandRequest.method, { _ = try $0.decodeParams(ExecuteCommandRequest.self) }),
    ]
    let chosen = decoders.first { $0.0 == message.method } ?? decoders[Int(choice >> 1) % decoders.count]
    _ = try? chosen.1(message)
  }

  static func seeds() -> [[UInt8]] {
    let messages = [
      #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"capabilities":{"general":{"positionEncodings":["utf-16"]}}}}"#,
      #"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.py","languageId":"python","version":1,"text":"x = 1\n"}}}"#,
      #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///a.py","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":5},"end":{"line":0,"character":5}},"text":"2"}]}}"#,
      #"{"jsonrpc":"2.0","id":"r2","method":"textDocument/inlineCompletion","params":{"textDocument":{"uri":"file:///a.py"},"position":{"line":0,"character":6},"context":{"triggerKind":2}}}"#,
      #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"r2"}}"#,
      #"{"jsonrpc":"2.0","id":3,"result":null}"#,
    ]
    var stream: [UInt8] = [0, 0x10, 0x00, 0xFF, 0xFF, 0x12, 0x34]
    for message in messages { stream += Array("Content-Length: \(message.utf8.count)\r\n\r\n\(message)".utf8) }
    stream += Array("Content-Length: 99999999999999999999\r\n\r\ngarbage\r\n\r\nContent-Length: 2\r\n\r\n{}".utf8)
    var framed: [UInt8] = [1, 0x10, 0x00, 0xFF, 0xFF, 0x56, 0x78]
    for (index, message) in messages.enumerated() {
      framed += [UInt8(index)] + [UInt8(message.utf8.count >> 8), UInt8(message.utf8.count & 0xFF)] + Array(message.utf8)
    }
    return [stream, framed] + messages.map { [0, 0x10, 0x00, 0xFF, 0xFF, 0, 0] + Array($0.utf8) }
  }
}
