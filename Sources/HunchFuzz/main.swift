import CHunchFuzzDriver
import Foundation

// hunch-fuzz TARGET [libFuzzer options and corpus folders]
//
// Built by bench/fuzz.sh with coverage instrumentation and libFuzzer linked in, it is a libFuzzer binary. In an
// ordinary build (no libFuzzer) it runs `SeededDriver` instead, which understands -max_total_time=, -runs= and
// -seed= and reads the same corpus folders.

let arguments = CommandLine.arguments
if arguments.count < 2 || arguments[1] == "--list" || arguments[1] == "--help" {
  print("usage: hunch-fuzz TARGET [options] [CORPUS_DIR...]\ntargets:")
  for target in FuzzTargets.all { print("  \(target.name): \(target.summary)") }
  exit(arguments.count < 2 ? 2 : 0)
}
guard let targetType = FuzzTargets.named(arguments[1]) else {
  FileHandleOutput.standardError("hunch-fuzz: no target named \(arguments[1]) (try --list)\n")
  exit(2)
}
if arguments.count == 4 && arguments[2] == "--write-seeds" {
  let folder = arguments[3]
  try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  for (index, seed) in targetType.seeds().enumerated() {
    _ = FileManager.default.createFile(atPath: folder + "/seed-\(index)", contents: Data(seed))
  }
  print("\(targetType.seeds().count) seeds written to \(folder)")
  exit(0)
}
let target: any FuzzTarget
do {
  target = try targetType.init()
} catch {
  FileHandleOutput.standardError("hunch-fuzz: cannot set up \(targetType.name): \(error)\n")
  exit(2)
}
FuzzRun.target = target

var options = Array(arguments.dropFirst(2))
if !options.contains(where: { $0.hasPrefix("-max_len=") }) {
  options.insert("-max_len=\(targetType.maximumInputLength)", at: 0)
}

if hunch_fuzz_libfuzzer_available() != 0 {
  // libFuzzer parses argv itself; the target name is ours, so it is left out.
  var cStrings: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + options).map { strdup($0) }
  cStrings.append(nil)
  var argc = Int32(cStrings.count - 1)
  let status = cStrings.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return hunch_fuzz_run_libfuzzer(&argc, &argv) { data, size in
      FuzzRun.runOne(data, size)
      return 0
    }
  }
  exit(status)
} else {
  exit(SeededDriver(targetName: targetType.name, maximumLength: targetType.maximumInputLength, options: options).run())
}
