import CHunchKernels

/// One of several matrices multiplied by the same activation row (a decoding step's query, key and value
/// projections, or its gate and up projections).
public struct SharedInputProduct: @unchecked Sendable {
  public let weights: UnsafeRawPointer  // (rows, columns) in `type`, arranged as `layout` says
  public let type: TensorType
  public let layout: WeightLayout
  public let rows: Int
  public let output: UnsafeMutablePointer<Float>  // (rows)

  public init(
    weights: UnsafeRawPointer, type: TensorType, layout: WeightLayout = .rows, rows: Int,
    output: UnsafeMutablePointer<Float>
  ) {
    self.weights = weights
    self.type = type
    self.layout = layout
    self.rows = rows
    self.output = output
  }
}

extension MatMul {
  /// output_i = W_i · input for one activation row and several matrices of `columns` columns, in one pass over the
  /// pool: one wait for the slowest thread instead of one per matrix, and the input quantized once per activation
  /// format instead of once per matrix. Each output gets exactly the bits `multiply` gives it alone (the same
  /// kernels on the same prepared activations; MatMulTests), so a fused decoding step still equals a batched one.
  /// Matrices whose kernels this path does not cover (the opt-in block-sum kernels) run one `multiply` each.
  public func multiply(
    sharing input: UnsafePointer<Float>, columns: Int, products: [SharedInputProduct]
  ) throws(KernelError) {
    guard products.count > 1, !usesBlockSumKernels || level != .avx512 else {
      for p in products {
        try multiply(
          weights: p.weights, type: p.type, layout: p.layout, rows: p.rows, columns: columns, input: input, batch: 1,
          output: p.output)
      }
      return
    }
    // Up to four products: their plans live on the stack, so a decoding step allocates nothing here.
    guard products.count <= 4 else { throw KernelError(.badShape, "at most 4 products share an input") }
    var plans = (RowPlan(), RowPlan(), RowPlan(), RowPlan())
    try withUnsafeMutableBytes(of: &plans) { raw throws(KernelError) in
      let plan = raw.bindMemory(to: RowPlan.self)
      var workspaceBytes = 0
      for (i, p) in products.enumerated() {
        try Self.validate(type: p.type, columns: columns)
        guard p.rows >= 0 else { throw KernelError(.badShape, "negative rows \(p.rows)") }
        plan[i] = try makePlan(p, columns: columns, offset: &workspaceBytes, sharingWith: plan, count: i)
      }
      let buffer = reserveWorkspace(bytes: workspaceBytes)
      // Activations prepared once per distinct format.
      for i in products.indices where plan[i].preparesActivations {
        prepare(plan[i], input: input, columns: columns, buffer: buffer)
      }
      // One index space over all products, in 16-row units: product i owns units [first_i, first_i + units_i).
      // Claims shrink as the pass runs out (guided), so the threads finish within a unit of each other.
      var totalUnits = 0
      for i in products.indices {
        plan[i].firstUnit = totalUnits
        totalUnits += (products[i].rows + 15) / 16
      }
      let count = products.count
      let base = UnsafeRawPointer(buffer)
      let plans = UnsafeBufferPointer(plan)
      let bytePermutes = usesBytePermuteKernels
      pool.parallelFor(count: totalUnits, chunk: 1, schedule: .guided) { range in
        var unit = range.lowerBound
        while unit < range.upperBound {
          var i = count - 1
          while plans[i].firstUnit > unit { i -= 1 }
          let p = products[i]
          let lastUnit = min(range.upperBound, i + 1 < count ? plans[i + 1].firstUnit : range.upperBound)
          let rows = (16 * (unit - plans[i].firstUnit))..<min(p.rows, 16 * (lastUnit - plans[i].firstUnit))
          Self.runRows(plans[i], p, columns: columns, input: input, base: base, rows: rows, bytePermutes: bytePermutes)
          unit = lastUnit
        }
      }
    }
  }

  /// How one product of a shared-input call runs: which kernel family, where its prepared activations sit in the
  /// workspace, and where its rows start in the pass.
  struct RowPlan {
    enum Path { case none, pairs, interleaved, rows, floats }
    var path = Path.none
    var function: hunch_dot_fn? = nil
    var pairsOffset: Int32 = 0  // the pair kernels' weight offset (0 for Q4_1, whose activations are Q8_1)
    var partner = TensorType.f32
    var activationOffset = 0  // bytes into the workspace: the quantized row, then (pairs path) the prepared pairs
    var preparedOffset = 0
    var scalesOffset = 0
    var preparesActivations = false  // false when an earlier product's activations are the same
    var firstUnit = 0  // the product's first 16-row unit in the pass's index space
    var weightRowBytes = 0
    var activationRowBytes = 0

