import ESFCore
import ESFExpr
import ESFRules

/// The rules of a record that read nothing but the record itself, the root record and parameters
/// ("own-record rules": no context of other records, no aggregate, look-up or relation), evaluated
/// on the reading thread of a two-thread run (`ReadPipeline`), while the engine's thread evaluates
/// the records before. Each outcome travels with its record (`Record.preOutcomes`, two bits a rule):
/// the engine counts a passed or not applicable rule from it and evaluates the rule itself only when
/// it failed or stopped with an error, so that the finding, its message and its explanation are
/// made as in a one-thread run, in the same order. The filters of aggregates that read the aggregated
/// record alone are evaluated here too (`Record.preFilters`: passed or not; the engine evaluates those
/// that stopped with an error). Runs with `--timings` evaluate every rule on the engine's thread (their
/// per-rule times would otherwise miss these).
///
/// One instance per run, used by one thread only: its evaluator (regular-expression cache included)
/// is its own. The compiled expressions are shared with the engine; they hold no mutable state.
final class PreEvaluator {
    /// An own-record rule (`items`) or an aggregate's filter (`filters`, in `assert`, without `when`), with
    /// its slot in its record's outcomes and its parameter values (`paramSets[params]`). Plain data: the
    /// expressions are held by `expressions`, so that reading an item retains and releases nothing.
    private struct Item {
        let slot: Int
        let when: ExpressionRef?
        let assert: ExpressionRef
        let params: Int
        let paramsTag: Int
    }

    /// Outcome codes, two bits per slot; 0 (no bits) is "not evaluated here".
    static let passed: UInt64 = 1, notApplicable: UInt64 = 2, evaluateAgain: UInt64 = 3
    /// The slots a record's outcomes hold (two bits each in 64).
    static let maxSlots = 32

    /// The code of `slot` in a record's outcomes (`Record.preOutcomes`, `Record.preFilters`); 0 for none.
    @inline(__always)
    static func code(_ outcomes: UInt64, slot: Int) -> UInt64 { (outcomes >> UInt64(2 * slot)) & 3 }

    /// Outcomes holding `code` in `slot`.
    @inline(__always)
    static func outcomes(_ code: UInt64, slot: Int) -> UInt64 { code << UInt64(2 * slot) }

    /// Per rule or aggregate numbered in `lists` (per entity, slot by slot): its slot, -1 for none.
    static func slotOf(_ lists: [[Int]], count: Int) -> [Int] {
        var slot = Array(repeating: -1, count: count)
        for list in lists { for (k, i) in list.enumerated() { slot[i] = k } }
        return slot
    }

    /// Per entity: its own-record rules, in the engine's order, with their slot in `Record.preOutcomes`.
    private let items: [[Item]]
    /// Per entity: the filters of the aggregates over it that read that record alone, with their slot
    /// in `Record.preFilters` (`AggregateStore.preFiltered`).
    private let filters: [[Item]]
    /// The compiled expressions the items point at (kept alive here), and their parameter values.
    private let expressions: [CompiledExpression]
    private let paramSets: [[Value]]
    private let root: Int
    private var evaluator: Evaluator
    private var rootSeen = false

