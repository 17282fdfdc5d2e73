import CTreeSitter
import Foundation

/// The grammars found in a grammars folder, loaded on first use with dlopen/dlsym so users can add a language by
/// dropping in a library (and a line in local.tsv) without rebuilding Hunch. A missing folder or a grammar that fails
/// to load is never fatal: lookups return nil or a typed error and callers treat the file as plain text.
public final class GrammarRegistry: @unchecked Sendable {
  /// The folder holding the libraries, manifest.tsv, local.tsv and queries/.
  public let directory: URL
  /// Folders searched, in order, for `<language>/<kind>.scm` query files.
  public let queryDirectories: [URL]
  /// Whether `directory` exists.
  public let folderExists: Bool
  /// Every grammar offered, local.tsv entries overriding manifest.tsv ones of the same name.
  public let entries: [GrammarEntry]
  /// Problems met while reading the folder (missing folder, bad manifest lines); informative only.
  public let problems: [SyntaxError]

  // Guarded by `lock`: results are cached, failures included, so a broken grammar is tried once.
  let lock = NSLock()
  private var grammars: [String: Result<Grammar, SyntaxError>] = [:]
  private var libraries: [String: Result<UnsafeMutableRawPointer, SyntaxError>] = [:]
  var queries: [String: Result<SyntaxQuery, SyntaxError>] = [:]

  public static let manifestFileName = "manifest.tsv"
  public static let localManifestFileName = "local.tsv"

