import ESFCore

/// A rule that could not be evaluated (division by zero, overflow, cost budget): becomes a `fatal` finding.
public struct EvalError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: String
    public var message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// State kept by the engine that expressions read: aggregates and key indexes.
public protocol EvaluationState: AnyObject {
    /// The value of aggregate `id` for a correlation key (empty for uncorrelated aggregates).
    func aggregateValue(_ id: Int, key: [Value]) -> Value
    /// The records kept for a correlated aggregate with residual conditions.
    func aggregateRecords(_ id: Int, key: [Value]) -> [[Value]]
    /// Calls `body` with each record `aggregateRecords` gives, in order; a state may pass one buffer
    /// refilled for each record, so `body` keeps no reference to it past its return.
    func forEachAggregateRecord(_ id: Int, key: [Value], _ body: ([Value]) throws(EvalError) -> Void) throws(EvalError)
    /// The record of `entity` whose key is `key`, if any.
    func lookup(_ entity: Int, key: Value) -> [Value]?
}

extension EvaluationState {
    public func forEachAggregateRecord(_ id: Int, key: [Value], _ body: ([Value]) throws(EvalError) -> Void) throws(EvalError) {
        for values in aggregateRecords(id, key: key) { try body(values) }
    }
}

/// Numbers for sets of parameter values (`Evaluator.use(params:tag:)`): values that are equal and spelt
/// alike (`0.8` and `0.80` are told apart) get the same number.
public struct ParamsTags {
    private var known: [(values: [Value], texts: [String])] = []
    public init() {}

    public mutating func tag(_ params: [Value]) -> Int {
        let texts = params.map(\.description)
        if let t = known.firstIndex(where: { $0.values == params && $0.texts == texts }) { return t }
        known.append((params, texts))
        return known.count - 1
    }
}

/// Evaluates bound expressions with SPEC §4's three-valued logic and a cost budget.
public struct Evaluator {
    /// Parameter values, by parameter index. Setting them directly forgets `paramsTag`.
    public var params: [Value] { didSet { paramsTag = -1 } }
    /// Which parameter values `params` holds, as `use(params:tag:)` was told (-1: not known).
    public private(set) var paramsTag = -1
    /// The current record of each entity in context (own, parent, siblings, root), by entity index.
    public var records: [[Value]?]
    /// The record being aggregated or related.
    public var aggregated: [Value]?
    public weak var state: (any EvaluationState)?
    /// The aggregate call sites of the rule set, for correlated keys.
    public var aggregates: [AggregateSpec] = []
    /// The most nodes one evaluation may visit; beyond it the rule fails at run time.
    public var budget: Int
    /// When non-nil, the values of the expression's parts are recorded here (for `--explain`).
    public var trace: [ExplainTerm]?
    /// Whether traced personal-data values are shown unmasked.
    public var showPersonalData = false
    /// The language the explanation shows values in (`--explain`): Slovenian `3.360,00` and `31. 3. 2022`.
    public var language: Language = .en

    /// The cost spent by the current evaluation (compiled expressions charge it too).
    var spent = 0
    /// A correlation key's values, reused from one aggregate read to the next (no array allocated per
    /// read); taken out while in use, so that an aggregate read inside a key makes its own.
    var keyBuffer: [Value] = []
    let regexCache = RegexCache()

    /// The default budget: generous for real rules, small enough to stop runaway ones.
    public static let defaultBudget = 100_000

    public init(params: [Value], entityCount: Int, state: (any EvaluationState)? = nil, budget: Int = Evaluator.defaultBudget) {
        self.params = params
        self.records = Array(repeating: nil, count: entityCount)
        self.state = state
        self.budget = budget
    }

    /// Sets the parameter values `params` under `tag` (one tag per set of values): when they are those
    /// of the same tag already (never for a negative tag), `params` is not even read, and nothing is
    /// assigned (an assignment retains one array and releases another, once per rule evaluated on the
    /// hot path). Mutating, so that a caller holding the evaluator in a class property tests the tag in
    /// place: a non-mutating method called there copies the whole evaluator first.
    @inline(__always)
    public mutating func use(params: @autoclosure () -> [Value], tag: Int) {
        guard tag < 0 || tag != paramsTag else { return }
        self.params = params()
        paramsTag = tag
    }

