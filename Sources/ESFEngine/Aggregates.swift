import ESFCore
import ESFExpr

/// Partial aggregates of every call site, fed record by record while streaming.
struct AggregateStore {
    let specs: [AggregateSpec]
    /// Uncorrelated aggregates: one accumulator; correlated: one per key.
    var single: [AggregateAccumulator]
    var keyed: [[[Value]: AggregateAccumulator]]
    /// Correlated aggregates with residual conditions keep their records per key, and of each
    /// record only the fields the residual and the value read (`keptFields` order).
    var records: [[[Value]: [[Value]]]]
    let keptFields: [[Int]]
    /// Aggregates whose filter failed at run time: every rule reading them fails too.
    var failures: [Int: String] = [:]
    /// Aggregate ids by the entity they aggregate.
    let byEntity: [[Int]]

    init(specs: [AggregateSpec], entityCount: Int) {
        self.specs = specs
        single = Array(repeating: AggregateAccumulator(), count: specs.count)
        keyed = Array(repeating: [:], count: specs.count)
        records = Array(repeating: [:], count: specs.count)
        keptFields = specs.map { spec in
            var fields = Set(spec.residual?.aggregatedFields() ?? [])
            fields.formUnion(spec.value?.aggregatedFields() ?? [])
            if let f = spec.field { fields.insert(f) }
            return fields.sorted()
        }
        var by = Array(repeating: [Int](), count: entityCount)
        for (i, s) in specs.enumerated() { by[s.entity].append(i) }
        byEntity = by
    }

    mutating func feed(entity: Int, values: [Value], evaluator: inout Evaluator) {
        // hot path: the specs' fields are read in place (binding `specs[id]` would copy a whole spec)
        for id in byEntity[entity] where failures.isEmpty || failures[id] == nil {
            evaluator.aggregated = values
            evaluator.params = specs[id].params
            if let filter = specs[id].filter {
                do {
                    guard Evaluator.truth(try evaluator.evaluate(filter)) == true else { continue }
                } catch {
                    failures[id] = "\(specs[id].text): \(error.message)"
                    continue
                }
            }
            if specs[id].residual != nil {
                records[id][specs[id].innerKeyFields.map { values[$0].keyForm }, default: []].append(keptFields[id].map { values[$0] })
                continue
            }
            let v: Value
            if let expr = specs[id].value {
                do { v = try evaluator.evaluate(expr) } catch {
                    failures[id] = "\(specs[id].text): \(error.message)"
                    continue
                }
            } else {
                v = specs[id].field.map { values[$0] } ?? .bool(true)
            }
            let kind = specs[id].kind
            if kind == .count && v.isNull { continue }
            if specs[id].innerKeyFields.isEmpty {
                single[id].add(v, kind: kind)
            } else {
                let key = specs[id].innerKeyFields.map { values[$0].keyForm }
                keyed[id][key, default: AggregateAccumulator()].add(v, kind: kind)
            }
        }
        evaluator.aggregated = nil
    }

    /// The kept records of a key, at full width again (the fields not kept are null).
    func records(_ id: Int, key: [Value]) -> [[Value]] {
        if key.contains(where: \.isNull) { return [] }
        let width = specs[id].width
        return (records[id][key] ?? []).map { kept in
            var full = Array(repeating: Value.null, count: width)
            for (slot, f) in keptFields[id].enumerated() { full[f] = kept[slot] }
            return full
        }
    }

    func value(_ id: Int, key: [Value]) -> Value {
        let spec = specs[id]
        if spec.innerKeyFields.isEmpty { return single[id].value(spec) }
        // a null correlation key matches nothing (the comparison is unknown)
        if key.contains(where: \.isNull) { return AggregateAccumulator().value(spec) }
        return (keyed[id][key] ?? AggregateAccumulator()).value(spec)
    }
}
