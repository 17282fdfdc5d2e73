import ArgumentParser
import Foundation
import HunchSyntax

struct Grammars: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show the tree-sitter grammars Hunch loads at run time (built by scripts/setup-grammars.sh).",
    subcommands: [List.self, Parse.self, Tags.self],
    defaultSubcommand: List.self
  )

  struct Options: ParsableArguments {
    @Option(help: "Grammars folder (default: $HUNCH_GRAMMARS_DIR or ~/.local/share/hunch/grammars).")
    var directory: String?

    @Option(help: "Query folder searched before <grammars folder>/queries (e.g. grammars/queries while editing them).")
    var queries: String?

    func registry() -> GrammarRegistry {
      let folder = directory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? GrammarRegistry.defaultDirectory()
      var queryFolders = [folder.appendingPathComponent("queries", isDirectory: true)]
      if let queries { queryFolders.insert(URL(fileURLWithPath: queries, isDirectory: true), at: 0) }
      return GrammarRegistry(directory: folder, queryDirectories: queryFolders)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List each grammar: library, ABI version, and whether it loads.")

    @OptionGroup var options: Options

    func run() throws {
      let registry = options.registry()
      let abi = Grammar.supportedABIVersions
      print("grammars folder: \(registry.directory.path)")
      print("libtree-sitter accepts language ABI \(abi.lowerBound)...\(abi.upperBound)")
      for problem in registry.problems { print("note: \(problem)") }
      guard !registry.isPlainTextOnly else {
        print("no grammars: every file is treated as plain text (run scripts/setup-grammars.sh)")
        return
      }
      var loaded = 0
      for (entry, result) in registry.loadAll() {
        let name = entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)
        let library = entry.libraryFile.padding(toLength: 30, withPad: " ", startingAt: 0)
        let extensions = entry.fileExtensions.isEmpty ? "-" : entry.fileExtensions.joined(separator: ",")
        switch result {
        case .success(let grammar):
          loaded += 1
          let queries = registry.queryFile(.tags, language: entry.name) == nil ? "" : "  tags.scm"
          print("\(name) \(library) ABI \(grammar.abiVersion)  loads  .\(extensions)\(queries)")
        case .failure(let error):
          print("\(name) \(library) ABI ?   FAILS  \(error.message)")
        }
      }
      print("\(loaded) of \(registry.entries.count) grammars load")
    }
  }

  struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse a file and print its tree as an S-expression.")

    @OptionGroup var options: Options
    @Option(help: "LSP languageId to use instead of the file extension.") var language: String?
    @Flag(help: "Print timings (full parse, then a one-byte edit in the middle reparsed incrementally) instead.")
    var stats = false
    @Argument(help: "The file to parse.") var file: String

    func run() throws {
      let clock = ContinuousClock()
      let start = clock.now
      let document = try openDocument(file, languageId: language, registry: options.registry())
      let parseTime = clock.now - start
      guard let tree = document.tree else {
        print("no tree: \(document.state)")
        return
      }
      guard stats else {
        print(tree.sExpression)
        if tree.hasError { print("(the tree has errors)") }
        return
      }
      let middle = document.byteOffset(line: document.lineCount / 2, utf16Column: 0)
      let editStart = clock.now
      try document.edit(replacingBytes: middle..<middle, with: " ")
      let editTime = clock.now - editStart
      print("\(document.utf8.count) bytes, \(document.lineCount) lines, \(tree.grammar.name)")
      print("full parse (with grammar loading): \(milliseconds(parseTime)) ms")
      print("incremental reparse after a 1-byte insert: \(milliseconds(editTime)) ms")
    }

    private func milliseconds(_ duration: Duration) -> String {
      let (seconds, attoseconds) = duration.components
      return String(format: "%.2f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
  }

  struct Tags: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the definitions the tags query finds in a file.")

    @OptionGroup var options: Options
    @Option(help: "LSP languageId to use instead of the file extension.") var language: String?
    @Argument(help: "The file to scan.") var file: String

    func run() throws {
      let registry = options.registry()
      let document = try openDocument(file, languageId: language, registry: registry)
      guard let tree = document.tree else {
        print("no tree: \(document.state)")
        return
      }
      let query = try registry.query(.tags, for: tree.grammar)
      for definition in query.definitions(in: tree) {
        let point = document.point(forByteOffset: definition.nameByteRange.lowerBound)
        print(
          "\(point.row + 1):\(point.column + 1)  \(definition.kind)  \(definition.name)  | \(definition.headerText)")
      }
    }
  }
}

private func openDocument(_ path: String, languageId: String?, registry: GrammarRegistry) throws -> SyntaxDocument {
  let data: Data
  do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
    throw ValidationError("cannot read \(path): \(error.localizedDescription)")
  }
  guard let entry = registry.detect(path: path, languageId: languageId) else {
    throw ValidationError("no grammar for \(path) in \(registry.directory.path)")
  }
  let grammar = try registry.grammar(named: entry.name)
  return SyntaxDocument(utf8: Array(data), grammar: grammar)
}