    /// How the product's activations are prepared: the pair kernels and the interleaved ones read the same pairs.
    var activations: Path { path == .interleaved ? .pairs : path }
  }

  private func makePlan(
    _ p: SharedInputProduct, columns: Int, offset: inout Int, sharingWith earlier: UnsafeMutableBufferPointer<RowPlan>,
    count: Int
  ) throws(KernelError) -> RowPlan {
    guard let kernel = kernels[p.type], let partner = Quantize.partner(for: p.type),
      let activationRowBytes = Quantize.rowBytes(partner, columns: columns),
      let weightRowBytes = p.type.byteCount(elements: columns)
    else { throw KernelError(.unsupportedType, "no \(level) kernel for \(p.type) weights") }
    var plan = RowPlan()
    plan.partner = partner
    plan.weightRowBytes = weightRowBytes
    plan.activationRowBytes = activationRowBytes
    plan.function = kernel.function
    if p.layout == .interleaved {
      guard takesInterleaved(weights: p.weights, type: p.type, rows: p.rows, columns: columns) else {
        throw KernelError(.unsupportedLevel, "no \(level) kernel for interleaved \(p.type) weights")
      }
      plan.path = .interleaved
      plan.pairsOffset = hunch_pairs_offset(p.type.rawValue)
    } else if level == .avx512, hunch_pairs_supported(p.type.rawValue) != 0, partner == .q8_0 || partner == .q8_1,
      columns % 64 == 0
    {
      plan.path = .pairs
      plan.pairsOffset = hunch_pairs_offset(p.type.rawValue)
    } else {
      plan.path = partner == .f32 ? .floats : .rows
    }
    // Reuse an earlier product's activations when they are prepared the same way.
    for j in 0..<count {
      let e = earlier[j]
      if e.activations == plan.activations, e.partner == plan.partner, e.pairsOffset == plan.pairsOffset {
        plan.activationOffset = e.activationOffset
        plan.preparedOffset = e.preparedOffset
        plan.scalesOffset = e.scalesOffset
        return plan
      }
    }
    plan.preparesActivations = plan.path != .floats
    offset = (offset + 63) / 64 * 64
    plan.activationOffset = offset
    offset += activationRowBytes
    if plan.activations == .pairs {
      offset = (offset + 63) / 64 * 64
      plan.preparedOffset = offset
      offset += columns / 64 * Int(HUNCH_PAIR_BYTES)
      plan.scalesOffset = offset
      offset += columns / 64 * 2 * MemoryLayout<Float>.stride * (partner == .q8_1 ? 2 : 1)
    }
    return plan
  }

  private func prepare(_ plan: RowPlan, input: UnsafePointer<Float>, columns: Int, buffer: UnsafeMutableRawPointer) {
    let quantized = buffer + plan.activationOffset
    FastQuantize.row(plan.partner, source: input, destination: quantized, count: columns)
    guard plan.activations == .pairs else { return }
    if plan.partner == .q8_1 {
      hunch_prepare_pairs_q8_1(quantized, Int64(columns), buffer + plan.preparedOffset)
    } else {
      hunch_prepare_pairs(quantized, Int64(columns), plan.pairsOffset, buffer + plan.preparedOffset)
    }
  }

  private static func runRows(
    _ plan: RowPlan, _ p: SharedInputProduct, columns: Int, input: UnsafePointer<Float>, base: UnsafeRawPointer,
    rows: Range<Int>, bytePermutes: Bool
  ) {
    switch plan.path {
    case .pairs:
      let scales = (base + plan.scalesOffset).assumingMemoryBound(to: Float.self)
      let sums = plan.partner == .q8_1 ? scales + columns / 64 * 2 : nil
      hunch_matmul_pairs(
        p.type.rawValue, Int64(columns), p.weights, plan.weightRowBytes, Int64(rows.lowerBound),
        Int64(rows.upperBound), base + plan.preparedOffset, scales, sums, 1, p.output, Int64(p.rows),
        bytePermutes ? 1 : 0)
    case .interleaved:  // units are whole 16-row groups
      hunch_matmul_interleaved(
        p.type.rawValue, Int64(columns), p.weights, plan.weightRowBytes, Int64(rows.lowerBound / 16),
        Int64(rows.upperBound / 16), base + plan.preparedOffset, 1, p.output, Int64(p.rows))
    case .rows, .floats:
      guard let function = plan.function else { return }
      let activations = plan.path == .floats ? UnsafeRawPointer(input) : base + plan.activationOffset
      hunch_matmul_rows(
        function, nil, nil, Int64(columns), p.weights, plan.weightRowBytes, Int64(rows.lowerBound),
        Int64(rows.upperBound), activations, plan.activationRowBytes, 1, p.output, Int64(p.rows))
    case .none:
      return
    }
  }
}
