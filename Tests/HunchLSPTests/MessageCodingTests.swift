import Foundation
import XCTest

@testable import HunchLSP

/// Each message against literal JSON as the LSP spells it: decoding gives the value, encoding gives the JSON back.
final class MessageCodingTests: XCTestCase {
  private func assertCoding<Value: Codable & Equatable>(
    _ value: Value, _ json: String, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let decoded = try JSONDecoder().decode(Value.self, from: Data(json.utf8))
    XCTAssertEqual(decoded, value, "decoding", file: file, line: line)
    let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    let expected = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
    XCTAssertEqual(encoded, expected, "encoding", file: file, line: line)
  }

  func testMethodNames() {
    XCTAssertEqual(InitializeRequest.method, "initialize")
    XCTAssertEqual(InitializedNotification.method, "initialized")
    XCTAssertEqual(ShutdownRequest.method, "shutdown")
    XCTAssertEqual(ExitNotification.method, "exit")
    XCTAssertEqual(DidOpenTextDocumentNotification.method, "textDocument/didOpen")
    XCTAssertEqual(DidChangeTextDocumentNotification.method, "textDocument/didChange")
    XCTAssertEqual(DidCloseTextDocumentNotification.method, "textDocument/didClose")
    XCTAssertEqual(DidSaveTextDocumentNotification.method, "textDocument/didSave")
    XCTAssertEqual(CompletionRequest.method, "textDocument/completion")
    XCTAssertEqual(InlineCompletionRequest.method, "textDocument/inlineCompletion")
    XCTAssertEqual(CancelRequestNotification.method, "$/cancelRequest")
    XCTAssertEqual(DidChangeConfigurationNotification.method, "workspace/didChangeConfiguration")
    XCTAssertEqual(ExecuteCommandRequest.method, "workspace/executeCommand")
    XCTAssertEqual(ShowMessageNotification.method, "window/showMessage")
    XCTAssertEqual(LogMessageNotification.method, "window/logMessage")
  }

