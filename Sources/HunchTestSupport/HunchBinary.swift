import Foundation
import XCTest

/// Runs the built `hunch` executable, for end-to-end tests.
public enum HunchBinary {
  /// The `hunch` built beside the test bundle (same configuration as the tests).
  public static var url: URL {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
      let url = candidate.appendingPathComponent("hunch")
      if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return Bundle.main.bundleURL.appendingPathComponent("hunch")
  }

  public struct Result {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// True when the process ended by a signal (a crash), not an exit.
    public let signaled: Bool
  }

  public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil) throws
    -> Result
  {
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty process cannot block on a full pipe.
    final class Collected: @unchecked Sendable { var data = Data() }
    let errData = Collected()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData.data = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData.data, as: UTF8.self), signaled: process.terminationReason == .uncaughtSignal)
  }
}

/// Where the real models are, and whether a test may skip when one is missing.
public enum TestModels {
  public static func path(_ name: String) -> String {
    let env = ProcessInfo.processInfo.environment
    let root: String
    if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
      root = xdg + "/hunch"
    } else {
      root = (env["HOME"] ?? NSHomeDirectory()) + "/.cache/hunch"
    }
    return root + "/models/\(name).gguf"
  }

  /// The path of a pulled model, or a skip (a failure when `HUNCH_REQUIRE_MODELS=1`, as the README's test command sets).
  public static func require(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let path = path(name)
    if FileManager.default.fileExists(atPath: path) { return path }
    if ProcessInfo.processInfo.environment["HUNCH_REQUIRE_MODELS"] == "1" {
      XCTFail("model \(name) is missing at \(path): run `hunch models pull \(name)`", file: file, line: line)
    }
    throw XCTSkip("model \(name) is not pulled (\(path)); run `hunch models pull \(name)`")
  }
}
