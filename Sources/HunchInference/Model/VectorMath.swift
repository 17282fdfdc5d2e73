import Foundation

/// The residual add (the compiler vectorizes it: no sum to reorder). RMS norm and SwiGLU are `Elementwise` kernels.
enum VectorMath {
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
