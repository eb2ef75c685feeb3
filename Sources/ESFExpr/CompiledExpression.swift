import ESFCore

/// A bound expression lowered, after type checking, to typed closures: a comparison of a date
/// field with a constant reads the `CivilDate` and compares it, with no `Value` made per node;
/// parameters and constant parts are folded; `in` over a constant list tests a precomputed set;
/// a built-in takes its typed arguments without an argument array.
///
/// The result is the tree evaluator's, error messages included: the closures evaluate the parts
/// in the same order with the same three-valued logic and exact arithmetic. Parts they do not
/// lower (aggregates, lookups, lists read from data) are evaluated by the tree evaluator; a value
/// of another representation than its static type promises makes the whole expression evaluate
/// again with the tree evaluator. The cost budget is checked statically when the expression's
/// cost has a known bound within the budget; otherwise every part is charged as the tree evaluator
/// charges it. Tracing (`--explain`) always uses the tree evaluator on `source`.
public final class CompiledExpression {
    /// The expression as bound (evaluated by the tree evaluator when traced, or on a deoptimization).
    public let source: BoundExpr
    let test: Lowered<Bool?>
    let run: Lowered<Value>
    /// Whether evaluation charges the cost budget part by part (no static bound within the budget).
    public let charged: Bool

    /// Lowers `source` for the pack parameter values `params` (folded as constants); `aggregates`
    /// are the rule set's aggregate call sites (for the static cost of their keys).
    public init(_ source: BoundExpr, params: [Value], aggregates: [AggregateSpec], budget: Int) {
        self.source = source
        let bound = Lowering.staticCost(source, params: params, aggregates: aggregates)
        charged = bound.map { $0 > budget } ?? true
        let lowering = Lowering(params: params, aggregates: aggregates, charged: charged)
        if source.type == .bool {
            let t = lowering.bool(source)
            test = t
            run = { (ev: inout Evaluator) throws(EvalError) -> Value in try t(&ev).map(Value.bool) ?? .null }
        } else {
            let r = lowering.value(source)
            run = r
            test = { (ev: inout Evaluator) throws(EvalError) -> Bool? in Evaluator.truth(try r(&ev)) }
        }
    }
}

typealias Lowered<T> = (inout Evaluator) throws(EvalError) -> T

/// A compiled expression referred to without reference counting, for the per-record path: copying one,
/// reading it from an array or evaluating it retains and releases nothing. Whoever makes it keeps the
/// expression alive (`keeping(_:in:)` appends it to an owner array) for as long as the reference is used.
public struct ExpressionRef {
    let unmanaged: Unmanaged<CompiledExpression>

    /// A reference to `c`, which the caller keeps alive.
    public init(unretained c: CompiledExpression) { unmanaged = .passUnretained(c) }

    /// A reference to `c`, kept alive by appending it to `owner`.
    public static func keeping(_ c: CompiledExpression, in owner: inout [CompiledExpression]) -> ExpressionRef {
        owner.append(c)
        return ExpressionRef(unretained: c)
    }

    /// The expression itself (retained by the caller as usual).
    public var expression: CompiledExpression { unmanaged.takeUnretainedValue() }
}


extension Evaluator {
    /// The internal signal that a value had another representation than its static type (never reported).
    static let deoptimized = EvalError(code: "\u{1}deoptimized", message: "")

    /// Evaluates a compiled expression with a fresh budget; the same value and errors as `evaluate(c.source)`.
    public mutating func evaluate(_ c: CompiledExpression) throws(EvalError) -> Value {
        if trace != nil { return try evaluate(c.source) }
        spent = 0
        do throws(EvalError) {
            return try c.run(&self)
        } catch {
            if error.code == Evaluator.deoptimized.code { return try evaluate(c.source) }
            throw shown(error, of: c.source)
        }
    }

    /// The three-valued truth of a compiled expression: `Evaluator.truth(evaluate(c))`, without the value.
    public mutating func truth(_ c: CompiledExpression) throws(EvalError) -> Bool? {
        if trace != nil { return Evaluator.truth(try evaluate(c.source)) }
        spent = 0
        do throws(EvalError) {
            return try c.test(&self)
        } catch {
            if error.code == Evaluator.deoptimized.code { return Evaluator.truth(try evaluate(c.source)) }
            throw shown(error, of: c.source)
        }
    }
}

extension Evaluator {
    /// `evaluate(_:)` of an expression referred to by `ExpressionRef` (not retained for the call).
    @inline(__always)
    public mutating func evaluate(_ r: ExpressionRef) throws(EvalError) -> Value {
        var failure: EvalError?
        let v = r.unmanaged._withUnsafeGuaranteedRef { c -> Value in
            do throws(EvalError) { return try evaluate(c) } catch { failure = error; return .null }
        }
        if let failure { throw failure }
        return v
    }

    /// `truth(_:)` of an expression referred to by `ExpressionRef` (not retained for the call).
    @inline(__always)
    public mutating func truth(_ r: ExpressionRef) throws(EvalError) -> Bool? {
        var failure: EvalError?
        let t = r.unmanaged._withUnsafeGuaranteedRef { c -> Bool? in
            do throws(EvalError) { return try truth(c) } catch { failure = error; return nil }
        }
        if let failure { throw failure }
        return t
    }
}

