import CHunchKernels
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Long-lived worker threads for data-parallel loops (the matmul core), created once.
///
/// `parallelFor` splits `0..<count` into chunks handed out through an atomic counter (all the same size, or shrinking
/// as the work runs out: `Schedule`); the calling thread works too, and returns once every chunk is done. Between jobs workers spin briefly (so back-to-back matmuls in a forward pass
/// do not pay a wake-up) and then sleep on a condition variable, so an idle pool uses no CPU.
/// One `parallelFor` runs at a time; concurrent callers are serialized. A body must not call `parallelFor` on the
/// same pool (it would wait for itself).
public final class ThreadPool: @unchecked Sendable {
  /// Threads that run chunks, the caller included.
  public let threadCount: Int
  private let state: PoolState
  private var threads: [pthread_t] = []

  /// `threadCount` defaults to the active processor count; `spinMicroseconds` is how long an idle worker keeps
  /// polling for the next job before it sleeps.
  public init(threadCount: Int = ProcessInfo.processInfo.activeProcessorCount, spinMicroseconds: Int = 300) {
    self.threadCount = max(1, threadCount)
    state = PoolState(spinNanoseconds: UInt64(max(0, spinMicroseconds)) * 1000)
    for _ in 1..<self.threadCount {
      var thread = pthread_t()
      let context = Unmanaged.passRetained(state).toOpaque()
      let created = pthread_create(
        &thread, nil,
        { context in
          guard let context else { return nil }
          let state = Unmanaged<PoolState>.fromOpaque(context).takeRetainedValue()
          state.workerLoop()
          return nil
        }, context)
      if created == 0 {
        threads.append(thread)
      } else {
        Unmanaged<PoolState>.fromOpaque(context).release()  // fewer workers; the caller still does all chunks
      }
    }
  }

  deinit {
    state.stop()
    for thread in threads { pthread_join(thread, nil) }
  }

  /// How a `parallelFor` cuts its indices into chunks.
  public enum Schedule: Sendable {
    /// Every chunk is `chunk` indices long (the last may be shorter).
    case uniform
    /// Each claim takes 1/threadCount of the indices still unclaimed, but at least `chunk`: long first chunks (a
    /// memory stream each), and short ones at the end, so the threads finish within one short chunk of each other.
    case guided
  }

  /// Runs `body` over `0..<count` in chunks of `chunk` indices (`schedule` says how they are cut), on the workers and
  /// the calling thread; returns when all are done. `body` must be safe to call concurrently for disjoint ranges.
  public func parallelFor(
    count: Int, chunk: Int, schedule: Schedule = .uniform, body: @escaping (Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let chunk = max(1, chunk)
    // More indices than the ticket's 32-bit index can count (never in practice) run on the caller alone.
    if count <= chunk || threads.isEmpty || count >= Int(UInt32.max) {
      var start = 0
      while start < count {
        body(start..<min(count, start + chunk))
        start += chunk
      }
      return
    }
    state.run(count: count, chunk: chunk, divisor: schedule == .guided ? threadCount : 0, body: body)
  }
}

/// The state the workers share with the pool; owned separately so the pool's deinit can stop and join them.
final class PoolState: @unchecked Sendable {
  // High 32 bits: job generation; low 32 bits: the first index of that job not yet claimed.
  private let ticket = Atomic<UInt64>(0)
  private let completed = Atomic<Int>(0)
  private let sleepers = Atomic<Int>(0)
  private let stopping = Atomic<Bool>(false)
  private let spinNanoseconds: UInt64
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private let callers = Mutex<Void>(())

  // The current job; written only while no chunk of it can be claimed (the ticket is closed, see `run`), and read by
  // a worker only after it claimed a chunk, so the claim orders the reads after the writes.
  private var generation: UInt64 = 0
  private var body: ((Range<Int>) -> Void)?
  /// The current job's index count, chunk length and divisor (guided claims take 1/divisor of what is left; 0: every
  /// claim is `chunk` long). Atomic because a worker sizes its claim with them before it knows whether the claim is
  /// still good (a late worker may read them while the next job is being set up; its exchange then fails).
  private let count = Atomic<Int>(0)
  private let chunk = Atomic<Int>(1)
  private let divisor = Atomic<Int>(0)
  /// A ticket index no job reaches: the job is over and nothing more can be claimed.
  private static let closedIndex: UInt64 = 0xFFFF_FFFF

