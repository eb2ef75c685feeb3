import Foundation
import Testing

/// The findings of a JSON report, by rule id (the first of each).
private func findingsByRule(_ stdout: String) throws -> [String: [String: Any]] {
    let report = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], "stdout: \(stdout.prefix(300))")
    let findings = try #require(report["findings"] as? [[String: Any]])
    var out: [String: [String: Any]] = [:]
    for f in findings {
        if let id = f["ruleID"] as? String, out[id] == nil { out[id] = f }
    }
    return out
}

private func location(_ finding: [String: Any]?) throws -> [String: Any] {
    try #require(finding?["location"] as? [String: Any])
}

@Suite("Findings in the user's own terms")
struct SourceTermsTests {
    @Test("a CSV export read through a profile: the location names the file's header beside the field, and the text as written")
    func csvProfile() throws {
        let text = try run(["check", fixture("ucne-delavnice-si"), "--profile", "si-legacy-csv", "--width", "1000"])
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stdout.contains("[X-000045] izdatki.csv:46:86 record 45 column \"Delež EU\" (eu) = \"3.132,61\" — "), "\(text.stdout)")
        #expect(text.stdout.contains("[UD-2019] operacija.csv:2:110 record 1 column \"Prispevek EU\" (eu_contribution) = \"311.811,52\" — "))
        #expect(text.stdout.contains("[X-000001] izdatki.csv:2:39 record 1 column \"Datum nastanka\" (incurred_on) = \"30. 12. 2013\" — "))

