import HunchGGUF
import HunchKernels
import HunchTestSupport
import XCTest

final class GGUFReaderTests: XCTestCase {
  private func validBuilder() -> GGUFBuilder {
    GGUFBuilder(
      metadata: [
        ("general.architecture", .string("llama")),
        ("llama.block_count", .uint32(2)),
        ("llama.embedding_length", .uint32(8)),
        ("llama.feed_forward_length", .uint32(16)),
        ("llama.attention.head_count", .uint32(2)),
        ("llama.attention.head_count_kv", .uint32(1)),
        ("llama.rope.freq_base", .float32(10_000)),
        ("tokenizer.ggml.tokens", .array(.strings(["a", "b", "<|fim_prefix|>"]))),
      ],
      tensors: [
        .float32("token_embd.weight", dimensions: [8, 3], values: (0..<24).map(Float.init)),
        .float32("output_norm.weight", dimensions: [8], values: Array(repeating: 1, count: 8)),
      ])
  }

  private func parse(_ bytes: [UInt8]) throws -> GGUFFile {
    try GGUFFile(path: try GGUFBuilder.writeTemporary(bytes))
  }

  private func assertRefused(
    _ bytes: [UInt8], _ code: GGUFError.Code, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertThrowsError(try parse(bytes), file: file, line: line) { error in
      guard let error = error as? GGUFError else { return XCTFail("not a GGUFError: \(error)", file: file, line: line) }
      XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
      XCTAssertFalse(error.message.isEmpty, file: file, line: line)
    }
  }

  /// A header written by hand: magic, version, counts, then whatever `body` appends.
  private func header(version: UInt32 = 3, tensors: UInt64 = 0, keys: UInt64, _ body: (inout [UInt8]) -> Void)
    -> [UInt8]
  {
    var out: [UInt8] = []
    GGUFBuilder.append(GGUFFile.magic, to: &out)
    GGUFBuilder.append(version, to: &out)
    GGUFBuilder.append(tensors, to: &out)
    GGUFBuilder.append(keys, to: &out)
    body(&out)
    out.append(contentsOf: [UInt8](repeating: 0, count: 64))
    return out
  }

  // MARK: Valid files

  func testReadsMetadataAndTensors() throws {
    let file = try parse(validBuilder().build())
    XCTAssertEqual(file.version, 3)
    XCTAssertEqual(file.architecture, "llama")
    XCTAssertEqual(file.int("llama.block_count"), 2)
    XCTAssertEqual(file.stringArray("tokenizer.ggml.tokens"), ["a", "b", "<|fim_prefix|>"])
    XCTAssertEqual(file.metadataKeys.first, "general.architecture")
    let embedding = try XCTUnwrap(file.tensor(named: "token_embd.weight"))
    XCTAssertEqual(embedding.dimensions, [8, 3])
    XCTAssertEqual(embedding.type, .f32)
    XCTAssertEqual(embedding.byteCount, 96)
    XCTAssertEqual(embedding.fileOffset % 32, 0)
    let floats = file.data(of: embedding).bindMemory(to: Float.self)
    XCTAssertEqual(Array(floats.prefix(4)), [0, 1, 2, 3])
    XCTAssertEqual(floats[23], 23)
    let h = try file.hyperparameters()
    XCTAssertEqual(h.blockCount, 2)
    XCTAssertEqual(h.headCountKV, 1)
    XCTAssertEqual(h.headDimension, 4)
    XCTAssertEqual(h.vocabularySize, 3)
    XCTAssertEqual(file.summary().fimTokens.map(\.id), [2])
  }

