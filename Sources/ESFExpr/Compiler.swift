import ESFCore

/// Every problem found in one expression.
public struct ExprErrors: Error, Sendable {
    public var all: [ExprError]
    public init(_ all: [ExprError]) { self.all = all }
}

/// What a compiled expression reads: the engine uses it to decide when it can be evaluated.
public struct ExprUsage: Sendable, Hashable {
    /// Entities whose current record is read (own, parent, sibling, root).
    public var entities: Set<Int> = []
    /// Aggregate call sites used.
    public var aggregates: Set<Int> = []
    /// Entities read through `lookup`/`exists`.
    public var lookups: Set<Int> = []
    /// Entities whose records `lookup` returns (`exists` needs only their keys).
    public var recordLookups: Set<Int> = []
    /// Whether fields of the aggregated record are read.
    public var aggregated = false
    /// Own-record fields read, in order of first use (the first is the finding's field).
    public var ownFields: [String] = []

    public init() {}

    /// Adds what `other` reads.
    public mutating func merge(_ other: ExprUsage) {
        entities.formUnion(other.entities)
        aggregates.formUnion(other.aggregates)
        lookups.formUnion(other.lookups)
        recordLookups.formUnion(other.recordLookups)
        aggregated = aggregated || other.aggregated
        for f in other.ownFields where !ownFields.contains(f) { ownFields.append(f) }
    }
}

/// Type-checks and name-resolves expressions against a data model and parameters.
///
/// One compiler serves a whole rule set, so aggregate call sites of every rule
/// land in one registry the engine feeds while streaming.
public final class ExprCompiler {
    public let model: DataModel
    /// The parameters of the pack whose rules are being compiled.
    public var params: [ParameterDecl]
    /// Every aggregate call site compiled so far.
    public private(set) var aggregates: [AggregateSpec] = []
    /// Whether the call sites compiled now are an indicator's (`AggregateSpec.firstOfKey`).
    public var indicatorCallSites = false

    public init(model: DataModel, params: [ParameterDecl]) {
        self.model = model
        self.params = params
    }

    /// Parses and binds `source` in `scope` (an entity index, or nil for `aggregate`).
    /// When `expecting` is given the result must have that type (or null).
    public func compile(_ source: String, scope: Int?, expecting: ExprType? = nil) -> Result<(BoundExpr, ExprUsage), ExprErrors> {
        let ast: Expr
        do { ast = try Parser.parse(source) } catch { return .failure(ExprErrors([error])) }
        var binder = Binder(compiler: self, source: Array(source.utf8), scope: scope)
        guard let bound = binder.bind(ast), binder.errors.isEmpty else { return .failure(ExprErrors(binder.errors)) }
        if let expecting, bound.type != expecting, bound.type != .null, !(expecting == .decimal && bound.type == .int) {
            return .failure(ExprErrors([ExprError(code: "expr.type_mismatch", message: "expected \(expecting), the expression is \(bound.type)", range: ast.range)]))
        }
        return .success((bound, binder.usage))
    }

    /// Parses a relation assert (`unique(…)`, `no_overlap(…)`, or several joined by `and`) of an
    /// aggregate rule; nil when it is not one. All relations of one rule relate one entity.
    public func compileRelation(_ source: String) -> Result<([RelationSpec], ExprUsage), ExprErrors>? {
        guard let ast = try? Parser.parse(source) else { return nil }
        func calls(_ e: Expr) -> [(String, [CallArgument], SourceRange)]? {
            switch e.kind {
            case .call(let name, let args) where name == "unique" || name == "no_overlap": return [(name, args, e.range)]
            case .binary(.and, let l, let r):
                guard let a = calls(l), let b = calls(r) else { return nil }
                return a + b
            default: return nil
            }
        }
        guard let parts = calls(ast) else { return nil }
        var binder = Binder(compiler: self, source: Array(source.utf8), scope: nil)
        var specs: [RelationSpec] = []
        for (name, args, range) in parts {
            guard let spec = binder.bindRelation(name, args, range) else { continue }
            if let first = specs.first, first.entity != spec.entity {
                binder.errors.append(ExprError(code: "expr.type_mismatch", message: "the relations of one rule must relate one entity", range: range))
            }
            specs.append(spec)
        }
        guard binder.errors.isEmpty, !specs.isEmpty else { return .failure(ExprErrors(binder.errors)) }
        return .success((specs, binder.usage))
    }

