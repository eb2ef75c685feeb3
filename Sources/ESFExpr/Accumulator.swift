import ESFCore

/// The partial state of one aggregate for one correlation key: O(1), or O(distinct values) for count_distinct.
public struct AggregateAccumulator {
    public var count: Int64 = 0
    public var sum = ExactDecimal(units: 0, scale: 0)
    public var extreme: Value = .null
    public var distinct: Set<Value> = []
    /// Whether a sum left the exact range (a 128-bit decimal): the aggregate then has no value, and
    /// every rule reading it fails (`overflowed`), never a wrong or clamped sum.
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

    /// Adds one value (as `add(_:kind:)`) in place; returns why the aggregate has no exact value
    /// afterwards, if it has none (`overflowed`), without a copy of the accumulator.
    public mutating func add(_ v: Value, kind: AggregateKind, integer: Bool) -> String? {
        add(v, kind: kind)
        return kind == .sum ? overflowed(kind: kind, integer: integer) : nil
    }

    /// Why the aggregate has no exact value, if it has none: its sum left the 128-bit decimal range, or
    /// a sum of integers left the 64-bit integer range. Callers fail the rules that read it.
    public func overflowed(_ spec: AggregateSpec) -> String? { overflowed(kind: spec.kind, integer: spec.valueType == .int) }

    /// `overflowed` for an aggregate of `kind` whose value is an integer when `integer`.
    public func overflowed(kind: AggregateKind, integer: Bool) -> String? {
        guard kind == .sum else { return nil }
        if overflow { return "the sum is too large to be computed exactly (arithmetic overflow)" }
        if integer, Int64(exactly: sum.floor()) == nil { return "the sum \(sum) is out of the integer range (arithmetic overflow)" }
        return nil
    }

    /// The aggregate's value (`0`/`0.00` for an empty count or sum, null for min/max); only meaningful
    /// when `overflowed` is nil (an out-of-range integer sum is clamped here, never trapped on).
    public func value(_ spec: AggregateSpec) -> Value { value(kind: spec.kind, integer: spec.valueType == .int) }

    /// `value` for an aggregate of `kind` whose value is an integer when `integer`.
    public func value(kind: AggregateKind, integer: Bool) -> Value {
        switch kind {
        case .count: return .int(count)
        case .count_distinct: return .int(Int64(distinct.count))
        case .sum: return Self.value(ofSum: sum, integer: integer)
        case .min, .max: return extreme
        }
    }

    /// The value of a sum: an integer (clamped, when `integer`), else a decimal of at least two places
    /// ("sum of nothing is 0.00": money keeps two places).
    public static func value(ofSum sum: ExactDecimal, integer: Bool) -> Value {
        if integer { return .int(Int64(clamping: sum.floor())) }
        return .decimal(sum.scale < 2 ? ((try? sum.adding(ExactDecimal(units: 0, scale: 2))) ?? sum) : sum)
    }
}

