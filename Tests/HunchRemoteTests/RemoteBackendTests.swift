import Foundation
import HunchCompletion
import HunchTestSupport
import XCTest

@testable import HunchRemote
@testable import HunchRuntime

final class ServerSentEventParserTests: XCTestCase {
  let stream =
    ": ping\r\ndata: {\"a\":1}\r\n\r\nevent: note\ndata: line one\ndata: line two\n\ndata:no-space\r\rdata: [DONE]\n\n"
  let expected = [
    ServerSentEvent(data: "{\"a\":1}"), ServerSentEvent(event: "note", data: "line one\nline two"),
    ServerSentEvent(data: "no-space"), ServerSentEvent(data: "[DONE]"),
  ]

  func testWholeStreamAtOnce() throws {
    var parser = ServerSentEventParser()
    XCTAssertEqual(try parser.feed(Array(stream.utf8)), expected)
    XCTAssertNil(parser.finish())
  }

  func testByteByByteGivesTheSameEvents() throws {
    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    for byte in stream.utf8 { events += try parser.feed([byte]) }
    XCTAssertEqual(events, expected)
  }

  func testMultiByteCharactersSplitAcrossChunksAndAMissingFinalBlankLine() throws {
    var parser = ServerSentEventParser()
    let bytes = Array("data: héllo 注\n\ndata: tail".utf8)
    var events: [ServerSentEvent] = []
    for index in stride(from: 0, to: bytes.count, by: 3) {
      events += try parser.feed(bytes[index..<min(index + 3, bytes.count)])
    }
    XCTAssertEqual(events, [ServerSentEvent(data: "héllo 注")])
    XCTAssertEqual(parser.finish(), ServerSentEvent(data: "tail"))
  }

  func testAnEndlessLineIsRefused() {
    var parser = ServerSentEventParser(maxLineBytes: 64)
    XCTAssertThrowsError(try parser.feed(Array(repeating: UInt8(ascii: "x"), count: 100)))
  }
}

final class RemoteSettingsTests: XCTestCase {
  func testDictionaryKeys() throws {
    XCTAssertNil(try RemoteBackendSettings.from(dictionary: ["backend": "local"]))
    let settings = try XCTUnwrap(
      try RemoteBackendSettings.from(dictionary: [
        "backend": "openai", "url": "https://gpu.example:8000", "model": "coder", "api_key_env": "HUNCH_KEY",
        "timeout_ms": "5000", "fallback": "false", "fim": "starcoder",
      ]))
    XCTAssertEqual(settings.kind, .openAI)
    XCTAssertEqual(settings.requestTimeoutMilliseconds, 5000)
    XCTAssertFalse(settings.fallbackToLocal)
    XCTAssertEqual(settings.fimFamily, .starCoder)
    XCTAssertEqual(
      try RemoteBackendSettings.from(dictionary: ["backend": "llama-server"])?.url, "http://127.0.0.1:8080")
    XCTAssertThrowsError(try RemoteBackendSettings.from(dictionary: ["backend": "llama-server", "api_key": "x"]))
    XCTAssertThrowsError(try RemoteBackendSettings.from(dictionary: ["backend": "vllm"]))
    XCTAssertThrowsError(try RemoteBackendSettings.from(dictionary: ["backend": "openai", "url": "ftp://x"]))
    XCTAssertThrowsError(try RemoteBackendSettings.from(dictionary: ["backend": "openai", "url": "http://u:pw@x"]))
    XCTAssertThrowsError(try RemoteBackendSettings.from(dictionary: ["backend": "openai", "timeout_ms": "-1"]))
  }

  func testAMissingKeyVariableIsAnError() {
    let settings = RemoteBackendSettings(kind: .openAI, apiKeyEnvironmentVariable: "HUNCH_TEST_KEY")
    XCTAssertThrowsError(try settings.apiKey(environment: [:]))
    XCTAssertEqual(try settings.apiKey(environment: ["HUNCH_TEST_KEY": "k"]), "k")
  }

