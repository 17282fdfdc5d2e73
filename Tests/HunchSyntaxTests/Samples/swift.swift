import Foundation

/// A shape that knows its area.
protocol Shape {
  var area: Double { get }
}

struct Circle: Shape {
  let radius: Double

  var area: Double { Double.pi * radius * radius }
}

enum Unit: String {
  case metres
  case feet
}

final class Canvas {
  private(set) var shapes: [Shape] = []
  let unit: Unit

  init(unit: Unit) {
    self.unit = unit
  }

  func add(_ shape: Shape) {
    shapes.append(shape)
  }

  func totalArea() -> Double {
    shapes.reduce(0) { $0 + $1.area }
  }
}

extension Canvas {
  func describe() -> String {
    let total = String(format: "%.2f", totalArea())
    return "\(shapes.count) shapes, \(total) square \(unit.rawValue)"
  }
}

func makeCanvas(radii: [Double]) -> Canvas {
  let canvas = Canvas(unit: .metres)
  for radius in radii where radius > 0 {
    canvas.add(Circle(radius: radius))
  }
  return canvas
}

print(makeCanvas(radii: [1, 2, 3]).describe())
