import Foundation

extension CompletionResult {
  /// Nothing to insert at `cursor`: the answer when no model could be reached.
  public static func empty(at cursor: Int, family: FIMFamily = .prefixOnly) -> CompletionResult {
    var diagnostics = CompletionDiagnostics(family: family, shape: .line)
    diagnostics.stopReason = .cancelled
    return CompletionResult(text: "", replacing: cursor..<cursor, diagnostics: diagnostics)
  }
}
