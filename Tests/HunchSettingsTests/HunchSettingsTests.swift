import Foundation
import XCTest

@testable import HunchSettings

final class HunchSettingsTests: XCTestCase {
  func testFileKeysAreRead() throws {
    let table = try TOMLParser.parse(
      """
      model = "qwen2.5-coder-1.5b"
      draft_model = "qwen2.5-coder-0.5b"
      threads = 2
      context_length = 8192
      max_tokens = 64
      max_block_tokens = 200
      debounce_ms = 50
      log_level = "debug"
      speculative = false
      backend = "llama-server"

      [remote]
      url = "https://gpu.example.test:8443"
      api_key_env = "HUNCH_TEAM_KEY"
      fallback = true
      """)
    var settings = HunchSettings()
    XCTAssertEqual(settings.apply(table, source: "test.toml"), [])
    XCTAssertEqual(settings.model, "qwen2.5-coder-1.5b")
    XCTAssertEqual(settings.draftModel, "qwen2.5-coder-0.5b")
    XCTAssertEqual(settings.threads, 2)
    XCTAssertEqual(settings.contextLength, 8192)
    XCTAssertEqual(settings.maxTokens, 64)
    XCTAssertEqual(settings.maxBlockTokens, 200)
    XCTAssertEqual(settings.debounceMilliseconds, 50)
    XCTAssertEqual(settings.logLevel, .debug)
    XCTAssertEqual(settings.speculative, false)
    XCTAssertEqual(settings.backend, .llamaServer)
    XCTAssertEqual(settings.remoteURL, "https://gpu.example.test:8443")
    XCTAssertEqual(settings.remoteAPIKeyEnvironment, "HUNCH_TEAM_KEY")
    XCTAssertEqual(settings.remoteFallbackToLocal, true)
  }

  func testUnknownKeysAndBadValuesAreReportedNotFatal() {
    var settings = HunchSettings()
    let issues = settings.apply(
      [
        "max_tokens": .integer(64), "maxTokenz": .integer(3), "threads": .string("two"),
        "debounce_ms": .integer(99_999), "log_level": .string("loud"),
        "remote": .table(["url": .string("http://x"), "colour": .string("red")]),
      ], source: "init")
    XCTAssertEqual(settings.maxTokens, 64)
    XCTAssertEqual(settings.remoteURL, "http://x")
    XCTAssertNil(settings.threads)
    XCTAssertNil(settings.debounceMilliseconds)
    XCTAssertNil(settings.logLevel)
    XCTAssertEqual(
      Set(issues.map(\.key)), ["max_tokenz", "threads", "debounce_ms", "log_level", "remote.colour"])
    XCTAssertTrue(issues.allSatisfy { $0.source == "init" })
    XCTAssertTrue(
      issues.contains { $0.key == "debounce_ms" && $0.message.contains("outside 0...5000") }, "\(issues)")
  }

  func testEditorJSONInCamelCaseUnderAHunchKey() {
    var settings = HunchSettings()
    let issues = settings.apply(
      [
        "hunch": .table([
          "maxTokens": .float(48), "debounceMilliseconds": .integer(10), "draftModel": .string("m.gguf"),
          "remote": .table(["apiKeyEnv": .string("K"), "timeoutMs": .integer(1_000)]),
        ])
      ], source: "initializationOptions")
    XCTAssertEqual(issues, [])
    XCTAssertEqual(settings.maxTokens, 48)
    XCTAssertEqual(settings.debounceMilliseconds, 10)
    XCTAssertEqual(settings.draftModel, "m.gguf")
    XCTAssertEqual(settings.remoteAPIKeyEnvironment, "K")
    XCTAssertEqual(settings.remoteTimeoutMilliseconds, 1_000)
  }

  func testMergeOverridesOnlyWhatIsSet() {
    var base = HunchSettings()
    base.model = "a"
    base.threads = 2
    var later = HunchSettings()
    later.threads = 1
    later.maxTokens = 10
    base.merge(later)
    XCTAssertEqual(base.model, "a")
    XCTAssertEqual(base.threads, 1)
    XCTAssertEqual(base.maxTokens, 10)
  }

  func testEveryKeyIsReadableFromItsOwnName() {
    // A key whose name does not round-trip through the reader would be unreachable from the file.
    for (key, _) in HunchSettings.keySummaries {
      var settings = HunchSettings()
      let parts = key.split(separator: ".").map(String.init)
      let sample: SettingValue = .string("x")
      let table: [String: SettingValue] =
        parts.count == 2 ? [parts[0]: .table([parts[1]: sample])] : [key: sample]
      let issues = settings.apply(table, source: "t")
      XCTAssertFalse(issues.contains { $0.message.contains("unknown setting") }, "\(key): \(issues)")
    }
  }

  func testFileLocationAndLoading() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-settings-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    XCTAssertEqual(SettingsFile.location(environment: ["HOME": "/home/u"]).path, "/home/u/.config/hunch/config.toml")
    XCTAssertEqual(
      SettingsFile.location(environment: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/cfg"]).path,
      "/cfg/hunch/config.toml")
    XCTAssertNil(try SettingsFile.load(environment: ["HOME": folder.path]), "no file is no settings, not an error")

    let file = folder.appendingPathComponent("hunch.toml")
    try Data("max_tokens = 32\nunknown = 1\n".utf8).write(to: file)
    let loaded = try XCTUnwrap(try SettingsFile.load(environment: ["HUNCH_CONFIG": file.path]))
    XCTAssertEqual(loaded.settings.maxTokens, 32)
    XCTAssertEqual(loaded.issues.map(\.key), ["unknown"])

    try Data("max_tokens = \n".utf8).write(to: file)
    XCTAssertThrowsError(try SettingsFile.load(environment: ["HUNCH_CONFIG": file.path])) { error in
      let message = String(describing: error)
      XCTAssertTrue(message.contains(file.path) && message.contains("line 1"), message)
    }
    XCTAssertThrowsError(try SettingsFile.load(environment: ["HUNCH_CONFIG": folder.path + "/missing.toml"])) {
      XCTAssertEqual(($0 as? SettingsError)?.code, .unreadable)
    }
    XCTAssertThrowsError(try SettingsFile.load(environment: ["HUNCH_CONFIG": folder.path])) {
      XCTAssertEqual(($0 as? SettingsError)?.code, .unreadable)
    }
  }
}
