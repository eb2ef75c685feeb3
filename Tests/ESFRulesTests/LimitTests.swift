import ESFCore
@testable import ESFEngine
import ESFReports
import ESFRules
import Foundation
import Testing

/// The YAML expansion limit (measured on the event stream, aliases counting their targets) and
/// the bounded selection behind `--max-findings`.
@Suite("Limits")
struct LimitTests {
    /// `levels` levels of nine aliases over nine scalars: 9^levels scalars when expanded.
    static func laughs(levels: Int) -> String {
        var lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
        for k in 1..<levels { lines.append("l\(k): &l\(k) [" + Array(repeating: "*l\(k - 1)", count: 9).joined(separator: ", ") + "]") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func yamlDiagnostics(_ text: String) throws -> [Diagnostic] {
        try load(text).1
    }

    @Test("aliases under the limit load as before; the alias bomb is refused at the alias that crosses it")
    func expansion() throws {
        // 9^5 = 59,049 scalars (plus lists): within 200,000, so only the rule-file shape is wrong
        let small = try Self.yamlDiagnostics(Self.laughs(levels: 5))
        #expect(!small.contains { $0.code == "yaml.limit" }, "\(small)")
        // 9^6 = 531,441: refused on line 6 (l5), at the alias that takes the total past 200,000
        let big = try Self.yamlDiagnostics(Self.laughs(levels: 6))
        let d = try #require(big.first)
        #expect(big.count == 1)
        #expect(d.code == "yaml.limit")
        #expect(d.line == 6)
        #expect(d.message.contains("more than 200000 nodes"))
    }

    @Test("a later anchor of the same name shadows the earlier one: its own size counts")
    func shadowedAnchor() throws {
        let text = Self.laughs(levels: 5) + "small: &l4 x\n" + "uses: [" + Array(repeating: "*l4", count: 100).joined(separator: ", ") + "]\n"
        let d = try Self.yamlDiagnostics(text)
        #expect(!d.contains { $0.code == "yaml.limit" }, "\(d)")
        // the same 100 aliases to the large node would be 5.9 million nodes
        let unshadowed = Self.laughs(levels: 5) + "uses: [" + Array(repeating: "*l4", count: 100).joined(separator: ", ") + "]\n"
        #expect(try Self.yamlDiagnostics(unshadowed).contains { $0.code == "yaml.limit" })
    }

    @Test("nesting of 100 is accepted, 101 refused at the 101st opening")
    func depth() throws {
        let ok = try Self.yamlDiagnostics("x: " + String(repeating: "[", count: 99) + String(repeating: "]", count: 99) + "\n")
        #expect(!ok.contains { $0.code == "yaml.limit" }, "\(ok)")
        let deep = try Self.yamlDiagnostics("x: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n")
        let d = try #require(deep.first { $0.code == "yaml.limit" })
        #expect(d.line == 1 && d.column == 103, "\(d)")
        #expect(d.message.contains("nested more than 100 deep"))
    }

    @Test("the engine keeps at most twice the cap, and lists the most severe in report order")
    func boundedSelection() throws {
        let (set, _, _) = try load("[]\n")
        let ruleSet = try #require(set)
        var options = EngineOptions()
        options.maxFindings = 10
        let engine = Engine(ruleSet: ruleSet, options: options, grouped: true)
        let severities: [Severity] = [.info, .warning, .error, .review, .warning, .info, .error, .info]
        var added: [Finding] = []
        for n in 0..<1000 {
            let f = Finding(ruleID: "R-\(n % 7)", severity: severities[(n * 5) % severities.count], message: "m\(n)",
                            recordKey: String(format: "K%04d", n), entity: "participant", location: nil)
            added.append(f)
            engine.add(f, field: nil)
            #expect(engine.findingStore.count < 20)
        }
        let result = engine.finish(path: "x.xml", files: [])
        // finish adds the fatal "no operation record" finding: the most severe of all
        #expect(result.severityCounts.total == 1001)
        #expect(result.severityCounts.fatal == 1)
        #expect(result.severityCounts.error == added.filter { $0.severity == .error }.count)
        #expect(result.findings.count == 10)
        #expect(result.findings.first { $0.severity == .fatal } != nil)
        #expect(result.findings == result.findings.sorted(by: Engine.order))
        // nine errors, the first of them in report order
        let errors = added.filter { $0.severity == .error }.sorted(by: Engine.order).prefix(9).map(\.recordKey)
        #expect(result.findings.filter { $0.severity == .error }.map(\.recordKey) == errors)
    }

    @Test("across inputs: the most severe of all, ties by input then report order")
    func acrossInputs() {
        func f(_ key: String, _ s: Severity) -> Finding {
            Finding(ruleID: "R", severity: s, message: "", recordKey: key, entity: "participant", location: nil)
        }
        let list = [f("a1", .warning), f("a2", .error), f("a3", .info), f("b1", .error), f("b2", .fatal), f("b3", .error)]
        #expect(Engine.mostSevereAcrossInputs(list, 3).map(\.recordKey) == ["a2", "b1", "b2"])
        #expect(Engine.mostSevereAcrossInputs(list, 10).map(\.recordKey) == list.map(\.recordKey))
    }
}

@Suite("Key symbols")
struct KeyTextTests {
    @Test("a symbol table gives one dense symbol per value and keeps its text by symbol")
    func texts() {
        let table = SymbolTable()
        let a = table.intern(.string("P-0007")), b = table.intern(.string("P-0008"))
        #expect(a == 0 && b == 1)
        #expect(table.intern(.string("P-0007")) == a)
        #expect(table.intern(.null) == 2)
        #expect(table.text(of: a) == "P-0007" && table.text(of: b) == "P-0008" && table.text(of: 2) == "")
        #expect(table.text(of: 3) == nil && table.text(of: -1) == nil)
        #expect(table.find(.string("P-0008")) == b && table.find(.string("P-0009")) == nil)
    }

    @Test("keys are equal as values are: canonically equivalent texts are one key, other cases by their own equality")
    func equality() {
        let table = SymbolTable()
        let composed = table.intern(.string("Šuštar \u{00E9}"))
        #expect(table.intern(.string("S\u{030C}us\u{030C}tar e\u{0301}")) == composed)
        // KELVIN SIGN is canonically equivalent to the ASCII letter K
        let k = table.intern(.string("K-1"))
        #expect(table.intern(.string("\u{212A}-1")) == k)
        #expect(table.find(.string("\u{212A}-1")) == k)
        let d = table.intern(.date(CivilDate(dayNumber: 19000)))
        #expect(table.intern(.date(CivilDate(dayNumber: 19000))) == d && table.intern(.date(CivilDate(dayNumber: 19001))) != d)
        let dec = table.intern(Value.int(5).keyForm)
        #expect(table.intern(.decimal(ExactDecimal(5))) == dec)
        #expect(table.intern(.string("5")) != dec)
    }

    @Test("as many symbols as a dictionary gives, through growth, in insertion order")
    func againstDictionary() {
        let table = SymbolTable()
        var reference: [Value: Int32] = [:]
        var state: UInt64 = 0x1234_5678
        var mismatches = 0
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let n = Int(state >> 50)  // about 16k distinct values, many repeats
            let value: Value = n % 7 == 0 ? .date(CivilDate(dayNumber: n)) : .string("X-\(n)")
            let expected = reference[value] ?? Int32(reference.count)
            reference[value] = expected
            if table.intern(value) != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(table.count == reference.count && reference.count > 10_000)
        #expect(reference.allSatisfy { table.find($0.key) == $0.value })
    }
}
