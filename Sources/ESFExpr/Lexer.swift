import ESFCore

/// A token of the expression language.
public enum TokenKind: Sendable, Hashable {
    case identifier(String)
    case integer(Int64)
    case decimal(ExactDecimal)
    case date(CivilDate)
    case string(String)
    case symbol(String)
    case end
}

/// A token with its source range.
public struct Token: Sendable, Hashable {
    public var kind: TokenKind
    public var range: SourceRange
}

/// A problem in an expression's text, at a UTF-8 offset.
public struct ExprError: Error, Sendable, Hashable {
    public var code: String
    public var message: String
    public var range: SourceRange
    public init(code: String, message: String, range: SourceRange) {
        self.code = code
        self.message = message
        self.range = range
    }
}

/// Splits an expression into tokens.
public struct Lexer {
    let bytes: [UInt8]

    public init(_ source: String) { bytes = Array(source.utf8) }

    static let symbols: [String] = ["??", "==", "!=", "<=", ">=", "+", "-", "*", "/", "<", ">", "(", ")", "[", "]", ",", ".", "?", ":", "!"]

    /// All tokens, ending with `.end`.
    public func tokenize() throws(ExprError) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        func isIdentStart(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        while i < bytes.count {
            let b = bytes[i]
            if b == 32 || b == 9 || b == 10 || b == 13 { i += 1; continue }
            let start = i
            if isIdentStart(b) {
                while i < bytes.count, isIdentStart(bytes[i]) || isDigit(bytes[i]) { i += 1 }
                let name = String(decoding: bytes[start..<i], as: UTF8.self)
                tokens.append(Token(kind: .identifier(name), range: SourceRange(start, i)))
                continue
            }
            if isDigit(b) {
                // date literal YYYY-MM-DD
                if i + 10 <= bytes.count, bytes[i + 4] == 45, bytes[i + 7] == 45,
                   bytes[i..<i + 4].allSatisfy(isDigit), bytes[i + 5..<i + 7].allSatisfy(isDigit), bytes[i + 8..<i + 10].allSatisfy(isDigit),
                   i + 10 == bytes.count || !isDigit(bytes[i + 10]) {
                    guard let d = CivilDate(isoUTF8: bytes[i..<i + 10]) else {
                        throw ExprError(code: "expr.invalid_date", message: "'\(String(decoding: bytes[i..<i + 10], as: UTF8.self))' is not a calendar date", range: SourceRange(i, i + 10))
                    }
                    tokens.append(Token(kind: .date(d), range: SourceRange(i, i + 10)))
                    i += 10
                    continue
                }
                while i < bytes.count, isDigit(bytes[i]) { i += 1 }
                if i + 1 < bytes.count, bytes[i] == 46, isDigit(bytes[i + 1]) {
                    i += 1
                    while i < bytes.count, isDigit(bytes[i]) { i += 1 }
                    guard let d = ExactDecimal(utf8: bytes[start..<i]) else {
                        throw ExprError(code: "expr.invalid_number", message: "number out of range", range: SourceRange(start, i))
                    }
                    tokens.append(Token(kind: .decimal(d), range: SourceRange(start, i)))
                } else {
                    guard let v = Int64(String(decoding: bytes[start..<i], as: UTF8.self)) else {
                        throw ExprError(code: "expr.invalid_number", message: "number out of range", range: SourceRange(start, i))
                    }
                    tokens.append(Token(kind: .integer(v), range: SourceRange(start, i)))
                }
                continue
            }
            if b == 34 || b == 39 {
                var out: [UInt8] = []
                i += 1
                var closed = false
                while i < bytes.count {
                    let c = bytes[i]
                    if c == b { closed = true; i += 1; break }
                    if c == 92, i + 1 < bytes.count { out.append(bytes[i + 1]); i += 2; continue }
                    out.append(c)
                    i += 1
                }
                if !closed {
                    throw ExprError(code: "expr.unterminated_string", message: "string is not closed", range: SourceRange(start, bytes.count))
                }
                tokens.append(Token(kind: .string(String(decoding: out, as: UTF8.self)), range: SourceRange(start, i)))
                continue
            }
            var matched = false
            for s in Lexer.symbols {
                let sb = Array(s.utf8)
                if i + sb.count <= bytes.count, Array(bytes[i..<i + sb.count]) == sb {
                    tokens.append(Token(kind: .symbol(s), range: SourceRange(i, i + sb.count)))
                    i += sb.count
                    matched = true
                    break
                }
            }
            if !matched {
                let scalarEnd = Swift.min(bytes.count, i + 1)
                throw ExprError(code: "expr.unexpected_character", message: "unexpected character '\(String(decoding: bytes[i..<scalarEnd], as: UTF8.self))'", range: SourceRange(i, scalarEnd))
            }
        }
        tokens.append(Token(kind: .end, range: SourceRange(bytes.count, bytes.count)))
        return tokens
    }
}
