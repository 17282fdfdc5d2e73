/// Why a GGUF file was refused. Files come from strangers, so every failure names what was wrong and where.
public struct GGUFError: Error, CustomStringConvertible, Equatable, Sendable {
  public enum Code: String, Sendable {
    case cannotOpen
    case badMagic
    case unsupportedVersion
    case truncated
    case countTooLarge
    case invalidString
    case unknownValueType
    case nestingTooDeep
    case duplicateKey
    case wrongValueType
    case missingKey
    case badAlignment
    case badDimensions
    case unknownTensorType
    case rowNotWholeBlocks
    case sizeOverflow
    case duplicateTensor
    case tensorOutOfBounds
    case tensorMisaligned
    case tensorsOverlap
    case missingTensor
    case tensorShape
  }

  public let code: Code
  public let message: String
  /// Byte offset in the file where the problem was found, when it has one.
  public let offset: Int?

  public init(_ code: Code, _ message: String, offset: Int? = nil) {
    self.code = code
    self.message = message
    self.offset = offset
  }

  public var description: String {
    if let offset { return "\(message) (at byte \(offset))" }
    return message
  }
}
