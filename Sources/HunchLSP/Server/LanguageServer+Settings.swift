import Foundation
import HunchSettings

/// Settings from the editor, and getting the provider ready (with progress the editor can show).
extension LanguageServer {
  /// Layers the editor's settings from each source over the current ones, reports what was wrong with them, and
  /// passes the result to the provider.
  func applySettings(_ sources: [(json: JSONValue?, source: String)]) {
    for (json, source) in sources { report(configuration.apply(json, source: source)) }
    applyServerSettings()
    let settings = configuration.settings
    let provider = provider
    // In order: a later change must not be overtaken by an earlier one still being applied.
    let previous = providerSettingsTask
    providerSettingsTask = Task {
      await previous?.value
      if await provider.apply(settings: settings) { self.startPreparing() }
    }
  }

  /// The keys the server itself reads: log level and log file.
  func applyServerSettings() {
    if let issue = Self.applyLogSettings(configuration.settings, to: log) { report([issue]) }
  }

  static func applyLogSettings(_ settings: HunchSettings, to log: Logger) -> SettingsIssue? {
    if let level = settings.logLevel {
      switch level {
      case .debug: log.setMinimumLevel(.debug)
      case .info: log.setMinimumLevel(.info)
      case .error: log.setMinimumLevel(.error)
      }
    }
    do {
      try log.setLogFile(settings.logFile)
      return nil
    } catch {
      return SettingsIssue(source: "settings", key: "log_file", message: "cannot open it for writing: \(error)")
    }
  }

  /// Unknown keys and bad values are worth one visible warning, not an error per keystroke.
  func report(_ issues: [SettingsIssue]) {
    guard !issues.isEmpty else { return }
    for issue in issues { log.error("setting ignored: \(issue)") }
    let listed = issues.prefix(5).map { "`\($0.key)` (\($0.message))" }.joined(separator: ", ")
    let more = issues.count > 5 ? " and \(issues.count - 5) more" : ""
    connection.notify(
      ShowMessageNotification(type: 2, message: "Hunch ignored settings from \(issues[0].source): \(listed)\(more)"))
  }

  // MARK: - Preparing the provider

  /// Asks the provider to get ready (load the model), with a progress indicator when the client can show one.
  func startPreparing() {
    preparation.generation += 1
    let generation = preparation.generation
    preparation.isReady = false
    if clientShowsProgress {
      preparation.requestCounter += 1
      let requestID = RequestID.string("hunch-progress-\(preparation.requestCounter)")
      let token = "hunch/prepare/\(generation)"
      preparation.pendingCreate[requestID] = (token, generation)
      connection.request(
        id: requestID, method: WorkDoneProgressCreateRequest.method,
        params: WorkDoneProgressCreateRequest(token: token))
    }
    let provider = provider
    let settingsApplied = providerSettingsTask
    Task {
      // Load what the settings ask for, not what they are about to replace.
      await settingsApplied?.value
      let failure: (any Error)?
      do {
        try await provider.prepare()
        failure = nil
      } catch {
        failure = error
      }
      self.finishPreparing(generation: generation, failure: failure)
    }
  }

  /// The client answered a `window/workDoneProgress/create`: progress may start now, if loading still runs.
  func progressTokenCreated(_ id: RequestID, succeeded: Bool) {
    guard let (token, generation) = preparation.pendingCreate.removeValue(forKey: id) else {
      log.debug("ignored a response to \(id): no such request")
      return
    }
    guard succeeded, generation == preparation.generation, !preparation.isReady else { return }
    preparation.activeToken = token
    connection.notify(
      ProgressNotification(
        token: token, value: .init(kind: .begin, title: "Hunch", message: "loading the model", cancellable: false)))
  }

  private func finishPreparing(generation: Int, failure: (any Error)?) {
    guard generation == preparation.generation else { return }
    preparation.isReady = failure == nil
    preparation.lastError = failure.map { String(describing: $0) }
    if let token = preparation.activeToken {
      preparation.activeToken = nil
      connection.notify(
        ProgressNotification(token: token, value: .init(kind: .end, message: failure == nil ? "ready" : "failed")))
    }
    if let failure {
      log.error("the completion provider is not ready: \(failure)")
      connection.notify(ShowMessageNotification(type: 1, message: "Hunch cannot complete: \(failure)"))
    } else {
      log.info("ready")
    }
  }
}

/// Where getting the provider ready stands.
struct PreparationState {
  /// Bumped by every start, so that a slow earlier preparation cannot report over a newer one.
  var generation = 0
  var isReady = false
  var lastError: String?
  var requestCounter = 0
  /// `window/workDoneProgress/create` requests awaiting the client's answer: the token and the generation.
  var pendingCreate: [RequestID: (String, Int)] = [:]
  /// The token of the progress shown now, if any.
  var activeToken: String?
}
