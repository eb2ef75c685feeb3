import ESFCore
@testable import ESFEngine
import ESFReports
@testable import ESFRules
import Foundation
import Testing

/// The waiver file (loading, validation with positions), and the post-pass that applies waivers and a
/// baseline to findings (matching, expiry, unused waivers, counts, coverage).
@Suite("Waivers and baselines")
struct WaiverTests {
    static func load(_ text: String) throws -> (waivers: [Waiver]?, diagnostics: [Diagnostic]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-waivers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("waivers.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let sink = DiagnosticSink()
        let waivers = WaiverLoader.load(path: path, sink: sink)
        return (waivers, sink.diagnostics)
    }

    static let valid = """
    waivers:
      - rule: UD-TR-004
        record: UD-000011/training
        reason: "agreed with the managing authority"
        approved_by: "Ana Kovač"
        reference: "letter 12/2021"
        expires: 2027-06-30
      - rule: ESF-CF-004
        fingerprint: 4B0C7F1F0E5E2A8D9C1B3A4F5E6D7C8B9A0F1E2D3C4B5A69788766554433221A
        reason: "corrected in the next claim"
        approved_by: "Marko Novak"

    """

    @Test("a valid file loads every field, with each waiver's line; fingerprints are kept in lower case")
    func loadsValid() throws {
        let (waivers, diagnostics) = try Self.load(Self.valid)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let w = try #require(waivers)
        #expect(w.count == 2)
        #expect(w[0].ruleID == "UD-TR-004" && w[0].recordKey == "UD-000011/training" && w[0].fingerprint == nil)
        #expect(w[0].reason == "agreed with the managing authority" && w[0].approvedBy == "Ana Kovač" && w[0].reference == "letter 12/2021")
        #expect(w[0].expires == CivilDate(year: 2027, month: 6, day: 30))
        #expect(w[0].line == 2 && w[0].column == 5)
        #expect(w[1].fingerprint == "4b0c7f1f0e5e2a8d9c1b3a4f5e6d7c8b9a0f1e2d3c4b5a69788766554433221a" && w[1].expires == nil && w[1].line == 8)
    }

    @Test("every problem of the file is reported at once, each with its line and column")
    func problems() throws {
        let (waivers, d) = try Self.load("""
        waivers:
          - rule: UD-TR-001
            record: UD-000013/training
            approved_by: "Ana"
          - rule: UD-TR-002
            record: X
            reason: r
            approved_by: "  "
            expires: 2027-13-01
            colour: red
          - rule: ESFCHECK-IN-001
            record: X
            fingerprint: abc
            reason: r
            approved_by: a
          - reason: r
            approved_by: a
          - rule: UD-TR-003
            reason: r
            approved_by: a
          - rule: UD-TR-003
            record: K
            reason: r
            approved_by: a
          - rule: UD-TR-003
            record: K
            reason: again
            approved_by: a

        """)
        #expect(waivers?.count == 1)  // the 6th and nothing else; the 7th repeats it
        let found = Set(d.map { "\($0.line):\($0.column) \($0.code)" })
        #expect(found == [
            "2:5 waiver.reason",
            "5:5 waiver.approver", "10:5 waiver.unknown_key", "9:14 waiver.expires",
            "11:11 waiver.reserved", "13:18 waiver.target", "13:18 waiver.fingerprint",
            "16:5 waiver.rule", "16:5 waiver.target",
            "18:5 waiver.target",
            "25:5 waiver.duplicate",
        ], "\(d.map(\.description))")
    }

    @Test("the file's shape: a mapping with a list under waivers; an empty list is no waiver")
    func shape() throws {
        #expect(try Self.load("- rule: X\n").diagnostics.map(\.code) == ["waivers.invalid"])
        #expect(try Self.load("other: 1\n").diagnostics.map(\.code) == ["waivers.unknown_key", "waivers.invalid"])
        #expect(try Self.load("waivers: 3\n").diagnostics.map(\.code) == ["waivers.invalid"])
        let empty = try Self.load("waivers: []\n")
        #expect(empty.waivers == [] && empty.diagnostics.isEmpty)
        #expect(try Self.load("").diagnostics.map(\.code) == ["yaml.empty"])
    }

    @Test("a rule id that the run's packs do not have is a positioned problem, with the nearest id")
    func unknownRule() throws {
        let w = Waiver(ruleID: "UD-TR-01", recordKey: "X", reason: "r", approvedBy: "a", file: "w.yaml", line: 4, column: 5)
        let sink = DiagnosticSink()
        WaiverLoader.checkRuleIDs([w], known: ["UD-TR-001", "UD-TR-002"], sink: sink)
        #expect(sink.diagnostics.map(\.description) == ["w.yaml:4:5: error: no rule UD-TR-01 in the packs of this run (did you mean UD-TR-001?) [waiver.unknown_rule]"])
    }

    // MARK: the post-pass

    static func finding(_ rule: String, _ key: String, _ severity: Severity = .error, fingerprint: String? = nil) -> Finding {
        Finding(ruleID: rule, severity: severity, message: "\(rule) at \(key)", recordKey: key, entity: "participant", location: nil,
                fingerprint: fingerprint ?? Engine.fingerprint([rule, key, "", ""]))
    }

    static func waiver(_ rule: String, record: String? = nil, fingerprint: String? = nil, expires: String? = nil, line: Int) -> Waiver {
        Waiver(ruleID: rule, recordKey: record, fingerprint: fingerprint, reason: "because", approvedBy: "Ana",
               expires: expires.flatMap { CivilDate(iso: Substring($0)) }, file: "w.yaml", line: line, column: 5)
    }

    static let today = CivilDate(year: 2026, month: 11, day: 30)!

    @Test("a waiver matches by record key or by fingerprint; waived findings stay listed and counted but leave the verdict")
    func matching() {
        let findings = [Self.finding("R-1", "A"), Self.finding("R-1", "B"), Self.finding("R-2", "A"), Self.finding("R-3", "C", .review)]
        let waivers = [Self.waiver("R-1", record: "A", line: 2), Self.waiver("R-2", fingerprint: findings[2].fingerprint, line: 7)]
        let coverage = ["R-1", "R-2", "R-3"].map { RuleCoverage(ruleID: $0, pack: "p") }
        let out = Suppressions.apply(.init(waivers: waivers, today: Self.today), to: findings, coverage: coverage)
        #expect(out.findings.count == 4)
        #expect(out.findings.map { $0.waiver != nil } == [true, false, true, false])
        #expect(out.findings[0].waiver?.file == "w.yaml" && out.findings[0].waiver?.line == 2 && out.findings[0].waiver?.approvedBy == "Ana")
        #expect(out.summary.waived == 2 && out.summary.baselined == 0)
        #expect(out.summary.counted.error == 1 && out.summary.counted.review == 1 && out.summary.counted.total == 2)
        #expect(out.coverage.map(\.waived) == [1, 1, 0])
        #expect(out.coverage.allSatisfy { $0.baselined == nil })
        #expect(out.summary.waiverStates.map(\.status) == [.applied, .applied])
        #expect(out.summary.today == "2026-11-30")
        #expect(Verdict.of(out.summary.counted, failOn: .error) == .reject)
    }

    @Test("the same rule at another record, or another rule at the same record, is not waived")
    func noLooseMatch() {
        let w = Self.waiver("R-1", record: "A", line: 2)
        #expect(w.matches(Self.finding("R-1", "A")))
        #expect(!w.matches(Self.finding("R-1", "A2")))
        #expect(!w.matches(Self.finding("R-2", "A")))
        let byPrint = Self.waiver("R-1", fingerprint: Self.finding("R-1", "A").fingerprint, line: 3)
        #expect(byPrint.matches(Self.finding("R-1", "A")) && !byPrint.matches(Self.finding("R-1", "B")))
    }

    @Test("an expired waiver waives nothing and is a warning at its line; one expiring today still waives")
    func expiry() throws {
        let findings = [Self.finding("R-1", "A"), Self.finding("R-1", "B")]
        let waivers = [Self.waiver("R-1", record: "A", expires: "2026-11-29", line: 2), Self.waiver("R-1", record: "B", expires: "2026-11-30", line: 8)]
        let out = Suppressions.apply(.init(waivers: waivers, today: Self.today), to: findings, coverage: [])
        #expect(out.findings[0].waiver == nil && out.findings[1].waiver != nil)
        let expired = try #require(out.findings.first { $0.ruleID == "ESFCHECK-WV-001" })
        #expect(expired.severity == .warning && expired.location?.file == "w.yaml" && expired.location?.line == 2)
        #expect(expired.message.contains("expired on 2026-11-29") && expired.message.contains("1 finding it names counts again"), "\(expired.message)")
        #expect(out.summary.waiverStates.map(\.status) == [.expired, .applied])
        // the expired waiver's finding counts again, and so does the warning about the waiver
        #expect(out.summary.counted.error == 1 && out.summary.counted.warning == 1)
        #expect(Verdict.of(out.summary.counted, failOn: .error) == .reject)
    }

    @Test("a waiver that matches no finding is a warning; it does not change the verdict at --fail-on error")
    func unused() throws {
        let out = Suppressions.apply(.init(waivers: [Self.waiver("R-1", record: "Z", line: 5)], today: Self.today), to: [Self.finding("R-1", "A", .review)], coverage: [])
        let unused = try #require(out.findings.first { $0.ruleID == "ESFCHECK-WV-002" })
        #expect(unused.severity == .warning && unused.location?.line == 5 && unused.recordKey == "Z")
        #expect(out.summary.waiverStates.map(\.status) == [.unused])
        #expect(Verdict.of(out.summary.counted, failOn: .error) == .review)
        #expect(Verdict.of(out.summary.counted, failOn: .warning) == .reject)
    }

    @Test("a finding named by two waivers is waived by the first; both count as used")
    func twoWaivers() {
        let f = Self.finding("R-1", "A")
        let out = Suppressions.apply(.init(waivers: [Self.waiver("R-1", record: "A", line: 2), Self.waiver("R-1", fingerprint: f.fingerprint, line: 8)], today: Self.today),
                                     to: [f], coverage: [])
        #expect(out.findings.count == 1 && out.findings[0].waiver?.line == 2)
        #expect(out.summary.waiverStates.map(\.status) == [.applied, .applied])
        #expect(out.summary.waiverStates.map(\.findings) == [1, 0])
    }

    @Test("findings of esfcheck itself are never waived nor baselined")
    func reservedNeverSuppressed() {
        let schema = Self.finding(ReservedRule.schema, "A", .fatal)
        let base = Baseline(findings: [BaselineEntry(schema)])
        let out = Suppressions.apply(.init(waivers: nil, today: Self.today, baseline: base), to: [schema], coverage: [])
        #expect(out.findings[0].baselined == false && out.summary.counted.fatal == 1)
        #expect(Suppressions.baseline(of: [schema, Self.finding("R-1", "A")]).findings.map(\.ruleID) == ["R-1"])
    }

    @Test("a baseline accepts the findings it lists, once per listing; the rest are new")
    func baseline() {
        let a = Self.finding("R-1", "A"), b = Self.finding("R-1", "B")
        let base = Suppressions.baseline(of: [a])
        let out = Suppressions.apply(.init(today: Self.today, baseline: base), to: [a, b, a], coverage: [RuleCoverage(ruleID: "R-1", pack: "p")])
        #expect(out.findings.map(\.baselined) == [true, false, false])
        #expect(out.summary.baselined == 1 && out.summary.counted.error == 2)
        #expect(out.coverage[0].baselined == 1 && out.coverage[0].waived == nil)
        #expect(out.summary.today == nil)
    }

    @Test("the baseline file is sorted and has no date: the same findings in another order give the same bytes")
    func baselineBytes() throws {
        let fs = [Self.finding("R-2", "B"), Self.finding("R-1", "Z"), Self.finding("R-1", "A")]
        let one = try #require(BaselineWriter.render(Suppressions.baseline(of: fs)))
        let two = try #require(BaselineWriter.render(Suppressions.baseline(of: fs.reversed())))
        #expect(one == two)
        let decoded = try JSONDecoder().decode(Baseline.self, from: Data(one.utf8))
        #expect(decoded.findings.map(\.recordKey) == ["A", "Z", "B"] && decoded.tool == "esfcheck" && decoded.baselineVersion == 1)
    }

    @Test("--max-findings over kept findings lists those that decide the verdict first, then the most severe, in report order")
    func listing() {
        var waived = Self.finding("R-1", "A", .fatal)
        waived.waiver = AppliedWaiver(reason: "r", approvedBy: "a", file: "w.yaml", line: 2)
        var baselined = Self.finding("R-4", "D", .error)
        baselined.baselined = true
        let all = [Self.finding("R-2", "B", .info), waived, Self.finding("R-3", "C", .error), baselined]
        // a waived fatal and a baselined error never hide the info finding that decides the verdict
        #expect(Suppressions.listed(all, 2).map(\.ruleID) == ["R-2", "R-3"])
        #expect(Suppressions.listed(all, 3).map(\.ruleID) == ["R-2", "R-1", "R-3"])
        #expect(Suppressions.listed(all, 10).map(\.ruleID) == ["R-2", "R-1", "R-3", "R-4"])
    }

    @Test("ESFCHECK_TODAY fixes today; a value that is not a date gives none")
    func today() {
        #expect(Suppressions.today(environment: ["ESFCHECK_TODAY": "2030-01-02"]) == CivilDate(year: 2030, month: 1, day: 2))
        #expect(Suppressions.today(environment: ["ESFCHECK_TODAY": "2030-1-2"]) == nil)
        #expect(Suppressions.today(environment: [:]) != nil)
    }

    @Test("the justification names the reason, the approver, the reference, the expiry and the waiver's place")
    func justification() {
        let w = AppliedWaiver(reason: "agreed", approvedBy: "Ana", reference: "letter 1", expires: "2027-06-30", file: "w.yaml", line: 3)
        #expect(w.justification == "agreed (approved by Ana; reference letter 1; expires 2027-06-30; w.yaml:3)")
    }
}
