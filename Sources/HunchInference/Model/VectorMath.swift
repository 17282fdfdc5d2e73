import Foundation

/// Small float kernels of the forward pass that are not matrix products. Written with explicit SIMD vectors because
/// the compiler will not reorder float sums on its own.
enum VectorMath {
  /// out = x / sqrt(mean(x²) + ε) · weight, summing squares in double as ggml does.
  static func rmsNorm(
    _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, epsilon: Float, count: Int,
    into out: UnsafeMutablePointer<Float>
  ) {
    var sum: Double = 0
    for i in 0..<count { sum += Double(x[i] * x[i]) }
    let mean = Float(sum / Double(count))
    let scale = 1 / (mean + epsilon).squareRoot()
    for i in 0..<count { out[i] = x[i] * scale * weight[i] }
  }

  /// In-place softmax over `count` values; returns nothing, normalises with a double-precision sum.
  static func softmax(_ x: UnsafeMutablePointer<Float>, _ count: Int) {
    var maximum = -Float.infinity
    for i in 0..<count where x[i] > maximum { maximum = x[i] }
    var sum: Double = 0
    for i in 0..<count {
      let e = expf(x[i] - maximum)
      x[i] = e
      sum += Double(e)
    }
    let inverse = Float(1 / sum)
    for i in 0..<count { x[i] *= inverse }
  }

  static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int) {
    for i in 0..<count { y[i] += x[i] }
  }
}

/// Rotary position embeddings with ggml's angle recurrence (θ_i = pos · base^(-2i/d), built by repeated
/// multiplication) so that angles match the reference bit for bit.
struct Rotary {
  let dimensions: Int
  let layout: RopeLayout
  let thetaScale: Float

  init(dimensions: Int, base: Float, layout: RopeLayout) {
    self.dimensions = dimensions
    self.layout = layout
    thetaScale = powf(base, -2 / Float(dimensions))
  }

  /// Fills `table` (dimensions/2 cos values then dimensions/2 sin values) for `position`.
  func angles(position: Int, into table: UnsafeMutablePointer<Float>) {
    let half = dimensions / 2
    var theta = Float(position)
    for i in 0..<half {
      table[i] = cosf(theta)
      table[half + i] = sinf(theta)
      theta *= thetaScale
    }
  }

  /// Rotates `heads` consecutive head vectors in place with the angles in `table`.
  func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, table: UnsafePointer<Float>) {
    let half = dimensions / 2
    for h in 0..<heads {
      let v = x + h * dimensions
      for i in 0..<half {
        let c = table[i]
        let s = table[half + i]
        let (a, b) = layout == .interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
        let x0 = v[a]
        let x1 = v[b]
        v[a] = x0 * c - x1 * s
        v[b] = x0 * s + x1 * c
      }
    }
  }
}