    /// Call sites already registered, by their text, entity and parameter values.
    private var registered: [String: Int] = [:]

    /// Registers an aggregate call site; the same aggregate written again (same text over the
    /// same entity with the same parameter values) shares one partial state, fed once per record.
    fileprivate func register(_ spec: AggregateSpec) -> Int {
        var spec = spec
        spec.params = params.map(\.value)
        spec.width = model.entities[spec.entity].fields.count
        spec.firstOfKey = indicatorCallSites
        let identity = "\(spec.entity)\u{1F}\(spec.text)\u{1F}\(spec.params.map(\.description).joined(separator: "\u{1F}"))\u{1F}\(spec.firstOfKey)"
        if let existing = registered[identity] { return existing }
        aggregates.append(spec)
        registered[identity] = aggregates.count - 1
        return aggregates.count - 1
    }

    /// Whether entity `e` is `ancestor` or one of its descendants' ancestors.
    func isAncestorOrSelf(_ ancestor: Int, of e: Int) -> Bool {
        var current: Int? = e
        while let c = current {
            if c == ancestor { return true }
            current = model.parentIndex(of: c)
        }
        return false
    }
}

private struct Binder {
    let compiler: ExprCompiler
    let source: [UInt8]
    let scope: Int?
    var aggregatedEntity: Int?
    var errors: [ExprError] = []
    var usage = ExprUsage()

    init(compiler: ExprCompiler, source: [UInt8], scope: Int?) {
        self.compiler = compiler
        self.source = source
        self.scope = scope
    }

    var model: DataModel { compiler.model }

    func text(_ r: SourceRange) -> String {
        let s = Swift.max(0, Swift.min(r.start, source.count)), e = Swift.max(s, Swift.min(r.end, source.count))
        return String(decoding: source[s..<e], as: UTF8.self)
    }

    mutating func fail(_ code: String, _ message: String, _ range: SourceRange) -> BoundExpr? {
        errors.append(ExprError(code: code, message: message, range: range))
        return nil
    }

    func scopeName(_ e: Int?) -> String {
        guard let e else { return "aggregate" }
        var parts = [model.entities[e].name]
        var p = model.parentIndex(of: e)
        while let q = p { parts.insert(model.entities[q].name, at: 0); p = model.parentIndex(of: q) }
        return parts.joined(separator: ".")
    }

    mutating func fieldRef(entity: Int, name: String, source src: FieldSource, range: SourceRange) -> BoundExpr? {
        guard let idx = model.entities[entity].fieldIndex(name) else {
            let known = model.entities[entity].fields.map(\.name).joined(separator: ", ")
            return fail("expr.unknown_field", "unknown field '\(name)' of \(model.entities[entity].name) (known: \(known))", range)
        }
        let f = model.entities[entity].fields[idx]
        switch src {
        case .aggregated: usage.aggregated = true
        case .entity(let e):
            usage.entities.insert(e)
            if e == scope, !usage.ownFields.contains(name) { usage.ownFields.append(name) }
        }
        return BoundExpr(.field(src, idx), ExprType(f.type), text(range), personal: f.personal)
    }

