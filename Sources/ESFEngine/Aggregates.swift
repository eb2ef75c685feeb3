import ESFCore
import ESFExpr

/// The partial state of one correlated aggregate: per key row, only what its kind needs
/// (a count, a sum, or a whole accumulator for min, max and count_distinct). A class, as `KeyIndex`:
/// reading a row's value out of an array of them does not copy its arrays.
final class AggregateRows {
    /// Counts in 32 bits: a key counted more than 2^32 - 1 times fails the rules reading it (`add`).
    var counts = BlockArray<UInt32>()
    /// Sums as a 32-bit mantissa and a scale each (5 bytes, not a 32-byte `ExactDecimal`: an amount in
    /// cents up to 21,474,836.47 per key); a sum whose mantissa needs more is kept whole in `wideSums`
    /// (its scale then `wide`).
    var sumUnits = BlockArray<Int32>()
    var sumScales = BlockArray<UInt8>()
    var wideSums: [Int: ExactDecimal] = [:]
    var others: [AggregateAccumulator] = []

    static let wide = UInt8.max

    init() {}

    /// The number of rows of an aggregate of `kind`.
    func count(_ kind: AggregateKind) -> Int {
        switch kind {
        case .count: return counts.count
        case .sum: return sumUnits.count
        default: return others.count
        }
    }

    /// Makes sure row `row` exists, the rows up to it empty (a count or sum of nothing, an empty
    /// accumulator: what a key never fed reads as). Rows are numbered by a key index that aggregates
    /// over the same entity and key share, so a row can be new to this aggregate past its last.
    @inline(__always)
    func ensureRow(_ row: Int, _ kind: AggregateKind) {
        switch kind {
        case .count: counts.ensureIndex(row, 0)
        case .sum:
            sumUnits.ensureIndex(row, 0)
            sumScales.ensureIndex(row, 0)
        default:
            while others.count <= row { others.append(AggregateAccumulator()) }
        }
    }

    /// Adds `v` to a row (of integers when `integer`); returns why the row's aggregate left the exact
    /// range, if it did (its sum is then left as it was, and the caller fails the rules reading it).
    @discardableResult
    func add(_ v: Value, row: Int, kind: AggregateKind, integer: Bool = false) -> String? {
        switch kind {
        case .count:
            let c = counts[row]
            guard c < UInt32.max else { return "the count passed \(UInt32.max) records for one key" }
            counts[row] = c + 1
            return nil
        case .sum:
            if addInPlace(v, row: row) { return nil }
            var acc = AggregateAccumulator()
            acc.sum = sum(row)
            acc.add(v, kind: .sum)
            if let reason = acc.overflowed(kind: .sum, integer: integer) { return reason }
            setSum(row, acc.sum)
            return nil
        default:
            others[row].add(v, kind: kind)
            return nil
        }
    }

    /// Adds a number to a row's sum kept in 64 bits when the exact sum stays there: the units and scale
    /// `ExactDecimal.adding` gives (the larger scale), without an accumulator. False: nothing done,
    /// the general path adds it (a wide row or value, a sum past 64 bits). Not a number: skipped, as the
    /// accumulator skips it.
    @inline(__always)
    private func addInPlace(_ v: Value, row: Int) -> Bool {
        let rowScale = Int(sumScales[row])
        guard rowScale != Int(Self.wide) else { return false }
        let units: Int64, scale: Int
        switch v {
        case .int(let i):
            units = i
            scale = 0
        case .decimal(let d):
            guard let u = Int64(exactly: d.units), d.scale >= 0 else { return false }
            units = u
            scale = d.scale
        default:
            return true
        }
        let s = Swift.max(rowScale, scale)
        guard s < Self.powersOfTen.count, s < Int(Self.wide) else { return false }
        let (a, o1) = Int64(sumUnits[row]).multipliedReportingOverflow(by: Self.powersOfTen[s - rowScale])
        let (b, o2) = units.multipliedReportingOverflow(by: Self.powersOfTen[s - scale])
        guard !o1, !o2 else { return false }
        let (r, o3) = a.addingReportingOverflow(b)
        guard !o3, let narrow = Int32(exactly: r) else { return false }
        sumUnits[row] = narrow
        sumScales[row] = UInt8(s)
        return true
    }

    /// 10^0 … 10^18, the powers of ten a 64-bit integer holds.
    private static let powersOfTen: [Int64] = (0...18).map { n in (0..<n).reduce(Int64(1)) { p, _ in p * 10 } }

