import ArgumentParser
import Foundation
import HunchRemote

/// `--backend` and friends, shared by `hunch complete` and `hunch serve`.
struct RemoteOptions: ParsableArguments {
  @Option(help: "Where the forward passes run: local, openai (/v1/completions) or llama-server (/completion).")
  var backend: String = "local"

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

  @Flag(inversion: .prefixedNo, help: "Fall back to the local model while the server is unreachable.")
  var fallback = true

  @Option(help: "FIM family of the remote model when the server cannot tell: qwen, starcoder, codellama.")
  var fim: String?

  @Flag(help: .hidden)
  var readToEndAfterStop = false

  /// The settings, or nil for the local backend.
  func settings() throws -> RemoteBackendSettings? {
    var values = ["backend": backend, "fallback": fallback ? "true" : "false"]
    values["url"] = url
    values["model"] = remoteModel
    values["api_key_env"] = apiKeyEnv
    values["timeout_ms"] = timeoutMs.map(String.init)
    values["connect_timeout_ms"] = connectTimeoutMs.map(String.init)
    values["retry_ms"] = retryMs.map(String.init)
    values["fim"] = fim
    do {
      var settings = try RemoteBackendSettings.from(dictionary: values)
      settings?.readToEndAfterStop = readToEndAfterStop
      return settings
    } catch let error as RemoteError {
      throw ValidationError(error.message)
    }
  }
}
