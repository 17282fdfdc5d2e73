import Foundation
import HunchKernels
import Synchronization
import XCTest

/// Regression test for the race ThreadSanitizer found (scripts/sanitize.sh thread; docs/reliability.md): a worker
/// late from one job could claim a chunk of the next, larger job under the old job's ticket, so a chunk ran twice and
/// the caller returned while a chunk still ran. Back-to-back jobs whose chunk count alternates small and large make
/// that window as likely as it gets; every index of every job must run exactly once, and no chunk may still be
/// running when `parallelFor` returns.
final class ThreadPoolRaceTests: XCTestCase {
  func testBackToBackJobsOfGrowingSizeRunEachChunkOnceAndFinishBeforeReturning() {
    runBackToBackJobs { _ in .uniform }
  }

  /// The same with guided claims, whose length a late worker computes from the next job's count, and with the two
  /// schedules alternating.
  func testBackToBackGuidedAndMixedJobsRunEachIndexOnceAndFinishBeforeReturning() {
    runBackToBackJobs { _ in .guided }
    runBackToBackJobs { job in job % 3 == 0 ? .guided : .uniform }
  }

  private func runBackToBackJobs(schedule: (Int) -> ThreadPool.Schedule) {
    let pool = ThreadPool(threadCount: 3, spinMicroseconds: 1000)
    let running = Atomic<Int>(0)
    let hits = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: 64)
    defer { hits.deallocate() }
    for job in 0..<20_000 {
      let count = job % 2 == 0 ? 2 : 64
      for index in 0..<count { (hits + index).initialize(to: Atomic(0)) }
      pool.parallelFor(count: count, chunk: 1, schedule: schedule(job)) { range in
        running.add(1, ordering: .relaxed)
        for index in range { hits[index].add(1, ordering: .relaxed) }
        running.subtract(1, ordering: .releasing)
      }
      XCTAssertEqual(running.load(ordering: .acquiring), 0, "job \(job): a chunk still runs after parallelFor returned")
      for index in 0..<count where hits[index].load(ordering: .relaxed) != 1 {
        XCTFail("job \(job): index \(index) ran \(hits[index].load(ordering: .relaxed)) times")
        return
      }
    }
  }
}