    /// Resolves an entity name used as `entity.field` outside aggregates.
    mutating func contextEntity(_ e: Int, range: SourceRange) -> Bool {
        if e == model.root { return true }
        guard let scope else {
            _ = fail("expr.needs_aggregate", "an aggregate rule can read \(model.entities[e].name) fields only inside count, sum, min, max, count_distinct, unique or no_overlap", range)
            return false
        }
        if compiler.isAncestorOrSelf(e, of: scope) { return true }
        let ent = model.entities[e]
        if ent.cardinality != .many, let p = model.parentIndex(of: e), compiler.isAncestorOrSelf(p, of: scope) { return true }
        _ = fail("expr.not_in_scope", "\(scopeName(scope)) cannot read \(ent.name) fields directly: a record can have many of them (use an aggregate such as count(\(ent.name) where …))", range)
        return false
    }

    mutating func bind(_ e: Expr) -> BoundExpr? {
        switch e.kind {
        case .literal(let v):
            return BoundExpr(.literal(v), ExprType(of: v), text(e.range))
        case .name(let n):
            if let a = aggregatedEntity, model.entities[a].fieldIndex(n) != nil {
                return fieldRef(entity: a, name: n, source: .aggregated, range: e.range)
            }
            if let s = scope, model.entities[s].fieldIndex(n) != nil {
                return fieldRef(entity: s, name: n, source: .entity(s), range: e.range)
            }
            if n == "params" { return fail("expr.syntax", "'params' needs a name: params.NAME", e.range) }
            if model.entityIndex(n) != nil { return fail("expr.syntax", "'\(n)' is an entity: name one of its fields (\(n).field)", e.range) }
            if let s = aggregatedEntity ?? scope {
                let known = model.entities[s].fields.map(\.name).joined(separator: ", ")
                return fail("expr.unknown_field", "unknown field '\(n)' in \(scopeName(s)) (known: \(known))", e.range)
            }
            return fail("expr.unknown_field", "unknown name '\(n)': an aggregate rule reads operation.FIELD, params.NAME and aggregates", e.range)
        case .member(let base, let name):
            if base.path == ["params"] {
                guard let i = compiler.params.firstIndex(where: { $0.name == name }) else {
                    let known = compiler.params.map(\.name).joined(separator: ", ")
                    return fail("expr.unknown_parameter", "unknown parameter '\(name)' (known: \(known))", e.range)
                }
                return BoundExpr(.param(i), compiler.params[i].type, text(e.range))
            }
            if let p = base.path, p.count == 1, let ent = model.entityIndex(p[0]) {
                if ent == aggregatedEntity { return fieldRef(entity: ent, name: name, source: .aggregated, range: e.range) }
                guard contextEntity(ent, range: e.range) else { return nil }
                return fieldRef(entity: ent, name: name, source: .entity(ent), range: e.range)
            }
            guard let b = bind(base) else { return nil }
            guard case .record(let ent) = b.type else {
                return fail("expr.type_mismatch", "'\(text(base.range))' is \(b.type), it has no field '\(name)'", e.range)
            }
            guard let idx = model.entities[ent].fieldIndex(name) else {
                return fail("expr.unknown_field", "unknown field '\(name)' of \(model.entities[ent].name)", e.range)
            }
            let f = model.entities[ent].fields[idx]
            // personal when the field is, or when the record was found by a personal key
            let keyPersonal: Bool
            if case .lookup(_, let key) = b.kind { keyPersonal = key.personal } else { keyPersonal = false }
            return BoundExpr(.member(b, idx), ExprType(f.type), text(e.range), personal: f.personal || keyPersonal)
        case .unary(let op, let operand):
            guard let o = bind(operand) else { return nil }
            switch op {
            case .not:
                guard o.type == .bool || o.type == .null else { return mismatch("'not' needs a bool, got \(o.type)", e.range) }
                return BoundExpr(.unary(.not, o), .bool, text(e.range))
            case .negate:
                guard o.type.isNumeric || o.type == .days else { return mismatch("'-' needs a number, got \(o.type)", e.range) }
                return BoundExpr(.unary(.negate, o), o.type, text(e.range))
            }
        case .binary(let op, let l, let r):
            return bindBinary(op, l, r, e.range)
        case .conditional(let c, let t, let f):
            guard let bc = bind(c), let bt = bind(t), let bf = bind(f) else { return nil }
            guard bc.type == .bool || bc.type == .null else { return mismatch("the condition of '?:' must be bool, got \(bc.type)", c.range) }
            guard let u = bt.type.unified(with: bf.type) else { return mismatch("the branches of '?:' differ: \(bt.type) and \(bf.type)", e.range) }
            return BoundExpr(.conditional(bc, bt, bf), u, text(e.range))
        case .list(let items):
            var bound: [BoundExpr] = []
            var t = ExprType.null
            for item in items {
                guard let b = bind(item) else { return nil }
                guard let u = t.unified(with: b.type) else { return mismatch("list items differ in type: \(t) and \(b.type)", item.range) }
                t = u
                bound.append(b)
            }
            return BoundExpr(.list(bound), .list(t), text(e.range))
        case .call(let name, let args):
            return bindCall(name, args, e.range)
        }
    }

