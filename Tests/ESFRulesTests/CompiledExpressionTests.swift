import ESFCore
import ESFExpr
import ESFRules
import Testing
import TestSupport


/// Random field values of every type: nulls, boundary dates and decimals, near-overflow numbers,
/// keys from a small pool (so that correlations and lookups match), and now and then a value of
/// another type than the field's (which the compiled form must hand back to the tree evaluator).
struct RecordMaker {
    var rng: SplitMix

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

    static let dates = ["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-01", "2020-02-29", "2020-03-01", "2021-02-28",
                        "2019-12-31", "2020-01-01", "2023-06-30", "2024-01-31", "1970-05-12", "2000-02-29"]
    static let decimals = ["0", "0.00", "-0.01", "0.80", "0.85", "1", "1.5", "100.00", "3360.00", "647.50", "-250.25",
                           "99999999999999999999.99", "-99999999999999999999.99", "0.0000000001", "1E1"]
    static let ints: [Int64] = [0, 1, -1, 2, 6, 12, 24, 40, 100, 9_223_372_036_854_775_807, -9_223_372_036_854_775_808, 2_147_483_647]
    static let strings = ["P1", "P2", "P3", "", "abc", "UD-000001", "SI12345679", "12345679", "5000000", "1234567000",
                          "0101006500006", "0101006500000", "3112999500005", "16001", "13001", "10001", "ltu24", "Ž"]

    mutating func date() -> CivilDate {
        if chance(0.5) { return CivilDate(dayNumber: Int.random(in: -500_000...2_900_000, using: &rng)) }
        return CivilDate(iso: Substring(pick(RecordMaker.dates))) ?? CivilDate(dayNumber: 0)
    }

    mutating func decimal() -> ExactDecimal {
        if chance(0.5) {
            return ExactDecimal(units: Int128(Int64.random(in: -10_000_000...10_000_000, using: &rng)), scale: Int.random(in: 0...4, using: &rng))
        }
        if chance(0.1) { return ExactDecimal(units: Int128.max - Int128(Int.random(in: 0...5, using: &rng)), scale: Int.random(in: 0...3, using: &rng)) }
        return ExactDecimal(parsing: Substring(pick(RecordMaker.decimals))) ?? ExactDecimal(0)
    }

    mutating func value(_ type: FieldType) -> Value {
        if chance(0.2) { return .null }
        if chance(0.02) { return pick([.string("x"), .int(3), .date(date()), .bool(true), .decimal(decimal())]) }
        switch type {
        case .string: return .string(pick(RecordMaker.strings))
        case .code(let codes): return .string(chance(0.9) && !codes.isEmpty ? pick(codes) : pick(RecordMaker.strings))
        case .codeSet(let codes):
            let n = Int.random(in: 0...3, using: &rng)
            return .list((0..<n).map { _ in .string(!codes.isEmpty ? pick(codes) : pick(RecordMaker.strings)) })
        case .date: return .date(date())
        case .decimal: return .decimal(decimal())
        case .int: return .int(chance(0.7) ? Int64.random(in: -30...200, using: &rng) : pick(RecordMaker.ints))
        case .bool: return .bool(chance(0.5))
        }
    }

    mutating func record(_ entity: EntityModel) -> [Value] { entity.fields.map { value($0.type) } }
}

/// Aggregate values, kept records and lookups that depend only on what is asked (pure, as the engine's).
final class DerivedState: EvaluationState {
    let model: DataModel
    let aggregates: [AggregateSpec]
    init(model: DataModel, aggregates: [AggregateSpec]) {
        self.model = model
        self.aggregates = aggregates
    }

    func maker(_ seed: String) -> RecordMaker {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in seed.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return RecordMaker(rng: SplitMix(seed: h))
    }

    func aggregateValue(_ id: Int, key: [Value]) -> Value {
        var m = maker("a\(id)\(key)")
        switch aggregates[id].valueType {
        case .int: return .int(Int64.random(in: 0...20, using: &m.rng))
        case .date: return m.chance(0.2) ? .null : .date(m.date())
        default: return m.chance(0.1) ? .null : .decimal(m.decimal())
        }
    }

    func aggregateRecords(_ id: Int, key: [Value]) -> [[Value]] {
        var m = maker("r\(id)\(key)")
        let entity = model.entities[aggregates[id].entity]
        return (0..<Int.random(in: 0...3, using: &m.rng)).map { _ in m.record(entity) }
    }

    func lookup(_ entity: Int, key: Value) -> [Value]? {
        var m = maker("l\(entity)\(key)")
        return m.chance(0.3) ? nil : m.record(model.entities[entity])
    }
}

/// The value or the error of an evaluation, comparable across both evaluators.
func outcome(_ body: () throws(EvalError) -> Value) -> String {
    do throws(EvalError) {
        let v = try body()
        return "value \(v) (\(ExprType(of: v)))"
    } catch {
        return "error \(error.code): \(error.message)"
    }
}