    /// Nil when no entity has an own-record rule or an aggregate filter it could evaluate.
    init?(engine: Engine) {
        // this thread's own copies of the expressions: sharing the engine's would have both threads
        // change the same reference counts (their closures' contexts) for every rule of every record
        let specs = engine.ruleSet.aggregates, budget = engine.options.budget
        var expressions: [CompiledExpression] = [], paramSets: [[Value]] = []
        func own(_ c: ExpressionRef, _ params: [Value]) -> ExpressionRef {
            .keeping(CompiledExpression(c.expression.source, params: params, aggregates: specs, budget: budget), in: &expressions)
        }
        func item(slot: Int, when: ExpressionRef?, assert: ExpressionRef, params: [Value], tag: Int) -> Item {
            paramSets.append(params)
            return Item(slot: slot, when: when.map { own($0, params) }, assert: own(assert, params), params: paramSets.count - 1, paramsTag: tag)
        }
        var items: [[Item]] = Array(repeating: [], count: engine.model.entities.count)
        for (e, slots) in engine.preSlots.enumerated() {
            for (slot, i) in slots.enumerated() {
                guard let assert = engine.compiledAssert[i] else { continue }
                items[e].append(item(slot: slot, when: engine.compiledWhen[i], assert: assert, params: engine.rules[i].params, tag: engine.paramsTags[i]))
            }
        }
        let store = engine.aggregates
        let filters = store.preFiltered.map { ids in
            ids.compactMap { id in
                store.compiledFilter[id].map { item(slot: store.preFilterSlot[id], when: nil, assert: $0, params: store.params[id], tag: store.paramsTags[id]) }
            }
        }
        guard items.contains(where: { !$0.isEmpty }) || filters.contains(where: { !$0.isEmpty }) else { return nil }
        self.items = items
        self.filters = filters
        self.expressions = expressions
        self.paramSets = paramSets
        root = engine.model.root
        evaluator = Evaluator(params: [], entityCount: engine.model.entities.count, budget: engine.options.budget)
        evaluator.aggregates = engine.ruleSet.aggregates
        evaluator.showPersonalData = engine.options.showPersonalData
        evaluator.language = engine.options.language
    }

    /// Which rules of each entity are own-record rules: immediate, an expression assertion, reading no
    /// entity but their scope and the root, no aggregate and no look-up; at most `maxSlots` an entity.
    static func slots(rules: [CompiledRule], immediate: [[Int]], root: Int) -> [[Int]] {
        immediate.enumerated().map { e, list in
            Array(list.filter { i in
                let rule = rules[i], u = rule.usage
                guard rule.scope == e, case .expression = rule.assertion else { return false }
                return u.entities.isSubset(of: [e, root]) && u.aggregates.isEmpty && u.lookups.isEmpty
                    && u.recordLookups.isEmpty && !u.aggregated
            }.prefix(maxSlots))
        }
    }

    /// Sees every event: keeps the root record as the engine keeps it (the first one; a second root is
    /// rejected there), and with `evaluate`, evaluates the own-record rules of a record and stores their
    /// outcomes in it. Without, the record goes on as read (the engine evaluates its rules).
    func prepare(_ event: inout InputEvent, evaluate: Bool) {
        // read in place: a record whose rules are not evaluated here is not copied
        guard case .record(let seen) = event else { return }
        let e = seen.entity
        if e == root {
            if !rootSeen {
                rootSeen = true
                evaluator.records[root] = seen.values
            }
            return
        }
        guard evaluate, !items[e].isEmpty || !filters[e].isEmpty else { return }
        // the record moved out of the event while it is changed (neither copied nor its values shared)
        guard case .record(var r) = consume event else { preconditionFailure("checked above") }
        if !filters[e].isEmpty {
            // the aggregates' filters, on the record as the aggregated one (as `AggregateStore.feed` does)
            evaluator.aggregated = r.values
            var outcomes: UInt64 = 0
            for f in filters[e] {
                evaluator.use(params: paramSets[f.params], tag: f.paramsTag)
                do {
                    let passed = try evaluator.truth(f.assert) == true
                    outcomes |= Self.outcomes(passed ? AggregateStore.filterPassed : AggregateStore.filterNotPassed, slot: f.slot)
                } catch {
                    // no code: evaluated again on the engine's thread, which reports the error
                }
            }
            evaluator.aggregated = nil
            r.preFilters = outcomes
        }
        evaluator.records[e] = r.values
        var outcomes: UInt64 = 0
        for item in items[e] {
            evaluator.use(params: paramSets[item.params], tag: item.paramsTag)
            let code: UInt64
            switch try? evaluator.outcome(when: item.when, assert: item.assert) {
            case .passed?: code = Self.passed
            case .notApplicable?: code = Self.notApplicable
            case .failed?, nil: code = Self.evaluateAgain
            }
            outcomes |= Self.outcomes(code, slot: item.slot)
        }
        evaluator.records[e] = nil
        r.preOutcomes = outcomes
        event = .record(r)
    }
}