    /// Evaluates `e` with a fresh budget.
    public mutating func evaluate(_ e: BoundExpr) throws(EvalError) -> Value {
        spent = 0
        do throws(EvalError) {
            return try eval(e)
        } catch {
            throw shown(error, of: e)
        }
    }

    /// A run-time error as reported: its messages quote values (`cannot compare … with …`), none from personal data.
    func shown(_ error: EvalError, of e: BoundExpr) -> EvalError {
        guard !showPersonalData, error.code != "budget", e.readsPersonalData else { return error }
        return EvalError(code: error.code, message: "\(error.code.replacing("_", with: " ")) in '\(e.text)', which reads personal data (values not shown; --show-personal-data shows them)")
    }

    /// The value as a three-valued truth: true, false or nil (unknown).
    public static func truth(_ v: Value) -> Bool? {
        if case .bool(let b) = v { return b }
        return nil
    }

    mutating func charge(_ cost: Int) throws(EvalError) {
        spent += cost
        if spent > budget {
            throw EvalError(code: "budget", message: "the evaluation exceeded its cost budget of \(budget) steps")
        }
    }

    private mutating func record(_ e: BoundExpr, _ v: Value) {
        guard trace != nil else { return }
        switch e.kind {
        case .literal, .list: return
        case .binary(.and, _, _), .binary(.or, _, _), .unary(.not, _): return
        default: break
        }
        if trace!.count >= 32 || trace!.contains(where: { $0.expression == e.text }) { return }
        let shown = v.isNull ? "null (\(language.missingWord))" : (e.personal && !showPersonalData) ? Masking.mask(v.description)
            : language == .en ? v.description : v.formatted(language)
        trace!.append(ExplainTerm(expression: e.text, value: shown))
    }

    mutating func eval(_ e: BoundExpr) throws(EvalError) -> Value {
        try charge(1)
        let v = try evalNode(e)
        if trace != nil { record(e, v) }
        return v
    }

    private mutating func evalNode(_ e: BoundExpr) throws(EvalError) -> Value {
        switch e.kind {
        case .literal(let v): return v
        case .field(.entity(let ent), let f):
            guard let r = records[ent], f < r.count else { return .null }
            return r[f]
        case .field(.aggregated, let f):
            guard let r = aggregated, f < r.count else { return .null }
            return r[f]
        case .param(let i): return params[i]
        case .member(let base, let f):
            guard case .record(_, let values) = try eval(base), f < values.count else { return .null }
            return values[f]
        case .isNull(let operand, let negated):
            let v = try eval(operand)
            return .bool(v.isNull != negated)
        case .unary(.not, let operand):
            guard let b = Evaluator.truth(try eval(operand)) else { return .null }
            return .bool(!b)
        case .unary(.negate, let operand):
            let v = try eval(operand)
            switch v {
            case .int(let i):
                guard i != Int64.min else { throw EvalError(code: "overflow", message: "arithmetic overflow in -(\(v))") }
                return .int(-i)
            case .decimal(let d): return .decimal(d.negated())
            case .days(let n):
                guard n != Int64.min else { throw EvalError(code: "overflow", message: "arithmetic overflow in -(\(v))") }
                return .days(-n)
            default: return .null
            }
        case .binary(let op, let l, let r):
            return try binary(op, l, r)
        case .conditional(let c, let t, let f):
            guard let b = Evaluator.truth(try eval(c)) else { return .null }
            return try eval(b ? t : f)
        case .list(let items):
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for i in items { out.append(try eval(i)) }
            return .list(out)
        case .builtin(let fn, let args):
            var values: [Value] = []
            values.reserveCapacity(args.count)
            for a in args {
                let v = try eval(a)
                if v.isNull { return .null }
                values.append(v)
            }
            return try Builtins.call(fn, values, regexCache: regexCache, charge: { (n: Int) throws(EvalError) in try self.charge(n) })
        case .aggregate(let id):
            guard let state, id < aggregates.count else { throw EvalError(code: "state", message: "aggregates are not available here") }
            let spec = aggregates[id]
            let key = try aggregateKey(spec)
            guard let residual = spec.residual else { return state.aggregateValue(id, key: key) }
            // keep the outer record's context; evaluate the residual per kept record
            let savedAggregated = aggregated
            defer { aggregated = savedAggregated }
            var acc = AggregateAccumulator()
            for values in state.aggregateRecords(id, key: key) {
                try charge(1)
                aggregated = values
                guard Evaluator.truth(try eval(residual)) == true else { continue }
                let v: Value
                if let valueExpr = spec.value { v = try eval(valueExpr) } else { v = spec.field.map { values[$0] } ?? .bool(true) }
                if spec.kind == .count && v.isNull { continue }
                acc.add(v, kind: spec.kind)
            }
            if let reason = acc.overflowed(spec) { throw EvalError(code: "overflow", message: reason) }
            return acc.value(spec)
        case .lookup(let ent, let keyExpr):
            let key = try eval(keyExpr)
            if key.isNull { return .null }
            guard let state else { throw EvalError(code: "state", message: "lookups are not available here") }
            return state.lookup(ent, key: key).map { .record(entity: ent, values: $0) } ?? .null
        case .exists(let ent, let keyExpr):
            let key = try eval(keyExpr)
            if key.isNull { return .null }
            guard let state else { throw EvalError(code: "state", message: "lookups are not available here") }
            return .bool(state.lookup(ent, key: key) != nil)
        }
    }