  func testApproximateCountsStayCloseToQwensTokenizer() throws {
    let qwen = try LocalVocabulary(modelPath: TestModels.require("qwen2.5-coder-0.5b"))
    let approximate = ApproximateVocabulary(family: .qwen)
    var samples = [
      "def fibonacci(n):\n    if n < 2:\n        return n  # 注释 ok\n",
      "func total(of items: [Item]) -> Double {\n  items.reduce(0) { $0 + $1.price * Double($1.quantity) }\n}\n",
    ]
    // Real code: the tail of every 25th prefix of the benchmark cases (Python, Swift, JavaScript).
    let cases = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("bench/cases")
    for name in ["javascript", "python-stdlib", "swift-packages"] {
      let lines = try String(contentsOf: cases.appendingPathComponent("\(name).jsonl"), encoding: .utf8)
        .split(separator: "\n")
      for line in lines.enumerated().filter({ $0.offset % 25 == 0 }).map(\.element) {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        samples.append(String(try XCTUnwrap(object["prefix"] as? String).suffix(1500)))
      }
    }
    var errors: [Double] = []
    for text in samples {
      let real = Double(qwen.tokenize(text).count)
      let estimate = Double(approximate.tokenize(text).count)
      errors.append((estimate - real) / real)
      XCTAssertLessThan(abs(estimate - real) / real, 0.25, "\(Int(estimate)) vs \(Int(real)) for \(text.prefix(80))")
    }
    XCTAssertGreaterThan(samples.count, 10)
    XCTAssertLessThan(abs(errors.reduce(0, +) / Double(errors.count)), 0.1, "\(errors)")
  }

  func testApproximateVocabularyRoundTrips() {
    let vocabulary = ApproximateVocabulary(family: .qwen)
    let text = "def fibonacci(n):\n    if n < 2:\n        return n  # 注释 ok\n"
    let ids = vocabulary.tokenize(text)
    XCTAssertEqual(vocabulary.detokenize(ids), text)
    let prefix = vocabulary.specialTokens["<|fim_prefix|>"]!
    XCTAssertEqual(vocabulary.promptText([prefix] + ids), "<|fim_prefix|>" + text)
  }
}

/// The remote model and service against an in-process fake server.
final class RemoteStreamingTests: XCTestCase {
  static let key = "sk-test-5f1c2a9e77"

  /// An OpenAI-compatible stream of one-character pieces, slow enough that an early close is visible.
  static func openAIServer(
    pieces: [String], gapMilliseconds: Int = 10, sent: Collector<Int>? = nil, port: UInt16 = 0
  ) throws -> FakeHTTPServer {
    try FakeHTTPServer(port: port) { request, responder in
      switch request.path {
      case "/v1/completions":
        responder.startChunked()
        var count = 0
        for piece in pieces {
          let event = ["choices": [["text": piece, "index": 0, "finish_reason": NSNull()]]]
          let json = String(decoding: try! JSONSerialization.data(withJSONObject: event), as: UTF8.self)
          guard responder.chunk("data: \(json)\n\n") else { break }
          count += 1
          usleep(useconds_t(gapMilliseconds * 1000))
        }
        sent?.append(count)
        if count == pieces.count {
          _ = responder.chunk("data: {\"choices\":[{\"text\":\"\",\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n")
          responder.endChunked()
        }
      case "/v1/models":
        responder.respond(body: "{\"data\":[]}")
      default:
        responder.respond(status: 404, body: "{}")
      }
    }
  }

  func document() -> CompletionRequest {
    let text = "def total(items):\n    result = \n    return result\n"
    let cursor = text.utf8.count - "\n    return result\n".utf8.count
    return CompletionRequest(document: OpenDocument(path: "t.py", languageID: "python", text: text), cursor: cursor)
  }

