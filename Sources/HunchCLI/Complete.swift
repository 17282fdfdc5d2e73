import ArgumentParser
import Foundation
import HunchGGUF
import HunchProvisioning

/// `FILE:LINE:COLUMN`, 1-based as compilers print positions.
struct SourceLocation: ExpressibleByArgument {
  let path: String
  let line: Int
  let column: Int

  init?(argument: String) {
    let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count >= 3, let line = Int(parts[parts.count - 2]), let column = Int(parts[parts.count - 1]),
      line >= 1, column >= 1
    else { return nil }
    path = parts.dropLast(2).joined(separator: ":")
    self.line = line
    self.column = column
  }

  /// The UTF-8 byte offset of this position in `text`; columns count characters and are clamped to the line's end.
  func offset(in text: String) throws -> String.Index {
    var index = text.startIndex
    var currentLine = 1
    while currentLine < line {
      guard let newline = text[index...].firstIndex(of: "\n") else {
        throw ValidationError("\(path) has only \(currentLine) lines, line \(line) was asked for")
      }
      index = text.index(after: newline)
      currentLine += 1
    }
    let lineEnd = text[index...].firstIndex(of: "\n") ?? text.endIndex
    return text.index(index, offsetBy: column - 1, limitedBy: lineEnd) ?? lineEnd
  }
}

struct Complete: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Complete the code at FILE:LINE:COLUMN (1-based) and print the completion.",
    discussion: "Example: hunch complete samples/inventory.py:15:16")

  @Argument(help: "Where to complete, as FILE:LINE:COLUMN.")
  var location: SourceLocation

  @Option(help: "A GGUF file or a pulled model name.")
  var model: String?

  func run() throws {
    let path = try ModelLocator.resolve(model)
    let file = try GGUFFile(path: path)
    let text: String
    do { text = try String(contentsOfFile: location.path, encoding: .utf8) } catch {
      throw ValidationError("cannot read \(location.path): \(error.localizedDescription)")
    }
    let cursor = try location.offset(in: text)
    let summary = file.summary()
    // The inference engine is not in this build yet: say so plainly and show what would be sent.
    print("note: the inference engine is not built yet; this is the prompt Hunch would send to the model.")
    print("model: \(summary.architecture), \(summary.hyperparameters?.blockCount ?? 0) blocks, \(path)")
    print("prompt:")
    print("<|fim_prefix|>" + text[..<cursor] + "<|fim_suffix|>" + text[cursor...] + "<|fim_middle|>")
  }
}