    /// Evaluates a correlated aggregate's outer key in the current context.
    public mutating func aggregateKey(_ spec: AggregateSpec) throws(EvalError) -> [Value] {
        var key: [Value] = []
        for k in spec.outerKey { key.append(try eval(k).keyForm) }
        return key
    }

    private mutating func binary(_ op: BinaryOp, _ l: BoundExpr, _ r: BoundExpr) throws(EvalError) -> Value {
        switch op {
        case .and:
            let a = Evaluator.truth(try eval(l))
            if a == false {
                // --explain shows every part's value, also those after the first failing one
                if trace != nil { _ = try? eval(r) }
                return .bool(false)
            }
            let b = Evaluator.truth(try eval(r))
            if b == false { return .bool(false) }
            if a == nil || b == nil { return .null }
            return .bool(true)
        case .or:
            let a = Evaluator.truth(try eval(l))
            if a == true {
                if trace != nil { _ = try? eval(r) }
                return .bool(true)
            }
            let b = Evaluator.truth(try eval(r))
            if b == true { return .bool(true) }
            if a == nil || b == nil { return .null }
            return .bool(false)
        case .coalesce:
            let a = try eval(l)
            return a.isNull ? try eval(r) : a
        default:
            break
        }
        let a = try eval(l), b = try eval(r)
        if a.isNull || b.isNull { return .null }
        switch op {
        case .in:
            guard case .list(let items) = b else { return .null }
            try charge(items.count)
            return .bool(items.contains { $0.keyEquals(a) })
        case .eq: return .bool(try Evaluator.compare(a, b) == 0)
        case .ne: return .bool(try Evaluator.compare(a, b) != 0)
        case .lt: return .bool(try Evaluator.compare(a, b) < 0)
        case .le: return .bool(try Evaluator.compare(a, b) <= 0)
        case .gt: return .bool(try Evaluator.compare(a, b) > 0)
        case .ge: return .bool(try Evaluator.compare(a, b) >= 0)
        default: return try Evaluator.arithmetic(op, a, b)
        }
    }

