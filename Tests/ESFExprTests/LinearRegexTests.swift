import ESFCore
import ESFExpr
import Foundation
import Testing

/// The linear-time matcher behind `matches`: the same answers as a backtracking engine
/// (NSRegularExpression, ICU) on the supported syntax, without its exponential cases.
@Suite("linear-time regular expressions")
struct LinearRegexTests {
    struct Unbounded: Error {}

    static func linear(_ pattern: String, _ input: String) throws -> Bool {
        try LinearRegex(pattern).matches(input) { (_: Int) throws(Unbounded) in }
    }

    static func icu(_ pattern: String, _ input: String) throws -> Bool {
        let re = try NSRegularExpression(pattern: pattern)
        return re.firstMatch(in: input, range: NSRange(input.startIndex..., in: input)) != nil
    }

    /// Hand-written patterns of the syntax docs/language.md lists.
    static let patterns = [
        "^UD-[0-9]{6}$", "UD-[0-9]", "^[A-Z]{2}\\d{2}$", "a|b|c", "^(a|b)*c$", "^(?:ab)+$", "^a?b?c?$",
        "^[^a-c]+$", "[a-c-]", "^\\w+$", "^\\W", "\\s", "\\S+", "\\D", "^\\d*$", "^.{3}$", "^.*$", "a.c",
        "^a{2,}$", "^a{1,3}$", "^a{0}$", "^(a+)+$", "^(a*)*b$", "(a|aa)+$", "\\ba", "a\\b", "\\Bb", "^$",
        "x*", "^[\\d-]+$", "^[a\\-z]+$", "\\.", "^\\u010d", "^\\x41", "č|š", "^[č-ž]+$", "a+?b", "a??c",
        "\\Aab", "bc\\z", "^[]a]+$", "^[\\]]$", "1\\+1", "\\$", "\\^", "^(|a)b$", "()*a", "^(?:a|b){2,3}$",
        "[.]", "^[^\\s]+$", "^[\\w.-]+@[\\w.-]+$", "^SI\\d{8}$", "(ab|a)(bc|c)", "^(a|ab)(c|bcd)$",
    ]

    static let inputs = [
        "", "a", "b", "c", "ab", "abc", "aab", "aaaa", "UD-123456", "UD-12345", "x UD-1 y", "AB12", "ab12",
        "a-b", "1-2-3", "čšž", "č", "š", "A", "a.c", "abc!", "a b", " ", "a_b", "cc", "aac", "bcbc", "1+1", "$", "^",
        "]a", "]", "ab cd", "ana@zrsz.si", "SI12345678", "abcd", "abbc", "ac",
    ]

    @Test("hand-written patterns agree with NSRegularExpression")
    func handWritten() throws {
        for p in Self.patterns {
            for s in Self.inputs {
                #expect(try Self.linear(p, s) == Self.icu(p, s), "pattern \(p) on '\(s)'")
            }
        }
    }

    /// A small deterministic generator of patterns over the supported syntax.
    struct Generator {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let atoms = ["a", "b", "c", "č", ".", "[ab]", "[^a]", "[a-c]", "\\d", "\\w", "\\s", "1", "-", "\\.", "[č-ž]"]
        mutating func pattern(depth: Int = 0) -> String {
            var out = ""
            for _ in 0..<(1 + next(3)) {
                var piece: String
                if depth < 2 && next(4) == 0 {
                    let inner = pattern(depth: depth + 1)
                    piece = next(2) == 0 ? "(\(inner))" : "(?:\(inner)|\(pattern(depth: depth + 1)))"
                } else if next(10) == 0 {
                    // zero-width assertions, anywhere (never quantified)
                    out += ["^", "$", "\\b", "\\B"][next(4)]
                    continue
                } else {
                    piece = atoms[next(atoms.count)]
                }
                switch next(9) {
                case 0: piece += "*"
                case 1: piece += "+"
                case 2: piece += "?"
                case 3: piece += "{\(next(3))}"
                case 4: piece += "{\(next(2)),\(2 + next(2))}"
                case 5: piece += "{1,}"
                default: break
                }
                out += piece
            }
            if next(5) == 0 { out = "^" + out }
            if next(5) == 0 { out += "$" }
            if next(8) == 0 { out += "|" + pattern(depth: 2) }
            return out
        }
        mutating func input() -> String {
            let alphabet: [Character] = ["a", "b", "c", "č", "1", "-", " ", ".", "ž"]
            return String((0..<next(8)).map { _ in alphabet[next(alphabet.count)] })
        }
    }

