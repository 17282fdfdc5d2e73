import XCTest

final class HunchGGUFTestsPlaceholder: XCTestCase {}