@Suite("Compiled expressions")
struct CompiledExpressionTests {
    /// Every expression the engine evaluates per record, with its pack's parameters and where it is evaluated.
    static func expressions(_ set: RuleSet) -> [(label: String, expr: BoundExpr, params: [Value], aggregated: Int?)] {
        var out: [(String, BoundExpr, [Value], Int?)] = []
        for rule in set.rules {
            if let w = rule.when { out.append(("\(rule.id) when", w, rule.params, nil)) }
            if case .expression(let a) = rule.assertion { out.append(("\(rule.id) assert", a, rule.params, nil)) }
            if case .relations(let specs) = rule.assertion {
                for spec in specs {
                    switch spec {
                    case .unique(let e, _, let filter?): out.append(("\(rule.id) unique filter", filter, rule.params, e))
                    case .noOverlap(let e, _, let start, let end):
                        out.append(("\(rule.id) start", start, rule.params, e))
                        out.append(("\(rule.id) end", end, rule.params, e))
                    default: break
                    }
                }
            }
            for case .value(let v) in rule.message.all.flatMap(\.parts) { out.append(("\(rule.id) message {\(v.text)}", v, rule.params, nil)) }
        }
        for (id, spec) in set.aggregates.enumerated() {
            for (name, e) in [("filter", spec.filter), ("value", spec.value), ("residual", spec.residual)] {
                if let e { out.append(("aggregate \(id) \(name)", e, spec.params, spec.entity)) }
            }
            for k in spec.outerKey { out.append(("aggregate \(id) key", k, spec.params, nil)) }
        }
        for pack in set.packs {
            for ind in pack.indicators {
                out.append(("indicator \(ind.id)", ind.value, ind.params, nil))
                if let t = ind.target { out.append(("indicator \(ind.id) target", t, ind.params, nil)) }
            }
        }
        return out
    }

    @Test("every built-in expression: the compiled form and the tree evaluator agree on generated records")
    func builtinPacksAgree() throws {
        let set = try #require(builtinRuleSet)
        let model = set.model
        let state = DerivedState(model: model, aggregates: set.aggregates)
        var maker = RecordMaker(rng: SplitMix(seed: 20_261_129))
        let exprs = CompiledExpressionTests.expressions(set)
        #expect(exprs.count > 60)
        var compared = 0, errors = 0, nonNull = 0
        for budget in [Evaluator.defaultBudget, 4, 9, 17] {
            for (label, expr, params, aggregated) in exprs {
                let compiled = CompiledExpression(expr, params: params, aggregates: set.aggregates, budget: budget)
                for round in 0..<(budget == Evaluator.defaultBudget ? 150 : 30) {
                    var ev = Evaluator(params: params, entityCount: model.entities.count, state: state, budget: budget)
                    ev.aggregates = set.aggregates
                    ev.showPersonalData = round % 5 == 0
                    for (e, entity) in model.entities.enumerated() where !maker.chance(0.05) { ev.records[e] = maker.record(entity) }
                    if let a = aggregated { ev.aggregated = maker.record(model.entities[a]) }
                    var ev2 = ev, ev3 = ev, ev4 = ev
                    let tree = outcome { () throws(EvalError) -> Value in try ev.evaluate(expr) }
                    let fast = outcome { () throws(EvalError) -> Value in try ev2.evaluate(compiled) }
                    #expect(fast == tree, "\(label) (budget \(budget)): \(expr.text)")
                    // as a truth (how the engine reads `when` and `assert`): a value other than a bool is unknown
                    let treeTruth = outcome { () throws(EvalError) -> Value in Evaluator.truth(try ev3.evaluate(expr)).map(Value.bool) ?? .null }
                    let truth = outcome { () throws(EvalError) -> Value in try ev4.truth(compiled).map(Value.bool) ?? .null }
                    #expect(truth == treeTruth, "\(label) (budget \(budget)) as a truth: \(expr.text)")
                    compared += 1
                    if tree.hasPrefix("error") { errors += 1 } else if !tree.hasPrefix("value null") { nonNull += 1 }
                }
            }
        }
        // the records reach past the nulls and into the run-time errors (budget, overflow, out-of-range dates)
        #expect(compared > 12_000)
        #expect(nonNull > compared / 5)
        #expect(errors > 100)
    }

    @Test("the built-in rules' cost has a static bound at the default budget: no counting per node")
    func builtinRulesUncharged() throws {
        let set = try #require(builtinRuleSet)
        var charged: [String] = []
        for rule in set.rules {
            guard case .expression(let a) = rule.assertion else { continue }
            let compiled = CompiledExpression(a, params: rule.params, aggregates: set.aggregates, budget: Evaluator.defaultBudget)
            if compiled.charged { charged.append(rule.id) }
            // without calls the cost is the node count: bounded
            if !a.text.contains("(") { #expect(!compiled.charged, "\(rule.id): \(a.text)") }
            // a budget below that bound counts again
            let tight = CompiledExpression(a, params: rule.params, aggregates: set.aggregates, budget: 1)
            #expect(tight.charged, "\(rule.id): \(a.text)")
        }
        #expect(charged.count * 5 < set.rules.count, "charged: \(charged)")
    }
}