    mutating func mismatch(_ message: String, _ range: SourceRange) -> BoundExpr? {
        fail("expr.type_mismatch", message, range)
    }

    mutating func bindBinary(_ op: BinaryOp, _ l: Expr, _ r: Expr, _ range: SourceRange) -> BoundExpr? {
        if op == .eq || op == .ne {
            // bind the operand once: a failing operand must not be bound (and reported) a second time below
            if case .literal(.null) = r.kind {
                guard let bl = bind(l) else { return nil }
                return BoundExpr(.isNull(bl, negated: op == .ne), .bool, text(range))
            }
            if case .literal(.null) = l.kind {
                guard let br = bind(r) else { return nil }
                return BoundExpr(.isNull(br, negated: op == .ne), .bool, text(range))
            }
        }
        let bl = bind(l), br = bind(r)
        guard let bl, let br else { return nil }
        let lt = bl.type, rt = br.type
        let t = text(range)
        func node(_ type: ExprType) -> BoundExpr { BoundExpr(.binary(op, bl, br), type, t) }
        switch op {
        case .add, .sub:
            if lt.isNumeric && rt.isNumeric { return node(lt == .int && rt == .int ? .int : (lt == .null && rt == .null ? .null : .decimal)) }
            if lt == .date && (rt == .days || rt == .null) { return node(.date) }
            if op == .sub && lt == .date && rt == .date { return node(.int) }
            if op == .add && lt == .days && rt == .date { return node(.date) }
            if lt == .days && rt == .days { return node(.days) }
            return mismatch("'\(op.rawValue)' cannot combine \(lt) and \(rt) (dates take days(n), e.g. end + days(1))", range)
        case .mul:
            if lt.isNumeric && rt.isNumeric { return node(lt == .int && rt == .int ? .int : .decimal) }
            if (lt == .int && rt == .days) || (lt == .days && rt == .int) { return node(.days) }
            return mismatch("'*' needs numbers, got \(lt) and \(rt)", range)
        case .div:
            if lt.isNumeric && rt.isNumeric { return node(.decimal) }
            return mismatch("'/' needs numbers, got \(lt) and \(rt)", range)
        case .eq, .ne:
            guard lt.unified(with: rt) != nil else { return mismatch("cannot compare \(lt) with \(rt)", range) }
            return node(.bool)
        case .lt, .le, .gt, .ge:
            guard let u = lt.unified(with: rt), [.int, .decimal, .date, .string, .days, .null].contains(u) else {
                return mismatch("cannot order \(lt) and \(rt)", range)
            }
            return node(.bool)
        case .and, .or:
            guard (lt == .bool || lt == .null) && (rt == .bool || rt == .null) else {
                return mismatch("'\(op.rawValue)' needs bool operands, got \(lt) and \(rt)", range)
            }
            return node(.bool)
        case .in:
            guard case .list(let el) = rt else {
                if rt == .null { return node(.bool) }
                return mismatch("the right side of 'in' must be a list or set, got \(rt)", range)
            }
            guard lt.unified(with: el) != nil else { return mismatch("'in' compares \(lt) with a list of \(el)", range) }
            return node(.bool)
        case .coalesce:
            guard let u = lt.unified(with: rt) else { return mismatch("'??' needs the same type on both sides, got \(lt) and \(rt)", range) }
            return node(u)
        }
    }

