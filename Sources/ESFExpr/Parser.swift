import ESFCore

/// A Pratt parser for the expression language (SPEC §4).
///
/// Precedence, lowest first: `?:`, `??`, `or`, `and`, `not`, comparisons and `in`,
/// `+ -`, `* /`, unary `-`, then calls and member access.
public struct Parser {
    private var tokens: [Token]
    private var position = 0
    private var depth = 0
    /// The height of the tree most recently returned by `expression` or `prefix`: left-associative
    /// chains (`a + b + c …`) grow the tree without recursing here, yet binding and evaluation recurse on it.
    private var lastHeight = 0
    /// Nesting deeper than this is refused (keeps hostile rule files from exhausting the stack).
    public static let maxDepth = 200

    /// Parses a whole expression.
    public static func parse(_ source: String) throws(ExprError) -> Expr {
        var parser = Parser(tokens: try Lexer(source).tokenize())
        let expr = try parser.expression(0)
        guard case .end = parser.peek.kind else {
            throw ExprError(code: "expr.syntax", message: "unexpected \(parser.describe(parser.peek)) after the expression", range: parser.peek.range)
        }
        return expr
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token { tokens[position] }

    private mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .identifier(let s): return "'\(s)'"
        case .integer(let v): return "'\(v)'"
        case .decimal(let d): return "'\(d)'"
        case .date(let d): return "'\(d)'"
        case .string(let s): return "\"\(s)\""
        case .symbol(let s): return "'\(s)'"
        case .end: return "end of expression"
        }
    }

    private func isSymbol(_ s: String) -> Bool {
        if case .symbol(let x) = peek.kind, x == s { return true }
        return false
    }

    private func isKeyword(_ s: String) -> Bool {
        if case .identifier(let x) = peek.kind, x == s { return true }
        return false
    }

    private mutating func expect(_ s: String) throws(ExprError) -> Token {
        guard isSymbol(s) else {
            throw ExprError(code: "expr.syntax", message: "expected '\(s)', found \(describe(peek))", range: peek.range)
        }
        return advance()
    }

    /// Refuses a tree taller than `maxDepth` (the same limit as nesting).
    private func bounded(_ height: Int, at range: SourceRange) throws(ExprError) -> Int {
        if height > Parser.maxDepth {
            throw ExprError(code: "expr.too_deep", message: "expression nested more than \(Parser.maxDepth) levels", range: range)
        }
        return height
    }

    /// Binding power of the infix operator at the current token, if any.
    private func infixPower() -> (Int, String)? {
        switch peek.kind {
        case .symbol(let s):
            switch s {
            case "?": return (10, s)
            case "??": return (20, s)
            case "==", "!=", "<", "<=", ">", ">=": return (50, s)
            case "+", "-": return (60, s)
            case "*", "/": return (70, s)
            case "(", ".": return (90, s)
            default: return nil
            }
        case .identifier(let s):
            switch s {
            case "or": return (30, s)
            case "and": return (40, s)
            case "in": return (50, s)
            default: return nil
            }
        default: return nil
        }
    }

    private mutating func expression(_ minPower: Int) throws(ExprError) -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxDepth {
            throw ExprError(code: "expr.too_deep", message: "expression nested more than \(Parser.maxDepth) levels", range: peek.range)
        }
        var left = try prefix()
        var height = try bounded(lastHeight, at: left.range)
        while let (power, op) = infixPower(), power > minPower {
            let opToken = advance()
            switch op {
            case "?":
                let whenTrue = try expression(0)
                let trueHeight = lastHeight
                _ = try expect(":")
                let whenFalse = try expression(power - 1)
                height = 1 + Swift.max(height, trueHeight, lastHeight)
                left = Expr(.conditional(left, whenTrue, whenFalse), SourceRange(left.range.start, whenFalse.range.end))
            case ".":
                guard case .identifier(let name) = peek.kind else {
                    throw ExprError(code: "expr.syntax", message: "expected a field name after '.', found \(describe(peek))", range: peek.range)
                }
                let t = advance()
                height += 1
                left = Expr(.member(left, name), SourceRange(left.range.start, t.range.end))
            case "(":
                guard case .name(let fname) = left.kind else {
                    throw ExprError(code: "expr.syntax", message: "only functions can be called", range: opToken.range)
                }
                var args: [CallArgument] = []
                var argsHeight = 0
                if !isSymbol(")") {
                    repeat {
                        let value = try expression(0)
                        argsHeight = Swift.max(argsHeight, lastHeight)
                        var arg = CallArgument(value: value, filter: nil, by: nil)
                        if isKeyword("where") {
                            _ = advance()
                            arg.filter = try expression(0)
                            argsHeight = Swift.max(argsHeight, lastHeight)
                        } else if isKeyword("by") {
                            _ = advance()
                            guard case .identifier(let key) = peek.kind else {
                                throw ExprError(code: "expr.syntax", message: "expected a field name after 'by'", range: peek.range)
                            }
                            _ = advance()
                            arg.by = key
                        }
                        args.append(arg)
                    } while try acceptComma()
                }
                let close = try expect(")")
                height = 1 + Swift.max(height, argsHeight)
                left = Expr(.call(fname, args), SourceRange(left.range.start, close.range.end))
            default:
                // `??` and `?:` are right-associative; everything else left.
                let rightPower = op == "??" ? power - 1 : power
                let right = try expression(rightPower)
                height = 1 + Swift.max(height, lastHeight)
                let bop: BinaryOp
                switch op {
                case "or": bop = .or
                case "and": bop = .and
                case "in": bop = .in
                default:
                    guard let b = BinaryOp(rawValue: op) else {
                        throw ExprError(code: "expr.syntax", message: "unknown operator '\(op)'", range: opToken.range)
                    }
                    bop = b
                }
                left = Expr(.binary(bop, left, right), SourceRange(left.range.start, right.range.end))
            }
            height = try bounded(height, at: opToken.range)
        }
        lastHeight = height
        return left
    }

    private mutating func acceptComma() throws(ExprError) -> Bool {
        if isSymbol(",") { _ = advance(); return true }
        return false
    }

    private mutating func prefix() throws(ExprError) -> Expr {
        let t = advance()
        lastHeight = 1
        switch t.kind {
        case .integer(let v): return Expr(.literal(.int(v)), t.range)
        case .decimal(let d): return Expr(.literal(.decimal(d)), t.range)
        case .date(let d): return Expr(.literal(.date(d)), t.range)
        case .string(let s): return Expr(.literal(.string(s)), t.range)
        case .identifier(let name):
            switch name {
            case "null": return Expr(.literal(.null), t.range)
            case "true": return Expr(.literal(.bool(true)), t.range)
            case "false": return Expr(.literal(.bool(false)), t.range)
            case "not":
                let operand = try expression(45)
                lastHeight += 1
                return Expr(.unary(.not, operand), SourceRange(t.range.start, operand.range.end))
            case "and", "or", "in", "where", "by":
                throw ExprError(code: "expr.syntax", message: "unexpected keyword '\(name)'", range: t.range)
            default: return Expr(.name(name), t.range)
            }
        case .symbol(let s):
            switch s {
            case "(":
                let inner = try expression(0)
                let close = try expect(")")
                return Expr(inner.kind, SourceRange(t.range.start, close.range.end))
            case "-":
                let operand = try expression(80)
                if case .literal(.int(let v)) = operand.kind { return Expr(.literal(.int(-v)), SourceRange(t.range.start, operand.range.end)) }
                if case .literal(.decimal(let d)) = operand.kind { return Expr(.literal(.decimal(d.negated())), SourceRange(t.range.start, operand.range.end)) }
                lastHeight += 1
                return Expr(.unary(.negate, operand), SourceRange(t.range.start, operand.range.end))
            case "!":
                let operand = try expression(45)
                lastHeight += 1
                return Expr(.unary(.not, operand), SourceRange(t.range.start, operand.range.end))
            case "[":
                var items: [Expr] = []
                var itemsHeight = 0
                if !isSymbol("]") {
                    repeat {
                        items.append(try expression(0))
                        itemsHeight = Swift.max(itemsHeight, lastHeight)
                    } while try acceptComma()
                }
                lastHeight = 1 + itemsHeight
                let close = try expect("]")
                return Expr(.list(items), SourceRange(t.range.start, close.range.end))
            default:
                throw ExprError(code: "expr.syntax", message: "unexpected '\(s)'", range: t.range)
            }
        case .end:
            throw ExprError(code: "expr.syntax", message: "the expression is incomplete", range: t.range)
        }
    }
}
