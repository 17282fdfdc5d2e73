/// Applies BPE merges to one word, reusing its buffers from word to word.
///
/// The order of merges is the reference one: always the adjacent pair with the lowest rank, and among equal
/// ranks the leftmost. A heap of candidate pairs keeps long words (whitespace runs, minified lines) n log n.
struct BytePairMerger {
  private struct Candidate {
    let rank: Int32
    let left: Int32
    let right: Int32
    let leftID: Int32
    let rightID: Int32
    let result: Int32

    @inline(__always)
    func comesBefore(_ other: Candidate) -> Bool {
      rank < other.rank || (rank == other.rank && left < other.left)
    }
  }

  // One entry per initial byte of the word; merged-away symbols get id -1.
  private var ids: [Int32] = []
  private var next: [Int32] = []
  private var previous: [Int32] = []
  private var heap: [Candidate] = []

  /// Appends the tokens of `word` (its UTF-8 bytes) to `output`.
  mutating func encode(
    _ word: UnsafeBufferPointer<UInt8>, byteTokens: [Int32], merges: MergeTable, into output: inout [Int32]
  ) {
    let count = word.count
    if count == 0 { return }
    if count == 1 {
      let id = byteTokens[Int(word[0])]
      if id >= 0 { output.append(id) }
      return
    }
    ids.removeAll(keepingCapacity: true)
    next.removeAll(keepingCapacity: true)
    previous.removeAll(keepingCapacity: true)
    heap.removeAll(keepingCapacity: true)
    for (index, byte) in word.enumerated() {
      ids.append(byteTokens[Int(byte)])
      next.append(index + 1 < count ? Int32(index + 1) : -1)
      previous.append(Int32(index - 1))
    }
    for index in 0..<(count - 1) { consider(left: Int32(index), right: Int32(index + 1), merges: merges) }

    while let candidate = popFirst() {
      let left = Int(candidate.left)
      let right = Int(candidate.right)
      // A candidate goes stale when either side has since merged with something else.
      guard ids[left] == candidate.leftID, ids[right] == candidate.rightID, next[left] == candidate.right else {
        continue
      }
      ids[left] = candidate.result
      ids[right] = -1
      let after = next[right]
      next[left] = after
      if after >= 0 { previous[Int(after)] = candidate.left }
      if previous[left] >= 0 { consider(left: previous[left], right: candidate.left, merges: merges) }
      if after >= 0 { consider(left: candidate.left, right: after, merges: merges) }
    }

    var index: Int32 = 0
    while index >= 0 {
      let id = ids[Int(index)]
      if id >= 0 { output.append(id) }  // a byte the vocabulary lacks is dropped
      index = next[Int(index)]
    }
  }

  @inline(__always)
  private mutating func consider(left: Int32, right: Int32, merges: MergeTable) {
    let leftID = ids[Int(left)]
    let rightID = ids[Int(right)]
    guard let merge = merges.merge(leftID, rightID) else { return }
    push(
      Candidate(rank: merge.rank, left: left, right: right, leftID: leftID, rightID: rightID, result: merge.result))
  }

  private mutating func push(_ candidate: Candidate) {
    heap.append(candidate)
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child].comesBefore(heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  private mutating func popFirst() -> Candidate? {
    guard let last = heap.popLast() else { return nil }
    guard !heap.isEmpty else { return last }
    let first = heap[0]
    heap[0] = last
    var parent = 0
    let count = heap.count
    while true {
      let left = 2 * parent + 1
      if left >= count { break }
      let right = left + 1
      let smaller = right < count && heap[right].comesBefore(heap[left]) ? right : left
      guard heap[smaller].comesBefore(heap[parent]) else { break }
      heap.swapAt(smaller, parent)
      parent = smaller
    }
    return first
  }
}