  func testReadsEveryValueTypeAndVersion2() throws {
    var builder = GGUFBuilder()
    builder.version = 2
    let values: [(String, GGUFValue)] = [
      ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60_000)), ("i16", .int16(-30_000)),
      ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(1.5)), ("bool", .bool(true)),
      ("str", .string("héllo")), ("u64", .uint64(1 << 40)), ("i64", .int64(-(1 << 40))), ("f64", .float64(-2.25)),
      ("ints", .array(.integers(.int32, [1, -2, 3]))), ("floats", .array(.floats(.float32, [0.5, 2]))),
      ("bools", .array(.integers(.bool, [1, 0]))), ("u64s", .array(.unsigned64([7, UInt64.max]))),
      ("nested", .array(.arrays([.strings(["x"]), .integers(.uint8, [9])]))),
    ]
    builder.metadata = values
    let file = try parse(builder.build())
    XCTAssertEqual(file.version, 2)
    for (key, value) in values { XCTAssertEqual(file.metadata[key], value, key) }
    XCTAssertEqual(file.int("u64"), 1 << 40)
    XCTAssertEqual(file.double("f32"), 1.5)
    XCTAssertEqual(file.intArray("ints"), [1, -2, 3])
  }

  func testHonoursDeclaredAlignment() throws {
    var builder = validBuilder()
    builder.alignment = 64
    builder.metadata.append(("general.alignment", .uint32(64)))
    let file = try parse(builder.build())
    XCTAssertEqual(file.alignment, 64)
    XCTAssertEqual(file.dataOffset % 64, 0)
    XCTAssertEqual(file.data(of: try XCTUnwrap(file.tensor(named: "output_norm.weight"))).count, 32)
  }

  // MARK: Malformed files

  func testRefusesMissingEmptyAndNonRegularFiles() {
    XCTAssertThrowsError(try GGUFFile(path: "/nonexistent/model.gguf")) {
      XCTAssertEqual(($0 as? GGUFError)?.code, .cannotOpen)
    }
    XCTAssertThrowsError(try GGUFFile(path: NSTemporaryDirectory())) {
      XCTAssertEqual(($0 as? GGUFError)?.code, .cannotOpen)
    }
    assertRefused([], .truncated)
  }

  func testRefusesBadMagicAndVersions() {
    var bytes = validBuilder().build()
    bytes[0] = UInt8(ascii: "X")
    assertRefused(bytes, .badMagic)
    for version: UInt32 in [0, 1, 4, 0xFFFF_FFFF] {
      var builder = validBuilder()
      builder.version = version
      assertRefused(builder.build(), .unsupportedVersion)
    }
  }

  func testEveryTruncationIsRefused() {
    let bytes = validBuilder().build()
    for length in 0..<bytes.count {
      XCTAssertThrowsError(try parse(Array(bytes[0..<length])), "prefix of \(length) bytes") { error in
        XCTAssertTrue(error is GGUFError, "\(error)")
      }
    }
  }

  func testRefusesCountsThatCannotFit() {
    assertRefused(header(keys: UInt64.max) { _ in }, .countTooLarge)
    assertRefused(header(tensors: 1 << 60, keys: 0) { _ in }, .countTooLarge)
    assertRefused(
      header(keys: 1) { out in
        GGUFBuilder.appendString("big", to: &out)
        GGUFBuilder.append(GGUFValueType.array.rawValue, to: &out)
        GGUFBuilder.append(GGUFValueType.uint32.rawValue, to: &out)
        GGUFBuilder.append(UInt64(1) << 62, to: &out)
      }, .countTooLarge)
  }

  func testRefusesStringLengthsPastTheEnd() {
    assertRefused(
      header(keys: 1) { out in GGUFBuilder.append(UInt64.max, to: &out) }, .truncated)
    assertRefused(
      header(keys: 1) { out in
        GGUFBuilder.appendString("k", to: &out)
        GGUFBuilder.append(GGUFValueType.string.rawValue, to: &out)
        GGUFBuilder.append(UInt64(1) << 40, to: &out)
      }, .truncated)
  }

  func testRefusesInvalidUTF8Keys() {
    assertRefused(
      header(keys: 1) { out in
        GGUFBuilder.append(UInt64(2), to: &out)
        out.append(contentsOf: [0xC3, 0x28])
        GGUFBuilder.append(GGUFValueType.uint8.rawValue, to: &out)
        out.append(1)
      }, .invalidString)
  }

  func testRefusesUnknownValueTypes() {
    assertRefused(
      header(keys: 1) { out in
        GGUFBuilder.appendString("k", to: &out)
        GGUFBuilder.append(UInt32(13), to: &out)
      }, .unknownValueType)
    assertRefused(
      header(keys: 1) { out in
        GGUFBuilder.appendString("k", to: &out)
        GGUFBuilder.append(GGUFValueType.array.rawValue, to: &out)
        GGUFBuilder.append(UInt32(99), to: &out)
        GGUFBuilder.append(UInt64(1), to: &out)
      }, .unknownValueType)
  }

  func testRefusesBadBoolAndDeepNesting() {
    assertRefused(
      header(keys: 1) { out in
        GGUFBuilder.appendString("k", to: &out)
        GGUFBuilder.append(GGUFValueType.bool.rawValue, to: &out)
        out.append(2)
      }, .wrongValueType)
    var deep: GGUFArray = .integers(.uint8, [1])
    for _ in 0..<10 { deep = .arrays([deep]) }
    assertRefused(GGUFBuilder(metadata: [("deep", .array(deep))]).build(), .nestingTooDeep)
  }

  func testRefusesDuplicateKeysAndTensors() {
    var builder = validBuilder()
    builder.metadata.append(("llama.block_count", .uint32(3)))
    assertRefused(builder.build(), .duplicateKey)
    builder = validBuilder()
    builder.tensors.append(.float32("output_norm.weight", dimensions: [8], values: Array(repeating: 0, count: 8)))
    assertRefused(builder.build(), .duplicateTensor)
  }

  func testRefusesBadAlignment() {
    for value: GGUFValue in [.uint32(0), .uint32(48), .uint32(1 << 24), .uint64(32), .string("32")] {
      var builder = validBuilder()
      builder.metadata.append(("general.alignment", value))
      assertRefused(builder.build(), .badAlignment)
    }
  }

  func testRefusesBadDimensions() {
    for dims in [[Int](), [8, 1, 1, 1, 1], [0, 3]] {
      var builder = validBuilder()
      builder.tensors = [GGUFBuilder.Tensor(name: "t", dimensions: dims, type: .f32, data: [])]
      assertRefused(builder.build(), .badDimensions)
    }
    var builder = validBuilder()
    builder.tensors = [GGUFBuilder.Tensor(name: "t", dimensions: [1 << 34, 1 << 34, 1 << 34], type: .f32, data: [])]
    assertRefused(builder.build(), .sizeOverflow)
  }

  func testRefusesUnknownTensorTypeAndPartialBlocks() {
    assertRefused(
      header(tensors: 1, keys: 0) { out in
        GGUFBuilder.appendString("t", to: &out)
        GGUFBuilder.append(UInt32(1), to: &out)
        GGUFBuilder.append(UInt64(32), to: &out)
        GGUFBuilder.append(UInt32(0xEE), to: &out)
        GGUFBuilder.append(UInt64(0), to: &out)
      }, .unknownTensorType)
    var builder = validBuilder()
    builder.tensors = [GGUFBuilder.Tensor(name: "t", dimensions: [30], type: .q8_0, data: [UInt8](repeating: 0, count: 34))]
    assertRefused(builder.build(), .rowNotWholeBlocks)
  }

  func testRefusesTensorsOutsideTheFileMisalignedOrOverlapping() {
    var builder = validBuilder()
    builder.tensors[1].offsetOverride = 1 << 40
    assertRefused(builder.build(), .tensorOutOfBounds)
    builder = validBuilder()
    builder.tensors[1].offsetOverride = 8
    assertRefused(builder.build(), .tensorMisaligned)
    builder = validBuilder()
    builder.tensors[1].offsetOverride = 64
    assertRefused(builder.build(), .tensorsOverlap)
    builder = validBuilder()
    var bytes = builder.build()
    bytes.removeLast(40)
    assertRefused(bytes, .tensorOutOfBounds)
  }

  func testRandomCorruptionNeverTraps() {
    let valid = validBuilder().build()
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<300 {
      var bytes = valid
      for _ in 0..<Int.random(in: 1...6, using: &generator) {
        bytes[Int.random(in: 0..<min(bytes.count, 400), using: &generator)] = UInt8.random(in: 0...255, using: &generator)
      }
      // Either parses (the flip hit a harmless spot) or gives a typed error.
      do { _ = try parse(bytes) } catch { XCTAssertTrue(error is GGUFError, "\(error)") }
    }
  }
}