/// A number as the tree evaluator keeps it: ints stay ints (64-bit, overflow checked), decimals exact.
enum Num {
    case int(Int64)
    case dec(ExactDecimal)

    var value: Value {
        switch self {
        case .int(let i): return .int(i)
        case .dec(let d): return .decimal(d)
        }
    }

    var decimal: ExactDecimal {
        switch self {
        case .int(let i): return ExactDecimal(Int(i))
        case .dec(let d): return d
        }
    }

    /// The order of two numbers, as `Evaluator.compare`.
    static func compare(_ a: Num, _ b: Num) -> Int {
        if case .int(let x) = a, case .int(let y) = b { return x == y ? 0 : (x < y ? -1 : 1) }
        let x = a.decimal, y = b.decimal
        return x == y ? 0 : (x < y ? -1 : 1)
    }

    /// `a op b`, as `Evaluator.arithmetic` on numbers.
    static func arithmetic(_ op: BinaryOp, _ a: Num, _ b: Num) throws(EvalError) -> Num {
        func overflow() -> EvalError { EvalError(code: "overflow", message: "arithmetic overflow in \(a.value) \(op.rawValue) \(b.value)") }
        if case .int(let x) = a, case .int(let y) = b {
            switch op {
            case .add: let (r, o) = x.addingReportingOverflow(y); if o { throw overflow() }; return .int(r)
            case .sub: let (r, o) = x.subtractingReportingOverflow(y); if o { throw overflow() }; return .int(r)
            case .mul: let (r, o) = x.multipliedReportingOverflow(by: y); if o { throw overflow() }; return .int(r)
            default: break
            }
        }
        let x = a.decimal, y = b.decimal
        do throws(ExactDecimal.ArithmeticError) {
            switch op {
            case .add: return .dec(try x.adding(y))
            case .sub: return .dec(try x.subtracting(y))
            case .mul: return .dec(try x.multiplied(by: y))
            case .div: return .dec(try x.divided(by: y))
            default: throw .overflow
            }
        } catch .divisionByZero {
            throw EvalError(code: "division_by_zero", message: "division by zero: \(a.value) / \(b.value)")
        } catch {
            throw overflow()
        }
    }
}

/// Whether an order (-1, 0, 1) satisfies a comparison operator.
@inline(__always)
private func holds(_ op: BinaryOp, _ c: Int) -> Bool {
    switch op {
    case .eq: return c == 0
    case .ne: return c != 0
    case .lt: return c < 0
    case .le: return c <= 0
    case .gt: return c > 0
    default: return c >= 0
    }
}

/// Lowers bound expressions to typed closures (see `CompiledExpression`).
struct Lowering {
    let params: [Value]
    let aggregates: [AggregateSpec]
    /// Whether every node charges the budget (as the tree evaluator does).
    let charged: Bool

    // MARK: constants

    /// The value of a part that reads no record, and what evaluating it costs; nil when it reads
    /// records or raises an error (then it is evaluated, and raises it, at run time).
    func constant(_ e: BoundExpr) -> (value: Value, cost: Int)? {
        guard Lowering.isConstant(e) else { return nil }
        var scratch = Evaluator(params: params, entityCount: 0, budget: Int.max)
        guard let v = try? scratch.eval(e) else { return nil }
        return (v, scratch.spent)
    }

    static func isConstant(_ e: BoundExpr) -> Bool {
        switch e.kind {
        case .field, .aggregate, .lookup, .exists: return false
        default: return e.kind.children.allSatisfy(isConstant)
        }
    }

    /// The most cost one evaluation of `e` can charge; nil when it depends on the data
    /// (string lengths, regular expressions, lists read from records, kept aggregate records).
    static func staticCost(_ e: BoundExpr, params: [Value], aggregates: [AggregateSpec]) -> Int? {
        func cost(_ e: BoundExpr) -> Int? {
            var own = 1
            switch e.kind {
            case .binary(.in, _, let r):
                if case .list(let items) = r.kind {
                    own += items.count
                } else if case .param(let i) = r.kind, i < params.count, case .list(let items) = params[i] {
                    own += items.count
                } else if case .param(let i) = r.kind, i < params.count, params[i].isNull {
                    // null on the right: no items charged
                } else {
                    return nil
                }
            case .builtin(.matches, _), .builtin(.starts_with, _): return nil
            case .builtin(.len, let args):
                if args.first.map({ if case .list = $0.type { return false } else { return true } }) ?? true { return nil }
            case .aggregate(let id):
                guard id < aggregates.count, aggregates[id].residual == nil else { return nil }
                for k in aggregates[id].outerKey {
                    guard let c = cost(k) else { return nil }
                    own += c
                }
            default: break
            }
            for child in e.kind.children {
                guard let c = cost(child) else { return nil }
                let (sum, o) = own.addingReportingOverflow(c)
                if o { return nil }
                own = sum
            }
            return own
        }
        return cost(e)
    }

