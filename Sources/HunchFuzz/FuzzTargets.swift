import Foundation

/// One fuzz target: set-up once (`prepare`), then `run` for every input. `run` must not throw or trap on any input;
/// a broken invariant calls `fuzzCheck`, which aborts.
protocol FuzzTarget: AnyObject {
  static var name: String { get }
  /// What the target exercises, for `hunch-fuzz --list`.
  static var summary: String { get }
  /// The largest input worth trying (libFuzzer's -max_len).
  static var maximumInputLength: Int { get }
  init() throws
  func run(_ data: [UInt8])
  /// Small inputs that reach deep into the target: the seed corpus under bench/fuzz/corpus/NAME.
  static func seeds() -> [[UInt8]]
}

enum FuzzTargets {
  nonisolated(unsafe) static let all: [any FuzzTarget.Type] = [
    JSONRPCFuzzTarget.self, GGUFFuzzTarget.self, TokenizerFuzzTarget.self, DidChangeFuzzTarget.self,
    ContextFuzzTarget.self,
  ]

  static func named(_ name: String) -> (any FuzzTarget.Type)? { all.first { $0.name == name } }
}

enum FileHandleOutput {
  static func standardError(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
