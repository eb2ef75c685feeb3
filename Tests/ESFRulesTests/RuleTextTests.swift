import ESFCore
import ESFExpr
import ESFRules
import Foundation
import Testing

/// Every built-in pack, loaded together.
func builtInPacks() throws -> RuleSet {
    let dirs = PackLoader.headers(under: repositoryRules).map(\.directory).sorted()
    let sink = DiagnosticSink()
    let set = PackLoader.load(directories: dirs, modelDirectories: [repositoryRules + "/models"], sink: sink)
    #expect(sink.diagnostics.isEmpty, "\(sink.diagnostics)")
    return try #require(set)
}

/// The number tokens of a text: digits with at most one decimal point or comma between digits,
/// not part of a date (`2021-01-01`, `31.12.2029`), an id or reference (`UD-EM-004`, `2021/1060`,
/// `Art. 65(2)`), or a word. A token followed by `%` stands for its hundredth.
func numberTokens(_ text: String) -> [ExactDecimal] {
    let chars = Array(text)
    var result: [ExactDecimal] = []
    var i = 0
    func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    while i < chars.count {
        guard isDigit(chars[i]) else { i += 1; continue }
        var j = i
        while j < chars.count && (isDigit(chars[j]) || ((chars[j] == "." || chars[j] == ",") && j + 1 < chars.count && isDigit(chars[j + 1]) && j > i)) { j += 1 }
        let token = String(chars[i..<j])
        let before: Character? = i > 0 ? chars[i - 1] : nil
        let after: Character? = j < chars.count ? chars[j] : nil
        let glued: Set<Character> = ["-", "/", "(", ")", "§", "_"]
        var skip = token.filter { $0 == "." || $0 == "," }.count > 1
        if let b = before, b.isLetter || glued.contains(b) || (b == "." && i >= 2 && isDigit(chars[i - 2])) { skip = true }
        if let a = after, a.isLetter || glued.contains(a) || (a == "." && j + 1 < chars.count && isDigit(chars[j + 1])) { skip = true }
        if !skip, let d = ExactDecimal(utf8: Array(token.replacingOccurrences(of: ",", with: ".").utf8)[...]) {
            var rest = j
            while rest < chars.count && chars[rest] == " " { rest += 1 }
            if rest < chars.count && chars[rest] == "%", let hundredth = try? d.divided(by: ExactDecimal(100)) {
                result.append(hundredth)
            } else {
                result.append(d)
            }
        }
        i = j
    }
    return result
}

/// A numeric parameter value as an exact decimal (ints and decimals; zero is left out: "set vat to 0.00" is no parameter).
func numericValue(_ v: Value) -> ExactDecimal? {
    switch v {
    case .int(let i) where i != 0: return ExactDecimal(Int(i))
    case .decimal(let d) where d != ExactDecimal(0): return d
    default: return nil
    }
}

@Suite("Rule texts: legal bases, help and parameters")
struct RuleTextTests {
    @Test("the number tokens of a text leave out dates, ids and references, and read 80 % as 0.80")
    func tokens() {
        let t = numberTokens("Pay 740 × hours / 40, at least 36 h; UD-EM-004 since 2021-01-01 or 31.12.2029 (Art. 65(2), 2021/1060): 80 % and 3.5")
        #expect(t == ["740", "40", "36", "0.80", "3.5"].map { ExactDecimal(utf8: Array($0.utf8)[...])! })
    }

