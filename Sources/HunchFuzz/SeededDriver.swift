import Foundation
import HunchInference

#if canImport(Glibc)
  import Glibc
#endif

/// The input being run, kept where a signal handler can write it out: a crash in the seeded driver leaves the input
/// that caused it in `crash-TARGET-seeded`, as libFuzzer leaves `crash-<sha1>`.
nonisolated(unsafe) private var currentInput: UnsafeMutableBufferPointer<UInt8> = .allocate(capacity: 0)
nonisolated(unsafe) private var currentInputLength = 0
nonisolated(unsafe) private var crashFileDescriptor: Int32 = -1

/// A random-input driver for builds without libFuzzer: replays the corpus folders, then mutates corpus entries at
/// random (bit flips, byte changes, insertions, deletions, splices, interesting integers) until the time or run
/// budget is spent. Deterministic for a given -seed=, so a finding can be replayed.
struct SeededDriver {
  let targetName: String
  let maximumLength: Int
  var seconds = 10.0
  var runs = Int.max
  var seed: UInt64 = 1
  var corpusFolders: [String] = []

  init(targetName: String, maximumLength: Int, options: [String]) {
    self.targetName = targetName
    var maximumLength = maximumLength
    for option in options {
      if let value = Self.value(option, "-max_total_time=").flatMap(Double.init) { seconds = value }
      else if let value = Self.value(option, "-runs=").flatMap(Int.init) { runs = value }
      else if let value = Self.value(option, "-seed=").flatMap(UInt64.init) { seed = value }
      else if let value = Self.value(option, "-max_len=").flatMap(Int.init) { maximumLength = value }
      else if !option.hasPrefix("-") { corpusFolders.append(option) }
    }
    self.maximumLength = maximumLength
  }

  private static func value(_ option: String, _ name: String) -> String? {
    option.hasPrefix(name) ? String(option.dropFirst(name.count)) : nil
  }

  func run() -> Int32 {
    guard let target = FuzzRun.target else { return 2 }
    currentInput = .allocate(capacity: maximumLength)
    crashFileDescriptor = open("crash-\(targetName)-seeded", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    for signalNumber in [SIGABRT, SIGSEGV, SIGILL, SIGTRAP, SIGBUS, SIGFPE] {
      signal(signalNumber) { number in
        if crashFileDescriptor >= 0, let base = currentInput.baseAddress {
          _ = write(crashFileDescriptor, base, currentInputLength)
        }
        signal(number, SIG_DFL)
        raise(number)
      }
    }
    var corpus = loadCorpus()
    if corpus.isEmpty { corpus = [[]] }
    var generator = SplitMix64(seed: seed)
    let started = Date()
    var executions = 0
    func execute(_ input: [UInt8]) {
      let input = Array(input.prefix(maximumLength))
      input.withUnsafeBufferPointer { source in
        if let base = source.baseAddress { currentInput.baseAddress?.update(from: base, count: source.count) }
      }
      currentInputLength = input.count
      target.run(input)
      executions += 1
    }
    for entry in corpus { execute(entry) }
    while executions < runs && Date().timeIntervalSince(started) < seconds {
      var input = corpus[Int(generator.next() % UInt64(corpus.count))]
      let mutationCount = 1 + Int(generator.next() % 8)
      for _ in 0..<mutationCount { mutate(&input, corpus: corpus, generator: &generator) }
      execute(input)
      if executions % 4096 == 0 && corpus.count < 4096 && generator.next() % 4 == 0 { corpus.append(input) }
    }
    let elapsed = Date().timeIntervalSince(started)
    print("seeded driver: \(targetName): \(executions) runs in \(Int(elapsed)) s, seed \(seed), no crash")
    close(crashFileDescriptor)
    unlink("crash-\(targetName)-seeded")
    return 0
  }

  private func loadCorpus() -> [[UInt8]] {
    var entries: [[UInt8]] = []
    let files = FileManager.default
    for folder in corpusFolders {
      guard let names = try? files.contentsOfDirectory(atPath: folder) else { continue }
      for name in names.sorted() {
        if let data = files.contents(atPath: folder + "/" + name) { entries.append(Array(data)) }
      }
    }
    return entries
  }

  private func mutate(_ input: inout [UInt8], corpus: [[UInt8]], generator: inout SplitMix64) {
    let interesting: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, UInt64.max, UInt64.max / 2]
    let choice = generator.next() % 7
    let position = input.isEmpty ? 0 : Int(generator.next() % UInt64(input.count))
    switch choice {
    case 0 where !input.isEmpty: input[position] ^= UInt8(1 << (generator.next() % 8))
    case 1 where !input.isEmpty: input[position] = UInt8(truncatingIfNeeded: generator.next())
    case 2:
      let count = 1 + Int(generator.next() % 16)
      let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      input.insert(contentsOf: bytes, at: position)
    case 3 where !input.isEmpty:
      let count = 1 + Int(generator.next() % UInt64(min(16, input.count - position)))
      input.removeSubrange(position..<(position + count))
    case 4:
      let other = corpus[Int(generator.next() % UInt64(corpus.count))]
      guard !other.isEmpty else { return }
      let start = Int(generator.next() % UInt64(other.count))
      let end = start + Int(generator.next() % UInt64(other.count - start + 1))
      input.insert(contentsOf: other[start..<end], at: position)
    case 5:
      let value = interesting[Int(generator.next() % UInt64(interesting.count))]
      let width = [1, 2, 4, 8][Int(generator.next() % 4)]
      let bytes = (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
      if position + width <= input.count {
        input.replaceSubrange(position..<(position + width), with: bytes)
      } else {
        input.append(contentsOf: bytes)
      }
    default:
      if input.count > 1 {
        let other = Int(generator.next() % UInt64(input.count))
        input.swapAt(position, other)
      }
    }
  }
}

