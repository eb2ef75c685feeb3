/// A runtime value of the expression language and of input records.
///
/// `null` is "missing / unknown" (SPEC §4 three-valued logic). Sets of codes
/// are lists of strings; `days` is a duration produced by `days(n)`.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case decimal(ExactDecimal)
    case string(String)
    case date(CivilDate)
    case days(Int64)
    case list([Value])
    /// A record found by `lookup`: its entity index and field values in model order.
    case record(entity: Int, values: [Value])

    /// Whether the value is `null`.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as text for messages and reports (ISO dates, plain decimals).
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .decimal(let d): return d.description
        case .string(let s): return s
        case .date(let d): return d.description
        case .days(let n): return "\(n) days"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .record(_, let values): return "{" + values.map(\.description).joined(separator: ", ") + "}"
        }
    }

    /// Equality used by `unique`, keys and `in`: null equals null, ints equal decimals of the same value.
    public func keyEquals(_ other: Value) -> Bool {
        switch (self, other) {
        case (.int(let a), .decimal(let b)), (.decimal(let b), .int(let a)): return ExactDecimal(Int(a)) == b
        default: return self == other
        }
    }

    /// A normalized form for hashing as a key (ints and decimals of one value hash alike).
    public var keyForm: Value {
        switch self {
        case .int(let i): return .decimal(ExactDecimal(Int(i)))
        case .decimal(let d): return .decimal(d.normalized())
        default: return self
        }
    }
}