        let json = try run(["check", fixture("ucne-delavnice-si"), "--profile", "si-legacy-csv", "--format", "json"])
        let byRule = try findingsByRule(json.stdout)
        let eu = try location(byRule["ESF-CF-004"])
        #expect(eu["field"] as? String == "eu")
        #expect(eu["sourceField"] as? String == "Delež EU")
        #expect(eu["rawValue"] as? String == "3.132,61")
        #expect((eu["file"] as? String)?.hasSuffix("izdatki.csv") == true)
        let date = try location(byRule["ESF-EL-001"])
        #expect(date["sourceField"] as? String == "Datum nastanka")
        #expect(date["rawValue"] as? String == "30. 12. 2013")
        // a finding about the record itself (no field) gains nothing
        let duplicate = try location(byRule["ESF-PD-003"])
        #expect(duplicate["sourceField"] == nil && duplicate["rawValue"] == nil && duplicate["field"] == nil)
    }

    @Test("an XML export read through a profile: the XPath is the file's own, the logical field beside it, and the text as written")
    func xmlProfile() throws {
        let text = try run(["check", fixture("ucne-delavnice-si-xml/export.xml"), "--profile", "si-legacy-xml", "--width", "1000"])
        #expect(text.status == 1, "\(text.stderr)")
        #expect(text.stdout.contains("[X-000045] export.xml:1236 /operacija/izdatki/izdatek[45]/zneski/@eu (eu) = \"3.132,61\" — "), "\(text.stdout)")
        #expect(text.stdout.contains("[X-000001] export.xml:"))
        #expect(text.stdout.contains(" /operacija/izdatki/izdatek[1]/datum_nastanka (incurred_on) = \"30. 12. 2013\" — "))
        #expect(text.stdout.contains("/operacija/udelezenci/udelezenec[13]/usposabljanje/@konec (end) = \"1. 9. 2020\" — "))

        let json = try run(["check", fixture("ucne-delavnice-si-xml/export.xml"), "--profile", "si-legacy-xml", "--format", "json"])
        let byRule = try findingsByRule(json.stdout)
        let eu = try location(byRule["ESF-CF-001"])
        #expect(eu["field"] as? String == "eu_contribution")
        #expect(eu["sourceField"] as? String == "financiranje/@eu")
        #expect(eu["rawValue"] as? String == "311.811,52")
        #expect(eu["xpath"] as? String == "/operacija/financiranje/@eu")
        let date = try location(byRule["UD-EM-003"])
        #expect(date["sourceField"] as? String == "podaljsanje/@od")
        #expect(date["rawValue"] as? String == "16. 9. 2020")
    }

    @Test("the canonical layout shows the text as written, with no second name", arguments: ["ucne-delavnice/export.xml", "ucne-delavnice/csv"])
    func canonical(input: String) throws {
        let json = try run(["check", fixture(input), "--format", "json"])
        let eu = try location(try findingsByRule(json.stdout)["ESF-CF-004"])
        #expect(eu["rawValue"] as? String == "3132.61")
        #expect(eu["sourceField"] == nil)
        let text = try run(["check", fixture(input), "--width", "1000"])
        #expect(text.stdout.contains(input.hasSuffix(".xml") ? "[X-000045] export.xml:227 /operation/expenditures/expenditure[45]/@eu = \"3132.61\" — "
                                                              : "[X-000045] expenditures.csv:46:50 record 45 column eu = \"3132.61\" — "), "\(text.stdout)")
    }

    @Test("the raw text of a personal field is masked unless personal data is shown", arguments: [
        ["ucne-delavnice-si", "--profile", "si-legacy-csv"], ["ucne-delavnice-si-xml/export.xml", "--profile", "si-legacy-xml"],
    ])
    func personal(arguments: [String]) throws {
        let args = ["check", fixture(arguments[0])] + arguments.dropFirst()
        let masked = try location(try findingsByRule(try run(args + ["--format", "json"]).stdout)["ESF-PD-002"])
        #expect(masked["sourceField"] as? String != nil)
        #expect(masked["rawValue"] as? String == "2810******229")
        let text = try run(args)
        #expect(!text.stdout.contains("2810970505229"))
        #expect(text.stdout.contains("(emso) = \"2810******229\""), "\(text.stdout)")
        let shown = try location(try findingsByRule(try run(args + ["--format", "json", "--show-personal-data"]).stdout)["ESF-PD-002"])
        #expect(shown["rawValue"] as? String == "2810970505229")
    }

    @Test("in a participant row, a text that does not decode is masked (an EMŠO under birth_date), one that decodes is shown")
    func personalEntity() throws {
        let bundle = try copiedBundle("ucne-delavnice/csv")
        let participants = bundle.appendingPathComponent("participants.csv")
        var lines = try String(contentsOf: participants, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[0] = lines[0].split(separator: ",").map { $0 == "emso" ? "birth_date" : ($0 == "birth_date" ? "emso" : String($0)) }.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: participants, atomically: true, encoding: .utf8)
        let r = try run(["check", bundle.path, "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        let unparseable = try location(findings.first { $0["ruleID"] as? String == "ESFCHECK-IN-001" && $0["recordKey"] as? String == "UD-000001" })
        #expect(unparseable["field"] as? String == "birth_date")
        #expect(unparseable["rawValue"] as? String == "1205******034")
        #expect(!r.stdout.contains("1205972505034"))

        let decoded = try location(try findingsByRule(try run(["check", fixture("scenarios/participant-data/csv"), "--format", "json"]).stdout)["ESF-PD-004"])
        #expect(decoded["field"] as? String == "exit_date")
        #expect(decoded["rawValue"] as? String == "2020-11-01")
    }

    @Test("reports with the new location keys follow docs/report.schema.json", arguments: [
        ["ucne-delavnice-si", "--profile", "si-legacy-csv"], ["ucne-delavnice-si-xml/export.xml", "--profile", "si-legacy-xml"],
    ])
    func schema(arguments: [String]) throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("docs/report.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let r = try run(["check", fixture(arguments[0])] + arguments.dropFirst() + ["--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let problems = MiniSchema(schema: schema).violations(report, schema)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(r.stdout.contains("\"sourceField\""))
    }
}

@Suite("An export in another layout given without a profile")
struct LayoutDiagnosisTests {
    func errorDocument(_ r: RunResult) throws -> [String: Any] {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout)")
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("docs/error.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let problems = MiniSchema(schema: schema).violations(doc, schema)
        #expect(problems.isEmpty, "\(problems)")
        let diagnostics = try #require(doc["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.first?["code"] as? String == "input.layout")
        return try #require(diagnostics.first?["layout"] as? [String: Any])
    }

    @Test("an XML export in the Slovenian layout: the root element found and the profile that reads it, exit 3")
    func xmlMatched() throws {
        let path = fixture("ucne-delavnice-si-xml/export.xml")
        let r = try run(["check", path])
        #expect(r.status == 3)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("the root element is 'operacija' in namespace 'urn:gov-si:esf:izvoz-operacije:1'"), "\(r.stderr)")
        #expect(r.stderr.contains("'izvajalci', 'udelezenci', 'izdatki'"))
        #expect(r.stderr.contains("esfcheck check \(path) --profile si-legacy-xml"))
        #expect(!r.stderr.contains("no rule pack matches"))
        // the same with a pack named: nothing in the file can be read without the profile
        #expect(try run(["check", path, "--pack", "esf-2014-2020"]).status == 3)

        let json = try run(["check", path, "--format", "json"])
        #expect(json.status == 3)
        let layout = try errorDocument(json)
        #expect(layout["format"] as? String == "xml")
        #expect(layout["rootElement"] as? String == "operacija")
        #expect(layout["namespace"] as? String == "urn:gov-si:esf:izvoz-operacije:1")
        #expect(layout["profile"] as? String == "si-legacy-xml")
        #expect(layout["command"] as? String == "esfcheck check \(path) --profile si-legacy-xml")
        #expect((layout["unmatched"] as? [String])?.isEmpty == true)
    }

    @Test("an XML export no shipped profile reads: what does not match the canonical layout")
    func xmlUnmatched() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("izvoz.xml")
        try "<?xml version=\"1.0\"?>\n<izvoz><projekt sifra=\"X\"/><participants/></izvoz>\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try run(["check", file.path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("the root element is 'izvoz' in no namespace"), "\(r.stderr)")
        #expect(r.stderr.contains("no shipped profile reads it"))
        #expect(r.stderr.contains("elements the canonical root does not hold: 'projekt'"))
        #expect(r.stderr.contains("canonical elements not found: 'providers', 'expenditures'"))
        #expect(!r.stderr.contains("--profile si-legacy-xml"))
        let layout = try errorDocument(try run(["check", file.path, "--format", "json"]))
        #expect(layout["profile"] == nil)
        #expect((layout["found"] as? [String]) == ["projekt", "participants"])
        #expect((layout["unmatched"] as? [String])?.first == "root element 'izvoz' in no namespace, not 'operation' in namespace 'urn:esfcheck:export:1'")
    }

    @Test("a CSV export in the Slovenian layout: the files found and the profile that reads them, exit 3, also when named by a file")
    func csvMatched() throws {
        for path in [fixture("ucne-delavnice-si"), fixture("ucne-delavnice-si/izdatki.csv")] {
            let r = try run(["check", path])
            #expect(r.status == 3)
            #expect(r.stderr.contains("the folder holds 'izdatki.csv', 'izvajalci.csv', 'operacija.csv'"), "\(r.stderr)")
            #expect(r.stderr.contains("and no operation.csv"))
            #expect(r.stderr.contains("esfcheck check \(path) --profile si-legacy-csv"))
            #expect(!r.stderr.contains("are missing"))
        }
        let json = try run(["check", fixture("ucne-delavnice-si"), "--format", "json"])
        #expect(json.status == 3)
        let layout = try errorDocument(json)
        #expect(layout["format"] as? String == "csv")
        #expect(layout["profile"] as? String == "si-legacy-csv")
        #expect((layout["found"] as? [String])?.contains("udelezenci.csv") == true)
    }

    @Test("a CSV export no shipped profile reads: the closest profile's missing files and headers")
    func csvUnmatched() throws {
        let bundle = try copiedBundle("ucne-delavnice-si")
        try FileManager.default.removeItem(at: bundle.appendingPathComponent("spremljanje.csv"))
        // Windows-1250 bytes: the header is ASCII, so the rename is a byte replacement
        let izdatki = bundle.appendingPathComponent("izdatki.csv")
        var bytes = [UInt8](try Data(contentsOf: izdatki))
        let from = Array("Datum nastanka".utf8), to = Array("Datum nastalo!".utf8)
        let at = try #require((0...(bytes.count - from.count)).first { Array(bytes[$0..<($0 + from.count)]) == from })
        bytes.replaceSubrange(at..<(at + from.count), with: to)
        try Data(bytes).write(to: izdatki)

        let r = try run(["check", bundle.path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("no shipped profile reads it"), "\(r.stderr)")
        #expect(r.stderr.contains("the closest shipped profile, si-legacy-csv, does not fit: its file 'spremljanje.csv' is missing"))
        #expect(r.stderr.contains("izdatki.csv lacks the header 'Datum nastanka' (headers it has that the profile does not bind: 'Opis', 'Datum nastalo!')"))
        #expect(!r.stderr.contains("--profile si-legacy-csv"))
        let layout = try errorDocument(try run(["check", bundle.path, "--format", "json"]))
        #expect(layout["profile"] == nil)
        #expect((layout["unmatched"] as? [String])?.contains { $0.contains("canonical files not found: 'operation.csv'") } == true)
    }
}
