import ESFCore
import ESFExpr
import Testing

/// A compact S-expression of a syntax tree, so tests can state the parse they expect.
func sexpr(_ e: Expr) -> String {
    switch e.kind {
    case .literal(let v):
        switch v {
        case .string(let s): return "\"\(s)\""
        case .decimal(let d): return "\(d)d"
        case .date(let d): return "@\(d)"
        default: return v.description
        }
    case .name(let n): return n
    case .member(let base, let n): return "\(sexpr(base)).\(n)"
    case .call(let f, let args):
        let parts = args.map { a -> String in
            var s = sexpr(a.value)
            if let w = a.filter { s += " where \(sexpr(w))" }
            if let b = a.by { s += " by \(b)" }
            return s
        }
        return "\(f)(\(parts.joined(separator: ", ")))"
    case .unary(let op, let x): return "(\(op == .not ? "not" : "neg") \(sexpr(x)))"
    case .binary(let op, let l, let r): return "(\(op.rawValue) \(sexpr(l)) \(sexpr(r)))"
    case .conditional(let c, let t, let f): return "(? \(sexpr(c)) \(sexpr(t)) \(sexpr(f)))"
    case .list(let items): return "[" + items.map(sexpr).joined(separator: " ") + "]"
    }
}

func parsed(_ source: String) throws -> String { sexpr(try Parser.parse(source)) }

