import Foundation
import HunchSyntax
import XCTest

/// Shared set-up: the grammars folder built by scripts/setup-grammars.sh, the repository's query files, the samples.
enum SyntaxFixtures {
  /// The languages the set-up script must provide (the minimum).
  static let requiredLanguages = [
    "python", "javascript", "typescript", "rust", "go", "c", "cpp", "java", "ruby", "lua", "bash", "json", "swift",
  ]

  /// grammars/queries in this repository, so query edits are tested without re-running the set-up script.
  static var repositoryQueries: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("grammars/queries", isDirectory: true)
  }

  /// The registry for the built grammars folder; skips the test (with the reason) when it was never built.
  static func builtRegistry() throws -> GrammarRegistry {
    let directory = GrammarRegistry.defaultDirectory()
    let manifest = directory.appendingPathComponent(GrammarRegistry.manifestFileName)
    guard FileManager.default.fileExists(atPath: manifest.path) else {
      throw XCTSkip("grammars folder \(directory.path) was never built: run scripts/setup-grammars.sh")
    }
    return GrammarRegistry(directory: directory, queryDirectories: [repositoryQueries])
  }

  static func grammar(_ name: String) throws -> Grammar {
    let registry = try builtRegistry()
    guard registry.entry(named: name) != nil else {
      throw XCTSkip("grammar '\(name)' is not in \(registry.directory.path)")
    }
    return try registry.grammar(named: name)
  }

  static var samplesDirectory: URL {
    get throws {
      guard let url = Bundle.module.url(forResource: "Samples", withExtension: nil) else {
        throw XCTSkip("the Samples resource folder is missing from the test bundle")
      }
      return url
    }
  }

  /// Samples are named <language>.<extension>.
  static func sampleFile(for language: String) throws -> URL? {
    try FileManager.default.contentsOfDirectory(at: samplesDirectory, includingPropertiesForKeys: nil)
      .first { $0.deletingPathExtension().lastPathComponent == language }
  }

  static func sampleText(_ language: String) throws -> String {
    guard let url = try sampleFile(for: language) else {
      XCTFail("no sample for \(language)")
      return ""
    }
    return try String(contentsOf: url, encoding: .utf8)
  }

  /// A scratch folder removed at the end of the test.
  static func temporaryDirectory(_ testCase: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "hunch-syntax-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }
}

extension String {
  /// UTF-8 byte offset of the first occurrence of `needle`.
  func byteOffset(of needle: String) -> Int? {
    guard let range = self.range(of: needle) else { return nil }
    return self.utf8.distance(from: self.utf8.startIndex, to: range.lowerBound)
  }
}
