import Foundation
import HunchCompletion
import HunchLSP
import HunchProvisioning
import HunchSettings

/// Answers the language server's completion requests with the completion engine and the local model (or a remote
/// server, through `RemoteCompletionService`).
public struct EngineCompletionProvider: CompletionProvider {
  public let service: any CompletionServing
  /// The local service, when the local engine answers (for settings, loading and status).
  private let local: CompletionService?
  /// The settings the server started with (command line and settings file); editor settings layer over these.
  private let baseSettings: LocalModelSettings?

  public init(service: any CompletionServing) {
    self.service = service
    local = service as? CompletionService
    baseSettings = local?.settings
  }

  public func prepare() async throws {
    guard let local else { return }
    if let problem = await local.settingsProblem {
      throw CompletionError(
        .modelFailed, "the settings name a model that is not there; the previous one stays", cause: "\(problem)")
    }
    do {
      try await local.loadAsync()
    } catch {
      throw CompletionError(
        .modelFailed,
        "cannot load the model \(local.settings.modelPath): \(error). To fix: `hunch models pull "
          + "\(ModelCatalog.defaultModelName)`, or set `model` to a GGUF file")
    }
  }

  public func apply(settings: HunchSettings) async -> Bool {
    // A remote backend is chosen at start (command line and settings file); the editor's settings tune the local one.
    guard let local, let baseSettings else { return false }
    do {
      return await local.reconfigure(try baseSettings.applying(settings))
    } catch {
      // The model named in the settings is not there: keep the current one; `prepare` tells the user why.
      await local.noteSettingsProblem(error)
      return true
    }
  }

  public func statusDetails() async -> JSONValue {
    if let local { return .object(await local.statusDetails().mapValues(JSONValue.string)) }
    if let remote = service as? RemoteCompletionService {
      return .object([
        "backend": .string(remote.settings.kind.rawValue), "url": .string(remote.settings.url),
        "lastAnsweredBy": .string(remote.lastBackend),
      ])
    }
    return .object([:])
  }

  public func complete(_ request: CompletionContextRequest, cancellation: CancellationToken) async throws
    -> CompletionSuggestion?
  {
    if cancellation.isCancelled { return nil }
    let path = Self.path(of: request.documentURI)
    let document = OpenDocument(path: path, languageID: request.languageID, text: request.text)
    let others = request.otherDocuments.map {
      OpenDocument(
        path: Self.path(of: $0.uri), languageID: $0.languageID, text: $0.text, recentEdits: $0.recentEdits)
    }
    let (result, _) = try await service.completeAsync(
      CompletionRequest(document: document, cursor: request.cursorOffset, otherDocuments: others),
      isCancelled: { cancellation.isCancelled })
    guard !result.text.isEmpty, !cancellation.isCancelled else { return nil }
    return CompletionSuggestion(text: result.text, replacing: result.replacing)
  }

  static func path(of uri: String) -> String {
    URL(string: uri).map { $0.isFileURL ? $0.path : uri } ?? uri
  }
}
