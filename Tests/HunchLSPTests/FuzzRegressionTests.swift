import Foundation
import XCTest

@testable import HunchLSP

/// Inputs that fuzzing (bench/fuzz.sh) found crashing, kept so they stay fixed. docs/reliability.md lists them.
final class FuzzRegressionTests: XCTestCase {
  override func setUp() {
    signal(SIGPIPE, SIG_IGN)
  }

  /// didchange finding 1: a character of Int.max in UTF-8 positions overflowed `lineStart + character` and trapped.
  func testExtremeCharactersClampToTheLineInEveryEncoding() throws {
    let document = TextDocument(uri: "file:///t", languageID: "txt", version: 1, text: "ab\ncdé\n")
    for encoding in [PositionEncodingKind.utf8, .utf16, .utf32] {
      XCTAssertEqual(try document.offset(of: Position(line: 1, character: .max), encoding: encoding), 3 + 4)
      XCTAssertEqual(try document.offset(of: Position(line: 0, character: .min), encoding: encoding), 0)
      XCTAssertEqual(try document.offset(of: Position(line: 2, character: .max), encoding: encoding), 8)
      XCTAssertThrowsError(try document.offset(of: Position(line: .max, character: .max), encoding: encoding))
      XCTAssertThrowsError(try document.offset(of: Position(line: .min, character: 0), encoding: encoding))
    }
    var edited = document
    try edited.apply(
      TextDocumentContentChangeEvent(
        range: Range(start: Position(line: 0, character: .max), end: Position(line: 1, character: .max)), text: "!"),
      encoding: .utf8)
    XCTAssertEqual(edited.text, "ab!\n")
  }

  /// The same through the server: a UTF-8 client sending Int.max gets the edit applied at the line's end, and the
  /// server keeps answering.
  func testServerSurvivesExtremePositionsInUTF8() async throws {
    let server = InProcessServer(provider: .inserting("x"))
    _ = try await server.initialize(encodings: [.utf8])
    server.open("file:///a.swift", "let a = 1\n")
    server.client.sendBody(
      #"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///a.swift","version":2},"# +
      #""contentChanges":[{"range":{"start":{"line":0,"character":9223372036854775807},"# +
      #""end":{"line":0,"character":9223372036854775807}},"text":"2"}]}}"#)
    let id = server.client.sendRequest(
      InlineCompletionRequest(
        textDocument: .init(uri: "file:///a.swift"), position: Position(line: 0, character: .max),
        context: .init(triggerKind: 1)))
    let response = await server.client.response(to: id)
    XCTAssertNil(response?["error"], "an extreme position is a position at the line's end, not an error")
    let seen = server.provider.requests.last
    XCTAssertEqual(seen?.text, "let a = 12\n")
    XCTAssertEqual(seen?.cursorOffset, 10)
  }
}
