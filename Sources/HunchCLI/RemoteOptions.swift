import ArgumentParser
import Foundation
import HunchRemote
import HunchSettings

/// `--backend` and friends, shared by `hunch complete` and `hunch serve`.
struct RemoteOptions: ParsableArguments {
  @Option(
    help: "Where the forward passes run: local, openai (/v1/completions) or llama-server (/completion) (default: the settings file's `backend`, else local).")
  var backend: String?

  @Option(help: "The remote server's base URL (default: \(RemoteBackendSettings.defaultURL)).")
  var url: String?

  @Option(help: "The model name sent to an OpenAI-compatible server.")
  var remoteModel: String?

  @Option(help: "Name of the environment variable holding the API key (the key itself never goes on the command line).")
  var apiKeyEnv: String?

  @Option(help: "Most milliseconds one remote completion may take.")
  var timeoutMs: Int?

  @Option(help: "Most milliseconds to wait for the server to answer before calling it unreachable.")
  var connectTimeoutMs: Int?

  @Option(help: "After the server failed, milliseconds before it is tried again (meanwhile: fallback).")
  var retryMs: Int?

  @Flag(inversion: .prefixedNo, help: "Fall back to the local model while the server is unreachable (default: yes).")
  var fallback: Bool?

  @Option(help: "FIM family of the remote model when the server cannot tell: qwen, starcoder, codellama.")
  var fim: String?

  @Flag(help: .hidden)
  var readToEndAfterStop = false

  /// The settings, or nil for the local backend: these options over the settings file's `backend` and `[remote]`.
  func settings(file: HunchSettings = HunchSettings()) throws -> RemoteBackendSettings? {
    var values: [String: String] = [:]
    values["backend"] = backend ?? file.backend?.rawValue
    values["fallback"] = (fallback ?? file.remoteFallbackToLocal).map { $0 ? "true" : "false" }
    values["url"] = url ?? file.remoteURL
    values["model"] = remoteModel ?? file.remoteModel
    values["api_key_env"] = apiKeyEnv ?? file.remoteAPIKeyEnvironment
    values["timeout_ms"] = (timeoutMs ?? file.remoteTimeoutMilliseconds).map(String.init)
    values["connect_timeout_ms"] = (connectTimeoutMs ?? file.remoteConnectTimeoutMilliseconds).map(String.init)
    values["retry_ms"] = (retryMs ?? file.remoteRetryMilliseconds).map(String.init)
    values["fim"] = fim ?? file.remoteFIMFamily
    do {
      var settings = try RemoteBackendSettings.from(dictionary: values)
      settings?.readToEndAfterStop = readToEndAfterStop
      return settings
    } catch let error as RemoteError {
      throw ValidationError(error.message)
    }
  }
}