  init(spinNanoseconds: UInt64) {
    self.spinNanoseconds = spinNanoseconds
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wake, nil)
  }

  deinit {
    pthread_cond_destroy(wake)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    wake.deallocate()
  }

  func stop() {
    stopping.store(true, ordering: .sequentiallyConsistent)
    pthread_mutex_lock(mutex)
    pthread_cond_broadcast(wake)
    pthread_mutex_unlock(mutex)
  }

  // `body` is escaping: a worker's copy of it can outlive the job by a moment (its release may land after the
  // chunk is counted), which `withoutActuallyEscaping` turned into a trap (seen once in a test run).
  func run(count: Int, chunk: Int, divisor: Int, body: @escaping (Range<Int>) -> Void) {
    callers.withLock { _ in
      do {
        self.body = body
        self.chunk.store(chunk, ordering: .relaxed)
        self.divisor.store(divisor, ordering: .relaxed)
        self.count.store(count, ordering: .relaxed)
        completed.store(0, ordering: .relaxed)
        generation &+= 1
        if generation & 0xFFFF_FFFF == 0 { generation &+= 1 }  // 0 is what idle workers have seen at start
        let job = generation & 0xFFFF_FFFF
        ticket.store(job << 32, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
          pthread_mutex_lock(mutex)
          pthread_cond_broadcast(wake)
          pthread_mutex_unlock(mutex)
        }
        work(job: job)
        var spins = 0
        while completed.load(ordering: .acquiring) < count {
          spins += 1
          if spins & 1023 == 0 { sched_yield() } else { hunch_cpu_relax() }
        }
        // Close the ticket before anything of the next job is written. Without this, a worker that read the ticket
        // (this job, index == count) just before the end could compare that index with the next job's larger index
        // count, win its compare-exchange (the ticket still said this job), run a chunk of the next job and count it
        // in the next job's `completed`: the next caller would then return while a chunk still ran (with its closure),
        // and another chunk would run twice. ThreadSanitizer reported the race on the chunk count.
        ticket.store(job << 32 | Self.closedIndex, ordering: .sequentiallyConsistent)
        self.body = nil
      }
    }
  }

  /// Claims and runs chunks of job `job` until none are left (or a newer job has replaced it).
  private func work(job: UInt64) {
    while true {
      var current = ticket.load(ordering: .acquiring)
      var start = 0
      var end = 0
      while true {
        guard current >> 32 == job else { return }
        start = Int(current & 0xFFFF_FFFF)
        let count = self.count.load(ordering: .relaxed)
        guard start < count else { return }
        let chunk = self.chunk.load(ordering: .relaxed)
        let divisor = self.divisor.load(ordering: .relaxed)
        let length = divisor > 0 ? max(chunk, (count - start + divisor - 1) / divisor) : chunk
        end = min(count, start + length)
        let (exchanged, original) = ticket.compareExchange(
          expected: current, desired: job << 32 | UInt64(end), ordering: .acquiringAndReleasing)
        if exchanged { break }
        current = original
      }
      runChunk(start..<end)
      completed.add(end - start, ordering: .releasing)
    }
  }

  // Kept out of line so this thread's copy of the closure is released as soon as the chunk has run.
  @inline(never)
  private func runChunk(_ range: Range<Int>) {
    guard let body else { return }
    body(range)
  }

  func workerLoop() {
    var seen: UInt64 = 0
    while true {
      var spinStart: UInt64 = 0
      var polls = 0
      while ticket.load(ordering: .acquiring) >> 32 == seen {
        if stopping.load(ordering: .relaxed) { return }
        polls += 1
        if polls & 255 != 0 {
          hunch_cpu_relax()
          continue
        }
        let now = Self.nanoseconds()
        if spinStart == 0 { spinStart = now }
        if now - spinStart < spinNanoseconds { continue }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen
          && !stopping.load(ordering: .sequentiallyConsistent)
        {
          pthread_cond_wait(wake, mutex)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(mutex)
        spinStart = 0
      }
      if stopping.load(ordering: .relaxed) { return }
      seen = ticket.load(ordering: .acquiring) >> 32
      work(job: seen)
    }
  }

  private static func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }
}