    @Test("2,000 generated patterns on 20 inputs each agree with NSRegularExpression")
    func differential() throws {
        var g = Generator(state: 20_261_129)
        var compared = 0
        for _ in 0..<2000 {
            let p = g.pattern()
            for _ in 0..<20 {
                let s = g.input()
                let mine = try Self.linear(p, s), theirs = try Self.icu(p, s)
                #expect(mine == theirs, "pattern \(p) on '\(s)'")
                compared += 1
                if mine != theirs { return }
            }
        }
        #expect(compared == 40_000)
    }

    @Test("patterns that make a backtracking engine take exponential time are linear here")
    func noCatastrophicBacktracking() throws {
        let input = String(repeating: "a", count: 5000) + "!"
        let clock = ContinuousClock()
        for p in ["^(a+)+$", "^(a*)*$", "^(a|aa)+$", "^(a|a?)+$", "(.*a){20}$", "^(\\w+\\s?)*$"] {
            var steps = 0
            let regex = try LinearRegex(p)
            let started = clock.now
            let matched = try regex.matches(input) { (n: Int) throws(Unbounded) in steps += n }
            let elapsed = clock.now - started
            #expect(matched == false, "\(p)")
            #expect(elapsed < .seconds(2), "\(p) took \(elapsed)")
            // the work is bounded by input length × program size
            #expect(steps <= input.unicodeScalars.count * 200, "\(p): \(steps) steps")
        }
    }

    @Test("every matcher step is charged; the charge can stop a match")
    func charged() throws {
        struct Spent: Error {}
        var total = 0
        _ = try LinearRegex("b").matches(String(repeating: "a", count: 100)) { (n: Int) throws(Unbounded) in total += n }
        #expect(total >= 100)
        var budget = 50
        #expect(throws: Spent.self) {
            _ = try LinearRegex("b").matches(String(repeating: "a", count: 100)) { (n: Int) throws(Spent) in
                budget -= n
                if budget < 0 { throw Spent() }
            }
        }
    }

    @Test("unsupported or invalid syntax is refused with a reason", arguments: [
        ("(a)\\1", "backreferences"), ("(?=a)b", "lookahead"), ("(?!a)b", "lookahead"), ("(?<=a)b", "lookbehind"),
        ("(?<n>a)", "named groups"), ("(?i)a", "inline flags"), ("a**", "quantifier cannot follow"), ("a*+", "possessive"),
        ("*a", "nothing to repeat"), ("[a", "missing ']'"), ("(a", "missing ')'"), ("a)", "unbalanced"),
        ("a{2,1}", "below the minimum"), ("a{1001}", "limited to 1000"), ("a{", "'{'"), ("[z-a]", "out of order"),
        ("\\p{L}", "Unicode property"), ("[[a]]", "nested classes"), ("[a&&b]", "intersection"), ("\\q", "unknown escape"),
        ("(a{1000}){20}", "too large"), ("a\\", "lone"),
    ])
    func refused(pattern: String, reason: String) {
        do {
            _ = try LinearRegex(pattern)
            Issue.record("'\(pattern)' compiled")
        } catch {
            #expect(error.description.contains(reason), "\(pattern): \(error)")
        }
    }

    @Test("a refused pattern in the rule or a pack parameter is a type-check error at the pattern; from data a run-time error")
    func typeCheckAndRunTime() throws {
        let literal = compileErrors("matches(id, \"(?=UD)\")", scope: TM.participant)
        #expect(literal.map(\.code) == ["expr.invalid_regex"])
        #expect(literal.first?.range == SourceRange(12, 20))
        #expect(literal.first?.message.contains("lookahead are not supported") == true)
        let compiler = ExprCompiler(model: TM.model, params: [ParameterDecl(name: "re", type: .string, value: .string("(a)\\1"))])
        guard case .failure(let errors) = compiler.compile("matches(id, params.re)", scope: TM.participant) else {
            Issue.record("a backreference in a parameter compiled")
            return
        }
        #expect(errors.all.map(\.code) == ["expr.invalid_regex"])
        #expect(evalErrorCode("matches(\"x\", id)", records: [TM.participant: Rec.participant(id: "(a)\\1")]) == "regex")
        #expect(try evaluate("matches(id, \"^UD-\\\\d+$\")", records: [TM.participant: Rec.participant(id: "UD-12")]) == .bool(true))
    }

    @Test("$ is the end of the text only, and . does not match a line break")
    func anchorsAndLines() throws {
        #expect(try Self.linear("^UD-1$", "UD-1\n") == false)
        #expect(try Self.linear("^a.b$", "a\nb") == false)
        #expect(try Self.linear("^a\\nb$", "a\nb") == true)
        #expect(try Self.linear("", "abc") == true)  // the empty pattern matches everywhere
    }
}
