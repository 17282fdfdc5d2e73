import XCTest

final class HunchKernelsTestsPlaceholder: XCTestCase {}
