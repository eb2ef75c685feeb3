import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The CI formats and the HTML report (`--format sarif|junit|github|csv|html`, docs/formats.md) on the bundled sample, in both
/// its forms: golden files, structure against the JSON report, escaping, masking and determinism.
@Suite("Report formats for CI")
struct ReportFormatTests {
    static let formats = ["sarif", "junit", "github", "csv", "html"]
    static let forms = ["xml": "Fixtures/ucne-delavnice/export.xml", "csv": "Fixtures/ucne-delavnice/csv"]
    static let golden = packageRoot.appendingPathComponent("Tests/EndToEndTests/Golden/formats")

    /// The sample checked from the package root (so paths are relative, as in a repository), deterministic.
    func check(_ form: String, _ format: String, _ extra: [String] = []) throws -> RunResult {
        let input = try #require(Self.forms[form])
        let r = try run(["check", input, "--format", format, "--deterministic", "--no-config"] + extra, in: packageRoot)
        #expect(r.status == 1, "\(form) \(format): \(r.stderr)")
        return r
    }

    /// The JSON report of the same run, for counts.
    func jsonReport(_ form: String) throws -> [String: Any] {
        let r = try check(form, "json")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func findings(_ report: [String: Any]) -> [[String: Any]] { report["findings"] as? [[String: Any]] ?? [] }

    /// Golden files: Tests/EndToEndTests/Golden/formats/<form>.<format>; ESFCHECK_RECORD=1 rewrites them
    /// (the test then fails once on purpose). Two runs are byte-identical (--deterministic).
    @Test("every format of both forms of the sample matches its golden file, byte-identical across runs")
    func goldenFiles() throws {
        let record = ProcessInfo.processInfo.environment["ESFCHECK_RECORD"] == "1"
        var compared = 0
        for form in Self.forms.keys.sorted() {
            for format in Self.formats {
                let first = try check(form, format), second = try check(form, format)
                #expect(first.stdout == second.stdout, "\(form).\(format) differs between two runs")
                let file = Self.golden.appendingPathComponent("\(form).\(format)")
                if record {
                    try first.stdout.write(to: file, atomically: true, encoding: .utf8)
                    Issue.record("\(file.lastPathComponent) re-recorded; run the tests again without ESFCHECK_RECORD")
                    continue
                }
                let expected = try String(contentsOf: file, encoding: .utf8)
                #expect(first.stdout == expected, "\(form).\(format) differs from its golden file (ESFCHECK_RECORD=1 re-records it)")
                compared += 1
            }
        }
        #expect(record || compared == 10, "compared \(compared) golden files")
    }

    @Test("SARIF is valid against the SARIF 2.1.0 schema and lists every rule, finding, fingerprint and related location", arguments: ["xml", "csv"])
    func sarif(form: String) throws {
        let schemaData = try Data(contentsOf: packageRoot.appendingPathComponent("docs/sarif-schema-2.1.0.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let r = try check(form, "sarif")
        let log = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let problems = MiniSchema(schema: schema).violations(log, schema)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(log["version"] as? String == "2.1.0")

        let report = try jsonReport(form)
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "esfcheck")
        #expect(driver["informationUri"] is String && driver["version"] is String)
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let coverage = report["coverage"] as? [[String: Any]] ?? []
        #expect(Set(rules.compactMap { $0["id"] as? String }) == Set(coverage.compactMap { $0["ruleID"] as? String }))
        for rule in rules {
            let help = rule["help"] as? [String: Any]
            #expect(help?["text"] is String && help?["markdown"] is String, "\(rule["id"] ?? "")")
            #expect(rule["shortDescription"] != nil && rule["fullDescription"] != nil && rule["name"] != nil)
        }
        // the legal basis of ESF-CF-001 is in its help
        let cf001 = try #require(rules.first { $0["id"] as? String == "ESF-CF-001" })
        #expect(((cf001["help"] as? [String: Any])?["markdown"] as? String)?.contains("Regulation (EU) No 1303/2013") == true)

        let results = try #require(run["results"] as? [[String: Any]])
        let expected = findings(report)
        #expect(results.count == expected.count && !results.isEmpty)
        for (result, finding) in zip(results, expected) {
            #expect(result["ruleId"] as? String == finding["ruleID"] as? String)
            let fingerprint = (result["partialFingerprints"] as? [String: Any])?.values.first as? String
            #expect(fingerprint == finding["fingerprint"] as? String)
            let location = (result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]
            let uri = (location?["artifactLocation"] as? [String: Any])?["uri"] as? String
            #expect(uri?.hasPrefix("Fixtures/ucne-delavnice/") == true, "\(uri ?? "no uri")")
            let line = ((location?["region"] as? [String: Any])?["startLine"] as? Int) ?? 0
            #expect(line >= 1)
            let level = result["level"] as? String
            switch finding["severity"] as? String {
            case "fatal", "error": #expect(level == "error")
            case "review", "warning": #expect(level == "warning")
            default: #expect(level == "note")
            }
            #expect((result["relatedLocations"] as? [Any])?.count == (finding["relatedLocations"] as? [Any])?.count)
            #expect(result["suppressions"] == nil)
        }
        #expect(results.contains { $0["relatedLocations"] != nil }, "the sample has duplicates")
    }

    @Test("the schema validator catches a SARIF log the schema forbids")
    func sarifValidatorCatches() throws {
        let schemaData = try Data(contentsOf: packageRoot.appendingPathComponent("docs/sarif-schema-2.1.0.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let r = try check("xml", "sarif")
        var log = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var runs = try #require(log["runs"] as? [[String: Any]])
        var results = try #require(runs[0]["results"] as? [[String: Any]])
        var locations = try #require(results[0]["locations"] as? [[String: Any]])
        locations[0]["physicalLocation"] = ["region": ["startLine": 0], "artifactLocation": ["uri": "x"]]
        results[0]["locations"] = locations
        results[0]["level"] = "fatal"
        runs[0]["results"] = results
        log["runs"] = runs
        log["version"] = "2.0"
        let problems = MiniSchema(schema: schema).violations(log, schema)
        #expect(problems.contains { $0.contains("startLine") }, "\(problems)")
        #expect(problems.contains { $0.contains("fatal") }, "\(problems)")
        #expect(problems.contains { $0.contains("2.0") }, "\(problems)")
    }

    /// Elements and failure texts of a JUnit document, parsed with Foundation's XMLParser.
    final class JUnitCounter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        var suites: [String] = []
        var failureAttributes: [(String, String)] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
            if name == "testsuite" { suites.append(attributes["name"] ?? "") }
            if name == "failure" { failureAttributes.append((attributes["type"] ?? "", attributes["message"] ?? "")) }
        }
    }

    @Test("JUnit is well-formed: one testsuite per pack, one testcase per rule, one failure per finding", arguments: ["xml", "csv"])
    func junit(form: String) throws {
        let r = try check(form, "junit")
        let counter = JUnitCounter()
        let parser = XMLParser(data: Data(r.stdout.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        let report = try jsonReport(form)
        let packs = (report["packs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(counter.suites == packs)
        #expect(counter.counts["testsuites"] == 1)
        #expect(counter.counts["testcase"] == (report["coverage"] as? [Any])?.count)
        let expected = findings(report)
        #expect(counter.counts["failure"] == expected.count && !expected.isEmpty)
        #expect(Set(counter.failureAttributes.map(\.1)) == Set(expected.compactMap { $0["message"] as? String }))
        let failing = Set(expected.compactMap { $0["ruleID"] as? String }).count
        #expect(r.stdout.contains("<testsuites name=\"esfcheck\" tests=\"\(counter.counts["testcase"] ?? -1)\" failures=\"\(failing)\""))
    }

    @Test("GitHub: one workflow command per finding, graded by severity, with file, line and title", arguments: ["xml", "csv"])
    func github(form: String) throws {
        let r = try check(form, "github")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let expected = findings(try jsonReport(form))
        #expect(lines.count == expected.count && !expected.isEmpty)
        for (line, finding) in zip(lines, expected) {
            let command: String
            switch finding["severity"] as? String {
            case "fatal", "error": command = "::error "
            case "review", "warning": command = "::warning "
            default: command = "::notice "
            }
            #expect(line.hasPrefix(command), "\(line)")
            #expect(line.contains("title=\(finding["ruleID"] as? String ?? "?")::"), "\(line)")
            let location = finding["location"] as? [String: Any]
            if let file = location?["file"] as? String, let n = location?["line"] as? Int {
                #expect(line.contains("file=\(file),line=\(n)"), "\(line)")
            }
        }
        // "80.00 %" of ESF-CF-001's message: a bare % would start an escape
        #expect(r.stdout.contains("80.00 %25"))
        #expect(!r.stdout.contains("80.00 %,"))
    }

    @Test("GitHub: ',' and ':' in a file name are escaped in the properties")
    func githubEscapesProperties() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture("ucne-delavnice/export.xml")), to: dir.appendingPathComponent("a,b:c%.xml"))
        let r = try run(["check", "a,b:c%.xml", "--format", "github", "--no-config"], in: dir)
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines { #expect(line.contains(" file=a%2Cb%3Ac%25.xml,"), "\(line)") }
        #expect(lines.contains { $0.contains("file=a%2Cb%3Ac%25.xml,line=") })
    }

    /// RFC 4180 rows of a CSV text.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { cell.append("\""); chars.removeFirst() } else { quoted = false }
                } else { cell.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(cell); cell = ""
            } else if c == "\n" { row.append(cell); rows.append(row); row = []; cell = ""
            } else { cell.append(c) }
        }
        return rows
    }

    @Test("CSV: a header and one row per finding, fourteen columns (status open, no waiver without --waivers or --baseline)", arguments: ["xml", "csv"])
    func csv(form: String) throws {
        let r = try check(form, "csv")
        let rows = Self.parseCSV(r.stdout)
        let expected = findings(try jsonReport(form))
        #expect(rows.count == expected.count + 1 && !expected.isEmpty)
        #expect(rows.first == ["rule", "severity", "record_key", "participant", "file", "line", "column", "field", "value",
                               "message", "legal_basis", "fingerprint", "status", "waiver"])
        for (row, finding) in zip(rows.dropFirst(), expected) {
            #expect(row.count == 14)
            #expect(row.first == finding["ruleID"] as? String && row[11] == finding["fingerprint"] as? String)
            #expect(row[9] == finding["message"] as? String)
            #expect(row[12] == "open" && row[13] == "")
        }
    }

    @Test("CSV: a value that starts with '=' is written with a leading quote, never as a formula")
    func csvFormulaInjection() throws {
        let dir = try copyBundle("ucne-delavnice/csv")
        try editFile(dir, "expenditures.csv") { $0.replacingOccurrences(of: "X-000002,other,,2019-03-15,", with: "X-000002,other,,=1+2,") }
        let r = try run(["check", dir.path, "--format", "csv", "--no-config"])
        #expect(r.status == 1, "\(r.stderr)")
        let rows = Self.parseCSV(r.stdout)
        let row = try #require(rows.first { $0.contains("'=1+2") }, "\(r.stdout)")
        #expect(row[8] == "'=1+2")
        for row in rows { for cell in row { #expect(!["=", "+", "-", "@", "\t", "\r"].contains(where: { cell.hasPrefix($0) }), "\(cell)") } }
    }

    @Test("no EMŠO of the sample appears in any format; --show-personal-data shows them", arguments: ["xml", "csv"])
    func noEMSO(form: String) throws {
        let secrets = try emsos(inXML: fixture("ucne-delavnice/export.xml"))
        #expect(!secrets.isEmpty)
        for format in Self.formats {
            let r = try check(form, format)
            for s in secrets { #expect(!r.stdout.contains(s) && !r.stderr.contains(s), "\(form) \(format): \(s)") }
            let shown = try check(form, format, ["--show-personal-data"])
            #expect(secrets.contains { shown.stdout.contains($0) }, "\(form) \(format): --show-personal-data shows no EMŠO")
        }
    }

    @Test("exits 2 and 3 with a CI format write nothing to stdout; the error is on stderr", arguments: formats)
    func errorsOnStderr(format: String) throws {
        let missing = try run(["check", "no-such-export.xml", "--format", format, "--no-config"])
        #expect(missing.status == 2 || missing.status == 3)
        #expect(missing.stdout.isEmpty && missing.stderr.contains("no-such-export.xml"), "\(missing.stdout)")
        let dir = try temporaryDirectory()
        try "<operation".write(to: dir.appendingPathComponent("broken.xml"), atomically: true, encoding: .utf8)
        let broken = try run(["check", "broken.xml", "--format", format, "--no-config"], in: dir)
        #expect(broken.status == 3)
        #expect(broken.stdout.isEmpty && !broken.stderr.isEmpty)
    }

    @Test("format: in esfcheck.yaml takes the CI formats")
    func configFormat() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture("ucne-delavnice/export.xml")), to: dir.appendingPathComponent("export.xml"))
        try "format: github\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", "export.xml"], in: dir)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("::error file=export.xml,line="), "\(r.stdout.prefix(300))")
        try "format: html\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let html = try run(["check", "export.xml"], in: dir)
        #expect(html.status == 1 && html.stdout.hasPrefix("<!DOCTYPE html>"), "\(html.stderr)")
        try "format: pdf\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let refused = try run(["check", "export.xml"], in: dir)
        #expect(refused.status == 2 && refused.stderr.contains("sarif, junit, github, csv, html"), "\(refused.stderr)")
    }
}