    /// A row's value, as `AggregateAccumulator.value(kind:integer:)` gives it for the same count, sum
    /// or accumulator: counts and sums without an accumulator (its set and value fields made and
    /// dropped per read).
    func value(row: Int, kind: AggregateKind, integer: Bool) -> Value {
        switch kind {
        case .count:
            return .int(Int64(counts[row]))
        case .sum:
            return AggregateAccumulator.value(ofSum: sum(row), integer: integer)
        default:
            return others[row].value(kind: kind, integer: integer)
        }
    }

    /// The sum of a row, exactly as it was set.
    func sum(_ row: Int) -> ExactDecimal {
        if sumScales[row] == Self.wide { return wideSums[row] ?? ExactDecimal(units: 0, scale: 0) }
        return ExactDecimal(units: Int128(sumUnits[row]), scale: Int(sumScales[row]))
    }

    func setSum(_ row: Int, _ d: ExactDecimal) {
        if let units = Int32(exactly: d.units), d.scale >= 0, d.scale < Int(Self.wide) {
            sumUnits[row] = units
            sumScales[row] = UInt8(d.scale)
            if !wideSums.isEmpty { wideSums[row] = nil }
        } else {
            sumScales[row] = Self.wide
            wideSums[row] = d
        }
    }
}

/// Partial aggregates of every call site, fed record by record while streaming.
///
/// Keys are interned as symbols (`KeySymbols`): the state of a correlated aggregate is a row
/// per key in flat arrays, found through a dense array for one-field keys (no dictionary entry
/// or array allocation per key). A class, so that the engine's look-ups during evaluation pass a
/// reference, not a copy of every array.
final class AggregateStore {
    let specs: [AggregateSpec]
    /// Uncorrelated aggregates: one accumulator; correlated: one row per key.
    var single: [AggregateAccumulator]
    var index: [KeyIndex]
    var rows: [AggregateRows]
    /// Uncorrelated `count_distinct` of a field: whether each symbol of the field was counted, and how many were.
    let distinctBySymbol: [Bool]
    var distinctSeen: [BitBlocks]
    var distinctCount: [Int]
    /// Correlated aggregates with residual conditions keep their records per key, and of each
    /// record only the fields the residual and the value read (`keptFields` order), as rows in the
    /// temporary file past their last chunk (`SpilledRows`).
    var kept: [RowLists]
    var keptValues: [SpilledRows]
    let keptFields: [[Int]]
    /// Aggregates whose filter failed at run time: every rule reading them fails too.
    var failures: [Int: String] = [:]
    /// Aggregate ids by the entity they aggregate.
    let byEntity: [[Int]]
    /// Per aggregate: its filter and computed value lowered to typed closures (parameters folded).
    /// Referred to without reference counting (`ExpressionRef`); `compiledExpressions` holds them.
    let compiledFilter: [ExpressionRef?]
    let compiledValue: [ExpressionRef?]
    let compiledExpressions: [CompiledExpression]
    /// Per aggregate, the few facts of its spec the hot path reads (a spec read as a whole is copied).
    let shapes: [Shape]
    /// Per aggregate: the fields of its inner key and its parameters (hot path, as `shapes`).
    let innerKeyFields: [[Int]]
    let params: [[Value]]
    /// Per aggregate: the number of its parameter values (`Evaluator.use(params:tag:)`), as the engine numbers them.
    let paramsTags: [Int]
    /// Per entity: the aggregates over it whose filter reads that record alone (and parameters), which
    /// the reading thread of a two-thread run may evaluate (`PreEvaluator`), at most `PreEvaluator.maxSlots`;
    /// per aggregate: its slot in its records' `preFilters`, -1 for none.
    let preFiltered: [[Int]]
    let preFilterSlot: [Int]
    /// Codes of a filter's outcome in `Record.preFilters`, two bits per slot; 0 is "not evaluated there".
    static let filterPassed: UInt64 = 1, filterNotPassed: UInt64 = 2

    struct Shape {
        var kind: AggregateKind
        var integer: Bool
        var firstOfKey: Bool
        var keeps: Bool
        var keyless: Bool
        var field: Int?
        var entity: Int
        /// The width of the aggregated entity's records.
        var width: Int
    }