  func testStopRulesCloseTheStreamEarly() throws {
    let sent = Collector<Int>()
    let pieces = ["s", "um", "(", "items", ")", "\n", "    ", "print"] + Array(repeating: "x", count: 200)
    let server = try Self.openAIServer(pieces: pieces, sent: sent)
    defer { server.stop() }
    let logs = Collector<String>()
    let model = try RemoteCompletionModel.connect(
      settings: RemoteBackendSettings(kind: .openAI, url: server.url, model: "coder", apiKeyEnvironmentVariable: "K"),
      localVocabulary: nil, environment: ["K": Self.key], log: { logs.append($0) })
    let result = try CompletionEngine().complete(document(), model: model, oracle: PlainTextSyntaxOracle())
    XCTAssertEqual(result.text, "sum(items)")
    XCTAssertEqual(result.diagnostics.stopReason, .endOfLine)
    XCTAssertTrue(model.lastStats.closedEarly)
    // The server saw the connection close long before its 208 pieces were out.
    let deadline = Date().addingTimeInterval(5)
    while sent.items.isEmpty && Date() < deadline { usleep(10_000) }
    let count = try XCTUnwrap(sent.items.first)
    XCTAssertLessThan(count, 40)
    // What went over the wire: the FIM prompt as text, the limits, streaming, the key in its header only.
    let request = try XCTUnwrap(server.requests.first { $0.path == "/v1/completions" })
    let body = try XCTUnwrap(request.json)
    let prompt = try XCTUnwrap(body["prompt"] as? String)
    XCTAssertEqual(
      prompt,
      "<|file_sep|>t.py\n<|fim_prefix|>def total(items):\n    result =<|fim_suffix|>\n    return result\n<|fim_middle|>"
    )
    XCTAssertEqual(body["stream"] as? Bool, true)
    XCTAssertEqual(body["model"] as? String, "coder")
    XCTAssertEqual(body["max_tokens"] as? Int, CompletionConfig().maxTokens)
    XCTAssertEqual(request.headers["authorization"], "Bearer \(Self.key)")
    XCTAssertFalse(logs.items.joined().contains(Self.key))
  }

  func testReadingToTheEndAfterTheStopKeepsTheTextButNotTheEarlyClose() throws {
    let sent = Collector<Int>()
    let pieces = ["s", "um", "(", "items", ")", "\n"] + Array(repeating: "x", count: 30)
    let server = try Self.openAIServer(pieces: pieces, gapMilliseconds: 0, sent: sent)
    defer { server.stop() }
    var settings = RemoteBackendSettings(kind: .openAI, url: server.url)
    settings.readToEndAfterStop = true
    let model = try RemoteCompletionModel.connect(settings: settings, localVocabulary: nil)
    let result = try CompletionEngine().complete(document(), model: model, oracle: PlainTextSyntaxOracle())
    XCTAssertEqual(result.text, "sum(items)")
    XCTAssertFalse(model.lastStats.closedEarly)
    XCTAssertEqual(model.lastStats.chunksAfterStop, 31)
    XCTAssertEqual(sent.items, [pieces.count])
  }

  func testCancellationAbortsTheRequest() throws {
    let sent = Collector<Int>()
    let server = try Self.openAIServer(pieces: Array(repeating: "a", count: 300), sent: sent)
    defer { server.stop() }
    let model = try RemoteCompletionModel.connect(
      settings: RemoteBackendSettings(kind: .openAI, url: server.url), localVocabulary: nil)
    let start = Date()
    let generation = try model.generate(
      prompt: model.tokenize("x = "), maxTokens: 300, stopTokens: [],
      isCancelled: { Date().timeIntervalSince(start) > 0.2 }, onPiece: { _ in .continue })
    XCTAssertEqual(generation.finish, .cancelled)
    XCTAssertLessThan(generation.text.count, 300)
    let deadline = Date().addingTimeInterval(5)
    while sent.items.isEmpty && Date() < deadline { usleep(10_000) }
    XCTAssertLessThan(try XCTUnwrap(sent.items.first), 300)
  }

  func testConnectionsAreReused() throws {
    let server = try Self.openAIServer(pieces: ["a", "b"], gapMilliseconds: 0)
    defer { server.stop() }
    let model = try RemoteCompletionModel.connect(
      settings: RemoteBackendSettings(kind: .openAI, url: server.url), localVocabulary: nil)
    for _ in 0..<3 {
      let generation = try model.generate(
        prompt: model.tokenize("x"), maxTokens: 8, stopTokens: [], isCancelled: { false }, onPiece: { _ in .continue })
      XCTAssertEqual(generation.text, "ab")
      XCTAssertEqual(generation.finish, .maxTokens)
    }
    XCTAssertEqual(server.requests.count, 3)
    XCTAssertEqual(server.connectionsAccepted, 1)
  }