    @Test("no title, help or message of a built-in rule hard-codes a number that is one of its pack's parameters")
    func noHardCodedParameter() throws {
        let set = try builtInPacks()
        var checked = 0
        for pack in set.packs {
            let values = pack.parameters.compactMap { p in numericValue(p.value).map { (p.name, $0) } }
            for rule in pack.rules {
                // the title and help as written (before {params.…} is replaced), and the literal parts of the message
                var texts = Array(rule.textTemplates.prefix(rule.help == nil ? 1 : 2))
                for case .text(let t) in rule.message.en.parts { texts.append(t) }
                for text in texts {
                    let stripped = text.replacingOccurrences(of: #"\{[^}]*\}"#, with: " ", options: .regularExpression)
                    for number in numberTokens(stripped) {
                        for (name, value) in values where number == value {
                            Issue.record("\(rule.id): '\(text)' hard-codes \(number), the value of parameter \(name): write {params.\(name)}")
                        }
                    }
                }
                checked += 1
            }
        }
        #expect(checked > 80)
    }

    @Test("every built-in rule has a legal basis, and none cites an internal design document")
    func legalBasisPresent() throws {
        let set = try builtInPacks()
        for rule in set.rules {
            #expect(!rule.legalBasis.isEmpty && (rule.legalBasis(in: .en) + rule.legalBasis(in: .sl)).allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty }, "\(rule.id) has no legal basis")
            for text in rule.legalBasis(in: .en) + rule.legalBasis(in: .sl) + [rule.title.en, rule.title.text(.sl)] + (rule.help.map { [$0.en, $0.text(.sl)] } ?? []) {
                #expect(!text.contains("ESF-DOMAIN") && !text.contains("RULES.md") && !text.contains("SPEC"), "\(rule.id) cites an internal document: \(text)")
            }
        }
        #expect(set.rules.count > 80)
    }

    @Test("every 2021–2027 rule cites Regulation (EU) 2021/1060, 2021/1057 or the 2021–2027 programme, never the 2014–2020 ones")
    func legalBasis2021() throws {
        let set = try builtInPacks()
        let packs = set.packs.filter { $0.selector["period"] == "2021-2027" }
        #expect(Set(packs.map(\.id)) == ["esf-2021-2027", "ucne-delavnice-plus"])
        var checked = 0
        for pack in packs {
            for rule in pack.rules {
                let basis = (rule.legalBasis(in: .en) + rule.legalBasis(in: .sl)).joined(separator: "; ")
                #expect(basis.contains("2021/1060") || basis.contains("2021/1057") || basis.contains("2021–2027"), "\(rule.id): \(basis)")
                for old in ["1303/2013", "1304/2013", "2014–2020", "2014-2020", "Javno povabilo Učne delavnice 2020"] {
                    #expect(!basis.contains(old), "\(rule.id) cites \(old): \(basis)")
                }
                checked += 1
            }
        }
        #expect(checked == set.packs.filter { $0.selector["period"] == "2021-2027" }.map(\.rules.count).reduce(0, +))
        #expect(checked > 30)
    }

    @Test("titles, help and legal notes of Učne delavnice plus take their durations from its parameters")
    func ucneDelavnicePlusDurations() throws {
        let set = try builtInPacks()
        let rule = { (id: String) in try #require(set.rules.first { $0.id == id }) }
        #expect(try rule("UDP-TR-001").title.en == "The training lasts at most 4 months")
        #expect(try rule("UD-TR-001").title.en == "The training lasts at most 6 months")
        #expect(try rule("UDP-EM-002").title.en == "The subsidised period is exactly 12 months")
        #expect(try rule("UDP-EM-002").help?.en.contains("same date 12 months later") == true)
        #expect(try rule("UDP-EM-002").legalBasis(in: .en).joined().contains("one subsidised period of 12 months"))
        #expect(try rule("UDP-TR-001").legalBasis(in: .en).joined().contains("training of 4 months"))
        #expect(try rule("UD-EM-004").help?.en.hasPrefix("Pay 740.00 × hours / 40 a month") == true)
        for r in set.rules where r.pack == "ucne-delavnice-plus" {
            for text in [r.title.en, r.help?.en ?? "", r.title.text(.sl), r.help?.text(.sl) ?? ""] + r.legalBasis(in: .en) + r.legalBasis(in: .sl) {
                #expect(!text.contains("6 months") && !text.contains("6 mesecev") && !text.contains(" 6 mes.") && !text.contains("six"), "\(r.id): \(text)")
            }
        }
    }

    @Test("{params.NAME} in a title, help or legal basis shows the value in force; other placeholders are errors")
    func interpolation() throws {
        let (set, diagnostics, _) = try load("""
        - id: T-001
          title: "at most {params.months} months"
          severity: error
          scope: operation
          assert: true
          message: "x"
          legal_basis: ["tolerance {params.tolerance}"]
          help: "within {params.tolerance}"
        """)
        #expect(diagnostics.isEmpty)
        let rule = try #require(set?.rules.first)
        #expect(rule.title.en == "at most 6 months")
        #expect(rule.help?.en == "within 0.01")
        #expect(rule.legalBasis(in: .en) == ["tolerance 0.01"])
        let (bad, problems, _) = try load("""
        - id: T-002
          title: "at most {params.nope} months"
          severity: error
          scope: operation
          assert: true
          message: "x"
          help: "field {id} and {params.months"
        """)
        #expect(bad == nil)
        let codes = problems.map { "\($0.line):\($0.column) \($0.code)" }
        #expect(codes.contains("2:19 text.unknown_parameter"))
        #expect(codes.contains("7:16 text.placeholder"))
        #expect(codes.contains("7:25 text.unclosed"))
    }

    @Test("extends: override gives inherited rules their own texts; an unknown or excluded rule id is an error")
    func overrides() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-override-\(UUID().uuidString)")
        let base = root.appendingPathComponent("base"), child = root.appendingPathComponent("child")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: child, withIntermediateDirectories: true)
        try "id: base\nmodel: esf-operation-v1\nparameters: { months: 6 }\n".write(to: base.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        try """
        - id: B-001
          title: "old title"
          severity: error
          scope: operation
          assert: true
          message: "x"
          legal_basis: ["Regulation (EU) No 1303/2013"]
          help: "old help"
        - id: B-002
          title: "kept"
          severity: error
          scope: operation
          assert: true
          message: "x"
          legal_basis: ["kept basis"]
        """.write(to: base.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        func loadChild(_ override: String) throws -> (RuleSet?, [Diagnostic]) {
            try """
            id: child
            model: esf-operation-v1
            extends:
              pack: base
              rename: { "B-": "C-" }
              exclude: [B-002]
            \(override)
            parameters: { months: 4 }
            """.write(to: child.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
            let sink = DiagnosticSink()
            let set = PackLoader.load(directories: [child.path], modelDirectories: [repositoryRules + "/models"], sink: sink)
            return (set, sink.diagnostics)
        }
        let (set, diagnostics) = try loadChild("""
          override:
            B-001:
              title: "new title, {params.months} months"
              legal_basis: ["Regulation (EU) 2021/1060"]
        """)
        #expect(diagnostics.isEmpty)
        let rule = try #require(set?.rules.first { $0.id == "C-001" })
        #expect(rule.title.en == "new title, 4 months")
        #expect(rule.legalBasis(in: .en) == ["Regulation (EU) 2021/1060"])
        #expect(rule.help?.en == "old help")
        let (_, unknown) = try loadChild("""
          override:
            B-009: { help: "x" }
            B-002: { help: "x" }
            B-001: { message: "x" }
        """)
        let codes = unknown.map(\.code)
        #expect(codes.filter { $0 == "extends.unknown_rule" }.count == 2)
        #expect(codes.contains("override.unknown_key"))
        #expect(unknown.contains { $0.message.contains("B-002, which this pack excludes") })
    }
}