    static let aggregateNames: Set<String> = ["count", "count_distinct", "sum"]

    mutating func bindCall(_ name: String, _ args: [CallArgument], _ range: SourceRange) -> BoundExpr? {
        if Binder.aggregateNames.contains(name) || ((name == "min" || name == "max") && (args.count == 1)) {
            return bindAggregate(name, args, range)
        }
        if name == "unique" || name == "no_overlap" {
            return fail("expr.relation_position", "\(name)(…) must be the whole assert of a rule with scope: aggregate", range)
        }
        if name == "lookup" || name == "exists" {
            guard args.count == 2, args.allSatisfy({ $0.filter == nil && $0.by == nil }),
                  let p = args[0].value.path, p.count == 1, let ent = model.entityIndex(p[0]) else {
                return fail("expr.arity", "\(name) takes an entity and a key: \(name)(provider, provider_id)", range)
            }
            guard model.entities[ent].keyField != nil else { return fail("expr.type_mismatch", "\(p[0]) has no key field to look up", range) }
            guard let key = bind(args[1].value) else { return nil }
            usage.lookups.insert(ent)
            if name == "lookup" { usage.recordLookups.insert(ent) }
            if name == "lookup" {
                // the whole record is shown by --explain: personal when it holds personal fields
                return BoundExpr(.lookup(entity: ent, key: key), .record(ent), text(range),
                                 personal: key.personal || model.entities[ent].fields.contains(where: \.personal))
            }
            return BoundExpr(.exists(entity: ent, key: key), .bool, text(range))
        }
        guard let fn = Builtin(rawValue: name) else {
            return fail("expr.unknown_function", "unknown function '\(name)'", range)
        }
        for a in args where a.filter != nil || a.by != nil {
            return fail("expr.syntax", "'where' and 'by' belong to aggregates, not to \(name)", a.value.range)
        }
        var bound: [BoundExpr] = []
        for a in args {
            guard let b = bind(a.value) else { return nil }
            bound.append(b)
        }
        let types = bound.map(\.type)
        func ok(_ t: ExprType, _ expected: ExprType) -> Bool { t == expected || t == .null || (expected == .decimal && t == .int) }
        func check(_ sig: [ExprType], optional: Int = 0) -> Bool {
            guard types.count <= sig.count, types.count >= sig.count - optional else {
                _ = fail("expr.arity", "\(name) takes \(optional > 0 ? "\(sig.count - optional) to \(sig.count)" : "\(sig.count)") argument\(sig.count == 1 ? "" : "s"), got \(types.count)", range)
                return false
            }
            for (i, t) in types.enumerated() where !ok(t, sig[i]) {
                _ = fail("expr.type_mismatch", "argument \(i + 1) of \(name) must be \(sig[i]), got \(t)", args[i].value.range)
                return false
            }
            return true
        }
        let result: ExprType
        switch fn {
        case .days: guard check([.int]) else { return nil }; result = .days
        case .add_months, .period_end: guard check([.date, .int]) else { return nil }; result = .date
        case .months_between, .age_at: guard check([.date, .date]) else { return nil }; result = .int
        case .year: guard check([.date]) else { return nil }; result = .int
        case .round: guard check([.decimal, .int], optional: 1) else { return nil }; result = .decimal
        case .abs:
            guard check([.decimal]) else { return nil }
            result = types[0] == .int ? .int : .decimal
        case .approx: guard check([.decimal, .decimal, .decimal]) else { return nil }; result = .bool
        case .min, .max:
            guard types.count == 2 else { return fail("expr.arity", "\(name) takes 2 values, or one entity field as an aggregate", range) }
            guard let u = types[0].unified(with: types[1]), [.int, .decimal, .date, .string, .null].contains(u) else {
                return mismatch("\(name) needs two comparable values, got \(types[0]) and \(types[1])", range)
            }
            result = u
        case .len:
            guard types.count == 1 else { return fail("expr.arity", "len takes 1 argument, got \(types.count)", range) }
            guard types[0] == .string || types[0] == .null || { if case .list = types[0] { return true } else { return false } }() else {
                return mismatch("len needs a string or a list, got \(types[0])", args[0].value.range)
            }
            result = .int
        case .matches, .starts_with:
            guard check([.string, .string]) else { return nil }
            // a pattern written in the rule or in a pack parameter is checked at load; one read from data at run time
            var known: String?
            if case .literal(.string(let p)) = bound[1].kind { known = p }
            if case .param(let i) = bound[1].kind, i < compiler.params.count, case .string(let p) = compiler.params[i].value { known = p }
            if fn == .matches, let pattern = known {
                do { _ = try LinearRegex(pattern) } catch {
                    return fail("expr.invalid_regex", "'\(pattern)' is not a valid regular expression: \(error)", args[1].value.range)
                }
            }
            result = .bool
        case .emso_valid: guard check([.string, .bool], optional: 1) else { return nil }; result = .bool
        case .emso_birth_date: guard check([.string]) else { return nil }; result = .date
        case .tax_number_valid, .registration_number_valid: guard check([.string]) else { return nil }; result = .bool
        case .klasius_band:
            guard types.count == 1 else { return fail("expr.arity", "klasius_band takes 1 argument, got \(types.count)", range) }
            guard [.string, .int, .null].contains(types[0]) else { return mismatch("klasius_band needs a code, got \(types[0])", args[0].value.range) }
            result = .string
        case .isced_band: guard check([.int]) else { return nil }; result = .string
        }
        return BoundExpr(.builtin(fn, bound), result, text(range))
    }

