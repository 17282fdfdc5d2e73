import Foundation
import HunchCompletion

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

extension RemoteCompletionModel {
  /// Streams a completion from the server, handing every piece to `onPiece` as it arrives. When `onPiece` answers
  /// `.stop`, a stop token arrives, or `isCancelled()` turns true, the request is aborted at once: closing the
  /// connection is how both servers learn to stop generating.
  public func generate(
    prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>, isCancelled: () -> Bool,
    onPiece: (String) -> StopDecision
  ) throws -> Generation {
    lastFailure = nil
    do {
      return try stream(
        prompt: prompt, maxTokens: maxTokens, stopTokens: stopTokens, isCancelled: isCancelled, onPiece: onPiece)
    } catch let error as RemoteError {
      lastFailure = error
      log("remote: generation failed: \(error)")
      throw error
    }
  }

  private func stream(
    prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>, isCancelled: () -> Bool,
    onPiece: (String) -> StopDecision
  ) throws -> Generation {
    let start = Date()
    var stats = RemoteGenerationStats()
    stats.maxTokens = maxTokens
    stats.promptAsTokenIDs = settings.kind == .llamaServer && vocabulary.idsMatchServer
    let (path, body) = requestBody(prompt: prompt, maxTokens: maxTokens, stopTokens: stopTokens)
    let stream = client.start(try request(path, body: body, streaming: true))
    defer { stream.cancel() }
    let deadline = requestDeadline
    let status: Int
    do {
      status = try stream.waitForStatus(deadline: connectDeadline, isCancelled: isCancelled)
    } catch is CancellationError {
      return Generation(
        tokens: [], text: "", finish: .cancelled, promptTokenCount: prompt.count, promptMilliseconds: 0,
        generationMilliseconds: 0)
    }
    guard status == 200 else {
      let body = (try? stream.readAll(deadline: connectDeadline, limit: 1 << 16)) ?? Data()
      throw Self.statusError(status, body: body, path: path)
    }

    var parser = ServerSentEventParser()
    var text = ""
    var tokens: [Int32] = []
    var finish: GenerationFinish?
    var firstPiece: Date?
    // With `readToEndAfterStop` (a benchmark knob) the stream is read to its end after the stop, unused.
    var stoppedAt: GenerationFinish?
    reading: while finish == nil {
      let chunk: Data?
      do {
        chunk = try stream.nextBodyChunk(deadline: deadline, isCancelled: isCancelled)
      } catch is CancellationError {
        finish = .cancelled
        break
      }
      var events: [ServerSentEvent]
      if let chunk {
        events = try parser.feed(chunk)
      } else {
        events = parser.finish().map { [$0] } ?? []
      }
      for event in events {
        if stoppedAt != nil {
          if event.data == "[DONE]" { break reading }
          var ignored = RemoteGenerationStats()
          let update = try decode(event.data, stats: &ignored)
          stats.serverPredictedTokens = ignored.serverPredictedTokens ?? stats.serverPredictedTokens
          stats.chunksAfterStop += 1
          if update.finish != nil { break reading }
          continue
        }
        if event.event == "error" {
          throw RemoteError(
            .badResponse, "the server reported an error mid-stream", cause: String(event.data.prefix(300)))
        }
        if event.data == "[DONE]" {
          finish = finish ?? .stopToken(-1)
          break reading
        }
        let update = try decode(event.data, stats: &stats)
        stats.chunks += 1
        if let stop = update.ids.first(where: { stopTokens.contains($0) }) {
          finish = .stopToken(stop)
          break reading
        }
        tokens += update.ids
        if !update.text.isEmpty || !update.ids.isEmpty {
          if firstPiece == nil { firstPiece = Date() }
          text += update.text
          if onPiece(update.text) == .stop {
            if settings.readToEndAfterStop {
              stoppedAt = .stoppedByCaller
              continue
            }
            finish = .stoppedByCaller
            break reading
          }
        }
        if let end = update.finish {
          finish = end
          break reading
        }
        if isCancelled() {
          finish = .cancelled
          break reading
        }
      }
      if chunk == nil { break }
    }
    if let stoppedAt { finish = stoppedAt }
    // Closing here (not at the server's leisure) is what stops the server's generation early.
    stats.closedEarly = stoppedAt == nil && (finish == .stoppedByCaller || finish == .cancelled)
    stream.cancel()
    let end = Date()
    stats.firstPieceMilliseconds = (firstPiece ?? end).timeIntervalSince(start) * 1000
    stats.totalMilliseconds = end.timeIntervalSince(start) * 1000
    lastStats = stats
    if !vocabulary.idsMatchServer || tokens.isEmpty { tokens = vocabulary.tokenize(text) }
    return Generation(
      tokens: tokens, text: text, finish: finish ?? .stopToken(-1),
      promptTokenCount: stats.serverPromptTokens.map { $0 + (stats.serverCachedPromptTokens ?? 0) } ?? prompt.count,
      reusedPromptTokenCount: stats.serverCachedPromptTokens ?? 0,
      promptMilliseconds: stats.firstPieceMilliseconds,
      generationMilliseconds: end.timeIntervalSince(firstPiece ?? end) * 1000)
  }