    init(specs: [AggregateSpec], entityCount: Int, budget: Int, file: SpillFile, paramsTags: [Int]) {
        precondition(paramsTags.count == specs.count, "one parameters tag per aggregate")
        self.specs = specs
        self.paramsTags = paramsTags
        shapes = specs.map { Shape(kind: $0.kind, integer: $0.valueType == .int, firstOfKey: $0.firstOfKey, keeps: $0.residual != nil,
                                   keyless: $0.innerKeyFields.isEmpty, field: $0.field, entity: $0.entity, width: $0.width) }
        innerKeyFields = specs.map(\.innerKeyFields)
        params = specs.map(\.params)
        var owner: [CompiledExpression] = []
        compiledFilter = specs.map { s in s.filter.map { .keeping(CompiledExpression($0, params: s.params, aggregates: specs, budget: budget), in: &owner) } }
        compiledValue = specs.map { s in s.value.map { .keeping(CompiledExpression($0, params: s.params, aggregates: specs, budget: budget), in: &owner) } }
        compiledExpressions = owner
        single = Array(repeating: AggregateAccumulator(), count: specs.count)
        // one key index per aggregated entity and key fields, shared by the call sites over them (a
        // class: each holds the same one; a row is a key's whichever call site saw it first)
        var shared: [[Int]: KeyIndex] = [:]
        index = specs.map { s in
            guard !s.innerKeyFields.isEmpty else { return KeyIndex() }
            let key = [s.entity] + s.innerKeyFields
            if let known = shared[key] { return known }
            let made = KeyIndex()
            shared[key] = made
            return made
        }
        rows = specs.map { _ in AggregateRows() }
        distinctBySymbol = specs.map { $0.kind == .count_distinct && $0.innerKeyFields.isEmpty && $0.residual == nil && $0.value == nil && $0.field != nil }
        distinctSeen = Array(repeating: BitBlocks(), count: specs.count)
        distinctCount = Array(repeating: 0, count: specs.count)
        kept = specs.map { _ in RowLists() }
        keptValues = specs.map { _ in SpilledRows(file: file) }
        keptFields = specs.map { spec in
            var fields = Set(spec.residual?.aggregatedFields() ?? [])
            fields.formUnion(spec.value?.aggregatedFields() ?? [])
            if let f = spec.field { fields.insert(f) }
            return fields.sorted()
        }
        var by = Array(repeating: [Int](), count: entityCount)
        for (i, s) in specs.enumerated() { by[s.entity].append(i) }
        byEntity = by
        preFiltered = by.map { ids in
            Array(ids.filter { specs[$0].filter?.readsOnlyAggregated == true }.prefix(PreEvaluator.maxSlots))
        }
        preFilterSlot = PreEvaluator.slotOf(preFiltered, count: specs.count)
    }

    /// The row of the record's inner key for aggregate `id`, created on first sight.
    func row(_ id: Int, entity: Int, values: [Value], keys: KeySymbols) -> Int {
        let fields = innerKeyFields[id]
        let found: Int32?
        if fields.count == 1 {
            found = index[id].row(keys.symbol(entity, fields[0], values), create: true)
        } else {
            var k = SymbolKey()
            for f in fields { k.append(keys.symbol(entity, f, values)) }
            found = index[id].row(k, create: true)
        }
        let r = Int(found ?? 0)
        if !shapes[id].keeps { rows[id].ensureRow(r, shapes[id].kind) }
        return r
    }

    /// The row of a correlation key (key forms) for aggregate `id`, if the key was ever fed.
    func row(_ id: Int, key: [Value], keys: KeySymbols) -> Int? {
        let fields = innerKeyFields[id]
        guard key.count == fields.count else { return nil }
        let entity = shapes[id].entity
        if fields.count == 1 {
            guard let s = keys.find(entity, fields[0], key[0]) else { return nil }
            return index[id].row(s).map(Int.init)
        }
        var k = SymbolKey()
        for (i, f) in fields.enumerated() {
            guard let s = keys.find(entity, f, key[i]) else { return nil }
            k.append(s)
        }
        return index[id].row(k).map(Int.init)
    }

