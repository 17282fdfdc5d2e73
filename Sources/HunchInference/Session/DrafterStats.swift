import Foundation

/// One drafter's share of a speculative generation.
public struct DrafterStats: Sendable, Codable, Equatable {
  public var name: String
  /// Verification passes run on this drafter's proposals.
  public var steps = 0
  public var drafted = 0
  public var accepted = 0
  /// Wall-clock seconds spent proposing (a draft model's own forward passes) and verifying.
  public var proposeSeconds = 0.0
  public var verifySeconds = 0.0

  public init(name: String) { self.name = name }

  public var acceptanceRate: Double { drafted > 0 ? Double(accepted) / Double(drafted) : 0 }
}