  /// What one event contributed: text, token ids (llama-server only), and the end when the server says so.
  struct StreamUpdate {
    var text = ""
    var ids: [Int32] = []
    var finish: GenerationFinish?
  }

  func requestBody(prompt: [Int32], maxTokens: Int, stopTokens: Set<Int32>) -> (String, [String: Any]) {
    switch settings.kind {
    case .llamaServer:
      // Ids when they are the server's own (exact); else text runs between special ids, which the server tokenizes.
      let promptValue: [Any]
      if vocabulary.idsMatchServer {
        promptValue = prompt.map { Int($0) }
      } else {
        promptValue = vocabulary.segments(of: prompt).map { piece -> Any in
          switch piece {
          case .special(let id): return Int(id)
          case .text(let text): return text
          }
        }
      }
      var body: [String: Any] = [
        "prompt": promptValue, "n_predict": maxTokens, "stream": true, "cache_prompt": true, "return_tokens": true,
        "timings_per_token": true, "temperature": settings.temperature,
      ]
      if settings.temperature == 0 { body["top_k"] = 1 }
      return ("/completion", body)
    case .openAI:
      var body: [String: Any] = [
        "prompt": vocabulary.promptText(prompt), "max_tokens": maxTokens, "stream": true,
        "temperature": settings.temperature,
      ]
      if let model = settings.model { body["model"] = model }
      // The server stops on its end-of-text token by itself; the FIM markers go as stop strings (OpenAI allows 4).
      let names = Dictionary(specialTokens.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
      let stops = stopTokens.compactMap { names[$0] }.filter { !$0.hasPrefix("▁") }.sorted().prefix(4)
      if !stops.isEmpty { body["stop"] = Array(stops) }
      return ("/v1/completions", body)
    }
  }

  /// Decodes one event's JSON for the configured protocol.
  func decode(_ data: String, stats: inout RemoteGenerationStats) throws -> StreamUpdate {
    guard let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] else {
      throw RemoteError(.badResponse, "an event is not a JSON object", cause: String(data.prefix(200)))
    }
    if let error = object["error"] {
      throw RemoteError(
        .badResponse, "the server reported an error", cause: String(describing: error).prefix(300).description)
    }
    var update = StreamUpdate()
    if let timings = object["timings"] as? [String: Any] {
      if let n = (timings["predicted_n"] as? NSNumber)?.intValue { stats.serverPredictedTokens = n }
      if let n = (timings["prompt_n"] as? NSNumber)?.intValue { stats.serverPromptTokens = n }
      if let n = (timings["cache_n"] as? NSNumber)?.intValue { stats.serverCachedPromptTokens = n }
    }
    switch settings.kind {
    case .llamaServer:
      update.text = object["content"] as? String ?? ""
      update.ids = (object["tokens"] as? [NSNumber])?.map(\.int32Value) ?? []
      if let n = (object["tokens_predicted"] as? NSNumber)?.intValue { stats.serverPredictedTokens = n }
      if object["stop"] as? Bool == true {
        switch object["stop_type"] as? String {
        case "limit": update.finish = .maxTokens
        default: update.finish = .stopToken(-1)
        }
      }
    case .openAI:
      guard let choices = object["choices"] as? [[String: Any]] else {
        // Usage-only events (stream_options) and pings carry no choices.
        return update
      }
      if let choice = choices.first {
        update.text = choice["text"] as? String ?? ""
        switch choice["finish_reason"] as? String {
        case "length": update.finish = .maxTokens
        case .some: update.finish = .stopToken(-1)
        case nil: break
        }
      }
    }
    return update
  }
}
