import Foundation
import HunchKernels

/// A small seeded generator so failures reproduce.
struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

enum TestData {
  /// Byte offsets of the f16 scale fields in one block.
  static func halfOffsets(_ type: TensorType) -> [Int] {
    switch type {
    case .q4_0, .q5_0, .q8_0: return [0]
    case .q4_1, .q4_K: return [0, 2]
    case .q6_K: return [208]
    default: return []
    }
  }

  /// A moderate random half: ±2^[-12, 2], sometimes zero.
  static func randomHalf(_ rng: inout SplitMix) -> UInt16 {
    if Int.random(in: 0..<20, using: &rng) == 0 { return 0 }
    let magnitude = Float(pow(2.0, Double.random(in: -12...2, using: &rng)))
    return Half.fromFloat(Bool.random(using: &rng) ? magnitude : -magnitude)
  }

  enum WeightPattern { case random, allZeroBits, allOneBits }

  /// `count` elements of random valid weights in `type`.
  static func weights(_ type: TensorType, count: Int, rng: inout SplitMix, pattern: WeightPattern = .random) -> [UInt8]
  {
    let blocks = count / type.blockSize
    var bytes = [UInt8](repeating: 0, count: blocks * type.blockBytes)
    switch type {
    case .f32:
      for i in 0..<count {
        let value = Float.random(in: -2...2, using: &rng)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(4 * i..<4 * i + 4, with: $0) }
      }
      return bytes
    case .f16:
      for i in 0..<count {
        let half = Half.fromFloat(Float.random(in: -2...2, using: &rng))
        bytes[2 * i] = UInt8(half & 0xFF)
        bytes[2 * i + 1] = UInt8(half >> 8)
      }
      return bytes
    default: break
    }
    for i in bytes.indices {
      switch pattern {
      case .random: bytes[i] = UInt8.random(in: 0...255, using: &rng)
      case .allZeroBits: bytes[i] = 0
      case .allOneBits: bytes[i] = type == .q8_0 ? 0x80 : 0xFF  // Q8_0: −128 everywhere, the widest int8
      }
    }
    for block in 0..<blocks {
      for offset in halfOffsets(type) {
        let half = randomHalf(&rng)
        bytes[block * type.blockBytes + offset] = UInt8(half & 0xFF)
        bytes[block * type.blockBytes + offset + 1] = UInt8(half >> 8)
      }
    }
    return bytes
  }

  enum ActivationPattern: CaseIterable { case gaussian, zeros, constant, spiky, ties, tiny }

  /// Activations with awkward shapes: exact zeros, a constant, one spike per block, values that scale onto .5 ties.
  static func activations(count: Int, pattern: ActivationPattern, rng: inout SplitMix) -> [Float] {
    switch pattern {
    case .gaussian:
      return (0..<count).map { _ in
        let u = Float.random(in: 1e-7...1, using: &rng), v = Float.random(in: 0...1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v) * 3
      }
    case .zeros: return [Float](repeating: 0, count: count)
    case .constant: return [Float](repeating: -0.75, count: count)
    case .spiky:
      return (0..<count).map { i in i % 32 == 5 ? 1000 : Float.random(in: -0.01...0.01, using: &rng) }
    case .ties:
      // Each 32-block holds ±127 so the scale is exactly 1: the other values land on k + 0.5.
      return (0..<count).map { i in
        i % 32 == 0 ? (i % 64 == 0 ? 127 : -127) : Float(Int.random(in: -120...120, using: &rng)) + 0.5
      }
    case .tiny: return (0..<count).map { _ in Float.random(in: -1e-6...1e-6, using: &rng) }
    }
  }

  /// Dequantized values of an activation row in a partner format (d·q per element).
  static func activationValues(_ format: TensorType, _ bytes: UnsafeRawPointer, count: Int) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    for i in 0..<count {
      switch format {
      case .q8_0:
        let block = bytes + (i / 32) * 34
        values[i] =
          Half.toFloat(block.loadUnaligned(as: UInt16.self))
          * Float(block.load(fromByteOffset: 2 + i % 32, as: Int8.self))
      case .q8_1:
        let block = bytes + (i / 32) * 36
        values[i] =
          Half.toFloat(block.loadUnaligned(as: UInt16.self))
          * Float(block.load(fromByteOffset: 4 + i % 32, as: Int8.self))
      case .q8_K:
        let block = bytes + (i / 256) * 292
        values[i] = block.loadUnaligned(as: Float.self) * Float(block.load(fromByteOffset: 4 + i % 256, as: Int8.self))
      default:
        values[i] = bytes.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
      }
    }
    return values
  }

  static func fixture(_ name: String) throws -> Data {
    guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
      throw CocoaError(.fileNoSuchFile)
    }
    return try Data(contentsOf: directory.appendingPathComponent(name))
  }
}