  func testLlamaServerNativeProtocol() throws {
    // Specials as the server would list them, and a stream that ends with a FIM stop token.
    let specials = [
      "<|fim_prefix|>": 151659, "<|fim_suffix|>": 151660, "<|fim_middle|>": 151661, "<|endoftext|>": 151643,
      "<|file_sep|>": 151664,
    ]
    let sent = Collector<Int>()
    let server = try FakeHTTPServer { request, responder in
      switch request.path {
      case "/tokenize":
        let content = request.json?["content"] as? [String] ?? []
        let parseSpecial = request.json?["parse_special"] as? Bool ?? true
        // `</s>` is an ordinary token here, as in Qwen's vocabulary: a single token either way.
        let tokens = content.map { name -> [String: Any] in
          if name == "</s>" { return ["id": 128247, "piece": "</s>"] }
          guard parseSpecial, let id = specials[String(name)] else { return ["id": 27, "piece": "<"] }
          return ["id": id, "piece": String(name)]
        }
        let data = try! JSONSerialization.data(withJSONObject: ["tokens": tokens])
        responder.respond(body: String(decoding: data, as: UTF8.self))
      case "/completion":
        responder.startChunked()
        var count = 0
        for (text, id) in [("return", 470), (" a", 264), (" +", 488), (" b", 293), ("", 151664)]
          + Array(
            repeating: ("z", 89), count: 100)
        {
          let event: [String: Any] = [
            "content": text, "tokens": [id], "stop": false,
            "timings": ["predicted_n": count + 1, "cache_n": 7, "prompt_n": 5],
          ]
          let json = String(decoding: try! JSONSerialization.data(withJSONObject: event), as: UTF8.self)
          guard responder.chunk("data: \(json)\n\n") else { break }
          count += 1
          usleep(10_000)
        }
        sent.append(count)
      default:
        responder.respond(status: 404, body: "{}")
      }
    }
    defer { server.stop() }
    let model = try RemoteCompletionModel.connect(
      settings: RemoteBackendSettings(kind: .llamaServer, url: server.url), localVocabulary: nil)
    XCTAssertEqual(model.specialTokens, specials.mapValues { Int32($0) })
    let text = "def add(a, b):\n    \n"
    let request = CompletionRequest(
      document: OpenDocument(path: "m.py", languageID: "python", text: text), cursor: text.utf8.count - 1)
    let result = try CompletionEngine().complete(request, model: model, oracle: PlainTextSyntaxOracle())
    XCTAssertEqual(result.text, "return a + b")
    XCTAssertEqual(result.diagnostics.reusedPromptTokens, 7)
    XCTAssertEqual(model.lastStats.serverPredictedTokens, 5)
    let body = try XCTUnwrap(server.requests.first { $0.path == "/completion" }?.json)
    XCTAssertEqual(body["cache_prompt"] as? Bool, true)
    XCTAssertEqual(body["n_predict"] as? Int, CompletionConfig().maxBlockTokens)
    // Without a local vocabulary the prompt goes as special ids with text between them.
    let prompt = try XCTUnwrap(body["prompt"] as? [Any])
    XCTAssertEqual(prompt.first as? Int, 151664)
    XCTAssertTrue(prompt.contains { ($0 as? Int) == 151661 })
    XCTAssertTrue(prompt.contains { ($0 as? String)?.contains("def add(a, b):") == true })
    let deadline = Date().addingTimeInterval(5)
    while sent.items.isEmpty && Date() < deadline { usleep(10_000) }
    XCTAssertLessThan(try XCTUnwrap(sent.items.first), 30)
  }

