import ESFCore

/// Built-in scalar functions, resolved at compile time.
public enum Builtin: String, Sendable, Hashable, CaseIterable {
    case days, add_months, period_end, months_between, age_at, year
    case round, abs, approx, min, max
    case len, matches, starts_with
    case emso_valid, emso_birth_date, tax_number_valid, registration_number_valid
    case klasius_band, isced_band
}

/// Aggregate functions over an entity, evaluated from partial state kept while streaming.
public enum AggregateKind: String, Sendable, Hashable {
    case count, count_distinct, sum, min, max
}

/// An aggregate call site: `sum(expenditure.eligible where participant_id == participant.id and …)`.
///
/// Conjuncts of the filter that compare a field of the aggregated record with an
/// expression of the current (outer) record are the *correlation*: partial
/// aggregates are kept per correlation key, so memory is O(keys).
public struct AggregateSpec: Sendable {
    public var kind: AggregateKind
    public var entity: Int
    public var field: Int?
    public var valueType: ExprType
    /// The filter without the correlation conjuncts; evaluated on each aggregated record.
    public var filter: BoundExpr?
    /// Fields of the aggregated record forming the key…
    public var innerKeyFields: [Int]
    /// …and the expressions of the outer record they must equal.
    public var outerKey: [BoundExpr]

    public init(kind: AggregateKind, entity: Int, field: Int?, valueType: ExprType, filter: BoundExpr?,
                innerKeyFields: [Int], outerKey: [BoundExpr], text: String) {
        self.kind = kind
        self.entity = entity
        self.field = field
        self.valueType = valueType
        self.filter = filter
        self.innerKeyFields = innerKeyFields
        self.outerKey = outerKey
        self.text = text
    }

    /// Conditions comparing the aggregated record with the current one other than by `==`
    /// (`start <= expenditure.incurred_on`): the records of each key are kept and these are
    /// evaluated when the aggregate is read.
    public var residual: BoundExpr?
    /// A computed value per record (`sum(employment, monthly_subsidy * … where …)`) instead of a field.
    public var value: BoundExpr?
    public var text: String
    /// The parameter values of the pack whose rule holds this call site.
    public var params: [Value] = []
    /// The number of fields of the aggregated entity.
    public var width = 0
    /// An indicator's call site: it reads the first record of each record key only (a participant
    /// id that occurs again counts once, with its first record's fields).
    public var firstOfKey = false
}

/// A relation rule's check, evaluated per record while streaming (one finding per offender).
public enum RelationSpec: Sendable {
    /// `unique(E.a, E.b [where P])`: each combination occurs once.
    case unique(entity: Int, fields: [Int], filter: BoundExpr?)
    /// `no_overlap(E by key, start, end)`: closed intervals of one key do not overlap.
    case noOverlap(entity: Int, keyField: Int, start: BoundExpr, end: BoundExpr)

    /// The related entity.
    public var entity: Int {
        switch self {
        case .unique(let e, _, _), .noOverlap(let e, _, _, _): return e
        }
    }
}

/// Where a field value comes from at evaluation time.
public enum FieldSource: Sendable, Hashable {
    /// The current record of an entity in the evaluation context (own, parent, sibling, root).
    case entity(Int)
    /// The record being aggregated or related (inside `where`, `no_overlap` bounds).
    case aggregated
}

/// A type-checked, name-resolved expression ready to evaluate.
public indirect enum BoundKind: Sendable {
    case literal(Value)
    case field(FieldSource, Int)
    case param(Int)
    case member(BoundExpr, Int)
    case unary(UnaryOp, BoundExpr)
    case binary(BinaryOp, BoundExpr, BoundExpr)
    case isNull(BoundExpr, negated: Bool)
    case conditional(BoundExpr, BoundExpr, BoundExpr)
    case list([BoundExpr])
    case builtin(Builtin, [BoundExpr])
    case aggregate(Int)
    case lookup(entity: Int, key: BoundExpr)
    case exists(entity: Int, key: BoundExpr)
}

/// A bound node with its static type and source text (for `--explain`).
public struct BoundExpr: Sendable {
    public var kind: BoundKind
    public var type: ExprType
    public var text: String
    /// Whether the node's value is, or derives from, personal data (masked in outputs): a personal
    /// field, or any value computed from one (`emso_birth_date(emso)`, `max(participant.emso)`,
    /// `lookup(participant, …)`). Booleans are not (one bit, which the finding itself states), nor counts.
    public var personal: Bool = false

    /// `personal` nil: derived from the children (a bool never is).
    public init(_ kind: BoundKind, _ type: ExprType, _ text: String, personal: Bool? = nil) {
        self.kind = kind
        self.type = type
        self.text = text
        self.personal = personal ?? (type != .bool && kind.children.contains(where: \.personal))
    }
}

extension BoundKind {
    /// The operands of a node (not the specs of aggregates, nor the keys of lookups' records).
    public var children: [BoundExpr] {
        switch self {
        case .literal, .field, .param, .aggregate: return []
        case .member(let b, _), .unary(_, let b), .isNull(let b, _): return [b]
        case .lookup(_, let k), .exists(_, let k): return [k]
        case .binary(_, let a, let b): return [a, b]
        case .conditional(let a, let b, let c): return [a, b, c]
        case .list(let items), .builtin(_, let items): return items
        }
    }
}

extension BoundExpr {
    /// Whether any node of this expression reads or derives personal data (bools included):
    /// a run-time error message about it could quote a personal value.
    public var readsPersonalData: Bool {
        personal || kind.children.contains(where: \.readsPersonalData)
    }
}

extension BoundExpr {
    /// Whether this expression reads nothing but the aggregated record, parameters and literals (no
    /// context record, aggregate or look-up): its value is a function of that record alone.
    public var readsOnlyAggregated: Bool {
        switch kind {
        case .field(.aggregated, _), .literal, .param: return true
        case .field, .aggregate, .lookup, .exists: return false
        default: return kind.children.allSatisfy(\.readsOnlyAggregated)
        }
    }

    /// The parts of a conjunction (`a and b and c` → a, b, c); the expression itself otherwise.
    public var conjuncts: [BoundExpr] {
        if case .binary(.and, let l, let r) = kind { return l.conjuncts + r.conjuncts }
        return [self]
    }

    /// Every `(entity, field)` this expression reads from context records (not the aggregated one).
    public func contextFields() -> [(entity: Int, field: Int)] {
        fieldsRead().compactMap { source, f in
            if case .entity(let e) = source { return (e, f) }
            return nil
        }
    }

    /// The fields of the aggregated record this expression reads.
    public func aggregatedFields() -> [Int] {
        fieldsRead().compactMap { source, f in source == .aggregated ? f : nil }
    }

    /// Every field this expression reads, with where it reads it from.
    func fieldsRead() -> [(FieldSource, Int)] {
        var out: [(FieldSource, Int)] = []
        func walk(_ e: BoundExpr) {
            switch e.kind {
            case .field(let source, let f): out.append((source, f))
            case .literal, .param, .field, .aggregate: break
            case .member(let b, _), .unary(_, let b), .isNull(let b, _): walk(b)
            case .lookup(_, let k), .exists(_, let k): walk(k)
            case .binary(_, let a, let b): walk(a); walk(b)
            case .conditional(let a, let b, let c): walk(a); walk(b); walk(c)
            case .list(let items), .builtin(_, let items): items.forEach(walk)
            }
        }
        walk(self)
        return out
    }
}
