import ArgumentParser
import Foundation
import HunchCompletion
import HunchInference
import HunchProvisioning
import HunchRemote
import HunchRuntime
import HunchSettings
import HunchSyntax

/// `FILE:LINE:COLUMN`, 1-based as compilers print positions (columns count characters).
struct SourceLocation: ExpressibleByArgument {
  let path: String
  let line: Int
  let column: Int

  init?(argument: String) {
    let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count >= 2, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]),
      line >= 1, column >= 1
    else { return nil }
    path = parts.dropLast(2).joined(separator: ":")
    self.line = line
    self.column = column
  }

  /// The UTF-8 byte offset of this position in `text`; a column past the line's end is clamped to it.
  func byteOffset(in text: String) throws -> Int {
    var index = text.startIndex
    var currentLine = 1
    while currentLine < line {
      guard let newline = text[index...].firstIndex(of: "\n") else {
        throw ValidationError("the buffer has only \(currentLine) lines, line \(line) was asked for")
      }
      index = text.index(after: newline)
      currentLine += 1
    }
    let lineEnd = text[index...].firstIndex(of: "\n") ?? text.endIndex
    var cursor = index
    var remaining = column - 1
    while remaining > 0 && cursor < lineEnd {
      cursor = text.unicodeScalars.index(after: cursor)
      remaining -= 1
    }
    return text.utf8.distance(from: text.utf8.startIndex, to: cursor)
  }
}

