import ESFCore

/// The partial state of one aggregate for one correlation key: O(1), or O(distinct values) for count_distinct.
public struct AggregateAccumulator {
    public var count: Int64 = 0
    public var sum = ExactDecimal(units: 0, scale: 0)
    public var extreme: Value = .null
    public var distinct: Set<Value> = []
    public var overflow = false

    public init() {}

    /// Adds one value (skipping nulls, except for count).
    public mutating func add(_ v: Value, kind: AggregateKind) {
        switch kind {
        case .count:
            count += 1
        case .count_distinct:
            if !v.isNull { distinct.insert(v.keyForm) }
        case .sum:
            guard let d = Evaluator.decimal(v) else { return }
            do { sum = try sum.adding(d) } catch { overflow = true }
        case .min, .max:
            guard !v.isNull else { return }
            if extreme.isNull { extreme = v; return }
            if let c = try? Evaluator.compare(v, extreme), (kind == .min) == (c < 0), c != 0 { extreme = v }
        }
    }

    /// The aggregate's value (`0`/`0.00` for an empty count or sum, null for min/max).
    public func value(_ spec: AggregateSpec) -> Value {
        switch spec.kind {
        case .count: return .int(count)
        case .count_distinct: return .int(Int64(distinct.count))
        case .sum:
            if spec.valueType == .int { return .int(Int64(sum.floor())) }
            // "sum of nothing is 0.00": money keeps two places
            return .decimal(sum.scale < 2 ? ((try? sum.adding(ExactDecimal(units: 0, scale: 2))) ?? sum) : sum)
        case .min, .max: return extreme
        }
    }
}

