import Crypto
import Foundation
import Testing

/// `--waivers`, `--baseline` and `--write-baseline` through the built binary (docs/waivers.md).
@Suite("Waivers and baselines through the binary")
struct WaiverEndToEndTests {
    /// The clean operation with one planted violation: participant UD-000001's EMŠO is not valid
    /// (ESF-PD-002 at UD-000001, the only finding).
    static func oneViolation(in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("export.xml").path
        let text = try String(contentsOfFile: fixture("clean/export.xml"), encoding: .utf8)
        try withBadEMSO(text).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The XML export with participant UD-000001's EMŠO replaced by one that is not valid.
    static func withBadEMSO(_ xml: String) -> String {
        xml.replacing(/participant id="UD-000001" emso="[0-9]+"/, with: "participant id=\"UD-000001\" emso=\"1234567890123\"")
    }

    static let today = ["ESFCHECK_TODAY": "2026-11-30"]

    static func waiverFile(_ dir: URL, _ body: String) throws -> String {
        let path = dir.appendingPathComponent("waivers.yaml").path
        try ("waivers:\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let pd002 = """
      - rule: ESF-PD-002
        record: UD-000001
        reason: "EMŠO corrected in the register, export follows"
        approved_by: "Ana Kovač, managing authority"
        reference: "letter 4300-12/2021-3"
        expires: 2027-06-30

    """

    static func json(_ r: RunResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
    }

    static func findings(_ report: [String: Any]) -> [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }

    @Test("a waived finding stays visible, counted and marked, and the run passes when it was the only failing one")
    func waivedPasses() throws {
        let dir = try temporaryDirectory()
        let input = try Self.oneViolation(in: dir)
        let without = try run(["check", input, "--deterministic"])
        #expect(without.status == 1 && without.stdout.contains("ESF-PD-002"), "\(without.stdout)")

        let waivers = try Self.waiverFile(dir, Self.pd002)
        let r = try run(["check", input, "--deterministic", "--format", "json", "--waivers", waivers], environment: Self.today)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Self.json(r)
        #expect(report["verdict"] as? String == "accept" && report["exitCode"] as? Int == 0)
        // the counts stay true: one error, listed
        #expect((report["counts"] as? [String: Int])?["error"] == 1 && report["findingsTotal"] as? Int == 1)
        let f = try #require(Self.findings(report).first)
        #expect(f["ruleID"] as? String == "ESF-PD-002" && f["recordKey"] as? String == "UD-000001")
        let waiver = try #require(f["waiver"] as? [String: Any])
        #expect(waiver["reason"] as? String == "EMŠO corrected in the register, export follows")
        #expect(waiver["approvedBy"] as? String == "Ana Kovač, managing authority" && waiver["reference"] as? String == "letter 4300-12/2021-3")
        #expect(waiver["expires"] as? String == "2027-06-30" && waiver["line"] as? Int == 2)
        let suppression = try #require(report["suppression"] as? [String: Any])
        #expect(suppression["waived"] as? Int == 1 && suppression["today"] as? String == "2026-11-30")
        #expect((suppression["counted"] as? [String: Int])?["error"] == 0)
        let row = try #require((report["coverage"] as? [[String: Any]])?.first { $0["ruleID"] as? String == "ESF-PD-002" })
        #expect(row["failed"] as? Int == 1 && row["waived"] as? Int == 1)
        // the waiver file's SHA-256 is in the envelope
        let file = try #require((report["configuration"] as? [String: Any])?["waivers"] as? [String: Any])
        #expect(file["sha256"] as? String == SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: waivers))).map { String(format: "%02x", $0) }.joined())

        let text = try run(["check", input, "--deterministic", "--waivers", waivers, "--width", "1000"], environment: Self.today)
        #expect(text.status == 0)
        #expect(text.stdout.contains("    waived: EMŠO corrected in the register, export follows (approved by Ana Kovač, managing authority; reference letter 4300-12/2021-3; expires 2027-06-30; "), "\(text.stdout)")
        #expect(text.stdout.contains(": 1 finding waived (expiry checked against 2026-11-30); the verdict counts 0 findings"), "\(text.stdout)")
        #expect(text.stdout.contains("verdict: accept — 1 finding (0 fatal, 1 error, 0 review, 0 warning, 0 info); 1 waived; exit code 0"))
    }

    @Test("an expired waiver waives nothing: the finding rejects again and the waiver is an ESFCHECK-WV-001 warning at its line")
    func expired() throws {
        let dir = try temporaryDirectory()
        let input = try Self.oneViolation(in: dir)
        let waivers = try Self.waiverFile(dir, Self.pd002)
        let r = try run(["check", input, "--deterministic", "--format", "json", "--waivers", waivers], environment: ["ESFCHECK_TODAY": "2027-07-01"])
        #expect(r.status == 1, "\(r.stderr)")
        let report = try Self.json(r)
        let found = Self.findings(report)
        #expect(found.first { $0["ruleID"] as? String == "ESF-PD-002" }?["waiver"] == nil)
        let warning = try #require(found.first { $0["ruleID"] as? String == "ESFCHECK-WV-001" })
        #expect(warning["severity"] as? String == "warning")
        #expect((warning["message"] as? String)?.contains("expired on 2027-06-30") == true)
        let location = warning["location"] as? [String: Any]
        #expect(location?["line"] as? Int == 2 && (location?["file"] as? String)?.hasSuffix("waivers.yaml") == true)
        let states = (report["suppression"] as? [String: Any])?["waiverStates"] as? [[String: Any]]
        #expect(states?.map { $0["status"] as? String } == ["expired"])
        // the last day still waives
        let lastDay = try run(["check", input, "--deterministic", "--waivers", waivers], environment: ["ESFCHECK_TODAY": "2027-06-30"])
        #expect(lastDay.status == 0, "\(lastDay.stdout)")
        // a fixed date that is not a date is refused
        let bad = try run(["check", input, "--waivers", waivers], environment: ["ESFCHECK_TODAY": "30.11.2026"])
        #expect(bad.status == 2 && bad.stderr.contains("ESFCHECK_TODAY"), "\(bad.stderr)")
    }

    @Test("an unused waiver is an ESFCHECK-WV-002 warning: reported, the verdict unchanged at the default fail-on, reject at --fail-on warning")
    func unusedWaiver() throws {
        let dir = try temporaryDirectory()
        let input = try Self.oneViolation(in: dir)
        let waivers = try Self.waiverFile(dir, Self.pd002 + """
          - rule: UD-TR-001
            record: UD-000013/training
            reason: "training shortened"
            approved_by: "Marko Novak"

        """)
        let r = try run(["check", input, "--deterministic", "--waivers", waivers, "--width", "1000"], environment: Self.today)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("warning ESFCHECK-WV-002"), "\(r.stdout)")
        #expect(r.stdout.contains("[UD-000013/training] ") && r.stdout.contains("/waivers.yaml:8:5 — the waiver of UD-TR-001 [UD-000013/training] matches no finding of this run"), "\(r.stdout)")
        #expect(r.stdout.contains("1 waiver unused"))
        let strict = try run(["check", input, "--deterministic", "--waivers", waivers, "--fail-on", "warning"], environment: Self.today)
        #expect(strict.status == 1)
    }

    @Test("a waiver without a reason or an approver is a config error: exit 2 with file:line:column, also as a JSON error document")
    func withoutReason() throws {
        let dir = try temporaryDirectory()
        let input = try Self.oneViolation(in: dir)
        let waivers = try Self.waiverFile(dir, """
          - rule: ESF-PD-002
            record: UD-000001
            approved_by: "Ana"
          - rule: ESF-PD-002
            record: UD-000002
            reason: "r"

        """)
        let r = try run(["check", input, "--waivers", waivers])
        #expect(r.status == 2 && r.stdout.isEmpty)
        #expect(r.stderr.contains("waivers.yaml:2:5: error: a waiver needs the reason an auditor will read"), "\(r.stderr)")
        #expect(r.stderr.contains("waivers.yaml:5:5: error: a waiver needs the person or body that approved it"), "\(r.stderr)")
        let j = try run(["check", input, "--waivers", waivers, "--format", "json"])
        #expect(j.status == 2)
        let doc = try Self.json(j)
        let diagnostics = try #require(doc["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.contains { $0["line"] as? Int == 2 && $0["column"] as? Int == 5 && $0["code"] as? String == "waiver.reason" }, "\(diagnostics)")
        // a rule id no pack of the run has, and a missing file
        let unknown = try Self.waiverFile(dir, "  - { rule: ESF-PD-02, record: X, reason: r, approved_by: a }\n")
        let u = try run(["check", input, "--waivers", unknown])
        #expect(u.status == 2 && u.stderr.contains("waivers.yaml:2:5: error: no rule ESF-PD-02") && u.stderr.contains("ESF-PD-002"), "\(u.stderr)")
        let missing = try run(["check", input, "--waivers", dir.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 2 && missing.stderr.contains("not found"))
    }

    @Test("SARIF: a waived finding has an accepted external suppression with its justification; with --baseline every result has a baselineState; valid against the SARIF 2.1.0 schema")
    func sarif() throws {
        let schemaData = try Data(contentsOf: packageRoot.appendingPathComponent("docs/sarif-schema-2.1.0.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let dir = try temporaryDirectory()
        let baseline = dir.appendingPathComponent("baseline.json").path
        _ = try run(["check", fixture("ucne-delavnice/export.xml"), "--write-baseline", baseline])
        let input = try Self.oneViolation(in: dir)
        let waivers = try Self.waiverFile(dir, Self.pd002 + """
          - rule: ESF-PD-002
            record: UD-000027
            reason: "not in this export"
            approved_by: "Ana"

        """)
        for extra in [[], ["--baseline", baseline]] {
            let r = try run(["check", input, "--format", "sarif", "--waivers", waivers] + extra, environment: Self.today)
            let log = try Self.json(r)
            let problems = MiniSchema(schema: schema).violations(log, schema)
            #expect(problems.isEmpty, "\(problems.prefix(5))")
            let results = try #require(((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]))
            let waived = try #require(results.first { $0["ruleId"] as? String == "ESF-PD-002" })
            let suppression = try #require((waived["suppressions"] as? [[String: Any]])?.first)
            #expect(suppression["kind"] as? String == "external" && suppression["status"] as? String == "accepted")
            #expect((suppression["justification"] as? String)?.hasPrefix("EMŠO corrected in the register, export follows (approved by Ana Kovač") == true)
            let unused = try #require(results.first { $0["ruleId"] as? String == "ESFCHECK-WV-002" })
            #expect(unused["suppressions"] == nil && unused["level"] as? String == "warning")
            if extra.isEmpty {
                #expect(results.allSatisfy { $0["baselineState"] == nil })
            } else {
                // the sample's baseline does not hold the planted EMŠO finding
                #expect(results.allSatisfy { $0["baselineState"] as? String == "new" })
            }
        }
        // the sample against its own baseline: every result unchanged, and suppressed (code scanning closes it)
        let same = try Self.json(try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "sarif", "--baseline", baseline]))
        #expect(MiniSchema(schema: schema).violations(same, schema).isEmpty)
        let results = try #require(((same["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]))
        #expect(results.count == 11)
        for r in results {
            #expect(r["baselineState"] as? String == "unchanged")
            let suppression = (r["suppressions"] as? [[String: Any]])?.first
            #expect(suppression?["kind"] as? String == "external" && (suppression?["justification"] as? String)?.hasPrefix("in the baseline") == true)
        }
    }

    @Test("JUnit, GitHub and CSV: a waived finding is no failure, a notice, and status waived; the JSON report follows its schema")
    func otherFormats() throws {
        let dir = try temporaryDirectory()
        let input = try Self.oneViolation(in: dir)
        let waivers = try Self.waiverFile(dir, Self.pd002)
        let junit = try run(["check", input, "--format", "junit", "--waivers", waivers], environment: Self.today)
        #expect(junit.status == 0 && !junit.stdout.contains("<failure") && junit.stdout.contains("<system-out>waived: EMŠO corrected"), "\(junit.stdout)")
        #expect(junit.stdout.contains("<testsuites name=\"esfcheck\" tests=\"") && junit.stdout.contains(" failures=\"0\""))
        let github = try run(["check", input, "--format", "github", "--waivers", waivers], environment: Self.today)
        #expect(github.stdout.hasPrefix("::notice ") && github.stdout.contains("::waived error [UD-000001]") && !github.stdout.contains("::error"), "\(github.stdout)")
        let csv = try run(["check", input, "--format", "csv", "--waivers", waivers], environment: Self.today)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first?.hasSuffix(",fingerprint,status,waiver") == true)
        #expect(lines.dropFirst().first?.contains(",waived,\"EMŠO corrected in the register, export follows (approved by") == true, "\(csv.stdout)")
        let html = try run(["check", input, "--format", "html", "--waivers", waivers], environment: Self.today)
        #expect(html.status == 0)
        #expect(html.stdout.contains("<details class=\"finding waived\"") && html.stdout.contains("<dt>waived</dt><dd>EMŠO corrected in the register"), "\(html.stdout.suffix(3000))")
        #expect(html.stdout.contains("1 waived: they stay listed and do not count for the verdict") && html.stdout.contains("<th class=\"num\">waived</th>"))
        #expect(html.stdout.contains("<th scope=\"row\">waivers</th>") && html.stdout.contains("<h3>Waivers</h3>") && html.stdout.contains(">applied<"))

        let schemaData = try Data(contentsOf: packageRoot.appendingPathComponent("docs/report.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let baseline = dir.appendingPathComponent("b.json").path
        _ = try run(["check", input, "--write-baseline", baseline])
        let r = try run(["check", input, "--format", "json", "--waivers", waivers, "--baseline", baseline], environment: Self.today)
        let problems = MiniSchema(schema: schema).violations(try Self.json(r), schema)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(r.stdout.contains("\"baselined\" : true"))
    }

    /// The sample export with its participants in reverse order (each participant's own records kept in
    /// theirs) and an unrelated provider inserted.
    static func reorderedXML(_ xml: String) throws -> String {
        var lines = xml.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "  <participants>")), end = try #require(lines.firstIndex(of: "  </participants>"))
        var blocks: [[String]] = [], current: [String] = []
        for l in lines[(start + 1)..<end] {
            current.append(l)
            if l.hasPrefix("    </participant>") || (l.hasPrefix("    <participant ") && l.hasSuffix("/>")) {
                blocks.append(current)
                current = []
            }
        }
        #expect(current.isEmpty && blocks.count > 10)
        lines.replaceSubrange((start + 1)..<end, with: blocks.reversed().flatMap { $0 })
        let lastProvider = try #require(lines.lastIndex { $0.hasPrefix("    <provider ") })
        lines.insert(#"    <provider id="P099" name="Zavod Novi" tax_number="12345679" registration_number="1234567" status="social_enterprise" registered_on="2010-01-01" region="EAST"/>"#, at: lastProvider + 1)
        return lines.joined(separator: "\n")
    }

    /// A copy of the sample's CSV bundle with the participants, trainings and follow-ups in reverse
    /// order and an unrelated provider inserted; with `badEMSO`, participant UD-000001's EMŠO is not valid.
    static func reorderedCSV(in dir: URL, badEMSO: Bool = false) throws -> String {
        let bundle = dir.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: fixture("ucne-delavnice/csv"), toPath: bundle.path)
        for name in ["participants.csv", "trainings.csv", "follow_ups.csv"] {
            let path = bundle.appendingPathComponent(name).path
            var rows = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n").filter { !$0.isEmpty }
            let header = rows.removeFirst()
            if badEMSO && name == "participants.csv" {
                rows = rows.map { $0.hasPrefix("UD-000001,") ? $0.replacing(/^UD-000001,[0-9]+,/, with: "UD-000001,1234567890123,") : $0 }
            }
            try ([header] + rows.reversed()).map { $0 + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
        }
        let providers = bundle.appendingPathComponent("providers.csv").path
        var rows = try String(contentsOfFile: providers, encoding: .utf8).components(separatedBy: "\n").filter { !$0.isEmpty }
        rows.insert("P099,Zavod Novi,12345679,1234567,social_enterprise,2010-01-01,EAST", at: 2)
        try rows.map { $0 + "\n" }.joined().write(toFile: providers, atomically: true, encoding: .utf8)
        return bundle.path
    }

    /// (rule, record key, fingerprint, baselined) of each finding of a JSON report.
    static func states(_ r: RunResult) throws -> [String] {
        try Self.findings(Self.json(r)).map { "\($0["ruleID"] as? String ?? "") \($0["recordKey"] as? String ?? "") \($0["fingerprint"] as? String ?? "") \($0["baselined"].map { "\($0)" } ?? "-")" }.sorted()
    }

    @Test("a baseline written from a run accepts the same data, the data reordered with an unrelated record inserted, and the other form (XML and CSV); a new violation rejects, naming only it")
    func baselineSurvivesReordering() throws {
        let dir = try temporaryDirectory()
        let baseline = dir.appendingPathComponent("baseline.json").path
        let sample = fixture("ucne-delavnice/export.xml")
        // the run that writes the baseline writes its report as usual and keeps its verdict
        let first = try run(["check", sample, "--format", "json", "--write-baseline", baseline, "--deterministic"])
        #expect(first.status == 1 && first.stdout.contains("\"verdict\" : \"reject\""), "\(first.stderr)")
        let written = try String(contentsOfFile: baseline, encoding: .utf8)
        let fingerprints = Set(Self.findings(try Self.json(first)).compactMap { $0["fingerprint"] as? String })
        #expect(fingerprints.count == 11 && fingerprints.allSatisfy { written.contains($0) })
        // the CSV form writes the same bytes
        let csvBaseline = dir.appendingPathComponent("csv-baseline.json").path
        _ = try run(["check", fixture("ucne-delavnice/csv"), "--write-baseline", csvBaseline])
        #expect(try String(contentsOfFile: csvBaseline, encoding: .utf8) == written)

        let moved = dir.appendingPathComponent("moved.xml").path
        let sampleText = try String(contentsOfFile: sample, encoding: .utf8)
        try Self.reorderedXML(sampleText).write(toFile: moved, atomically: true, encoding: .utf8)
        let movedCSV = try Self.reorderedCSV(in: dir)
        for input in [sample, fixture("ucne-delavnice/csv"), moved, movedCSV] {
            let r = try run(["check", input, "--format", "json", "--baseline", baseline, "--deterministic"])
            #expect(r.status == 0, "\(input): \(r.stdout.prefix(2000))")
            let report = try Self.json(r)
            #expect(report["verdict"] as? String == "accept", "\(input)")
            let found = Self.findings(report)
            let states = try Self.states(r)
            #expect(Set(found.compactMap { $0["fingerprint"] as? String }) == fingerprints, "\(input): \(states)")
            #expect(found.allSatisfy { $0["baselined"] as? Bool == true }, "\(input)")
            #expect((report["suppression"] as? [String: Any])?["baselined"] as? Int == 11)
            #expect((report["counts"] as? [String: Int])?["error"] == 10, "\(input): the counts stay those of every finding")
        }

        // a new violation in the reordered data rejects; only it is new
        let newXML = dir.appendingPathComponent("new.xml").path
        try Self.withBadEMSO(Self.reorderedXML(sampleText)).write(toFile: newXML, atomically: true, encoding: .utf8)
        for input in [newXML, try Self.reorderedCSV(in: dir, badEMSO: true)] {
            let r = try run(["check", input, "--format", "json", "--baseline", baseline, "--deterministic"])
            #expect(r.status == 1, "\(input)")
            let new = Self.findings(try Self.json(r)).filter { $0["baselined"] as? Bool == false }
            #expect(new.map { "\($0["ruleID"] as? String ?? "") \($0["recordKey"] as? String ?? "")" } == ["ESF-PD-002 UD-000001"], "\(input)")
            let github = try run(["check", input, "--format", "github", "--baseline", baseline])
            let errors = github.stdout.split(separator: "\n").filter { $0.hasPrefix("::error") }
            #expect(errors.count == 1 && errors.first?.contains("[UD-000001]") == true, "\(github.stdout)")
            let text = try run(["check", input, "--baseline", baseline, "--width", "1000"])
            #expect(text.stdout.contains("11 findings in the baseline; the verdict counts 1 finding (0 fatal, 1 error"), "\(text.stdout)")
        }
    }

    @Test("esfcheck.yaml may name the waiver file (relative to its folder); --waivers replaces it; a missing one is exit 2 at its line")
    func fromConfig() throws {
        let dir = try temporaryDirectory()
        let input = try Self.oneViolation(in: dir)
        _ = try Self.waiverFile(dir, Self.pd002)
        try "waivers: waivers.yaml\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", input, "--format", "json"], environment: Self.today, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let file = ((try Self.json(r))["configuration"] as? [String: Any])?["waivers"] as? [String: Any]
        #expect(file?["path"] as? String == "waivers.yaml")
        let other = try Self.waiverFile(try temporaryDirectory(), "  - { rule: ESF-PD-002, record: UD-000099, reason: r, approved_by: a }\n")
        let replaced = try run(["check", input, "--waivers", other], environment: Self.today, in: dir)
        #expect(replaced.status == 1 && replaced.stdout.contains("ESFCHECK-WV-002"), "\(replaced.stdout)")
        try "format: text\nwaivers: none.yaml\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let missing = try run(["check", input], in: dir)
        #expect(missing.status == 2 && missing.stderr.contains("esfcheck.yaml:2:10: error: waiver file none.yaml not found"), "\(missing.stderr)")
    }

    @Test("the waiver file of docs/waivers.md waives the two findings of the sample it names")
    func documentedExample() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/waivers.md"), encoding: .utf8)
        let start = try #require(doc.range(of: "```yaml\n")), end = try #require(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("waivers.yaml").path
        try String(doc[start.upperBound..<end.lowerBound]).write(toFile: path, atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--waivers", path], environment: Self.today)
        let suppression = try #require((try Self.json(r))["suppression"] as? [String: Any], "\(r.stderr)")
        #expect(suppression["waived"] as? Int == 2)
        #expect((suppression["waiverStates"] as? [[String: Any]])?.map { $0["status"] as? String } == ["applied", "applied"])
    }

    @Test("--max-findings caps the listing only: findings left out of it are still waived, and the verdict is that of every finding not waived")
    func cappedListing() throws {
        let dir = try temporaryDirectory()
        // a waiver for every error finding of the sample, from the oracle's expected findings
        let errors = try expectedFindings("ucne-delavnice").filter { $0.severity == "error" }
        #expect(errors.count == 10)
        let waivers = try Self.waiverFile(dir, errors.map { "  - { rule: \($0.rule), record: \($0.key), reason: \"known\", approved_by: \"Ana\" }\n" }.joined())
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--max-findings", "2", "--waivers", waivers], environment: Self.today)
        #expect(r.status == 0, "\(r.stderr)")
        let report = try Self.json(r)
        #expect(report["verdict"] as? String == "review" && report["findingsTotal"] as? Int == 11 && report["findingsShown"] as? Int == 2)
        let suppression = report["suppression"] as? [String: Any]
        #expect(suppression?["waived"] as? Int == 10)
        #expect((suppression?["waiverStates"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "applied" } == true)
        // the listing puts the finding that decides the verdict (the review one) before waived errors
        let listed = Self.findings(report)
        #expect(listed.contains { $0["severity"] as? String == "review" && $0["waiver"] == nil }, "\(listed)")
        let text = try run(["check", fixture("ucne-delavnice/export.xml"), "--max-findings", "2", "--waivers", waivers, "--width", "1000"],
                           environment: Self.today)
        #expect(text.stdout.contains("showing 2 of 11 findings (--max-findings): those that decide the verdict first, then the most severe; the counts and the coverage are those of all findings, the verdict that of all findings not waived"), "\(text.stdout)")
        #expect(text.stdout.contains("; 10 waived; exit code 0") && !text.stdout.contains("in the baseline"), "\(text.stdout)")
        let capped = try run(["check", fixture("ucne-delavnice/export.xml"), "--max-findings", "2"])
        #expect(capped.status == 1)
    }

    @Test("--write-baseline never writes over a file the run reads, nor over the report's --output; a baseline that is not one is refused")
    func writeBaselineRefuses() throws {
        let dir = try temporaryDirectory()
        let input = try Self.oneViolation(in: dir)
        let waivers = try Self.waiverFile(dir, Self.pd002)
        let before = try String(contentsOfFile: waivers, encoding: .utf8)
        for target in [input, waivers] {
            let r = try run(["check", input, "--waivers", waivers, "--write-baseline", target], environment: Self.today)
            #expect(r.status == 2 && r.stderr.contains("never writes over its inputs"), "\(r.stderr)")
        }
        #expect(try String(contentsOfFile: waivers, encoding: .utf8) == before)
        let same = dir.appendingPathComponent("out.json").path
        let r = try run(["check", input, "--output", same, "--write-baseline", same])
        #expect(r.status == 2 && r.stderr.contains("name the same file"), "\(r.stderr)")
        let notBaseline = try run(["check", input, "--baseline", waivers])
        #expect(notBaseline.status == 2 && notBaseline.stderr.contains("is not an esfcheck baseline"), "\(notBaseline.stderr)")
        let reused = dir.appendingPathComponent("b.json").path
        _ = try run(["check", input, "--write-baseline", reused])
        let overwrite = try run(["check", input, "--baseline", reused, "--write-baseline", reused])
        #expect(overwrite.status == 2, "the baseline read is an input")
    }
}
