/// Completions: one generation at a time, the newest request per document wins, and typing that follows the last
/// suggestion is answered from it.
extension LanguageServer {
  func startCompletion(
    id: RequestID, uri: DocumentURI, position: Position, isInline: Bool,
    trigger: CompletionContextRequest.Trigger
  ) {
    statistics.completionRequests += 1
    let started = ContinuousClock.now
    guard let document = documents[uri] else {
      log.error("completion for \(uri), which is not open")
      replyEmpty(to: id, isInline: isInline)
      return
    }
    let cursor: Int
    do {
      cursor = try document.offset(of: position, encoding: documents.encoding)
    } catch {
      log.error("completion at \(position) in \(uri): \(error)")
      replyEmpty(to: id, isInline: isInline)
      return
    }
    let slot = CompletionSlot(uri: uri, isInline: isInline)
    if let olderID = newestCompletion[slot], let older = inFlight[olderID] {
      older.token.cancel(.superseded)
    }
    if let cached = suggestionCache.continuation(in: document, cursor: cursor) {
      statistics.answeredFromCache += 1
      newestCompletion[slot] = nil
      reply(to: id, with: cached, in: document, isInline: isInline)
      latencies.record(milliseconds: Self.milliseconds(since: started))
      return
    }
    let token = CancellationToken()
    inFlight[id] = InFlightCompletion(id: id, uri: uri, isInline: isInline, token: token, started: started)
    newestCompletion[slot] = id
    let cursorPosition = document.position(ofOffset: cursor, encoding: .utf8)
    let request = CompletionContextRequest(
      documentURI: uri, languageID: document.languageID, documentVersion: document.version, text: document.text,
      cursorOffset: cursor, cursorLine: cursorPosition.line, cursorColumn: cursorPosition.character,
      isInline: isInline, trigger: trigger,
      otherDocuments: documents.recentDocuments(otherThan: uri, limit: Self.contextDocumentLimit).map {
        ContextDocument(uri: $0.uri, languageID: $0.languageID, text: $0.text, recentEdits: $0.recentEdits)
      })
    Task {
      await generate(id: id, request: request, document: document, token: token)
    }
  }

  private func generate(
    id: RequestID, request: CompletionContextRequest, document: TextDocument, token: CancellationToken
  ) async {
    if configuration.debounce > .zero {
      try? await Task.sleep(for: configuration.debounce)
    }
    guard !token.isCancelled, await gate.acquire(token) else {
      finishCancelled(id: id, token: token)
      return
    }
    let suggestion: CompletionSuggestion?
    if token.isCancelled {
      suggestion = nil
    } else if let cached = suggestionCache.continuation(in: document, cursor: request.cursorOffset) {
      // The generation we waited for (often the other kind of request for the same keystroke) already answered.
      statistics.answeredFromCache += 1
      suggestion = cached
    } else {
      statistics.providerCalls += 1
      do {
        suggestion = try await provider.complete(request, cancellation: token)
      } catch {
        if !token.isCancelled { reportProviderFailure(error) }
        suggestion = nil
      }
    }
    gate.release()
    if token.isCancelled {
      finishCancelled(id: id, token: token)
      return
    }
    if let started = inFlight[id]?.started { latencies.record(milliseconds: Self.milliseconds(since: started)) }
    finish(id: id, slot: CompletionSlot(uri: request.documentURI, isInline: request.isInline))
    guard let suggestion, !suggestion.text.isEmpty else {
      replyEmpty(to: id, isInline: request.isInline)
      return
    }
    guard Self.isUsable(suggestion, for: request) else {
      log.error("dropped a suggestion with a bad range \(suggestion.replacedRange)")
      replyEmpty(to: id, isInline: request.isInline)
      return
    }
    suggestionCache.remember(suggestion, for: document)
    reply(to: id, with: suggestion, in: document, isInline: request.isInline)
  }

  /// Logs a failed completion, and shows it to the user the first time it happens (a model file that changed on
  /// disk, a model that cannot be loaded): otherwise suggestions would just stop, with the reason only in a log.
  private func reportProviderFailure(_ error: any Error) {
    let description = String(describing: error)
    log.error("the completion provider failed: \(description)")
    guard shownProviderFailures.count < 16, shownProviderFailures.insert(description).inserted else { return }
    connection.notify(ShowMessageNotification(type: 1, message: "Hunch cannot complete: \(description)"))
  }

  /// The range must lie in the text, contain the cursor, and not cut a character in two.
  static func isUsable(_ suggestion: CompletionSuggestion, for request: CompletionContextRequest) -> Bool {
    let range = suggestion.replacedRange
    let utf8 = request.text.utf8
    guard range.lowerBound >= 0, range.upperBound <= utf8.count,
      range.contains(request.cursorOffset)
        || range.lowerBound == request.cursorOffset || range.upperBound == request.cursorOffset
    else { return false }
    for bound in [range.lowerBound, range.upperBound] where bound < utf8.count {
      if TextDocument.isContinuationByte(utf8[utf8.index(utf8.startIndex, offsetBy: bound)]) { return false }
    }
    return true
  }

  private func finish(id: RequestID, slot: CompletionSlot) {
    inFlight[id] = nil
    if newestCompletion[slot] == id { newestCompletion[slot] = nil }
  }

  private func finishCancelled(id: RequestID, token: CancellationToken) {
    guard let completion = inFlight[id] else { return }
    finish(id: id, slot: CompletionSlot(uri: completion.uri, isInline: completion.isInline))
    if token.reason == .clientCancelled {
      statistics.cancelled += 1
      connection.reply(to: id, withError: .requestCancelled)
    } else {
      statistics.superseded += 1
      replyEmpty(to: id, isInline: completion.isInline)
    }
  }

  /// How many other open documents a request offers as context.
  static let contextDocumentLimit = 8

  static func milliseconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
  }

  /// A closed document's completions are no longer wanted: they end now, answered empty.
  func cancelCompletions(in uri: DocumentURI) {
    for completion in inFlight.values where completion.uri == uri { completion.token.cancel(.superseded) }
  }

  func cancelRequest(_ id: RequestID) {
    inFlight[id]?.token.cancel(.clientCancelled)
  }

  func cancelAllCompletions(_ reason: CancellationToken.Reason) {
    for completion in inFlight.values { completion.token.cancel(reason) }
  }

  private func replyEmpty(to id: RequestID, isInline: Bool) {
    if isInline {
      connection.reply(to: id, with: InlineCompletionList(items: []))
    } else {
      connection.reply(to: id, with: CompletionList(isIncomplete: true, items: []))
    }
  }

  private func reply(to id: RequestID, with suggestion: CompletionSuggestion, in document: TextDocument, isInline: Bool)
  {
    let builder = CompletionItemBuilder(document: document, encoding: documents.encoding)
    if isInline {
      connection.reply(to: id, with: InlineCompletionList(items: [builder.inlineItem(suggestion)]))
    } else {
      let item = builder.popupItem(suggestion, snippetSupport: snippetSupport)
      connection.reply(to: id, with: CompletionList(isIncomplete: true, items: [item]))
    }
  }
}
