import Foundation
import HunchTestSupport
import XCTest

/// Every fuzz target, through `hunch-fuzz`'s seeded random driver (the ordinary build has no libFuzzer): the
/// committed seeds and a few thousand mutations of them must run without a crash or a broken check. The real fuzz
/// runs are `bench/fuzz.sh TARGET SECONDS` (docs/reliability.md); this keeps the targets and their oracles working.
final class FuzzSmokeTests: XCTestCase {
  private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  private func run(_ target: String, runs: Int) throws {
    let binary = HunchBinary.url.deletingLastPathComponent().appendingPathComponent("hunch-fuzz")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
      throw XCTSkip("hunch-fuzz was not built next to the tests")
    }
    let process = Process()
    process.executableURL = binary
    let corpus = Self.root.appendingPathComponent("bench/fuzz/corpus/\(target)").path
    process.arguments = [target, "-runs=\(runs)", "-seed=11", "-max_total_time=120", corpus]
    // A crash leaves its input in the working folder; keep that out of the repository.
    process.currentDirectoryURL = FileManager.default.temporaryDirectory
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "\(target): \(text.suffix(3000))")
    XCTAssertEqual(process.terminationReason, .exit, "\(target) crashed: \(text.suffix(3000))")
    XCTAssertTrue(text.contains("seeded driver: \(target): "), text)
  }

  func testJSONRPC() throws { try run("jsonrpc", runs: 20_000) }
  func testGGUF() throws { try run("gguf", runs: 3_000) }
  func testDidChange() throws { try run("didchange", runs: 20_000) }
  func testContext() throws { try run("context", runs: 2_000) }

  func testTokenizer() throws {
    _ = try TestModels.require("qwen2.5-coder-0.5b")
    try run("tokenizer", runs: 300)
  }
}