  func testServerDownGivesOneNoticeEmptyAnswersAndRecovers() throws {
    var server = try Self.openAIServer(pieces: ["42"], gapMilliseconds: 0)
    let port = server.port
    let notices = Collector<RemoteNotice>()
    let logs = Collector<String>()
    let settings = RemoteBackendSettings(
      kind: .openAI, url: server.url, apiKeyEnvironmentVariable: "K", connectTimeoutMilliseconds: 500,
      fallbackToLocal: false, retryIntervalMilliseconds: 100)
    let service = RemoteCompletionService(
      settings: settings, local: nil, oracle: PlainTextSyntaxOracle(), environment: ["K": Self.key],
      onNotice: { notices.append($0) }, log: { logs.append($0) })
    XCTAssertEqual(try service.complete(document()).result.text, "42")
    XCTAssertEqual(service.lastBackend, "remote")

    server.stop()
    for _ in 0..<4 {
      let (result, _) = try service.complete(document())
      XCTAssertEqual(result.text, "")
      XCTAssertEqual(service.lastBackend, "none")
      usleep(60_000)
    }
    XCTAssertEqual(notices.items.count, 1)
    guard case .serverDown(let message) = notices.items.first else { return XCTFail("\(notices.items)") }
    XCTAssertTrue(message.contains("127.0.0.1:\(port)") && message.contains("no suggestions"), message)

    server = try Self.openAIServer(pieces: ["7"], gapMilliseconds: 0, port: port)
    defer { server.stop() }
    usleep(150_000)
    XCTAssertEqual(try service.complete(document()).result.text, "7")
    XCTAssertEqual(service.lastBackend, "remote")
    XCTAssertEqual(notices.items.count, 2)
    if case .serverBack = notices.items.last {} else { XCTFail("\(notices.items)") }
    XCTAssertFalse(logs.items.isEmpty)
    XCTAssertFalse(logs.items.joined().contains(Self.key))
  }

  func testARejectedKeyIsOneNoticeNotAnErrorPerRequest() throws {
    let server = try FakeHTTPServer { _, responder in
      responder.respond(status: 401, body: "{\"error\":\"invalid api key\"}")
    }
    defer { server.stop() }
    let notices = Collector<RemoteNotice>()
    let service = RemoteCompletionService(
      settings: RemoteBackendSettings(
        kind: .openAI, url: server.url, apiKeyEnvironmentVariable: "K", retryIntervalMilliseconds: 0),
      local: nil, oracle: PlainTextSyntaxOracle(), environment: ["K": Self.key], onNotice: { notices.append($0) })
    for _ in 0..<3 {
      XCTAssertEqual(try service.complete(document()).result.text, "")
      XCTAssertEqual(service.lastBackend, "none")
    }
    // With a retry interval of 0 every later request probes the server first (401 there too), so only the first one
    // was a completion; the user heard of the failure once.
    XCTAssertEqual(server.requests.filter { $0.path == "/v1/completions" }.count, 1)
    XCTAssertEqual(server.requests.filter { $0.path == "/v1/models" }.count, 2)
    XCTAssertEqual(notices.items.count, 1)
    guard case .serverDown(let message) = notices.items.first else { return XCTFail("\(notices.items)") }
    XCTAssertTrue(message.contains("401") && message.contains("API key"), message)
    XCTAssertFalse(message.contains(Self.key))
  }

  func testHTTPErrorsAreReportedWithoutTheKey() throws {
    let server = try FakeHTTPServer { _, responder in
      responder.respond(status: 401, body: "{\"error\":\"invalid api key\"}")
    }
    defer { server.stop() }
    let logs = Collector<String>()
    let model = try RemoteCompletionModel.connect(
      settings: RemoteBackendSettings(kind: .openAI, url: server.url, apiKeyEnvironmentVariable: "K"),
      localVocabulary: nil, environment: ["K": Self.key], log: { logs.append($0) })
    XCTAssertThrowsError(
      try model.generate(
        prompt: model.tokenize("x"), maxTokens: 4, stopTokens: [], isCancelled: { false }, onPiece: { _ in .continue })
    ) { error in
      let remote = error as? RemoteError
      XCTAssertEqual(remote?.code, .httpStatus)
      XCTAssertTrue(remote?.message.contains("401") ?? false)
      XCTAssertFalse("\(error)".contains(Self.key))
    }
    XCTAssertEqual(server.requests.first?.headers["authorization"], "Bearer \(Self.key)")
    XCTAssertFalse(logs.items.isEmpty)
    XCTAssertFalse(logs.items.joined().contains(Self.key))
  }
}

