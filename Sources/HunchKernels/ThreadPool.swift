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
/// `parallelFor` splits `0..<count` into chunks handed out through an atomic counter; the calling thread works too,
/// and returns once every chunk is done. Between jobs workers spin briefly (so back-to-back matmuls in a forward pass
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

  /// Runs `body` over `0..<count` in chunks of `chunk` indices (the last may be shorter), on the workers and the
  /// calling thread; returns when all are done. `body` must be safe to call concurrently for disjoint ranges.
  public func parallelFor(count: Int, chunk: Int, body: @escaping (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunk = max(1, chunk)
    let chunks = (count + chunk - 1) / chunk
    // More chunks than the ticket's 32-bit index can count (never in practice) run on the caller alone.
    if chunks == 1 || threads.isEmpty || chunks >= Int(UInt32.max) {
      var start = 0
      while start < count {
        body(start..<min(count, start + chunk))
        start += chunk
      }
      return
    }
    state.run(count: count, chunk: chunk, chunks: chunks, body: body)
  }
}

/// The state the workers share with the pool; owned separately so the pool's deinit can stop and join them.
final class PoolState: @unchecked Sendable {
  // High 32 bits: job generation; low 32 bits: next chunk index of that job.
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
  private var count = 0
  private var chunk = 1
  private var body: ((Range<Int>) -> Void)?
  /// The current job's chunk count. Atomic because a worker compares its claim with it before it knows whether the
  /// claim is still good (a late worker may read it while the next job is being set up).
  private let chunks = Atomic<Int>(0)
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
  func run(count: Int, chunk: Int, chunks: Int, body: @escaping (Range<Int>) -> Void) {
    callers.withLock { _ in
      do {
        self.body = body
        self.count = count
        self.chunk = chunk
        self.chunks.store(chunks, ordering: .relaxed)
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
        while completed.load(ordering: .acquiring) < chunks {
          spins += 1
          if spins & 1023 == 0 { sched_yield() } else { hunch_cpu_relax() }
        }
        // Close the ticket before anything of the next job is written. Without this, a worker that read the ticket
        // (this job, index == chunks) just before the end could compare that index with the next job's larger chunk
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
      var index = 0
      while true {
        guard current >> 32 == job else { return }
        index = Int(current & 0xFFFF_FFFF)
        guard index < chunks.load(ordering: .relaxed) else { return }
        let (exchanged, original) = ticket.compareExchange(
          expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
        if exchanged { break }
        current = original
      }
      runChunk(index)
      completed.add(1, ordering: .releasing)
    }
  }

  // Kept out of line so this thread's copy of the closure is released as soon as the chunk has run.
  @inline(never)
  private func runChunk(_ index: Int) {
    guard let body else { return }
    let start = index * chunk
    body(start..<min(count, start + chunk))
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
