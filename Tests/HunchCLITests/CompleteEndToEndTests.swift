import Foundation
import HunchTestSupport
import XCTest

final class CompleteEndToEndTests: XCTestCase {
  private var sample: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("samples/inventory.py").path
  }

  func testCompletesAFileAndReportsJSON() throws {
    _ = try TestModels.require("qwen2.5-coder-0.5b")
    let plain = try HunchBinary.run(["complete", "\(sample):15:16"])
    XCTAssertEqual(plain.status, 0, plain.stderr)
    XCTAssertFalse(plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)

    let json = try HunchBinary.run(["complete", "--json", "\(sample):15:16"])
    XCTAssertEqual(json.status, 0, json.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(object["completion"] as? String, plain.stdout.trimmingCharacters(in: .newlines))
    XCTAssertEqual((object["start"] as? [String: Int])?["line"], 15)
    XCTAssertEqual((object["start"] as? [String: Int])?["column"], 16)
    XCTAssertGreaterThan(object["promptTokens"] as? Int ?? 0, 50)
    XCTAssertGreaterThan(object["generatedTokens"] as? Int ?? 0, 0)
    XCTAssertEqual(object["language"] as? String, "python")
  }

  func testReadsTheBufferFromStandardInput() throws {
    _ = try TestModels.require("qwen2.5-coder-0.5b")
    let buffer = "function add(a, b) {\n  return \n}\n"
    let result = try HunchBinary.run(["complete", "--stdin", "--json", "math.js:2:10"], stdin: buffer)
    XCTAssertEqual(result.status, 0, result.stderr)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(object["language"] as? String, "javascript")
    let completion = try XCTUnwrap(object["completion"] as? String)
    XCTAssertTrue(completion.contains("a") && completion.contains("b"), completion)
  }

  func testBadLocationsAreClearErrors() throws {
    let missing = try HunchBinary.run(["complete", "/nonexistent/file.py:1:1"])
    XCTAssertEqual(missing.status, 64)
    XCTAssertTrue(missing.stderr.contains("cannot read"), missing.stderr)
    let malformed = try HunchBinary.run(["complete", "file.py"])
    XCTAssertNotEqual(malformed.status, 0)
    XCTAssertFalse(malformed.signaled)
    let pastEnd = try HunchBinary.run(["complete", "\(sample):999:1"])
    XCTAssertEqual(pastEnd.status, 64)
    XCTAssertTrue(pastEnd.stderr.contains("lines"), pastEnd.stderr)
  }
}