/// Falling back to Hunch's own engine with the real model while the server is down.
final class RemoteFallbackTests: XCTestCase {
  func testTheLocalModelAnswersWhileTheServerIsDown() throws {
    let modelPath = try TestModels.require("qwen2.5-coder-0.5b")
    // A port that was just free: nothing listens there.
    let gone = try FakeHTTPServer { _, responder in responder.respond(body: "{}") }
    let url = gone.url
    gone.stop()
    var localSettings = LocalModelSettings(modelPath: modelPath)
    localSettings.threads = 1
    let notices = Collector<RemoteNotice>()
    let service = RemoteCompletionService(
      settings: RemoteBackendSettings(kind: .llamaServer, url: url, connectTimeoutMilliseconds: 500),
      local: CompletionService(settings: localSettings, oracle: PlainTextSyntaxOracle()),
      oracle: PlainTextSyntaxOracle(), onNotice: { notices.append($0) })
    let text = "def add(a, b):\n    return \n"
    let request = CompletionRequest(
      document: OpenDocument(path: "m.py", languageID: "python", text: text), cursor: text.utf8.count - 1)
    for _ in 0..<2 {
      let (result, _) = try service.complete(request)
      XCTAssertEqual(service.lastBackend, "local")
      XCTAssertTrue(result.text.contains("a") && result.text.contains("b"), result.text)
    }
    XCTAssertEqual(notices.items.count, 1)
    guard case .serverDown(let message) = notices.items.first else { return XCTFail("\(notices.items)") }
    XCTAssertTrue(message.contains("using the local model"), message)
  }
}

/// HTTPS is verified: a server with a self-signed certificate is refused, not trusted.
final class RemoteTLSTests: XCTestCase {
  func testASelfSignedServerIsRefused() throws {
    let openssl = "/usr/bin/openssl"
    guard FileManager.default.isExecutableFile(atPath: openssl) else { throw XCTSkip("openssl is not installed") }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-tls-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let key = folder.appendingPathComponent("key.pem").path
    let cert = folder.appendingPathComponent("cert.pem").path
    let make = Process()
    make.executableURL = URL(fileURLWithPath: openssl)
    make.arguments = [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", key,
      "-out", cert,
    ]
    make.standardError = FileHandle.nullDevice
    make.standardOutput = FileHandle.nullDevice
    try make.run()
    make.waitUntilExit()
    XCTAssertEqual(make.terminationStatus, 0)
    // Borrow a free port, then let openssl's test server take it.
    let probe = try FakeHTTPServer { _, _ in }
    let port = probe.port
    probe.stop()
    let server = Process()
    server.executableURL = URL(fileURLWithPath: openssl)
    server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www", "-quiet"]
    server.standardError = FileHandle.nullDevice
    server.standardOutput = FileHandle.nullDevice
    try server.run()
    defer {
      server.terminate()
      server.waitUntilExit()
    }
    // Something listens there (so a failure below is the certificate, not a refused connection).
    let deadline = Date().addingTimeInterval(10)
    while !Self.canConnect(port: port) && Date() < deadline { usleep(50_000) }
    XCTAssertTrue(Self.canConnect(port: port))
    let model = try RemoteCompletionModel.connect(
      settings: RemoteBackendSettings(kind: .openAI, url: "https://127.0.0.1:\(port)"), localVocabulary: nil)
    XCTAssertThrowsError(
      try model.generate(
        prompt: model.tokenize("x"), maxTokens: 4, stopTokens: [], isCancelled: { false }, onPiece: { _ in .continue })
    ) { error in
      // Refused at the handshake: the server counts as unreachable (so the fallback applies), never as trusted.
      XCTAssertEqual((error as? RemoteError)?.code, .unreachable, "\(error)")
    }
  }

  static func canConnect(port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    } == 0
  }
}
