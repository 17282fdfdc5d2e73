import Foundation

/// The target chosen on the command line, reached from libFuzzer's C callback (which cannot capture).
enum FuzzRun {
  nonisolated(unsafe) static var target: (any FuzzTarget)?

  static func runOne(_ data: UnsafePointer<UInt8>?, _ size: Int) {
    guard let target else { return }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    target.run(bytes)
  }
}