    /// Feeds one record to the aggregates of its entity; `repeatOfKey`: its record key occurred before,
    /// so the call sites of indicators (`firstOfKey`) skip it; `preFilters`: the outcomes of filters the
    /// reading thread evaluated (`Record.preFilters`), the others are evaluated here.
    func feed(entity: Int, values: [Value], evaluator: inout Evaluator, keys: KeySymbols, repeatOfKey: Bool = false,
              preFilters: UInt64 = 0) {
        // hot path: the specs' fields are read in place (binding `specs[id]` would copy a whole spec)
        // the record in context for every filter and value (a nested aggregate puts it back when done)
        evaluator.aggregated = values
        for id in byEntity[entity] where failures.isEmpty || failures[id] == nil {
            let shape = shapes[id]
            if repeatOfKey && shape.firstOfKey { continue }
            if compiledFilter[id] != nil || compiledValue[id] != nil { evaluator.use(params: params[id], tag: paramsTags[id]) }
            if let filter = compiledFilter[id] {
                let slot = preFilterSlot[id]
                switch slot >= 0 ? PreEvaluator.code(preFilters, slot: slot) : 0 {
                case Self.filterPassed: break
                case Self.filterNotPassed: continue
                default:
                    // not evaluated on the reading thread, or stopped there with an error: evaluated here
                    do {
                        guard try evaluator.truth(filter) == true else { continue }
                    } catch {
                        failures[id] = "\(specs[id].text): \(error.message)"
                        continue
                    }
                }
            }
            if shape.keeps {
                let r = row(id, entity: entity, values: values, keys: keys)
                kept[id].append(row: Int32(truncatingIfNeeded: r))
                keptValues[id].append(values, at: keptFields[id])
                continue
            }
            let v: Value
            if let expr = compiledValue[id] {
                do { v = try evaluator.evaluate(expr) } catch {
                    failures[id] = "\(specs[id].text): \(error.message)"
                    continue
                }
            } else {
                v = shape.field.map { values[$0] } ?? .bool(true)
            }
            let kind = shape.kind
            if kind == .count && v.isNull { continue }
            if shape.keyless {
                if distinctBySymbol[id], let f = shape.field {
                    // the same distinct values as `AggregateAccumulator` (key forms, nulls skipped), as symbols
                    if v.isNull { continue }
                    let s = Int(keys.symbol(entity, f, values))
                    if distinctSeen[id].insert(s) { distinctCount[id] += 1 }
                } else {
                    if let reason = single[id].add(v, kind: kind, integer: shape.integer) { failures[id] = "\(specs[id].text): \(reason)" }
                }
            } else {
                let r = row(id, entity: entity, values: values, keys: keys)
                if let reason = rows[id].add(v, row: r, kind: kind, integer: shape.integer) { failures[id] = "\(specs[id].text): \(reason)" }
            }
        }
        evaluator.aggregated = nil
    }

    /// The kept records of a key, at full width again (the fields not kept are null); those read back
    /// before one that could not be (the aggregate then fails: `failures`).
    func records(_ id: Int, key: [Value], keys: KeySymbols) -> [[Value]] {
        var out: [[Value]] = []
        try? forEachRecord(id, key: key, keys: keys) { out.append($0) }
        return out
    }

    /// Calls `body` with each kept record of a key, in order, at full width in one buffer refilled per
    /// record (not copied while `body` keeps no reference to it). A record that cannot be read back from
    /// the temporary file fails the aggregate, here and for every rule that reads it later (`failures`).
    func forEachRecord(_ id: Int, key: [Value], keys: KeySymbols, _ body: ([Value]) throws(EvalError) -> Void) throws(EvalError) {
        if key.contains(where: \.isNull) { return }
        guard let r = row(id, key: key, keys: keys) else { return }
        var item = kept[id].first(Int32(truncatingIfNeeded: r))
        guard item >= 0 else { return }
        let fields = keptFields[id]
        var full = Array(filled: Value.null, count: shapes[id].width)
        while item >= 0 {
            guard keptValues[id].read(Int(item), into: &full, at: fields) else {
                let reason = "\(specs[id].text): its records could not be read back from the temporary file (\(keptValues[id].failure ?? "unknown error"))"
                if failures[id] == nil { failures[id] = reason }
                throw EvalError(code: "state", message: reason)
            }
            try body(full)
            item = kept[id].next(item)
        }
    }

    func value(_ id: Int, key: [Value], keys: KeySymbols) -> Value {
        // hot path: the spec's fields are read in place (binding `specs[id]` would copy it)
        let kind = shapes[id].kind, integer = shapes[id].integer
        if shapes[id].keyless {
            if distinctBySymbol[id] { return .int(Int64(distinctCount[id])) }
            return single[id].value(kind: kind, integer: integer)
        }
        // a null correlation key matches nothing (the comparison is unknown)
        if key.contains(where: \.isNull) { return AggregateAccumulator().value(kind: kind, integer: integer) }
        // a key this call site never fed (no row, or a row another call site over the same key made)
        guard let r = row(id, key: key, keys: keys), r < rows[id].count(kind) else { return AggregateAccumulator().value(kind: kind, integer: integer) }
        return rows[id].value(row: r, kind: kind, integer: integer)
    }
}
