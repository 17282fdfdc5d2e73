import Foundation
import HunchKernels
import Synchronization
import XCTest

final class ThreadPoolTests: XCTestCase {
  func testEveryIndexRunsExactlyOnceAcrossManyJobs() {
    let pool = ThreadPool(threadCount: 3)
    XCTAssertEqual(pool.threadCount, 3)
    for job in 0..<300 {
      let count = 1 + (job * 37) % 500
      let chunk = 1 + job % 17
      let hits = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: count)
      for i in 0..<count { (hits + i).initialize(to: Atomic(0)) }
      pool.parallelFor(count: count, chunk: chunk) { range in
        XCTAssertLessThanOrEqual(range.count, chunk)
        for i in range { hits[i].add(1, ordering: .relaxed) }
      }
      for i in 0..<count where hits[i].load(ordering: .relaxed) != 1 {
        XCTFail("job \(job): index \(i) ran \(hits[i].load(ordering: .relaxed)) times")
      }
      hits.deinitialize(count: count)
      hits.deallocate()
    }
  }

  func testWorkersShareTheLoad() {
    let pool = ThreadPool(threadCount: 2, spinMicroseconds: 10_000)
    let threads = Mutex<Set<UInt>>([])
    // On a busy machine the worker may miss a few jobs; it must join in within a few hundred.
    for _ in 0..<500 where threads.withLock({ $0.count }) < 2 {
      pool.parallelFor(count: 64, chunk: 1) { _ in
        let me = UInt(bitPattern: Int(bitPattern: pthread_self()))
        threads.withLock { _ = $0.insert(me) }
        var spin = 0
        for i in 0..<20_000 { spin &+= i }  // enough work for the second thread to claim some chunks
        XCTAssertNotEqual(spin, 0)
      }
    }
    XCTAssertEqual(threads.withLock { $0.count }, 2)
  }

  func testSingleThreadPoolAndEmptyRanges() {
    let pool = ThreadPool(threadCount: 1)
    var seen: [Range<Int>] = []
    pool.parallelFor(count: 10, chunk: 4) { seen.append($0) }
    XCTAssertEqual(seen, [0..<4, 4..<8, 8..<10])
    pool.parallelFor(count: 0, chunk: 4) { _ in XCTFail("no work expected") }
  }

  func testIdlePoolSleeps() {
    let pool = ThreadPool(threadCount: 2, spinMicroseconds: 1000)
    pool.parallelFor(count: 8, chunk: 1) { _ in }
    Thread.sleep(forTimeInterval: 0.05)  // past the spin window
    let before = Self.processCPUSeconds()
    Thread.sleep(forTimeInterval: 0.3)
    let used = Self.processCPUSeconds() - before
    // A spinning worker would burn ~0.3 s here.
    XCTAssertLessThan(used, 0.05, "idle pool used \(used) s of CPU in 0.3 s")
    withExtendedLifetime(pool) {}
  }

  static func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
      + Double(usage.ru_stime.tv_usec) / 1e6
  }
}