    /// Orders two non-null values of compatible types (ints and decimals compare by value).
    public static func compare(_ a: Value, _ b: Value) throws(EvalError) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.date(let x), .date(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.string(let x), .string(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.days(let x), .days(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.list(let x), .list(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.keyEquals($1) } ? 0 : 1
        default:
            guard let x = decimal(a), let y = decimal(b) else {
                throw EvalError(code: "type", message: "cannot compare \(a) with \(b)")
            }
            return x == y ? 0 : (x < y ? -1 : 1)
        }
    }

    /// The value as a decimal when it is a number.
    public static func decimal(_ v: Value) -> ExactDecimal? {
        switch v {
        case .int(let i): return ExactDecimal(Int(i))
        case .decimal(let d): return d
        default: return nil
        }
    }

    static func arithmetic(_ op: BinaryOp, _ a: Value, _ b: Value) throws(EvalError) -> Value {
        func overflow() -> EvalError { EvalError(code: "overflow", message: "arithmetic overflow in \(a) \(op.rawValue) \(b)") }
        switch (op, a, b) {
        case (.add, .date(let d), .days(let n)), (.add, .days(let n), .date(let d)):
            return try dateShift(d, n)
        case (.sub, .date(let d), .days(let n)):
            guard n != Int64.min else { throw overflow() }
            return try dateShift(d, -n)
        case (.sub, .date(let x), .date(let y)):
            return .int(Int64(x.dayNumber - y.dayNumber))
        case (.add, .days(let x), .days(let y)):
            let (r, o) = x.addingReportingOverflow(y); if o { throw overflow() }; return .days(r)
        case (.sub, .days(let x), .days(let y)):
            let (r, o) = x.subtractingReportingOverflow(y); if o { throw overflow() }; return .days(r)
        case (.mul, .int(let x), .days(let y)), (.mul, .days(let y), .int(let x)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw overflow() }
            return .days(r)
        case (.add, .int(let x), .int(let y)):
            let (r, o) = x.addingReportingOverflow(y); if o { throw overflow() }; return .int(r)
        case (.sub, .int(let x), .int(let y)):
            let (r, o) = x.subtractingReportingOverflow(y); if o { throw overflow() }; return .int(r)
        case (.mul, .int(let x), .int(let y)):
            let (r, o) = x.multipliedReportingOverflow(by: y); if o { throw overflow() }; return .int(r)
        default:
            guard let x = decimal(a), let y = decimal(b) else {
                throw EvalError(code: "type", message: "'\(op.rawValue)' cannot combine \(a) and \(b)")
            }
            do throws(ExactDecimal.ArithmeticError) {
                switch op {
                case .add: return .decimal(try x.adding(y))
                case .sub: return .decimal(try x.subtracting(y))
                case .mul: return .decimal(try x.multiplied(by: y))
                case .div: return .decimal(try x.divided(by: y))
                default: throw .overflow
                }
            } catch .divisionByZero {
                throw EvalError(code: "division_by_zero", message: "division by zero: \(a) / \(b)")
            } catch {
                throw overflow()
            }
        }
    }

    static func dateShift(_ d: CivilDate, _ n: Int64) throws(EvalError) -> Value {
        .date(try shifted(d, n))
    }

    static func shifted(_ d: CivilDate, _ n: Int64) throws(EvalError) -> CivilDate {
        // Any shift of more than 10,000 years leaves the calendar's range (and could overflow the day number).
        guard n >= -3_700_000, n <= 3_700_000 else { throw EvalError(code: "overflow", message: "date out of range: \(d) + \(n) days") }
        let r = d.adding(days: Int(n))
        guard (1...9999).contains(r.components.year) else { throw EvalError(code: "overflow", message: "date out of range: \(d) + \(n) days") }
        return r
    }
}

/// Compiled regular expressions, by pattern, for `matches`: a literal pattern is compiled once
/// per run, not per record. Patterns read from data could be all different, so the cache is
/// bounded: when full it starts over (literal patterns are then compiled once more).
final class RegexCache {
    var compiled: [String: LinearRegex] = [:]
    static let capacity = 512

    func regex(_ pattern: String) throws(EvalError) -> LinearRegex {
        if let r = compiled[pattern] { return r }
        let r: LinearRegex
        do { r = try LinearRegex(pattern) } catch {
            throw EvalError(code: "regex", message: "'\(pattern)' is not a valid regular expression: \(error)")
        }
        if compiled.count >= RegexCache.capacity { compiled.removeAll(keepingCapacity: true) }
        compiled[pattern] = r
        return r
    }
}