    /// A closure returning a constant, charging what evaluating its part costs.
    func const<T>(_ v: T, cost: Int) -> Lowered<T> {
        if charged { return { (ev: inout Evaluator) throws(EvalError) -> T in try ev.charge(cost); return v } }
        return { (_: inout Evaluator) throws(EvalError) -> T in v }
    }

    /// Aggregates and `exists` as the tree evaluates them, without copying the aggregate's spec per
    /// call; nil for the other nodes.
    func special(_ e: BoundExpr) -> Lowered<Value>? {
        let charged = self.charged
        switch e.kind {
        case .aggregate(let id) where id < aggregates.count && aggregates[id].residual == nil:
            let keys = aggregates[id].outerKey.map(value)
            return { (ev: inout Evaluator) throws(EvalError) -> Value in
                if charged { try ev.charge(1) }
                guard let state = ev.state, id < ev.aggregates.count else {
                    throw EvalError(code: "state", message: "aggregates are not available here")
                }
                var key = ev.keyBuffer
                ev.keyBuffer = []
                key.removeAll(keepingCapacity: true)
                for k in keys { key.append(try k(&ev).keyForm) }
                let value = state.aggregateValue(id, key: key)
                ev.keyBuffer = key
                return value
            }
        case .aggregate(let id) where id < aggregates.count:
            // kept records with residual conditions (`count(training where participant_id == expenditure.participant_id
            // and start <= expenditure.incurred_on …)`): the conditions and the value lowered, the records read
            // one by one as the tree evaluator reads them, charged alike (one per record)
            let spec = aggregates[id]
            let keys = spec.outerKey.map(value)
            let residual = spec.residual.map(bool)
            let computed = spec.value.map(value)
            let field = spec.field, kind = spec.kind
            return { (ev: inout Evaluator) throws(EvalError) -> Value in
                if charged { try ev.charge(1) }
                guard let state = ev.state, id < ev.aggregates.count else {
                    throw EvalError(code: "state", message: "aggregates are not available here")
                }
                var key = ev.keyBuffer
                ev.keyBuffer = []
                key.removeAll(keepingCapacity: true)
                for k in keys { key.append(try k(&ev).keyForm) }
                defer { ev.keyBuffer = key }
                let saved = ev.aggregated
                defer { ev.aggregated = saved }
                var acc = AggregateAccumulator()
                try state.forEachAggregateRecord(id, key: key) { (values: [Value]) throws(EvalError) in
                    // the record is not kept past the call (the state may refill its buffer)
                    defer { ev.aggregated = nil }
                    try ev.charge(1)
                    ev.aggregated = values
                    if let residual, try residual(&ev) != true { return }
                    let v: Value
                    if let computed { v = try computed(&ev) } else { v = field.map { values[$0] } ?? .bool(true) }
                    if kind == .count && v.isNull { return }
                    acc.add(v, kind: kind)
                }
                if let reason = acc.overflowed(spec) { throw EvalError(code: "overflow", message: reason) }
                return acc.value(spec)
            }
        case .exists(let ent, let keyExpr):
            let k = value(keyExpr)
            return { (ev: inout Evaluator) throws(EvalError) -> Value in
                if charged { try ev.charge(1) }
                let key = try k(&ev)
                if key.isNull { return .null }
                guard let state = ev.state else { throw EvalError(code: "state", message: "lookups are not available here") }
                return .bool(state.lookup(ent, key: key) != nil)
            }
        default:
            return nil
        }
    }

    /// The tree evaluator for a part not lowered.
    func tree(_ e: BoundExpr) -> Lowered<Value> {
        { (ev: inout Evaluator) throws(EvalError) -> Value in try ev.eval(e) }
    }

    // MARK: representations

    /// Converts a value to a typed one: nil for null; another representation deoptimizes.
    func typed<T: Lowerable>(_ f: @escaping Lowered<Value>) -> Lowered<T?> {
        { (ev: inout Evaluator) throws(EvalError) -> T? in
            let v = try f(&ev)
            if let t = T.from(v) { return t }
            if v.isNull { return nil }
            throw Evaluator.deoptimized
        }
    }

    /// A constant's payload in representation `T` (nil inside for null); nil when it has another representation.
    static func payload<T: Lowerable>(_ v: Value) -> T?? {
        if let t = T.from(v) { return .some(t) }
        return v.isNull ? .some(nil) : nil
    }

    /// A field of the record in context as `T`: nil for null or absent; another representation deoptimizes.
    @inline(__always)
    static func convert<T: Lowerable>(_ v: Value) throws(EvalError) -> T? {
        if let t = T.from(v) { return t }
        if v.isNull { return nil }
        throw Evaluator.deoptimized
    }

    @inline(__always)
    static func read<T: Lowerable>(_ record: [Value]?, _ f: Int) throws(EvalError) -> T? {
        guard let record, f < record.count else { return nil }
        if let t = T.from(record[f]) { return t }
        if case .null = record[f] { return nil }
        throw Evaluator.deoptimized
    }

