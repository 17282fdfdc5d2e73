/// The most recent request latencies, for percentiles in `hunch.status`. Fixed capacity: old ones fall out, so a
/// server that runs for days keeps constant memory and reports how it is doing now.
struct LatencyWindow {
  let capacity: Int
  /// (capacity) milliseconds, a ring once full.
  private var samples: [Double] = []
  private var next = 0
  private(set) var total = 0

  init(capacity: Int) {
    self.capacity = max(1, capacity)
    samples.reserveCapacity(self.capacity)
  }

  mutating func record(milliseconds: Double) {
    total += 1
    if samples.count < capacity {
      samples.append(milliseconds)
    } else {
      samples[next] = milliseconds
      next = (next + 1) % capacity
    }
  }

  /// The value below which `fraction` of the window lies (nearest rank); nil when empty.
  func percentile(_ fraction: Double) -> Double? {
    guard !samples.isEmpty else { return nil }
    let sorted = samples.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
  }

  var summary: JSONValue {
    func value(_ fraction: Double) -> JSONValue {
      percentile(fraction).map { .double(($0 * 10).rounded() / 10) } ?? .null
    }
    return .object([
      "p50": value(0.5), "p95": value(0.95), "p99": value(0.99), "window": .integer(samples.count),
      "total": .integer(total),
    ])
  }
}
