import ESFCore

/// The static type of an expression. Every type also admits `null` (missing).
public indirect enum ExprType: Sendable, Hashable, CustomStringConvertible {
    case bool, int, decimal, string, date, days
    /// The type of the literal `null`: compatible with every type.
    case null
    case list(ExprType)
    /// A record of an entity, returned by `lookup`.
    case record(Int)

    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int: return "int"
        case .decimal: return "decimal"
        case .string: return "string"
        case .date: return "date"
        case .days: return "days"
        case .null: return "null"
        case .list(let e): return "list<\(e)>"
        case .record: return "record"
        }
    }

    /// Whether the type is numeric (int or decimal).
    public var isNumeric: Bool { self == .int || self == .decimal || self == .null }

    /// The type of a model field.
    public init(_ field: FieldType) {
        switch field {
        case .string, .code: self = .string
        case .date: self = .date
        case .decimal: self = .decimal
        case .int: self = .int
        case .bool: self = .bool
        case .codeSet: self = .list(.string)
        }
    }

    /// The common type of two branches, if any (`null` unifies with anything, int widens to decimal).
    public func unified(with other: ExprType) -> ExprType? {
        if self == other { return self }
        if self == .null { return other }
        if other == .null { return self }
        if isNumeric && other.isNumeric { return .decimal }
        if case .list(let a) = self, case .list(let b) = other, let u = a.unified(with: b) { return .list(u) }
        return nil
    }

    /// The type of a runtime value.
    public init(of value: Value) {
        switch value {
        case .null: self = .null
        case .bool: self = .bool
        case .int: self = .int
        case .decimal: self = .decimal
        case .string: self = .string
        case .date: self = .date
        case .days: self = .days
        case .list(let items): self = .list(items.first.map { ExprType(of: $0) } ?? .null)
        case .record(let e, _): self = .record(e)
        }
    }
}

/// A declared parameter of a pack, with its type and value.
public struct ParameterDecl: Sendable, Hashable {
    public var name: String
    public var type: ExprType
    public var value: Value
    /// The pack's own value when a config overrides it (nil: not overridden).
    public var overriddenDefault: Value?
    public init(name: String, type: ExprType, value: Value) {
        self.name = name
        self.type = type
        self.value = value
    }
}