    /// The common lowering of a node to representation `T`: constants of another representation, `??`, `?:`;
    /// nil for the others. (Closures that run often, constants and fields, are made where `T` is concrete:
    /// a closure made in a generic context is called through a thunk.)
    func common<T: Lowerable>(_ e: BoundExpr, _ lower: (BoundExpr) -> Lowered<T?>) -> Lowered<T?>? {
        if let (v, cost) = constant(e) {
            if let t = T.from(v) { return const(Optional(t), cost: cost) }
            if v.isNull { return const(nil, cost: cost) }
            return typed(const(v, cost: cost))
        }
        let charged = self.charged
        switch e.kind {
        case .binary(.coalesce, let l, let r):
            let a = lower(l), b = lower(r)
            return { (ev: inout Evaluator) throws(EvalError) -> T? in
                if charged { try ev.charge(1) }
                if let x = try a(&ev) { return x }
                return try b(&ev)
            }
        case .conditional(let c, let t, let f):
            let cond = bool(c), yes = lower(t), no = lower(f)
            return { (ev: inout Evaluator) throws(EvalError) -> T? in
                if charged { try ev.charge(1) }
                guard let b = try cond(&ev) else { return nil }
                return b ? try yes(&ev) : try no(&ev)
            }
        default:
            return nil
        }
    }

    /// Any node as a value: typed lowering where the static type has one, else the tree evaluator.
    func value(_ e: BoundExpr) -> Lowered<Value> {
        if let (v, cost) = constant(e) { return const(v, cost: cost) }
        switch e.type {
        case .bool:
            let f = bool(e)
            return { (ev: inout Evaluator) throws(EvalError) -> Value in try f(&ev).map(Value.bool) ?? .null }
        case .int, .decimal:
            let f = num(e)
            return { (ev: inout Evaluator) throws(EvalError) -> Value in try f(&ev)?.value ?? .null }
        case .date:
            let f = date(e)
            return { (ev: inout Evaluator) throws(EvalError) -> Value in try f(&ev).map(Value.date) ?? .null }
        case .days:
            let f = days(e)
            return { (ev: inout Evaluator) throws(EvalError) -> Value in try f(&ev).map(Value.days) ?? .null }
        case .string:
            let f = string(e)
            return { (ev: inout Evaluator) throws(EvalError) -> Value in try f(&ev).map(Value.string) ?? .null }
        case .null, .list, .record:
            return tree(e)
        }
    }

