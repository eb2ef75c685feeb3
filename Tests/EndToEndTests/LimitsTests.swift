import Foundation
import Testing

/// Limits that hold (docs/limits.md): a regex cannot hang a run, a YAML alias bomb is refused,
/// `--max-findings` caps only the listing.
@Suite("limits that hold")
struct LimitsTests {
    /// A user pack in a temporary folder with `rules` as its rule file.
    static func userPack(_ rules: String) throws -> URL {
        let dir = try temporaryDirectory()
        try "id: mine\ntitle: Mine\nversion: 1\nmodel: esf-operation-v1\n".write(to: dir.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        try rules.write(to: dir.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    /// The sample export with the operation's title replaced by `title` (XML-escaped by the caller).
    static func export(title: String, in dir: URL) throws -> String {
        let xml = try String(contentsOfFile: fixture("ucne-delavnice/export.xml"), encoding: .utf8)
            .replacingOccurrences(of: "title=\"Učne delavnice 2019–2023\"", with: "title=\"\(title)\"")
        let file = dir.appendingPathComponent("export.xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func rule(_ id: String, _ assert: String) -> String {
        "- id: \(id)\n  title: t\n  severity: error\n  scope: operation\n  assert: '\(assert)'\n  message: m\n"
    }

    // MARK: regular expressions

    @Test("matches(title, \"^(a+)+$\") on 30 a's and '!' answers at once (a backtracking engine takes minutes)")
    func catastrophicPattern() throws {
        let dir = try Self.userPack(Self.rule("MY-RE-1", "matches(title, \"^(a+)+$\")") + Self.rule("MY-RE-2", "matches(title, \"^a+!$\")"))
        let input = try Self.export(title: String(repeating: "a", count: 30) + "!", in: dir)
        let started = ContinuousClock.now
        let r = try run(["check", input, "--rules", dir.path, "--format", "json", "--deterministic"])
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(5), "took \(elapsed)")
        #expect(r.status == 1, "\(r.stderr)")
        let ids = try findings(r.stdout).compactMap { $0["ruleID"] as? String }
        #expect(ids.filter { $0 == "MY-RE-1" }.count == 1)  // no match: the assertion fails
        #expect(!ids.contains("MY-RE-2"))  // a match: it passes
        #expect(!ids.contains("ESFCHECK-RT-001"))
    }

    @Test("a pattern read from data that does not compile is a fatal ESFCHECK-RT-001 finding, never a pass")
    func invalidDataPattern() throws {
        let dir = try Self.userPack(Self.rule("MY-RE-3", "not matches(\"abc\", title)"))
        let input = try Self.export(title: "(?=a)b", in: dir)
        let r = try run(["check", input, "--rules", dir.path, "--format", "json", "--deterministic"])
        #expect(r.status == 1)
        let fs = try findings(r.stdout)
        let rt = try #require(fs.first { $0["ruleID"] as? String == "ESFCHECK-RT-001" })
        #expect(rt["severity"] as? String == "fatal")
        #expect((rt["message"] as? String)?.contains("lookahead") == true, "\(rt)")
        #expect(!fs.contains { $0["ruleID"] as? String == "MY-RE-3" })
    }

    @Test("a match on a huge field is stopped by the cost budget with a fatal ESFCHECK-LIM-001 finding")
    func matchBudget() throws {
        let dir = try Self.userPack(Self.rule("MY-RE-4", "not matches(title, \"b\")"))
        let input = try Self.export(title: String(repeating: "a", count: 300_000), in: dir)
        let started = ContinuousClock.now
        let r = try run(["check", input, "--rules", dir.path, "--format", "json", "--deterministic"])
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(r.status == 1)
        let fs = try findings(r.stdout)
        let lim = try #require(fs.first { $0["ruleID"] as? String == "ESFCHECK-LIM-001" })
        #expect(lim["severity"] as? String == "fatal")
        #expect((lim["message"] as? String)?.contains("rule MY-RE-4 could not be evaluated for UD-2019: the evaluation exceeded its cost budget of 100000 steps") == true, "\(lim)")
        #expect(!fs.contains { $0["ruleID"] as? String == "MY-RE-4" })
    }

    @Test("unsupported syntax in a literal pattern is a load error with file:line:column")
    func unsupportedLiteral() throws {
        let dir = try Self.userPack(Self.rule("MY-RE-5", "matches(title, \"(a)\\\\1\")"))
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--rules", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("rules.yaml:5:27: error: MY-RE-5:"), "\(r.stderr)")
        #expect(r.stderr.contains("backreferences are not supported"), "\(r.stderr)")
    }

    // MARK: YAML

    /// The classic billion laughs: nine levels of nine aliases, 10⁹ strings when expanded.
    static let billionLaughs = """
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]

        """

    @Test("a YAML alias bomb as a rule file exits 2 at once with the alias's position")
    func aliasBomb() throws {
        let dir = try Self.userPack(Self.billionLaughs)
        let started = ContinuousClock.now
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--rules", dir.path])
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(r.status == 2)
        // the third alias of line 6 takes the expansion past 200,000 nodes
        #expect(r.stderr.contains("rules.yaml:6:12: error: YAML: the document expands to more than 200000 nodes"), "\(r.stderr)")
        #expect(r.stderr.contains("[yaml.limit]"))
    }

    @Test("the alias limit holds for pack.yaml and for esfcheck.yaml too")
    func aliasBombElsewhere() throws {
        let dir = try temporaryDirectory()
        try ("id: mine\ntitle: Mine\nversion: 1\nmodel: esf-operation-v1\nx:\n" + Self.billionLaughs.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n")
            .write(to: dir.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--rules", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("pack.yaml:11:14: error: YAML: the document expands"), "\(r.stderr)")

        let config = dir.appendingPathComponent("esfcheck.yaml")
        try Self.billionLaughs.write(to: config, atomically: true, encoding: .utf8)
        let c = try run(["check", fixture("ucne-delavnice/export.xml"), "--config", config.path])
        #expect(c.status == 2)
        #expect(c.stderr.contains("esfcheck.yaml:6:12: error: YAML: the document expands"), "\(c.stderr)")
    }

    @Test("deeply nested YAML is refused before it can exhaust the stack", arguments: [500, 50_000])
    func deepNesting(depth: Int) throws {
        let dir = try Self.userPack(String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n")
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--rules", dir.path])
        #expect(r.status == 2)
        if depth == 500 {
            #expect(r.stderr.contains("rules.yaml:1:101: error: YAML: sequences and mappings are nested more than 100 deep"), "\(r.stderr)")
        } else {
            // libyaml's own nesting limit (1,000) stops the text first
            #expect(r.stderr.contains("rules.yaml:1:1: error: YAML: Maximum nesting level reached"), "\(r.stderr)")
        }
    }

    // MARK: --max-findings

    @Test("--max-findings 3 lists the 3 most severe findings; counts, coverage, verdict and exit code are those of all 11")
    func maxFindings() throws {
        let all = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--deterministic"])
        let capped = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--deterministic", "--max-findings", "3"])
        #expect(capped.status == all.status)
        let a = try Self.json(all.stdout), c = try Self.json(capped.stdout)
        #expect(c["verdict"] as? String == a["verdict"] as? String)
        #expect(c["exitCode"] as? Int == a["exitCode"] as? Int)
        #expect(NSDictionary(dictionary: try #require(c["counts"] as? [String: Any])).isEqual(to: try #require(a["counts"] as? [String: Any])))
        #expect(NSArray(array: try #require(c["coverage"] as? [Any])).isEqual(to: try #require(a["coverage"] as? [Any])))
        let allFindings = try findings(all.stdout), shown = try findings(capped.stdout)
        #expect(allFindings.count == 11)
        #expect(a["findingsTotal"] as? Int == 11 && a["findingsShown"] as? Int == 11)
        #expect(c["findingsTotal"] as? Int == 11 && c["findingsShown"] as? Int == 3)
        #expect(shown.count == 3)
        #expect(!shown.contains { $0["ruleID"] as? String == "ESFCHECK-LIM-001" })
        // the most severe, ties in report order, listed in report order
        let rank = ["fatal": 0, "error": 1, "review": 2, "warning": 3, "info": 4]
        let expected = allFindings.enumerated()
            .sorted { x, y in
                let rx = rank[x.element["severity"] as? String ?? ""] ?? 9, ry = rank[y.element["severity"] as? String ?? ""] ?? 9
                return rx != ry ? rx < ry : x.offset < y.offset
            }
            .prefix(3).map(\.offset).sorted()
        #expect(shown.map { $0["fingerprint"] as? String } == expected.map { allFindings[$0]["fingerprint"] as? String })
        let worstShown = shown.compactMap { rank[$0["severity"] as? String ?? ""] }.max() ?? 9
        let bestHidden = allFindings.filter { f in !shown.contains { $0["fingerprint"] as? String == f["fingerprint"] as? String } }
            .compactMap { rank[$0["severity"] as? String ?? ""] }.min() ?? 9
        #expect(worstShown <= bestHidden)

        let text = try run(["check", fixture("ucne-delavnice/export.xml"), "--max-findings", "3"])
        #expect(text.status == all.status)
        #expect(text.stdout.contains("showing 3 of 11 findings"), "\(text.stdout)")
        #expect(text.stdout.contains("— 11 findings"), "\(text.stdout)")
        let plain = try run(["check", fixture("ucne-delavnice/export.xml")])
        #expect(!plain.stdout.contains("showing"))
    }

    @Test("--max-findings over several inputs keeps the most severe of all and the counts of all")
    func maxFindingsInputs() throws {
        let one = try Self.json(try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--deterministic"]).stdout)
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), fixture("ucne-delavnice/export.xml"),
                         "--format", "json", "--deterministic", "--max-findings", "5"])
        let c = try Self.json(r.stdout)
        #expect(c["findingsTotal"] as? Int == 22)
        #expect(c["findingsShown"] as? Int == 5)
        let counts = try #require(c["counts"] as? [String: Int]), oneCounts = try #require(one["counts"] as? [String: Int])
        #expect(counts == oneCounts.mapValues { $0 * 2 })
    }
}
