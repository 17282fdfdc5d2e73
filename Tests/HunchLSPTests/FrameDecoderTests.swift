import Foundation
import XCTest

@testable import HunchLSP

final class FrameDecoderTests: XCTestCase {
  private func bodies(_ events: [FrameEvent]) -> [String] {
    events.compactMap { if case .body(let data) = $0 { String(decoding: data, as: UTF8.self) } else { nil } }
  }

  private func errors(_ events: [FrameEvent]) -> [FramingError.Code] {
    events.compactMap { if case .error(let error) = $0 { error.code } else { nil } }
  }

  private func decodeAllAtOnce(_ bytes: [UInt8], limits: FrameLimits = FrameLimits()) -> [FrameEvent] {
    var decoder = FrameDecoder(limits: limits)
    return decoder.push(bytes)
  }

  private func decodeByteByByte(_ bytes: [UInt8], limits: FrameLimits = FrameLimits()) -> [FrameEvent] {
    var decoder = FrameDecoder(limits: limits)
    return bytes.flatMap { decoder.push([$0]) }
  }

  func testSplitsFramesTheSameWayWhateverTheChunking() {
    let messages = ["{\"a\":1}", "{\"text\":\"héllo 😀\"}", "", "{\"b\":[1,2,3]}"]
    var stream = [UInt8]()
    for message in messages {
      stream += Array(frame(Data(message.utf8)))
    }
    // A second header field and lower-case names are allowed.
    stream += Array("content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".utf8)
    let expected = messages + ["{}"]
    XCTAssertEqual(bodies(decodeAllAtOnce(stream)), expected)
    XCTAssertEqual(bodies(decodeByteByByte(stream)), expected)
    XCTAssertEqual(errors(decodeByteByByte(stream)), [])
    var decoder = FrameDecoder()
    var chunked: [FrameEvent] = []
    var index = 0
    var size = 1
    while index < stream.count {
      let end = min(stream.count, index + size)
      chunked += decoder.push(stream[index..<end])
      index = end
      size = size % 7 + 2
    }
    XCTAssertEqual(bodies(chunked), expected)
    XCTAssertEqual(decoder.bufferedByteCount, 0)
  }

  func testRefusesBadContentLengthsAndRecoversForTheNextMessage() {
    let next = Array(frame(Data("{\"ok\":true}".utf8)))
    let cases: [(String, FramingError.Code)] = [
      ("Content-Type: x\r\n\r\n", .missingContentLength),
      ("Content-Length: -5\r\n\r\n", .invalidContentLength),
      ("Content-Length: twelve\r\n\r\n", .invalidContentLength),
      ("Content-Length: 12abc\r\n\r\n", .invalidContentLength),
      ("Content-Length: \r\n\r\n", .invalidContentLength),
      ("Content-Length: 10737418240\r\n\r\n", .bodyTooLarge),
      ("Content-Length: 99999999999999999999999\r\n\r\n", .invalidContentLength),
    ]
    for (header, code) in cases {
      let stream = Array(header.utf8) + next
      for events in [decodeAllAtOnce(stream), decodeByteByByte(stream)] {
        XCTAssertEqual(errors(events), [code], header)
        XCTAssertEqual(bodies(events), ["{\"ok\":true}"], header)
      }
    }
  }

  func testHeaderWithoutBlankLineIsRefusedOnceAndTheStreamRecovers() {
    let limits = FrameLimits(maximumHeaderBytes: 8 * 1024)
    let junk = Array("X-Junk: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 10 << 20)
    let stream = junk + Array(frame(Data("{\"ok\":1}".utf8)))
    var decoder = FrameDecoder(limits: limits)
    var events: [FrameEvent] = []
    var index = 0
    while index < stream.count {
      let end = min(stream.count, index + 65536)
      events += decoder.push(stream[index..<end])
      index = end
    }
    XCTAssertEqual(errors(events), [.headerTooLarge])
    XCTAssertEqual(bodies(events), ["{\"ok\":1}"])
    XCTAssertLessThan(decoder.bufferedByteCount, 64)
  }

  func testGarbageBeforeAHeaderIsSkipped() {
    let stream =
      Array("garbage!!\r\n".utf8) + Array(frame(Data("{\"x\":2}".utf8)))
      + Array("\r\n".utf8) + Array(frame(Data("{\"y\":3}".utf8)))
    for events in [decodeAllAtOnce(stream), decodeByteByByte(stream)] {
      XCTAssertEqual(bodies(events), ["{\"x\":2}", "{\"y\":3}"])
      XCTAssertEqual(errors(events), [.malformedHeader])
    }
  }

  func testABodyAboveTheLimitIsRefused() {
    let limits = FrameLimits(maximumBodyBytes: 16)
    let stream = Array(frame(Data(String(repeating: "x", count: 17).utf8))) + Array(frame(Data("{}".utf8)))
    let events = decodeAllAtOnce(stream, limits: limits)
    XCTAssertEqual(errors(events), [.bodyTooLarge])
    XCTAssertEqual(bodies(events), ["{}"])
  }

  func testAPartialBodyWaitsForTheRest() {
    var decoder = FrameDecoder()
    XCTAssertEqual(decoder.push(Array("Content-Length: 4\r\n\r\n{}".utf8)), [])
    XCTAssertEqual(bodies(decoder.push(Array("[]".utf8))), ["{}[]"])
  }
}
