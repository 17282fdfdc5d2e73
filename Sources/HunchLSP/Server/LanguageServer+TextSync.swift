extension LanguageServer {
  func didOpen(_ notification: DidOpenTextDocumentNotification) {
    documents.open(notification.textDocument)
    suggestionCache.forget(notification.textDocument.uri)
  }

  func didChange(_ notification: DidChangeTextDocumentNotification) {
    do {
      try documents.change(notification.textDocument, notification.contentChanges)
    } catch {
      // The client and we now disagree about the text; keeping the old text is the least wrong choice.
      log.error("didChange for \(notification.textDocument.uri) not applied: \(error)")
    }
  }

  func didClose(_ notification: DidCloseTextDocumentNotification) {
    cancelCompletions(in: notification.textDocument.uri)
    do {
      try documents.close(notification.textDocument.uri)
    } catch {
      log.error("didClose: \(error)")
    }
    suggestionCache.forget(notification.textDocument.uri)
  }
}
