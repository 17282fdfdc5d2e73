import Foundation
import XCTest

@testable import HunchLSP

final class IncomingMessageTests: XCTestCase {
  private func parse(_ text: String) -> Result<IncomingMessage, MessageParseFailure> {
    IncomingMessage.parse(Data(text.utf8))
  }

  private func failure(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> MessageParseFailure? {
    switch parse(text) {
    case .success(let message):
      XCTFail("parsed \(message.kind) \(message.method)", file: file, line: line)
      return nil
    case .failure(let failure): return failure
    }
  }

  func testClassifiesRequestsNotificationsAndResponses() throws {
    let request = try parse(#"{"jsonrpc":"2.0","id":7,"method":"shutdown"}"#).get()
    XCTAssertEqual(request.kind, .request(.number(7)))
    XCTAssertEqual(request.method, "shutdown")
    let stringID = try parse(#"{"jsonrpc":"2.0","id":"a-1","method":"x","params":{}}"#).get()
    XCTAssertEqual(stringID.kind, .request(.string("a-1")))
    let notification = try parse(#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#).get()
    XCTAssertEqual(notification.kind, .notification)
    let response = try parse(#"{"jsonrpc":"2.0","id":3,"result":null}"#).get()
    XCTAssertEqual(response.kind, .response(.number(3)))
  }

  func testInvalidJSONIsAParseError() {
    XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":1,"#)?.error.code, ErrorCode.parseError)
    XCTAssertEqual(failure("\u{0}\u{1}\u{2}binary")?.error.code, ErrorCode.parseError)
    XCTAssertEqual(failure("")?.error.code, ErrorCode.parseError)
  }

  func testWrongShapesAreInvalidRequests() {
    let cases = [
      #"[1,2,3]"#, #""text""#, #"42"#,
      #"{"id":1,"method":"x"}"#,
      #"{"jsonrpc":"1.0","id":1,"method":"x"}"#,
      #"{"jsonrpc":"2.0","id":1,"method":5}"#,
      #"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#,
      #"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#,
      #"{"jsonrpc":"2.0","id":null,"method":"x"}"#,
      #"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#,
      #"{"jsonrpc":"2.0","id":1}"#,
    ]
    for text in cases {
      XCTAssertEqual(failure(text)?.error.code, ErrorCode.invalidRequest, text)
    }
    // The id is echoed when it could be read.
    XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":9,"method":5}"#)?.id, .number(9))
    XCTAssertNil(failure(#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#)?.id)
  }

  func testDeepNestingIsRefusedWithoutRecursing() {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    let failure = failure(#"{"jsonrpc":"2.0","id":1,"method":"x","params":"# + deep + "}")
    XCTAssertEqual(failure?.error.code, ErrorCode.parseError)
    // Brackets inside strings do not count, and nesting at the limit is accepted.
    let inString = #"{"jsonrpc":"2.0","method":"x","params":{"s":""# + String(repeating: "[", count: 1000) + #""}}"#
    XCTAssertNoThrow(try parse(inString).get())
    let atLimit = String(repeating: "[", count: 510) + String(repeating: "]", count: 510)
    XCTAssertNoThrow(try parse(#"{"jsonrpc":"2.0","method":"x","params":{"a":"# + atLimit + "}}").get())
  }

  func testDepthScannerCountsOnlyStructure() {
    func depth(_ text: String) -> Int {
      Array(text.utf8).withUnsafeBytes { JSONDepthScanner.maximumDepth(of: $0, limit: 100) }
    }
    XCTAssertEqual(depth("{}"), 1)
    XCTAssertEqual(depth(#"{"a":[{"b":[]}],"c":{}}"#), 4)
    XCTAssertEqual(depth(#"{"a":"[[[\"[[["}"#), 1)
    XCTAssertEqual(depth("1"), 0)
  }

  func testParamsDecodeIntoTheirTypeAndMissingParamsReadAsEmpty() throws {
    let message = try parse(
      #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"r7"}}"#
    ).get()
    XCTAssertEqual(try message.decodeParams(CancelRequestNotification.self).id, .string("r7"))
    let shutdown = try parse(#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#).get()
    XCTAssertEqual(try shutdown.decodeParams(ShutdownRequest.self), ShutdownRequest())
    XCTAssertThrowsError(try message.decodeParams(DidOpenTextDocumentNotification.self))
  }
}
