import Foundation
import HunchGGUF
import HunchInference
import HunchKernels
import HunchTestSupport

/// The GGUF reader and what is built on its metadata: the file is written out and opened as the server opens a model
/// (mapped read-only), then everything a loader reads from a file that parsed is read: the summary, every tensor's
/// bytes, the hyperparameters, the model config and weights, the tokenizer (which then encodes and decodes a line).
final class GGUFFuzzTarget: FuzzTarget {
  static let name = "gguf"
  static let summary = "GGUF header, metadata, tensor table; summary, tensors, config, weights, tokenizer"
  static let maximumInputLength = 64 * 1024

  private let path: String

  init() {
    let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    path = folder + "/hunch-fuzz-\(getpid()).gguf"
  }

  deinit { unlink(path) }

  func run(_ data: [UInt8]) {
    guard FileManager.default.createFile(atPath: path, contents: Data(data)) else { return }
    guard let file = try? GGUFFile(path: path) else { return }
    let summary = file.summary()
    fuzzCheck(summary.tensorCount == file.tensors.count, "summary counts \(summary.tensorCount) tensors")
    var checksum: UInt8 = 0
    for tensor in file.tensors {
      fuzzCheck(
        tensor.fileOffset >= file.dataOffset && tensor.fileOffset + tensor.byteCount <= file.fileSize,
        "tensor \(tensor.name) lies outside the file")
      let bytes = file.data(of: tensor)
      fuzzCheck(bytes.count == tensor.byteCount, "tensor \(tensor.name) has \(bytes.count) bytes, not \(tensor.byteCount)")
      if let first = bytes.first, let last = bytes.last { checksum ^= first ^ last }
    }
    _ = checksum
    _ = try? file.hyperparameters()
    if let config = try? ModelConfig(gguf: file) {
      _ = try? ModelWeights(gguf: file, config: config)
    }
    if let tokenizer = try? Tokenizer(gguf: file) {
      let ids = tokenizer.encode("def f(x):\n    return x + 1  # é 😀\n")
      _ = tokenizer.decode(ids)
      var streaming = StreamingDecoder(tokenizer: tokenizer)
      _ = streaming.append(contentsOf: ids + [-1, Int32.max])
      _ = streaming.finish()
    }
  }

  /// A tiny complete model (one layer, 8 wide) with a byte-level tokenizer, and a metadata-only file.
  static func seeds() -> [[UInt8]] {
    let embedding = 8
    let feedForward = 16
    let byteSymbols = (0..<256).map { Self.byteLevelSymbol(UInt8($0)) }
    let vocabulary = byteSymbols + ["Ġ" + "x", "de", "def", "<|endoftext|>"]
    func matrix(_ name: String, rows: Int, columns: Int) -> GGUFBuilder.Tensor {
      .float32(name, dimensions: [columns, rows], values: (0..<(rows * columns)).map { Float($0 % 7) / 10 })
    }
    func vector(_ name: String, _ count: Int) -> GGUFBuilder.Tensor {
      .float32(name, dimensions: [count], values: Array(repeating: 1, count: count))
    }
    let tensors: [GGUFBuilder.Tensor] = [
      matrix("token_embd.weight", rows: vocabulary.count, columns: embedding),
      vector("blk.0.attn_norm.weight", embedding),
      matrix("blk.0.attn_q.weight", rows: embedding, columns: embedding),
      matrix("blk.0.attn_k.weight", rows: embedding / 2, columns: embedding),
      matrix("blk.0.attn_v.weight", rows: embedding / 2, columns: embedding),
      vector("blk.0.attn_q.bias", embedding),
      vector("blk.0.attn_k.bias", embedding / 2),
      vector("blk.0.attn_v.bias", embedding / 2),
      matrix("blk.0.attn_output.weight", rows: embedding, columns: embedding),
      vector("blk.0.ffn_norm.weight", embedding),
      matrix("blk.0.ffn_gate.weight", rows: feedForward, columns: embedding),
      matrix("blk.0.ffn_up.weight", rows: feedForward, columns: embedding),
      matrix("blk.0.ffn_down.weight", rows: embedding, columns: feedForward),
      vector("output_norm.weight", embedding),
    ]
    let metadata: [(String, GGUFValue)] = [
      ("general.architecture", .string("qwen2")),
      ("qwen2.block_count", .uint32(1)),
      ("qwen2.embedding_length", .uint32(UInt32(embedding))),
      ("qwen2.feed_forward_length", .uint32(UInt32(feedForward))),
      ("qwen2.attention.head_count", .uint32(2)),
      ("qwen2.attention.head_count_kv", .uint32(1)),
      ("qwen2.rope.freq_base", .float32(10_000)),
      ("qwen2.attention.layer_norm_rms_epsilon", .float32(1e-6)),
      ("qwen2.context_length", .uint32(64)),
      ("tokenizer.ggml.model", .string("gpt2")),
      ("tokenizer.ggml.pre", .string("qwen2")),
      ("tokenizer.ggml.tokens", .array(.strings(vocabulary))),
      ("tokenizer.ggml.token_type", .array(.integers(.int32, vocabulary.indices.map { $0 == vocabulary.count - 1 ? 3 : 1 }))),
      ("tokenizer.ggml.merges", .array(.strings(["Ġ x", "d e", "de f"]))),
      ("tokenizer.ggml.eos_token_id", .uint32(UInt32(vocabulary.count - 1))),
    ]
    let model = GGUFBuilder(metadata: metadata, tensors: tensors).build()
    let metadataOnly = GGUFBuilder(metadata: Array(metadata.prefix(9))).build()
    return [model, metadataOnly]
  }

  /// GPT-2's printable stand-in for a byte (the byte-level BPE alphabet).
  private static func byteLevelSymbol(_ byte: UInt8) -> String {
    let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    if printable { return String(UnicodeScalar(byte)) }
    var shifted = 256
    for candidate in 0..<Int(byte) {
      let value = UInt8(candidate)
      if !((0x21...0x7E).contains(value) || (0xA1...0xAC).contains(value) || (0xAE...0xFF).contains(value)) {
        shifted += 1
      }
    }
    return String(UnicodeScalar(UInt32(shifted)).map(Character.init) ?? "?")
  }
}
