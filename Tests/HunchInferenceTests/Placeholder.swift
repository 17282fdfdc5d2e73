import XCTest

final class HunchInferenceTestsPlaceholder: XCTestCase {}
