import XCTest

final class HunchCompletionTestsPlaceholder: XCTestCase {}
