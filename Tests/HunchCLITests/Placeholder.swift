import XCTest

final class HunchCLITestsPlaceholder: XCTestCase {}
