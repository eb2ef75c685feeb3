import ESFCore

/// A half-open range of UTF-8 offsets in an expression's source text.
public struct SourceRange: Sendable, Hashable {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }
}

/// Binary operators, by the source token.
public enum BinaryOp: String, Sendable, Hashable {
    case add = "+", sub = "-", mul = "*", div = "/"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    case and, or, `in`, coalesce = "??"
}

/// Unary operators.
public enum UnaryOp: String, Sendable, Hashable {
    case not, negate = "-"
}

/// One argument of a call; `where` and `by` are only meaningful for aggregates and relations.
public struct CallArgument: Sendable, Hashable {
    public var value: Expr
    public var filter: Expr?
    public var by: String?
}

/// The syntax tree of an expression (SPEC §4), with source ranges.
public indirect enum ExprKind: Sendable, Hashable {
    case literal(Value)
    case name(String)
    case member(Expr, String)
    case call(String, [CallArgument])
    case unary(UnaryOp, Expr)
    case binary(BinaryOp, Expr, Expr)
    case conditional(Expr, Expr, Expr)
    case list([Expr])
}

/// An expression node with its position in the source.
public struct Expr: Sendable, Hashable {
    public var kind: ExprKind
    public var range: SourceRange
    public init(_ kind: ExprKind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// A dotted path (`participant.birth_date` → ["participant", "birth_date"]) when the node is one.
    public var path: [String]? {
        switch kind {
        case .name(let n): return [n]
        case .member(let base, let n): return base.path.map { $0 + [n] }
        default: return nil
        }
    }
}
