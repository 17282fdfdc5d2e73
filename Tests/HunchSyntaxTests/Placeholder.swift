import XCTest

final class HunchSyntaxTestsPlaceholder: XCTestCase {}