    /// Evaluates `e` and tells whether it is non-null (for `x != null`), without converting it.
    func present(_ e: BoundExpr) -> Lowered<Bool> {
        let charged = self.charged
        switch e.kind {
        case .field(.entity(let ent), let f):
            return { (ev: inout Evaluator) throws(EvalError) -> Bool in
                if charged { try ev.charge(1) }
                guard let r = ev.records[ent], f < r.count else { return false }
                if case .null = r[f] { return false }
                return true
            }
        case .field(.aggregated, let f):
            return { (ev: inout Evaluator) throws(EvalError) -> Bool in
                if charged { try ev.charge(1) }
                guard let r = ev.aggregated, f < r.count else { return false }
                if case .null = r[f] { return false }
                return true
            }
        default:
            let v = value(e)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool in !(try v(&ev)).isNull }
        }
    }

    // MARK: bool

    func bool(_ e: BoundExpr) -> Lowered<Bool?> {
        let charged = self.charged
        if let (v, cost) = constant(e), let k: Bool? = Lowering.payload(v) {
            if charged { return { (ev: inout Evaluator) throws(EvalError) -> Bool? in try ev.charge(cost); return k } }
            return { (_: inout Evaluator) throws(EvalError) -> Bool? in k }
        }
        if case .field(let source, let f) = e.kind {
            if case .entity(let ent) = source {
                return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                    if charged { try ev.charge(1) }
                    return try Lowering.read(ev.records[ent], f)
                }
            }
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                return try Lowering.read(ev.aggregated, f)
            }
        }
        if let f = common(e, bool) { return f }
        switch e.kind {
        case .isNull(let operand, let negated):
            let p = present(operand)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                return try p(&ev) == negated
            }
        case .unary(.not, let operand):
            let f = bool(operand)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                return try f(&ev).map { !$0 }
            }
        case .binary(.and, let l, let r):
            let a = bool(l), b = bool(r)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                let x = try a(&ev)
                if x == false { return false }
                let y = try b(&ev)
                if y == false { return false }
                if x == nil || y == nil { return nil }
                return true
            }
        case .binary(.or, let l, let r):
            let a = bool(l), b = bool(r)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                let x = try a(&ev)
                if x == true { return true }
                let y = try b(&ev)
                if y == true { return true }
                if x == nil || y == nil { return nil }
                return false
            }
        case .binary(.in, let l, let r):
            return membership(l, r)
        case .binary(let op, let l, let r) where [.eq, .ne, .lt, .le, .gt, .ge].contains(op):
            return comparison(op, l, r)
        case .builtin(let fn, let args):
            if let f = boolBuiltin(fn, args) { return f }
        default:
            break
        }
        let g = special(e) ?? tree(e)
        return { (ev: inout Evaluator) throws(EvalError) -> Bool? in try Lowering.convert(try g(&ev)) }
    }

    /// `l op r` for a comparison: both sides evaluated (left first), null if either is null.
    func comparison(_ op: BinaryOp, _ l: BoundExpr, _ r: BoundExpr) -> Lowered<Bool?> {
        let charged = self.charged
        func numeric(_ t: ExprType) -> Bool { t == .int || t == .decimal }
        if numeric(l.type) && numeric(r.type) {
            let a = num(l)
            if !charged, let (k, _) = constant(r) {
                // a constant right side is compared in place
                guard let kn = Num.from(k) else {
                    if k.isNull { return { (ev: inout Evaluator) throws(EvalError) -> Bool? in _ = try a(&ev); return nil } }
                    return generic(op, l, r)
                }
                return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                    guard let x = try a(&ev) else { return nil }
                    return holds(op, Num.compare(x, kn))
                }
            }
            let b = num(r)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                let x = try a(&ev), y = try b(&ev)
                guard let x, let y else { return nil }
                return holds(op, Num.compare(x, y))
            }
        }
        if l.type == .date && r.type == .date {
            let a = date(l)
            if !charged, let (k, _) = constant(r) {
                guard let kd = CivilDate.from(k) else {
                    if k.isNull { return { (ev: inout Evaluator) throws(EvalError) -> Bool? in _ = try a(&ev); return nil } }
                    return generic(op, l, r)
                }
                return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                    guard let x = try a(&ev) else { return nil }
                    return holds(op, x == kd ? 0 : (x < kd ? -1 : 1))
                }
            }
            let b = date(r)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                let x = try a(&ev), y = try b(&ev)
                guard let x, let y else { return nil }
                return holds(op, x == y ? 0 : (x < y ? -1 : 1))
            }
        }
        if l.type == .string && r.type == .string {
            let a = string(l)
            if !charged, let (k, _) = constant(r), (op == .eq || op == .ne) {
                guard let ks = String.from(k) else {
                    if k.isNull { return { (ev: inout Evaluator) throws(EvalError) -> Bool? in _ = try a(&ev); return nil } }
                    return generic(op, l, r)
                }
                let eq = op == .eq
                return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                    guard let x = try a(&ev) else { return nil }
                    return (x == ks) == eq
                }
            }
            let b = string(r)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                let x = try a(&ev), y = try b(&ev)
                guard let x, let y else { return nil }
                return holds(op, x == y ? 0 : (x < y ? -1 : 1))
            }
        }
        if l.type == .days && r.type == .days {
            let a = days(l), b = days(r)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                let x = try a(&ev), y = try b(&ev)
                guard let x, let y else { return nil }
                return holds(op, x == y ? 0 : (x < y ? -1 : 1))
            }
        }
        if l.type == .bool && r.type == .bool {
            let a = bool(l), b = bool(r)
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                let x = try a(&ev), y = try b(&ev)
                guard let x, let y else { return nil }
                return holds(op, x == y ? 0 : (!x ? -1 : 1))
            }
        }
        return generic(op, l, r)
    }

    /// A comparison of values of any types, as the tree evaluator compares them.
    func generic(_ op: BinaryOp, _ l: BoundExpr, _ r: BoundExpr) -> Lowered<Bool?> {
        let charged = self.charged
        let a = value(l), b = value(r)
        return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
            if charged { try ev.charge(1) }
            let x = try a(&ev), y = try b(&ev)
            if x.isNull || y.isNull { return nil }
            return holds(op, try Evaluator.compare(x, y))
        }
    }

    /// `l in r`: a constant list is a precomputed set.
    func membership(_ l: BoundExpr, _ r: BoundExpr) -> Lowered<Bool?> {
        let charged = self.charged
        if let (list, cost) = constant(r) {
            if case .list(let items) = list, items.allSatisfy(Lowering.isScalar) {
                let count = items.count
                if l.type == .string, items.allSatisfy({ if case .string = $0 { return true } else { return $0.isNull } }) {
                    let set = Set(items.compactMap(String.from))
                    let a = string(l)
                    return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                        if charged { try ev.charge(1) }
                        let x = try a(&ev)
                        if charged { try ev.charge(cost) }
                        guard let x else { return nil }
                        if charged { try ev.charge(count) }
                        return set.contains(x)
                    }
                }
                let set = Set(items.map(\.keyForm))
                let a = value(l)
                return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                    if charged { try ev.charge(1) }
                    let x = try a(&ev)
                    if charged { try ev.charge(cost) }
                    if x.isNull { return nil }
                    if charged { try ev.charge(count) }
                    return set.contains(x.keyForm)
                }
            }
        }
        let a = value(l), b = value(r)
        return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
            if charged { try ev.charge(1) }
            let x = try a(&ev), y = try b(&ev)
            if x.isNull || y.isNull { return nil }
            guard case .list(let items) = y else { return nil }
            if charged { try ev.charge(items.count) }
            return items.contains { $0.keyEquals(x) }
        }
    }

    /// Values whose `keyEquals` is equality of key forms (not lists or records).
    static func isScalar(_ v: Value) -> Bool {
        switch v {
        case .list, .record: return false
        default: return true
        }
    }

    // MARK: numbers

    func num(_ e: BoundExpr) -> Lowered<Num?> {
        let charged = self.charged
        if let (v, cost) = constant(e), let k: Num? = Lowering.payload(v) {
            if charged { return { (ev: inout Evaluator) throws(EvalError) -> Num? in try ev.charge(cost); return k } }
            return { (_: inout Evaluator) throws(EvalError) -> Num? in k }
        }
        if case .field(let source, let f) = e.kind {
            if case .entity(let ent) = source {
                return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                    if charged { try ev.charge(1) }
                    return try Lowering.read(ev.records[ent], f)
                }
            }
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                return try Lowering.read(ev.aggregated, f)
            }
        }
        if let f = common(e, num) { return f }
        switch e.kind {
        case .unary(.negate, let operand) where operand.type == .int || operand.type == .decimal:
            let f = num(operand)
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                switch try f(&ev) {
                case nil: return nil
                case .int(let i)?:
                    guard i != Int64.min else { throw EvalError(code: "overflow", message: "arithmetic overflow in -(\(i))") }
                    return .int(-i)
                case .dec(let d)?: return .dec(d.negated())
                }
            }
        case .binary(let op, let l, let r) where [.add, .sub, .mul, .div].contains(op):
            func numeric(_ t: ExprType) -> Bool { t == .int || t == .decimal }
            if numeric(l.type) && numeric(r.type) {
                let a = num(l)
                if !charged, let (k, _) = constant(r), let kn = Num.from(k) {
                    return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                        guard let x = try a(&ev) else { return nil }
                        return try Num.arithmetic(op, x, kn)
                    }
                }
                let b = num(r)
                return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                    if charged { try ev.charge(1) }
                    let x = try a(&ev), y = try b(&ev)
                    guard let x, let y else { return nil }
                    return try Num.arithmetic(op, x, y)
                }
            }
            if op == .sub && l.type == .date && r.type == .date {
                let a = date(l), b = date(r)
                return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                    if charged { try ev.charge(1) }
                    let x = try a(&ev), y = try b(&ev)
                    guard let x, let y else { return nil }
                    return .int(Int64(x.dayNumber - y.dayNumber))
                }
            }
        case .builtin(let fn, let args):
            if let f = numBuiltin(fn, args) { return f }
        default:
            break
        }
        let g = special(e) ?? tree(e)
        return { (ev: inout Evaluator) throws(EvalError) -> Num? in try Lowering.convert(try g(&ev)) }
    }

    // MARK: dates and durations

    func date(_ e: BoundExpr) -> Lowered<CivilDate?> {
        let charged = self.charged
        if let (v, cost) = constant(e), let k: CivilDate? = Lowering.payload(v) {
            if charged { return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in try ev.charge(cost); return k } }
            return { (_: inout Evaluator) throws(EvalError) -> CivilDate? in k }
        }
        if case .field(let source, let f) = e.kind {
            if case .entity(let ent) = source {
                return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in
                    if charged { try ev.charge(1) }
                    return try Lowering.read(ev.records[ent], f)
                }
            }
            return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in
                if charged { try ev.charge(1) }
                return try Lowering.read(ev.aggregated, f)
            }
        }
        if let f = common(e, date) { return f }
        switch e.kind {
        case .binary(let op, let l, let r) where op == .add || op == .sub:
            let dateFirst = l.type == .date && (r.type == .days || r.type == .null)
            guard dateFirst || (op == .add && l.type == .days && r.type == .date) else { break }
            let a = dateFirst ? date(l) : date(r), n = dateFirst ? days(r) : days(l)
            // the operands are evaluated left to right whichever is the date
            return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in
                if charged { try ev.charge(1) }
                let d: CivilDate?, k: Int64?
                if dateFirst { d = try a(&ev); k = try n(&ev) } else { k = try n(&ev); d = try a(&ev) }
                guard let d, let k else { return nil }
                if op == .add { return try Evaluator.shifted(d, k) }
                guard k != Int64.min else {
                    throw EvalError(code: "overflow", message: "arithmetic overflow in \(Value.date(d)) - \(Value.days(k))")
                }
                return try Evaluator.shifted(d, -k)
            }
        case .builtin(let fn, let args):
            if let f = dateBuiltin(fn, args) { return f }
        default:
            break
        }
        let g = special(e) ?? tree(e)
        return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in try Lowering.convert(try g(&ev)) }
    }

    func days(_ e: BoundExpr) -> Lowered<Int64?> {
        let charged = self.charged
        if let (v, cost) = constant(e), let k: Int64? = Lowering.payload(v) {
            if charged { return { (ev: inout Evaluator) throws(EvalError) -> Int64? in try ev.charge(cost); return k } }
            return { (_: inout Evaluator) throws(EvalError) -> Int64? in k }
        }
        if case .field(let source, let f) = e.kind {
            if case .entity(let ent) = source {
                return { (ev: inout Evaluator) throws(EvalError) -> Int64? in
                    if charged { try ev.charge(1) }
                    return try Lowering.read(ev.records[ent], f)
                }
            }
            return { (ev: inout Evaluator) throws(EvalError) -> Int64? in
                if charged { try ev.charge(1) }
                return try Lowering.read(ev.aggregated, f)
            }
        }
        if let f = common(e, days) { return f }
        switch e.kind {
        case .builtin(.days, let args) where args.count == 1:
            let a = num(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> Int64? in
                if charged { try ev.charge(1) }
                guard case .int(let n)? = try a(&ev) else { return nil }
                return n
            }
        default:
            break
        }
        let g = special(e) ?? tree(e)
        return { (ev: inout Evaluator) throws(EvalError) -> Int64? in try Lowering.convert(try g(&ev)) }
    }

    // MARK: strings

    func string(_ e: BoundExpr) -> Lowered<String?> {
        let charged = self.charged
        if let (v, cost) = constant(e), let k: String? = Lowering.payload(v) {
            if charged { return { (ev: inout Evaluator) throws(EvalError) -> String? in try ev.charge(cost); return k } }
            return { (_: inout Evaluator) throws(EvalError) -> String? in k }
        }
        if case .field(let source, let f) = e.kind {
            if case .entity(let ent) = source {
                return { (ev: inout Evaluator) throws(EvalError) -> String? in
                    if charged { try ev.charge(1) }
                    return try Lowering.read(ev.records[ent], f)
                }
            }
            return { (ev: inout Evaluator) throws(EvalError) -> String? in
                if charged { try ev.charge(1) }
                return try Lowering.read(ev.aggregated, f)
            }
        }
        if let f = common(e, string) { return f }
        switch e.kind {
        case .builtin(.klasius_band, let args) where args.count == 1 && args[0].type == .string:
            let a = string(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> String? in
                if charged { try ev.charge(1) }
                guard let s = try a(&ev) else { return nil }
                return DomainBuiltins.klasiusBand(s)
            }
        case .builtin(.isced_band, let args) where args.count == 1 && args[0].type == .int:
            let a = num(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> String? in
                if charged { try ev.charge(1) }
                guard case .int(let i)? = try a(&ev) else { return nil }
                return DomainBuiltins.iscedBand(Int(i))
            }
        default:
            break
        }
        let g = special(e) ?? tree(e)
        return { (ev: inout Evaluator) throws(EvalError) -> String? in try Lowering.convert(try g(&ev)) }
    }

    // MARK: built-ins (arguments left to right; the first null argument makes the call null)

    func boolBuiltin(_ fn: Builtin, _ args: [BoundExpr]) -> Lowered<Bool?>? {
        let charged = self.charged
        switch fn {
        case .approx where args.count == 3 && args.allSatisfy({ $0.type == .int || $0.type == .decimal }):
            let a = num(args[0]), b = num(args[1]), c = num(args[2])
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                guard let x = try a(&ev), let y = try b(&ev), let t = try c(&ev) else { return nil }
                do { return try x.decimal.subtracting(y.decimal).magnitude <= t.decimal } catch { throw EvalError(code: "overflow", message: "approx overflow") }
            }
        case .emso_valid where (args.count == 1 || args.count == 2) && args[0].type == .string && (args.count == 1 || args[1].type == .bool):
            let s = string(args[0])
            let flag = args.count == 2 ? bool(args[1]) : nil
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                guard let x = try s(&ev) else { return nil }
                var allow10 = false
                if let flag {
                    guard let b = try flag(&ev) else { return nil }
                    allow10 = b
                }
                return DomainBuiltins.emsoValid(x, checkTenValid: allow10)
            }
        case .tax_number_valid where args.count == 1 && args[0].type == .string:
            let s = string(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                guard let x = try s(&ev) else { return nil }
                return DomainBuiltins.taxNumberValid(x)
            }
        case .registration_number_valid where args.count == 1 && args[0].type == .string:
            let s = string(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                guard let x = try s(&ev) else { return nil }
                return DomainBuiltins.registrationNumberValid(x)
            }
        case .starts_with where args.count == 2 && args.allSatisfy({ $0.type == .string }):
            let s = string(args[0]), p = string(args[1])
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                guard let x = try s(&ev), let y = try p(&ev) else { return nil }
                if charged { try ev.charge(x.utf8.count + y.utf8.count) }
                return x.hasPrefix(y)
            }
        case .matches where args.count == 2 && args.allSatisfy({ $0.type == .string }):
            let s = string(args[0]), p = string(args[1])
            return { (ev: inout Evaluator) throws(EvalError) -> Bool? in
                if charged { try ev.charge(1) }
                guard let x = try s(&ev), let y = try p(&ev) else { return nil }
                if charged { try ev.charge(y.utf8.count) }
                let r = try ev.regexCache.regex(y)
                if charged { return try r.matches(x, charge: { (n: Int) throws(EvalError) in try ev.charge(n) }) }
                return try r.matches(x, charge: { (_: Int) throws(EvalError) in })
            }
        default:
            return nil
        }
    }

    func numBuiltin(_ fn: Builtin, _ args: [BoundExpr]) -> Lowered<Num?>? {
        let charged = self.charged
        func numeric(_ t: ExprType) -> Bool { t == .int || t == .decimal }
        switch fn {
        case .months_between, .age_at:
            guard args.count == 2, args.allSatisfy({ $0.type == .date }) else { return nil }
            let a = date(args[0]), b = date(args[1])
            let age = fn == .age_at
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                guard let x = try a(&ev), let y = try b(&ev) else { return nil }
                let m = x.monthsUntil(y)
                if !age { return .int(Int64(m)) }
                return .int(Int64(m >= 0 ? m / 12 : -((-m + 11) / 12)))
            }
        case .year:
            guard args.count == 1, args[0].type == .date else { return nil }
            let a = date(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                guard let d = try a(&ev) else { return nil }
                return .int(Int64(d.components.year))
            }
        case .round:
            guard (args.count == 1 || args.count == 2), numeric(args[0].type), args.count == 1 || numeric(args[1].type) else { return nil }
            let a = num(args[0])
            let p = args.count == 2 ? num(args[1]) : nil
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                guard let x = try a(&ev) else { return nil }
                var places = 0
                if let p {
                    guard let n = try p(&ev) else { return nil }
                    guard case .int(let k) = n else { return nil }
                    places = Int(k)
                }
                guard (0...ExactDecimal.maxScale).contains(places) else {
                    throw EvalError(code: "range", message: "round: \(places) places is out of range 0…\(ExactDecimal.maxScale)")
                }
                return .dec(x.decimal.rounded(places))
            }
        case .abs:
            guard args.count == 1, numeric(args[0].type) else { return nil }
            let a = num(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                switch try a(&ev) {
                case nil: return nil
                case .int(let i)?:
                    guard i != Int64.min else { throw EvalError(code: "overflow", message: "abs overflow") }
                    return .int(Swift.abs(i))
                case .dec(let d)?: return .dec(d.magnitude)
                }
            }
        case .min, .max:
            guard args.count == 2, args.allSatisfy({ numeric($0.type) }) else { return nil }
            let a = num(args[0]), b = num(args[1])
            let isMin = fn == .min
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                guard let x = try a(&ev), let y = try b(&ev) else { return nil }
                let first = isMin == (Num.compare(x, y) <= 0)
                let pick = first ? x : y, other = first ? y : x
                // mixed int/decimal: the result is a decimal
                if case .int(let i) = pick, case .dec = other { return .dec(ExactDecimal(Int(i))) }
                return pick
            }
        case .len where args.count == 1 && args[0].type == .string:
            let a = string(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> Num? in
                if charged { try ev.charge(1) }
                guard let s = try a(&ev) else { return nil }
                if charged { try ev.charge(s.utf8.count / 16) }
                return .int(Int64(s.count))
            }
        default:
            return nil
        }
    }

    func dateBuiltin(_ fn: Builtin, _ args: [BoundExpr]) -> Lowered<CivilDate?>? {
        let charged = self.charged
        switch fn {
        case .add_months, .period_end:
            guard args.count == 2, args[0].type == .date, args[1].type == .int else { return nil }
            let a = date(args[0]), b = num(args[1])
            let end = fn == .period_end
            let name = fn.rawValue
            return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in
                if charged { try ev.charge(1) }
                guard let d = try a(&ev), let k = try b(&ev) else { return nil }
                guard case .int(let n64) = k else { return nil }
                let n = Int(n64)
                guard n > -120_000, n < 120_000, let r = end ? d.periodEnd(months: n) : d.adding(months: n) else {
                    throw EvalError(code: "overflow", message: "\(name): date out of range")
                }
                return r
            }
        case .emso_birth_date:
            guard args.count == 1, args[0].type == .string else { return nil }
            let a = string(args[0])
            return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in
                if charged { try ev.charge(1) }
                guard let s = try a(&ev) else { return nil }
                return DomainBuiltins.emsoBirthDate(s)
            }
        case .min, .max:
            guard args.count == 2, args.allSatisfy({ $0.type == .date }) else { return nil }
            let a = date(args[0]), b = date(args[1])
            let isMin = fn == .min
            return { (ev: inout Evaluator) throws(EvalError) -> CivilDate? in
                if charged { try ev.charge(1) }
                guard let x = try a(&ev), let y = try b(&ev) else { return nil }
                return isMin == (x <= y) ? x : y
            }
        default:
            return nil
        }
    }
}

/// A representation a lowered part computes in: the value's payload, nil for null.
protocol Lowerable {
    /// The payload of a value of this representation; nil for null or another representation.
    static func from(_ v: Value) -> Self?
}

extension Bool: Lowerable {
    static func from(_ v: Value) -> Bool? { if case .bool(let b) = v { return b } else { return nil } }
}

extension Num: Lowerable {
    static func from(_ v: Value) -> Num? {
        switch v {
        case .int(let i): return .int(i)
        case .decimal(let d): return .dec(d)
        default: return nil
        }
    }
}

extension CivilDate: Lowerable {
    static func from(_ v: Value) -> CivilDate? { if case .date(let d) = v { return d } else { return nil } }
}

/// Durations (`days`).
extension Int64: Lowerable {
    static func from(_ v: Value) -> Int64? { if case .days(let n) = v { return n } else { return nil } }
}

extension String: Lowerable {
    static func from(_ v: Value) -> String? { if case .string(let s) = v { return s } else { return nil } }
}