@Suite("Parser")
struct ParserTests {
    @Test("precedence and associativity", arguments: [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("not a and b", "(and (not a) b)"),
        ("not a == b", "(not (== a b))"),
        ("!a or b", "(or (not a) b)"),
        ("not not a", "(not (not a))"),
        ("a ?? b ?? c", "(?? a (?? b c))"),
        ("a ?? b == c", "(?? a (== b c))"),
        ("a == b ?? c", "(?? (== a b) c)"),
        ("c ? x : y", "(? c x y)"),
        ("a ? b : c ? d : e", "(? a b (? c d e))"),
        ("a ? b ? c : d : e", "(? a (? b c d) e)"),
        ("a ?? b ? c : d", "(? (?? a b) c d)"),
        ("a or b ? c : d ?? e", "(? (or a b) c (?? d e))"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b / c", "(/ (/ a b) c)"),
        ("a + b * c", "(+ a (* b c))"),
        ("(a + b) * c", "(* (+ a b) c)"),
        ("a * b + c < d", "(< (+ (* a b) c) d)"),
        ("-a * b", "(* (neg a) b)"),
        ("-a.b", "(neg a.b)"),
        ("a - -b", "(- a (neg b))"),
        ("-2 * 3", "(* -2 3)"),
        ("-0.5", "-0.5d"),
        ("x in [1, 2] and y", "(and (in x [1 2]) y)"),
        ("a + 1 in b", "(in (+ a 1) b)"),
        ("not \"ltu24\" in criteria", "(not (in \"ltu24\" criteria))"),
        ("participant.training.end", "participant.training.end"),
        ("lookup(provider, provider_id).status", "lookup(provider, provider_id).status"),
        ("params.extension_months", "params.extension_months"),
        ("sum(expenditure.eligible where participant_id == participant.id and category == \"staff\")",
         "sum(expenditure.eligible where (and (== participant_id participant.id) (== category \"staff\")))"),
        ("count(participant where a or b) > 0", "(> count(participant where (or a b)) 0)"),
        ("no_overlap(employment by participant_id, start, extension_end ?? end)",
         "no_overlap(employment by participant_id, start, (?? extension_end end))"),
        ("f()", "f()"),
        ("[]", "[]"),
        ("true and false or null", "(or (and true false) null)"),
    ])
    func precedence(source: String, expected: String) throws {
        #expect(try parsed(source) == expected)
    }

    @Test("date literals versus subtraction", arguments: [
        ("2023-12-31", "@2023-12-31"),
        ("2023 - 12 - 31", "(- (- 2023 12) 31)"),
        ("2023-12-3", "(- (- 2023 12) 3)"),
        ("2023-12-310", "(- (- 2023 12) 310)"),
        ("end + days(1) == 2021-03-01", "(== (+ end days(1)) @2021-03-01)"),
        ("x-2021-01-01", "(- x @2021-01-01)"),
        ("2021-01-01-x", "(- @2021-01-01 x)"),
    ])
    func datesVersusSubtraction(source: String, expected: String) throws {
        #expect(try parsed(source) == expected)
    }

    @Test("an impossible date literal is an error over the whole literal")
    func impossibleDateLiteral() throws {
        let e = try #require(parseError("end <= 2022-02-31"))
        #expect(e.code == "expr.invalid_date")
        #expect(e.range == SourceRange(7, 17))
    }

    @Test("numbers: ints, exact decimals, and ints out of range")
    func numbers() throws {
        #expect(try parsed("0.80") == "0.80d")
        #expect(try parsed("9223372036854775807") == "9223372036854775807")
        let e = try #require(parseError("1 + 9223372036854775808"))
        #expect(e.code == "expr.invalid_number")
        #expect(e.range == SourceRange(4, 23))
    }

    @Test("string literals in either quote, with backslash escapes", arguments: [
        (#""staff""#, "staff"),
        (#"'staff'"#, "staff"),
        (#""say \"hi\"""#, #"say "hi""#),
        (#"'it\'s'"#, "it's"),
        (#""a\\b""#, #"a\b"#),
        (#""it's""#, "it's"),
        (#""Učne delavnice""#, "Učne delavnice"),
        (#""""#, ""),
    ])
    func strings(source: String, value: String) throws {
        let e = try Parser.parse(source)
        #expect(e.kind == .literal(.string(value)))
        #expect(e.range == SourceRange(0, source.utf8.count))
    }

    @Test("node ranges cover their source")
    func ranges() throws {
        let src = "a + f(b, c) * (d)"
        let e = try Parser.parse(src)
        #expect(e.range == SourceRange(0, 17))
        guard case .binary(.add, let l, let r) = e.kind else { Issue.record("not an addition: \(sexpr(e))"); return }
        #expect(l.range == SourceRange(0, 1))
        #expect(r.range == SourceRange(4, 17))
        guard case .binary(.mul, let call, let paren) = r.kind else { Issue.record("not a product"); return }
        #expect(call.range == SourceRange(4, 11))
        #expect(paren.range == SourceRange(14, 17))
    }

    @Test("syntax errors carry their code and exact range", arguments: [
        ("name == \"abc", "expr.unterminated_string", 8, 12),
        ("'abc\\", "expr.unterminated_string", 0, 5),
        ("a + * b", "expr.syntax", 4, 5),
        ("a b", "expr.syntax", 2, 3),
        ("a +", "expr.syntax", 3, 3),
        ("", "expr.syntax", 0, 0),
        ("(a + b", "expr.syntax", 6, 6),
        ("a ? b", "expr.syntax", 5, 5),
        ("f(a,)", "expr.syntax", 4, 5),
        ("a.1", "expr.syntax", 2, 3),
        ("1.", "expr.syntax", 2, 2),
        (".5", "expr.syntax", 0, 1),
        ("a and and b", "expr.syntax", 6, 9),
        ("count(x by)", "expr.syntax", 10, 11),
        ("a # b", "expr.unexpected_character", 2, 3),
        ("a = b", "expr.unexpected_character", 2, 3),
    ])
    func syntaxErrors(source: String, code: String, start: Int, end: Int) throws {
        let e = try #require(parseError(source), "'\(source)' parsed")
        #expect(e.code == code)
        #expect(e.range == SourceRange(start, end), "\(e.message)")
    }

    @Test("calling something that is not a name is an error")
    func onlyNamesAreCalled() throws {
        let e = try #require(parseError("a.b(1)"))
        #expect(e.code == "expr.syntax")
        #expect(e.range == SourceRange(3, 4))
    }

    @Test("300 nested parentheses are refused with an error, not a crash")
    func tooDeepParentheses() throws {
        let src = String(repeating: "(", count: 300) + "1" + String(repeating: ")", count: 300)
        let e = try #require(parseError(src))
        #expect(e.code == "expr.too_deep")
        #expect(e.range.start == Parser.maxDepth)
    }

    @Test("deep nesting of every recursive form is refused", arguments: ["(", "-", "not ", "[", "f(", "a ?? "])
    func tooDeepOtherForms(prefix: String) throws {
        let src = String(repeating: prefix, count: 10_000) + "1"
        let e = try #require(parseError(src))
        #expect(e.code == "expr.too_deep")
    }

    @Test("a long left-associative chain is refused once the tree would be deeper than the limit", arguments: [
        " + ", " or ", " * ", " == ",
    ])
    func tooLongChains(op: String) throws {
        let src = Array(repeating: "a", count: 10_000).joined(separator: op)
        let e = try #require(parseError(src))
        #expect(e.code == "expr.too_deep")
        // at the operator that would make the tree taller than maxDepth: the maxDepth-th one, after term maxDepth - 1
        #expect(e.range.start == (Parser.maxDepth - 1) * (1 + op.utf8.count) + 2)
    }

    @Test("a member or call chain is bounded too")
    func tooLongMemberChain() throws {
        let members = "a" + String(repeating: ".b", count: 10_000)
        #expect(parseError(members)?.code == "expr.too_deep")
        let wrapped = String(repeating: "abs(", count: 150) + "1" + String(repeating: ")", count: 150)
        #expect(parseError(String(repeating: wrapped + " + ", count: 60) + "1")?.code == "expr.too_deep")
    }

    @Test("nesting just under the limit still parses")
    func nestingUnderLimit() throws {
        let n = Parser.maxDepth - 2
        let src = String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n)
        #expect(try parsed(src) == "1")
    }
}