  func testInitializeRequest() throws {
    try assertCoding(
      InitializeRequest(
        processId: 4242, clientInfo: .init(name: "Neovim", version: "0.10"), rootUri: "file:///w",
        capabilities: ClientCapabilities(
          general: .init(positionEncodings: [.utf8, .utf16]),
          textDocument: .init(completion: .init(completionItem: .init(snippetSupport: true)))),
        initializationOptions: .object(["debounceMilliseconds": 10])),
      """
      {"processId":4242,"clientInfo":{"name":"Neovim","version":"0.10"},"rootUri":"file:///w",
       "capabilities":{"general":{"positionEncodings":["utf-8","utf-16"]},
                       "textDocument":{"completion":{"completionItem":{"snippetSupport":true}}}},
       "initializationOptions":{"debounceMilliseconds":10}}
      """)
    // Unknown capabilities are ignored; a null processId is allowed.
    let decoded = try JSONDecoder().decode(
      InitializeRequest.self,
      from: Data(#"{"processId":null,"capabilities":{"workspace":{"applyEdit":true}},"trace":"off"}"#.utf8))
    XCTAssertNil(decoded.processId)
    XCTAssertFalse(decoded.capabilities.snippetSupport)
    let bare = try JSONDecoder().decode(InitializeRequest.self, from: Data("{}".utf8))
    XCTAssertEqual(bare.capabilities, ClientCapabilities())
    XCTAssertThrowsError(try JSONDecoder().decode(InitializeRequest.self, from: Data(#"{"processId":"x"}"#.utf8)))
  }

  func testInitializeResult() throws {
    try assertCoding(
      InitializeResult(
        capabilities: ServerCapabilities(
          positionEncoding: .utf16,
          textDocumentSync: .init(openClose: true, change: 2, save: .init(includeText: false)),
          completionProvider: .init(triggerCharacters: [".", "("], resolveProvider: false),
          inlineCompletionProvider: true,
          executeCommandProvider: .init(commands: ["hunch.status"])),
        serverInfo: .init(name: "hunch", version: "0.1.0")),
      """
      {"capabilities":{"positionEncoding":"utf-16",
        "textDocumentSync":{"openClose":true,"change":2,"save":{"includeText":false}},
        "completionProvider":{"triggerCharacters":[".","("],"resolveProvider":false},
        "inlineCompletionProvider":true,
        "executeCommandProvider":{"commands":["hunch.status"]}},
       "serverInfo":{"name":"hunch","version":"0.1.0"}}
      """)
  }

  func testLifecycleMessages() throws {
    try assertCoding(InitializedNotification(), "{}")
    try assertCoding(ShutdownRequest(), "{}")
    try assertCoding(ExitNotification(), "{}")
    try assertCoding(NullResult(), "null")
  }

  func testDidOpen() throws {
    try assertCoding(
      DidOpenTextDocumentNotification(
        textDocument: .init(uri: "file:///a.swift", languageId: "swift", version: 3, text: "let x = 1\n")),
      #"{"textDocument":{"uri":"file:///a.swift","languageId":"swift","version":3,"text":"let x = 1\n"}}"#)
  }

  func testDidChange() throws {
    try assertCoding(
      DidChangeTextDocumentNotification(
        textDocument: .init(uri: "file:///a.swift", version: 4),
        contentChanges: [
          .init(range: Range(start: .init(line: 0, character: 4), end: .init(line: 0, character: 5)), text: "y"),
          .init(text: "whole"),
        ]),
      """
      {"textDocument":{"uri":"file:///a.swift","version":4},"contentChanges":[
        {"range":{"start":{"line":0,"character":4},"end":{"line":0,"character":5}},"text":"y"},
        {"text":"whole"}]}
      """)
  }

  func testDidCloseAndDidSave() throws {
    try assertCoding(
      DidCloseTextDocumentNotification(textDocument: .init(uri: "file:///a.swift")),
      #"{"textDocument":{"uri":"file:///a.swift"}}"#)
    try assertCoding(
      DidSaveTextDocumentNotification(textDocument: .init(uri: "file:///a.swift"), text: "x"),
      #"{"textDocument":{"uri":"file:///a.swift"},"text":"x"}"#)
  }

  func testCompletionRequestAndList() throws {
    try assertCoding(
      CompletionRequest(
        textDocument: .init(uri: "file:///a.py"), position: .init(line: 2, character: 7),
        context: .init(triggerKind: 2, triggerCharacter: ".")),
      """
      {"textDocument":{"uri":"file:///a.py"},"position":{"line":2,"character":7},
       "context":{"triggerKind":2,"triggerCharacter":"."}}
      """)
    try assertCoding(
      CompletionList(
        isIncomplete: true,
        items: [
          CompletionItem(
            label: "print", kind: 1, detail: "Hunch", documentation: .markdown("x"), preselect: true, sortText: "0",
            filterText: "print", insertTextFormat: 1,
            textEdit: TextEdit(
              range: Range(start: .init(line: 2, character: 4), end: .init(line: 2, character: 7)), newText: "print"))
        ]),
      """
      {"isIncomplete":true,"items":[{"label":"print","kind":1,"detail":"Hunch",
        "documentation":{"kind":"markdown","value":"x"},"preselect":true,"sortText":"0","filterText":"print",
        "insertTextFormat":1,
        "textEdit":{"range":{"start":{"line":2,"character":4},"end":{"line":2,"character":7}},"newText":"print"}}]}
      """)
  }

  func testInlineCompletionRequestAndList() throws {
    try assertCoding(
      InlineCompletionRequest(
        textDocument: .init(uri: "file:///a.py"), position: .init(line: 0, character: 3),
        context: .init(triggerKind: 2)),
      #"{"textDocument":{"uri":"file:///a.py"},"position":{"line":0,"character":3},"context":{"triggerKind":2}}"#)
    try assertCoding(
      InlineCompletionList(items: [
        InlineCompletionItem(
          insertText: "foo()", range: Range(start: .init(line: 0, character: 3), end: .init(line: 0, character: 3)))
      ]),
      #"{"items":[{"insertText":"foo()","range":{"start":{"line":0,"character":3},"end":{"line":0,"character":3}}}]}"#)
  }

  func testCancelRequest() throws {
    try assertCoding(CancelRequestNotification(id: .number(12)), #"{"id":12}"#)
    try assertCoding(CancelRequestNotification(id: .string("abc")), #"{"id":"abc"}"#)
  }

  func testDidChangeConfiguration() throws {
    try assertCoding(
      DidChangeConfigurationNotification(settings: .object(["hunch": .object(["debounceMilliseconds": 5])])),
      #"{"settings":{"hunch":{"debounceMilliseconds":5}}}"#)
  }

  func testExecuteCommand() throws {
    try assertCoding(
      ExecuteCommandRequest(command: "hunch.status", arguments: [.bool(true), "x"]),
      #"{"command":"hunch.status","arguments":[true,"x"]}"#)
  }

  func testWindowMessages() throws {
    try assertCoding(ShowMessageNotification(type: 2, message: "no model"), #"{"type":2,"message":"no model"}"#)
    try assertCoding(LogMessageNotification(type: 4, message: "ready"), #"{"type":4,"message":"ready"}"#)
  }

  func testResponseError() throws {
    try assertCoding(
      ResponseError(code: -32800, message: "request cancelled"), #"{"code":-32800,"message":"request cancelled"}"#)
  }
}
