import Foundation
import HunchGGUF
import XCTest

@testable import HunchInference

/// Model files and golden data shared by the tokenizer tests.
enum TokenizerFixtures {
  struct Corpus: Decodable {
    struct Entry: Decodable {
      let label: String
      let text: String
    }
    let strings: [Entry]
  }

  struct Goldens: Decodable {
    let model: String
    let ids: [[Int32]]
    let document: [Int32]
  }

  static let qwen = "qwen2.5-coder-0.5b"
  static let smolLM = "smollm2-135m"

  static func fixtureURL(_ name: String) throws -> URL {
    let base = try XCTUnwrap(Bundle.module.resourceURL, "test bundle has no resources")
    return base.appendingPathComponent("Fixtures/tokenizer/\(name)")
  }

  static func corpus() throws -> Corpus {
    try JSONDecoder().decode(Corpus.self, from: Data(contentsOf: fixtureURL("corpus.json")))
  }

  static func goldens(_ model: String) throws -> Goldens {
    try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: fixtureURL("goldens-\(model).json")))
  }

  /// Where pulled models live: `HUNCH_MODELS_DIR`, else ~/.cache/hunch/models.
  static func modelPath(_ model: String) -> String {
    let directory =
      ProcessInfo.processInfo.environment["HUNCH_MODELS_DIR"]
      ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/hunch/models").path
    return directory + "/\(model).gguf"
  }

  private static let loaded = LoadedTokenizers()

  /// The tokenizer of a pulled model, loaded once per test run; skips the test when the model file is absent.
  static func tokenizer(_ model: String) throws -> Tokenizer {
    let path = modelPath(model)
    guard FileManager.default.fileExists(atPath: path) else {
      throw XCTSkip("model file \(path) is absent: run `hunch models pull \(model)` to test against it")
    }
    return try loaded.tokenizer(path)
  }

  private final class LoadedTokenizers: @unchecked Sendable {
    private let lock = NSLock()
    private var byPath: [String: Tokenizer] = [:]

    func tokenizer(_ path: String) throws -> Tokenizer {
      lock.lock()
      defer { lock.unlock() }
      if let tokenizer = byPath[path] { return tokenizer }
      let tokenizer = try Tokenizer(gguf: GGUFFile(path: path))
      byPath[path] = tokenizer
      return tokenizer
    }
  }
}
