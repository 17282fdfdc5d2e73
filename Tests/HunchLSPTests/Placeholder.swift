import XCTest

final class HunchLSPTestsPlaceholder: XCTestCase {}
