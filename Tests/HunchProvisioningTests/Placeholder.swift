import XCTest

final class HunchProvisioningTestsPlaceholder: XCTestCase {}
