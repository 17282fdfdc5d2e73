import HunchCompletion
import XCTest

final class PromptBudgetAnchorTests: XCTestCase {
  /// One token per character plus the newline: easy arithmetic.
  private let budget = PromptBudget(countTokens: { $0.count })

  func testAnchoredWindowStartsOnAMultipleAndStaysPutWhileTyping() {
    let lines = (0..<100).map { String(format: "line%03d", $0) }  // 8 tokens each with the newline
    // 40 lines fit in 320 tokens: unanchored, the window starts at line 60.
    let plain = budget.keptPrefixLines(
      lines: lines, currentLinePrefix: "", budget: 320, scopeHeaderLines: [], importLines: [])
    XCTAssertEqual(plain.first, 60)
    let anchored = budget.keptPrefixLines(
      lines: lines, currentLinePrefix: "", budget: 320, scopeHeaderLines: [], importLines: [], anchorLines: 16)
    XCTAssertEqual(anchored.first, 64)
    XCTAssertEqual(anchored.last, 99)
    // Typing more lines: the unanchored start would move with each; the anchored one stays until it must move,
    // then jumps to the next multiple.
    for extra in 1...4 {
      let longer = lines + (0..<extra).map { String(format: "more%03d", $0) }
      let moved = budget.keptPrefixLines(
        lines: longer, currentLinePrefix: "", budget: 320, scopeHeaderLines: [], importLines: [], anchorLines: 16)
      XCTAssertEqual(moved.first, 64, "after \(extra) new lines")
    }
    let jumped = budget.keptPrefixLines(
      lines: lines + (0..<5).map { String(format: "more%03d", $0) }, currentLinePrefix: "", budget: 320,
      scopeHeaderLines: [], importLines: [], anchorLines: 16)
    XCTAssertEqual(jumped.first, 80)
  }

  func testHeadersStayWhenTheAnchorDropsLines() {
    let lines = (0..<100).map { String(format: "line%03d", $0) }
    let kept = budget.keptPrefixLines(
      lines: lines, currentLinePrefix: "", budget: 320, scopeHeaderLines: [61], importLines: [0], anchorLines: 16)
    XCTAssertTrue(kept.contains(0))
    XCTAssertTrue(kept.contains(61))
    XCTAssertFalse(kept.contains(62))
  }
}