    /// `E` or `E.field` as the first argument of an aggregate or relation.
    mutating func aggregateTarget(_ arg: Expr, needsField: Bool, function: String) -> (Int, Int?)? {
        guard let p = arg.path, let ent = model.entityIndex(p[0]), p.count <= 2 else {
            _ = fail("expr.aggregate_target", "\(function) needs an entity or entity.field, e.g. \(function)(participant\(needsField ? ".id" : ""))", arg.range)
            return nil
        }
        if p.count == 1 {
            if needsField {
                _ = fail("expr.aggregate_target", "\(function) needs a field: \(function)(\(p[0]).FIELD)", arg.range)
                return nil
            }
            return (ent, nil)
        }
        guard let f = model.entities[ent].fieldIndex(p[1]) else {
            _ = fail("expr.unknown_field", "unknown field '\(p[1])' of \(p[0])", arg.range)
            return nil
        }
        return (ent, f)
    }

    mutating func bindAggregate(_ name: String, _ args: [CallArgument], _ range: SourceRange) -> BoundExpr? {
        guard aggregatedEntity == nil else { return fail("expr.nested_aggregate", "aggregates cannot be nested", range) }
        // `sum(E.field where …)`, or with a computed value: `sum(E, expression where …)`
        guard args.count == 1 || (args.count == 2 && name != "count" && args[0].filter == nil), args.allSatisfy({ $0.by == nil }) else {
            return fail("expr.arity", "\(name) takes one entity or field, optionally with 'where': \(name)(entity.field where …), or an entity and a value: \(name)(entity, expression where …)", range)
        }
        guard let kind = AggregateKind(rawValue: name),
              let (ent, field) = aggregateTarget(args[0].value, needsField: kind != .count && args.count == 1, function: name) else {
            if AggregateKind(rawValue: name) == nil { return fail("expr.unknown_function", "unknown aggregate '\(name)'", range) }
            return nil
        }
        var valueExpr: BoundExpr?
        if args.count == 2 {
            guard field == nil, kind != .count else {
                return fail("expr.arity", "\(name)(entity, expression) takes the entity alone as its first argument", args[0].value.range)
            }
            aggregatedEntity = ent
            let saved = usage
            usage = ExprUsage()
            let v = bind(args[1].value)
            let used = usage
            usage = saved
            aggregatedEntity = nil
            guard let v else { return nil }
            guard used.entities.subtracting([model.root]).isEmpty else {
                return fail("expr.correlation", "the value of an aggregate reads only the aggregated \(model.entities[ent].name), the operation and parameters", args[1].value.range)
            }
            usage.merge(used)
            valueExpr = v
        }
        let filterNode = args.last?.filter
        var valueType = ExprType.int
        let ft: ExprType? = valueExpr?.type ?? field.map { ExprType(model.entities[ent].fields[$0].type) }
        if let ft {
            switch kind {
            case .count, .count_distinct: valueType = .int
            case .sum:
                guard ft == .int || ft == .decimal else { return mismatch("sum needs numbers, got \(ft)", (args.last ?? args[0]).value.range) }
                valueType = ft
            case .min, .max:
                guard [.int, .decimal, .date, .string].contains(ft) else { return mismatch("\(name) needs ordered values, got \(ft)", (args.last ?? args[0]).value.range) }
                valueType = ft
            }
        }
        var filterParts: [BoundExpr] = []
        var residualParts: [BoundExpr] = []
        var innerKey: [Int] = []
        var outerKey: [BoundExpr] = []
        if let filter = filterNode {
            for conjunct in conjuncts(filter) {
                // Bind the conjunct once to learn what it reads.
                let saved = usage
                usage = ExprUsage()
                aggregatedEntity = ent
                let bound = bind(conjunct)
                aggregatedEntity = nil
                let used = usage
                usage = saved
                guard let bound else { return nil }
                guard bound.type == .bool || bound.type == .null else {
                    return mismatch("'where' needs a bool condition, got \(bound.type)", conjunct.range)
                }
                let outer = used.entities.subtracting([model.root])
                if outer.isEmpty {
                    usage.merge(used)
                    filterParts.append(bound)
                    continue
                }
                var outerUsage = used
                outerUsage.aggregated = false
                usage.merge(outerUsage)
                // a correlation: aggregated.field == outer expression
                if case .binary(.eq, let l, let r) = bound.kind, case .field(.aggregated, let f) = l.kind, !reads(r, aggregated: true) {
                    innerKey.append(f); outerKey.append(r)
                } else if case .binary(.eq, let l, let r) = bound.kind, case .field(.aggregated, let f) = r.kind, !reads(l, aggregated: true) {
                    innerKey.append(f); outerKey.append(l)
                } else {
                    residualParts.append(bound)
                }
            }
        }
        if !residualParts.isEmpty && innerKey.isEmpty {
            return fail("expr.correlation", "a condition that reads the current record needs a key: compare a field of \(model.entities[ent].name) with the current record using '==' as well, e.g. participant_id == participant.id", filterNode?.range ?? range)
        }
        func conjunction(_ parts: [BoundExpr]) -> BoundExpr? {
            parts.dropFirst().reduce(parts.first) { acc, next in
                acc.map { BoundExpr(.binary(.and, $0, next), .bool, "\($0.text) and \(next.text)") }
            }
        }
        var spec = AggregateSpec(kind: kind, entity: ent, field: field, valueType: valueType, filter: conjunction(filterParts),
                                 innerKeyFields: innerKey, outerKey: outerKey, text: text(range))
        spec.residual = conjunction(residualParts)
        spec.value = valueExpr
        let id = compiler.register(spec)
        usage.aggregates.insert(id)
        // sum, min and max of personal values are personal; counts are not
        let personal = (kind == .sum || kind == .min || kind == .max)
            && ((field.map { model.entities[ent].fields[$0].personal } ?? false) || (valueExpr?.personal ?? false))
        return BoundExpr(.aggregate(id), valueType, text(range), personal: personal)
    }

