import Foundation
import HunchCompletion
import HunchLSP

/// Answers the language server's completion requests with the completion engine and the local model (or a remote
/// server, through `RemoteCompletionService`).
public struct EngineCompletionProvider: CompletionProvider {
  public let service: any CompletionServing

  public init(service: any CompletionServing) { self.service = service }

  public func complete(_ request: CompletionContextRequest, cancellation: CancellationToken) async throws
    -> CompletionSuggestion?
  {
    if cancellation.isCancelled { return nil }
    let path = URL(string: request.documentURI).map { $0.isFileURL ? $0.path : request.documentURI }
      ?? request.documentURI
    let document = OpenDocument(path: path, languageID: request.languageID, text: request.text)
    let (result, _) = try await service.completeAsync(
      CompletionRequest(document: document, cursor: request.cursorOffset),
      isCancelled: { cancellation.isCancelled })
    guard !result.text.isEmpty, !cancellation.isCancelled else { return nil }
    return CompletionSuggestion(text: result.text, replacing: result.replacing)
  }
}
