import Foundation

/// Turns what a user typed after `--model` into a file path: a path to a file, or the name of a pulled model.
public enum ModelLocator {
  public static func resolve(_ nameOrPath: String?, store: ModelStore = .standard()) throws(ProvisioningError) -> String {
    let given = nameOrPath ?? ModelCatalog.defaultModelName
    if given.contains("/") || given.hasSuffix(".gguf") || FileManager.default.fileExists(atPath: given) {
      return given
    }
    let spec = try ModelCatalog.spec(named: given)
    let path = store.path(for: spec).path
    guard FileManager.default.fileExists(atPath: path) else {
      throw ProvisioningError(.notPulled, "model \(given) is not pulled yet: run `hunch models pull \(given)`")
    }
    return path
  }
}