    func conjuncts(_ e: Expr) -> [Expr] {
        if case .binary(.and, let l, let r) = e.kind { return conjuncts(l) + conjuncts(r) }
        return [e]
    }

    func reads(_ e: BoundExpr, aggregated: Bool) -> Bool {
        switch e.kind {
        case .field(.aggregated, _): return true
        case .literal, .param, .field, .aggregate: return false
        case .member(let b, _), .unary(_, let b), .isNull(let b, _): return reads(b, aggregated: aggregated)
        case .lookup(_, let k), .exists(_, let k): return reads(k, aggregated: aggregated)
        case .binary(_, let a, let b): return reads(a, aggregated: aggregated) || reads(b, aggregated: aggregated)
        case .conditional(let a, let b, let c): return reads(a, aggregated: aggregated) || reads(b, aggregated: aggregated) || reads(c, aggregated: aggregated)
        case .list(let items), .builtin(_, let items): return items.contains { reads($0, aggregated: aggregated) }
        }
    }

    mutating func bindRelation(_ name: String, _ args: [CallArgument], _ range: SourceRange) -> RelationSpec? {
        if name == "unique" {
            guard !args.isEmpty else { _ = fail("expr.arity", "unique needs at least one field: unique(participant.id)", range); return nil }
            var entity: Int?
            var fields: [Int] = []
            var filter: BoundExpr?
            for (i, a) in args.enumerated() {
                guard a.by == nil, a.filter == nil || i == args.count - 1 else { _ = fail("expr.syntax", "only the last field of unique may have 'where'", a.value.range); return nil }
                guard let (ent, f) = aggregateTarget(a.value, needsField: true, function: "unique"), let f else { return nil }
                if let entity, entity != ent { _ = fail("expr.type_mismatch", "all fields of unique must belong to one entity", a.value.range); return nil }
                entity = ent
                fields.append(f)
                if let w = a.filter {
                    aggregatedEntity = ent
                    let b = bind(w)
                    aggregatedEntity = nil
                    guard let b else { return nil }
                    guard b.type == .bool || b.type == .null else { _ = mismatch("'where' needs a bool condition, got \(b.type)", w.range); return nil }
                    filter = b
                }
            }
            guard let entity else { return nil }
            return .unique(entity: entity, fields: fields, filter: filter)
        }
        // no_overlap(E by key, start, end)
        guard args.count == 3, let key = args[0].by, args[0].filter == nil, let p = args[0].value.path, p.count == 1,
              let ent = model.entityIndex(p[0]) else {
            _ = fail("expr.arity", "no_overlap takes: no_overlap(entity by key_field, start, end)", range)
            return nil
        }
        guard let keyField = model.entities[ent].fieldIndex(key) else {
            _ = fail("expr.unknown_field", "unknown field '\(key)' of \(p[0])", args[0].value.range)
            return nil
        }
        aggregatedEntity = ent
        let start = bind(args[1].value), end = bind(args[2].value)
        aggregatedEntity = nil
        guard let start, let end else { return nil }
        for (b, a) in [(start, args[1]), (end, args[2])] where b.type != .date && b.type != .null {
            _ = mismatch("the interval bounds of no_overlap must be dates, got \(b.type)", a.value.range)
            return nil
        }
        return .noOverlap(entity: ent, keyField: keyField, start: start, end: end)
    }
}
