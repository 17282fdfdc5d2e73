import Foundation
import HunchGGUF
import HunchTestSupport
import XCTest

final class InspectEndToEndTests: XCTestCase {
  func testInspectDefaultModel() throws {
    let path = try TestModels.require("qwen2.5-coder-0.5b")
    let result = try HunchBinary.run(["inspect", path])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.contains("architecture:  qwen2"), result.stdout)
    XCTAssertTrue(result.stdout.contains("blocks:        24"), result.stdout)
    XCTAssertTrue(result.stdout.contains("<|fim_prefix|>=151659"), result.stdout)
    XCTAssertTrue(result.stdout.contains("<|fim_middle|>=151660"), result.stdout)
    XCTAssertTrue(result.stdout.contains("<|file_sep|>=151664"), result.stdout)
    // Tensor-type totals: the "Q4_K_M" 0.5B file is mostly Q5_0 and Q8_0.
    XCTAssertTrue(result.stdout.contains("Q5_0         133"), result.stdout)
    XCTAssertTrue(result.stdout.contains("Q8_0          13"), result.stdout)
    XCTAssertTrue(result.stdout.contains("total        291"), result.stdout)
  }

  func testInspectSiblings() throws {
    for (name, arch, blocks) in [("smollm2-135m", "llama", 30), ("qwen2.5-coder-1.5b", "qwen2", 28)] {
      guard FileManager.default.fileExists(atPath: TestModels.path(name)) || name == "smollm2-135m" else { continue }
      let path = try TestModels.require(name)
      let result = try HunchBinary.run(["inspect", path])
      XCTAssertEqual(result.status, 0, result.stderr)
      XCTAssertTrue(result.stdout.contains("architecture:  \(arch)"), result.stdout)
      XCTAssertTrue(result.stdout.contains("blocks:        \(blocks)"), result.stdout)
    }
  }

  /// A copy of the model cut at `length` bytes. Only the header is real data: the rest is a hole, which is all the
  /// reader looks at, so each copy costs a few megabytes however long it claims to be.
  private func truncatedCopy(of source: String, length: Int, header: Data, flips: [(Int, UInt8)] = []) throws -> String {
    var prefix = header.prefix(length)
    for (offset, mask) in flips where offset < prefix.count {
      let i = prefix.startIndex + offset
      prefix[i] ^= mask
    }
    let path = try GGUFBuilder.writeTemporary([UInt8](prefix))
    XCTAssertEqual(truncate(path, off_t(length)), 0)
    return path
  }

  func testTruncatedAndCorruptedModelsGiveAClearErrorAndExitOne() throws {
    let path = try TestModels.require("qwen2.5-coder-0.5b")
    let file = try GGUFFile(path: path)
    let headerLength = file.dataOffset
    let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
    let header = handle.readData(ofLength: headerLength)
    try handle.close()
    var generator = SystemRandomNumberGenerator()
    // 50 random cuts: a few inside the header, most in the tensor data, like a broken download.
    var cuts = (0..<10).map { _ in Int.random(in: 0..<headerLength, using: &generator) }
    cuts += (0..<40).map { _ in Int.random(in: headerLength..<(file.fileSize - 1), using: &generator) }
    for cut in cuts {
      let copy = try truncatedCopy(of: path, length: cut, header: header)
      let result = try HunchBinary.run(["inspect", copy])
      XCTAssertFalse(result.signaled, "cut at \(cut): crashed")
      XCTAssertEqual(result.status, 1, "cut at \(cut): \(result.stdout)")
      XCTAssertTrue(result.stderr.hasPrefix("Error: "), "cut at \(cut): \(result.stderr)")
      try? FileManager.default.removeItem(atPath: copy)
    }
    // Flips in the structural fields (magic, version, counts) and in the first lengths must be refused.
    for offset in [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 23, 24, 31] {
      let copy = try truncatedCopy(of: path, length: headerLength, header: header, flips: [(offset, 0xFF)])
      XCTAssertEqual(truncate(copy, off_t(file.fileSize)), 0)
      let result = try HunchBinary.run(["inspect", copy])
      XCTAssertFalse(result.signaled, "flip at \(offset): crashed")
      XCTAssertEqual(result.status, 1, "flip at \(offset): \(result.stdout)")
      XCTAssertTrue(result.stderr.hasPrefix("Error: "), "flip at \(offset): \(result.stderr)")
      try? FileManager.default.removeItem(atPath: copy)
    }
    // Random flips anywhere in the header: a flip inside a token's text is harmless, anything else is refused;
    // never a crash.
    for _ in 0..<20 {
      let flips = (0..<3).map { _ in (Int.random(in: 0..<headerLength, using: &generator), UInt8.random(in: 1...255)) }
      let copy = try truncatedCopy(of: path, length: headerLength, header: header, flips: flips)
      XCTAssertEqual(truncate(copy, off_t(file.fileSize)), 0)
      let result = try HunchBinary.run(["inspect", copy])
      XCTAssertFalse(result.signaled, "flips \(flips): crashed")
      XCTAssertTrue(result.status == 0 || (result.status == 1 && result.stderr.hasPrefix("Error: ")), result.stderr)
      try? FileManager.default.removeItem(atPath: copy)
    }
  }

  func testMissingModelNamesTheFix() throws {
    let result = try HunchBinary.run(
      ["inspect", "qwen2.5-coder-1.5b"], environment: ["XDG_CACHE_HOME": NSTemporaryDirectory() + "/hunch-empty"])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.stderr.contains("hunch models pull qwen2.5-coder-1.5b"), result.stderr)
  }
}