  /// $HUNCH_GRAMMARS_DIR, else ${XDG_DATA_HOME:-$HOME/.local/share}/hunch/grammars (the set-up script's default).
  public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
    if let explicit = environment["HUNCH_GRAMMARS_DIR"], !explicit.isEmpty {
      return URL(fileURLWithPath: explicit, isDirectory: true)
    }
    let dataHome: URL
    if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
      dataHome = URL(fileURLWithPath: xdg, isDirectory: true)
    } else {
      let home =
        environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
        ?? FileManager.default.homeDirectoryForCurrentUser
      dataHome = home.appendingPathComponent(".local/share", isDirectory: true)
    }
    return dataHome.appendingPathComponent("hunch/grammars", isDirectory: true)
  }

  /// The registry for the default grammars folder.
  public static func standard() -> GrammarRegistry { GrammarRegistry(directory: defaultDirectory()) }

  /// Reads the folder's manifests; nothing is loaded yet. `queryDirectories` defaults to `<directory>/queries`.
  public init(directory: URL, queryDirectories: [URL]? = nil) {
    self.directory = directory
    self.queryDirectories = queryDirectories ?? [directory.appendingPathComponent("queries", isDirectory: true)]
    var isDirectory: ObjCBool = false
    let exists =
      FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue
    folderExists = exists
    guard exists else {
      entries = []
      problems = [
        SyntaxError(
          .grammarsFolderMissing,
          "grammars folder \(directory.path) does not exist; run scripts/setup-grammars.sh (plain-text mode until then)"
        )
      ]
      return
    }
    var byName: [String: GrammarEntry] = [:]
    var order: [String] = []
    var problems: [SyntaxError] = []
    for (fileName, origin) in [
      (Self.manifestFileName, GrammarEntry.Origin.manifest), (Self.localManifestFileName, .local),
    ] {
      let url = directory.appendingPathComponent(fileName)
      guard FileManager.default.fileExists(atPath: url.path) else { continue }
      guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        problems.append(SyntaxError(.manifestInvalid, "cannot read \(url.path) as UTF-8 text"))
        continue
      }
      let parsed = GrammarEntry.parseManifest(text, origin: origin, fileName: fileName)
      problems += parsed.problems
      for entry in parsed.entries {
        if byName[entry.name] == nil { order.append(entry.name) }
        byName[entry.name] = entry
      }
    }
    for entry in Self.discoverUnlisted(in: directory, listed: Set(byName.values.map(\.libraryFile)))
    where byName[entry.name] == nil {
      order.append(entry.name)
      byName[entry.name] = entry
    }
    entries = order.compactMap { byName[$0] }
    self.problems = problems
  }

  /// Libraries named libtree-sitter-<name>.so that no manifest lists. A library with a `.symbols` list beside it
  /// holds several grammars and needs manifest lines, so it is not guessed at.
  private static func discoverUnlisted(in directory: URL, listed: Set<String>) -> [GrammarEntry] {
    let prefix = "libtree-sitter-"
    let suffix = ".so"
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.sorted().compactMap { file in
      guard file.hasPrefix(prefix), file.hasSuffix(suffix), !listed.contains(file) else { return nil }
      let symbolsFile = String(file.dropLast(suffix.count)) + ".symbols"
      if FileManager.default.fileExists(atPath: directory.appendingPathComponent(symbolsFile).path) { return nil }
      let name = String(file.dropFirst(prefix.count).dropLast(suffix.count))
      guard !name.isEmpty else { return nil }
      return GrammarEntry(
        name: name, fileExtensions: [], languageIds: [name], libraryFile: file,
        symbol: "tree_sitter_" + name.replacingOccurrences(of: "-", with: "_"), origin: .discovered)
    }
  }

  /// True when no grammar is offered at all: every file is plain text.
  public var isPlainTextOnly: Bool { entries.isEmpty }

  public func entry(named name: String) -> GrammarEntry? { entries.first { $0.name == name } }

  /// Loads (once) and ABI-checks the named grammar.
  public func grammar(named name: String) throws(SyntaxError) -> Grammar {
    try loadResult(named: name).get()
  }

  /// The outcome of loading the named grammar (loaded once; the failure is cached too).
  public func loadResult(named name: String) -> Result<Grammar, SyntaxError> {
    lock.lock()
    defer { lock.unlock() }
    if let cached = grammars[name] { return cached }
    let result: Result<Grammar, SyntaxError>
    if let entry = entries.first(where: { $0.name == name }) {
      result = loadLocked(entry)
    } else if !folderExists {
      result = .failure(problems.first ?? SyntaxError(.grammarsFolderMissing, "no grammars folder"))
    } else {
      result = .failure(SyntaxError(.unknownLanguage, "no grammar named '\(name)' in \(directory.path)"))
    }
    grammars[name] = result
    return result
  }

  /// The load outcome of every entry, in listing order (loads each one).
  public func loadAll() -> [(entry: GrammarEntry, result: Result<Grammar, SyntaxError>)] {
    entries.map { ($0, loadResult(named: $0.name)) }
  }

  private func loadLocked(_ entry: GrammarEntry) -> Result<Grammar, SyntaxError> {
    let path = directory.appendingPathComponent(entry.libraryFile).path
    guard FileManager.default.fileExists(atPath: path) else {
      return .failure(SyntaxError(.libraryMissing, "\(entry.name): library \(path) not found"))
    }
    let handle: UnsafeMutableRawPointer
    if let cached = libraries[path] {
      switch cached {
      case .success(let open): handle = open
      case .failure(let error): return .failure(error)
      }
    } else {
      // RTLD_LOCAL: grammars' symbols stay out of the global namespace; libraries are never closed since languages
      // and trees point into them.
      guard let open = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
        let error = SyntaxError(
          .libraryLoadFailed, "\(entry.name): cannot load \(path)", cause: dlerror().map { String(cString: $0) })
        libraries[path] = .failure(error)
        return .failure(error)
      }
      libraries[path] = .success(open)
      handle = open
    }
    _ = dlerror()
    guard let symbol = dlsym(handle, entry.symbol) else {
      return .failure(
        SyntaxError(
          .symbolMissing, "\(entry.name): \(entry.libraryFile) does not export \(entry.symbol)",
          cause: dlerror().map { String(cString: $0) }))
    }
    typealias LanguageFunction = @convention(c) () -> OpaquePointer?
    let languageFunction = unsafeBitCast(symbol, to: LanguageFunction.self)
    guard let language = languageFunction() else {
      return .failure(SyntaxError(.libraryLoadFailed, "\(entry.name): \(entry.symbol)() returned no language"))
    }
    let grammar = Grammar(entry: entry, libraryPath: path, language: language)
    guard Grammar.supportedABIVersions.contains(grammar.abiVersion) else {
      let range = Grammar.supportedABIVersions
      return .failure(
        SyntaxError(
          .incompatibleABI,
          "\(entry.name): grammar ABI \(grammar.abiVersion) is outside \(range.lowerBound)...\(range.upperBound), "
            + "which the linked libtree-sitter accepts; pin an older release of the grammar"))
    }
    return .success(grammar)
  }

  func withLock<T>(_ body: () -> T) -> T {
    lock.lock()
    defer { lock.unlock() }
    return body()
  }
}
