import ESFCore
import ESFExpr

/// The partial state of one aggregate for one correlation key: O(1), or O(distinct values) for count_distinct.
struct Accumulator {
    var count: Int64 = 0
    var sum = ExactDecimal(units: 0, scale: 0)
    var extreme: Value = .null
    var distinct: Set<Value> = []
    var overflow = false

    mutating func add(_ v: Value, kind: AggregateKind) {
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

    func value(_ spec: AggregateSpec) -> Value {
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

/// Partial aggregates of every call site, fed record by record while streaming.
struct AggregateStore {
    let specs: [AggregateSpec]
    /// Uncorrelated aggregates: one accumulator; correlated: one per key.
    var single: [Accumulator]
    var keyed: [[[Value]: Accumulator]]
    /// Aggregates whose filter failed at run time: every rule reading them fails too.
    var failures: [Int: String] = [:]
    /// Aggregate ids by the entity they aggregate.
    let byEntity: [[Int]]

    init(specs: [AggregateSpec], entityCount: Int) {
        self.specs = specs
        single = Array(repeating: Accumulator(), count: specs.count)
        keyed = Array(repeating: [:], count: specs.count)
        var by = Array(repeating: [Int](), count: entityCount)
        for (i, s) in specs.enumerated() { by[s.entity].append(i) }
        byEntity = by
    }

    mutating func feed(entity: Int, values: [Value], evaluator: inout Evaluator) {
        for id in byEntity[entity] where failures[id] == nil {
            let spec = specs[id]
            evaluator.aggregated = values
            if let filter = spec.filter {
                do {
                    guard Evaluator.truth(try evaluator.evaluate(filter)) == true else { continue }
                } catch {
                    failures[id] = "\(spec.text): \(error.message)"
                    continue
                }
            }
            let v = spec.field.map { values[$0] } ?? .bool(true)
            if spec.kind == .count && v.isNull { continue }
            if spec.innerKeyFields.isEmpty {
                single[id].add(v, kind: spec.kind)
            } else {
                let key = spec.innerKeyFields.map { values[$0].keyForm }
                keyed[id][key, default: Accumulator()].add(v, kind: spec.kind)
            }
        }
        evaluator.aggregated = nil
    }

    func value(_ id: Int, key: [Value]) -> Value {
        let spec = specs[id]
        if spec.innerKeyFields.isEmpty { return single[id].value(spec) }
        // a null correlation key matches nothing (the comparison is unknown)
        if key.contains(where: \.isNull) { return Accumulator().value(spec) }
        return (keyed[id][key] ?? Accumulator()).value(spec)
    }
}