struct Complete: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Complete the code at FILE:LINE:COLUMN (1-based) and print the completion.",
    discussion: """
      Examples:
        hunch complete samples/inventory.py:15:16
        hunch complete --stdin --json main.swift:12:5 < main.swift
      With --stdin the buffer comes from standard input and FILE only names it (its extension picks the language).
      Settings come from the settings file (see `hunch serve --help`); options given here override it.
      """)

  @Argument(help: "Where to complete, as FILE:LINE:COLUMN.")
  var location: SourceLocation

  @Flag(help: "Read the buffer from standard input instead of FILE.")
  var stdin = false

  @Flag(help: "Print JSON with the completion, the range it replaces, timings and token counts.")
  var json = false

  @Option(help: "A GGUF file or a pulled model name.")
  var model: String?

  @Option(help: "The LSP language id (default: from the file extension).")
  var language: String?

  @Option(help: "Most tokens to generate for a single line.")
  var maxTokens: Int?

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int?

  @Option(help: "A smaller model with the same tokenizer that drafts tokens (speculative decoding).")
  var draftModel: String?

  @Flag(help: "Decode plainly, without speculative decoding.")
  var noSpeculative = false

  @OptionGroup(title: "Remote backend")
  var remote: RemoteOptions

  func validate() throws {
    if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  func run() throws {
    let text: String
    if stdin {
      let data = FileHandle.standardInput.readDataToEndOfFile()
      guard let decoded = String(data: data, encoding: .utf8) else {
        throw ValidationError("standard input is not UTF-8 text")
      }
      text = decoded
    } else {
      do { text = try String(contentsOfFile: location.path, encoding: .utf8) } catch {
        throw ValidationError("cannot read \(location.path) as UTF-8 text: \(error.localizedDescription)")
      }
    }
    let cursor = try location.byteOffset(in: text)
    let registry = GrammarRegistry.standard()
    let languageID = language ?? registry.entry(forPath: location.path)?.languageIds.first
      ?? registry.entry(forPath: location.path)?.name ?? "plaintext"

    var commandLine = HunchSettings()
    commandLine.model = model
    commandLine.threads = threads
    commandLine.maxTokens = maxTokens
    commandLine.draftModel = draftModel
    if noSpeculative { commandLine.speculative = false }
    let (userSettings, warnings) = UserSettings.load(commandLine: commandLine)
    for warning in warnings { FileHandle.standardError.write(Data("hunch: \(warning)\n".utf8)) }
    let oracle = TreeSitterSyntaxOracle(registry: registry)
    let document = OpenDocument(path: location.path, languageID: languageID, text: text)
    let request = CompletionRequest(document: document, cursor: cursor)
    let result: CompletionResult
    let stats: GenerationStats
    var backendName = "local"
    var remoteStats: RemoteGenerationStats?
    if let remoteSettings = try remote.settings(file: userSettings) {
      // The local model is the fallback and its vocabulary the tokenizer, when there is one.
      let modelPath = try? ModelLocator.resolve(userSettings.model)
      let localSettings = try? LocalModelSettings(modelPath: modelPath ?? "").applying(userSettings)
      let engine = localSettings?.engine ?? LocalModelSettings(modelPath: "").engine
      let local = modelPath.flatMap { path -> CompletionService? in
        guard var settings = localSettings else { return nil }
        settings.modelPath = path
        return CompletionService(settings: settings, oracle: oracle)
      }
      let service = RemoteCompletionService(
        settings: remoteSettings, local: local, engineConfig: engine, oracle: oracle,
        onNotice: { notice in
          if case .serverDown(let message) = notice { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        })
      (result, stats) = try service.complete(request)
      backendName = service.lastBackend
      remoteStats = service.lastRemoteStats
    } else {
      let settings = try LocalModelSettings(modelPath: try ModelLocator.resolve(userSettings.model))
        .applying(userSettings)
      let service = CompletionService(settings: settings, oracle: oracle)
      (result, stats) = try service.complete(request)
    }

    if json {
      var report = CompletionReport(result: result, stats: stats, text: text, languageID: languageID)
      report.backend = backendName
      report.remote = remoteStats
      print(try report.json())
    } else {
      print(result.text)
    }
  }
}

/// What `hunch complete --json` prints.
struct CompletionReport: Encodable {
  struct Position: Encodable {
    let line: Int  // 1-based
    let column: Int  // 1-based, in characters
  }
  let completion: String
  let language: String
  let start: Position
  let end: Position
  let byteRange: [Int]
  let shape: String
  let stopReason: String
  let fimFamily: String
  let promptTokens: Int
  let promptTokensReused: Int
  let promptTokensComputed: Int
  let generatedTokens: Int
  let prepareMilliseconds: Double
  let promptMilliseconds: Double
  let generationMilliseconds: Double
  let totalMilliseconds: Double
  /// Per drafter: verification steps, tokens drafted and accepted.
  let drafters: [DrafterStats]
  /// Which backend answered: local, remote, or none (server down, no fallback).
  var backend = "local"
  /// The remote server's measurements, when it answered.
  var remote: RemoteGenerationStats?

  init(result: CompletionResult, stats: GenerationStats, text: String, languageID: String) {
    let d = result.diagnostics
    completion = result.text
    language = languageID
    start = Self.position(of: result.replacing.lowerBound, in: text)
    end = Self.position(of: result.replacing.upperBound, in: text)
    byteRange = [result.replacing.lowerBound, result.replacing.upperBound]
    shape = "\(d.shape)"
    stopReason = d.stopReason.rawValue
    fimFamily = "\(d.family)"
    promptTokens = d.promptTokens
    promptTokensReused = stats.promptTokensReused
    promptTokensComputed = stats.promptTokensComputed
    generatedTokens = d.generatedTokens
    prepareMilliseconds = d.prepareMilliseconds
    promptMilliseconds = d.promptMilliseconds
    generationMilliseconds = d.generationMilliseconds
    totalMilliseconds = d.totalMilliseconds
    drafters = stats.drafters
  }

  static func position(of byteOffset: Int, in text: String) -> Position {
    let utf8 = text.utf8
    let index = utf8.index(utf8.startIndex, offsetBy: min(max(0, byteOffset), utf8.count))
    let before = text.unicodeScalars[..<index]
    let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    let lineStart = before.lastIndex(of: "\n").map { text.unicodeScalars.index(after: $0) } ?? text.startIndex
    return Position(line: line, column: text.unicodeScalars[lineStart..<index].count + 1)
  }

  func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(self), as: UTF8.self)
  }
}
