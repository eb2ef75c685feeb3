import Foundation
import Testing

/// A copy of a fixture CSV bundle in a fresh folder, for editing.
func copyBundle(_ path: String) throws -> URL {
    let dir = try temporaryDirectory().appendingPathComponent("csv")
    try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture(path)), to: dir)
    return dir
}

/// Rewrites a text file of `dir` with `edit`.
/// (ISO-8859-1 keeps the bytes of a Windows-1250 file as they are.)
func editFile(_ dir: URL, _ name: String, encoding: String.Encoding = .utf8, _ edit: (String) -> String) throws {
    let url = dir.appendingPathComponent(name)
    let text = try String(contentsOf: url, encoding: encoding)
    let edited = edit(text)
    #expect(edited != text, "the edit of \(name) changed nothing")
    try edited.write(to: url, atomically: true, encoding: encoding)
}

/// Every value of a CSV column (by header name).
func column(_ file: URL, _ name: String) throws -> [String] {
    let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    let index = try #require(lines.first?.firstIndex(of: name))
    return lines.dropFirst().compactMap { index < $0.count && !$0[index].isEmpty ? $0[index] : nil }
}

/// Every 13-digit EMŠO of an XML export.
func emsos(inXML path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return text.matches(of: /emso="([0-9]{13})"/).map { String($0.output.1) }
}

/// The invisible characters a report must never contain raw.
let invisibleScalars: [Unicode.Scalar] = ["\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{202A}", "\u{202B}",
                                          "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}",
                                          "\u{200E}", "\u{200F}", "\u{061C}"]

@Suite("Personal data is masked in every output")
struct PersonalDataTests {
    /// Swaps two header names of a CSV file.
    func swapHeaders(_ dir: URL, _ file: String, _ a: String, _ b: String) throws {
        try editFile(dir, file) { text in
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines[0] = lines[0].split(separator: ",").map { $0 == a ? b : ($0 == b ? a : String($0)) }.joined(separator: ",")
            return lines.joined(separator: "\n")
        }
    }

    @Test("an EMŠO read for birth_date (swapped headers) is masked in text, JSON, --explain and stderr; --show-personal-data shows it")
    func swappedHeaders() throws {
        let dir = try copyBundle("ucne-delavnice/csv")
        let secrets = try column(dir.appendingPathComponent("participants.csv"), "emso")
        #expect(secrets.count == 41 && secrets.allSatisfy { $0.count == 13 })
        try swapHeaders(dir, "participants.csv", "emso", "birth_date")
        for args in [["--format", "json"], ["--format", "text"], ["--format", "text", "--explain"]] {
            let r = try run(["check", dir.path] + args)
            #expect(r.status == 1, "\(r.stderr)")
            #expect(r.stdout.contains("ESFCHECK-IN-001"))
            // the message names the field and shows the masked form, never the digits
            #expect(r.stdout.contains("birth_date '1205******034' is not a date"), "\(args)")
            for s in secrets {
                #expect(!r.stdout.contains(s), "\(args): \(s) in stdout")
                #expect(!r.stderr.contains(s), "\(args): \(s) in stderr")
            }
        }
        let shown = try run(["check", dir.path, "--format", "json", "--show-personal-data"])
        #expect(shown.stdout.contains("birth_date '1205972505034' is not a date"))
    }

    @Test("a participants file without its header row stops with exit 3 naming the missing columns, and shows none of the first row's cells")
    func missingHeaderRow() throws {
        let dir = try copyBundle("ucne-delavnice/csv")
        try editFile(dir, "participants.csv") { String($0.drop { $0 != "\n" }.dropFirst()) }
        for args in [["--format", "json"], ["--format", "text"], ["--format", "json", "--show-personal-data"]] {
            let r = try run(["check", dir.path] + args)
            #expect(r.status == 3, "\(r.stderr)")
            #expect(r.stderr.contains("participants.csv: column 'id' is missing from the header"), "\(r.stderr)")
            for out in [r.stdout, r.stderr] { #expect(!out.contains("1205972505034") && !out.contains("Kovačič") && !out.contains("1205******034")) }
        }
    }

    @Test("a model whose key is personal: record keys, participant ids, orphans, messages and aggregates are masked")
    func personalKey() throws {
        let dir = try temporaryDirectory()
        let rules = dir.appendingPathComponent("rules"), data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: rules.appendingPathComponent("models"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        func write(_ url: URL, _ name: String, _ text: String) throws {
            try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write(rules, "models/people-v1.yaml", """
            id: people-v1
            version: "1"
            title: a register whose persons are keyed by their EMŠO
            entities:
              - { name: register, cardinality: one, key: id, csv: register.csv, fields: { id: { type: string, required: true } } }
              - name: person
                cardinality: many
                key: emso
                xml: { element: person, wrapper: persons }
                csv: persons.csv
                fields:
                  emso: { type: string, required: true, personal: true }
                  name: { type: string, personal: true, free_text: true }
                  born: date
              - name: visit
                parent: person
                cardinality: many
                key: id
                csv: visits.csv
                fields: { id: { type: string, required: true }, on: date }
            """)
        try write(rules, "pack.yaml", "id: people\ntitle: People\nversion: 0.1.0\nmodel: people-v1\n")
        try write(rules, "rules.yaml", """
            - { id: PP-001, title: t, severity: error, scope: person.visit, assert: on > person.born,
                message: "visit {id} of {person.emso} ({person.name}) is before the birth {person.born}" }
            - { id: PP-002, title: t, severity: error, scope: person, assert: born < 2000-01-01, message: "{name} ({emso}) is born on {born}" }
            - { id: PP-003, title: t, severity: error, scope: aggregate, assert: max(person.emso) < "1", message: "largest EMŠO {max(person.emso)}" }
            """)
        try write(data, "register.csv", "id\nR1\n")
        // the third person's birth date and the third visit's person_id (with a zero-width space) are unreadable:
        // the readers' messages name the record by its (personal) key
        try write(data, "persons.csv", "emso,name,born\n0101006500006,Ana Kovačič,2006-01-01\n1205972505034,Janez Novak,1972-05-12\n0312999500001,Eva Kos,1.1.1999\n")
        try write(data, "visits.csv", "person_id,id,on\n0101006500006,V1,2005-01-01\n9999999999999,V2,2020-01-01\n1205972\u{200B}505034,V3,2020-01-01\n")
        let secrets = ["0101006500006", "1205972505034", "9999999999999", "0312999500001", "1205972\u{200B}505034", "1205972\\u{200B}505034",
                       "Kovačič", "Novak", "Eva Kos"]
        for args in [["--explain"], ["--format", "json"]] {
            let r = try run(["check", data.path, "--rules", rules.path, "--pack", "people"] + args)
            #expect(r.status == 1, "\(r.stderr)")
            for s in secrets { #expect(!r.stdout.contains(s) && !r.stderr.contains(s), "\(args): \(s)") }
            #expect(r.stdout.contains("0101******006") && r.stdout.contains("1205******034") && r.stdout.contains("9999******999"))
        }
        let json = try findings(try run(["check", data.path, "--rules", rules.path, "--pack", "people", "--format", "json"]).stdout)
        #expect(json.contains { $0["ruleID"] as? String == "PP-002" && $0["recordKey"] as? String == "0101******006" })
        #expect(json.contains { $0["ruleID"] as? String == "PP-001" && $0["participantID"] as? String == "0101******006" })
        #expect(json.contains { $0["ruleID"] as? String == "ESFCHECK-IN-001" && $0["recordKey"] as? String == "0312******001"
                                && ($0["message"] as? String)?.hasPrefix("person 0312******001: born '1***' is not a date") == true })
        #expect(json.contains { $0["ruleID"] as? String == "ESFCHECK-IN-004" && ($0["message"] as? String)?.contains("person_id '1***' holds U+200B") == true })
        let shown = try run(["check", data.path, "--rules", rules.path, "--pack", "people", "--show-personal-data", "--width", "1000"])
        #expect(shown.stdout.contains("\n  [0101006500006] persons.csv:2"))
        #expect(shown.stdout.contains(" — Ana Kovačič (0101006500006) is born on 2006-01-01"))
        #expect(shown.stdout.contains("largest EMŠO 1205972505034"))
    }

    @Test("a name in an unparseable field is masked in both forms", arguments: ["csv", "xml"])
    func nameInUnparseableField(form: String) throws {
        let input: String
        if form == "csv" {
            let dir = try copyBundle("ucne-delavnice/csv")
            try editFile(dir, "participants.csv") { $0.replacingOccurrences(of: "Ana Kovačič,1972-05-12", with: "Ana Kovačič,Ana Kovačič") }
            input = dir.path
        } else {
            let dir = try temporaryDirectory()
            let url = dir.appendingPathComponent("export.xml")
            try FileManager.default.copyItem(at: URL(fileURLWithPath: fixture("ucne-delavnice/export.xml")), to: url)
            try editFile(dir, "export.xml") { $0.replacingOccurrences(of: "birth_date=\"1972-05-12\"", with: "birth_date=\"Ana Kovačič\"") }
            input = url.path
        }
        for args in [["--format", "json"], ["--format", "text", "--explain"]] {
            let r = try run(["check", input] + args)
            #expect(r.stdout.contains("birth_date 'A***' is not a date"), "\(form) \(args): \(r.stdout.prefix(3000))")
            #expect(!r.stdout.contains("Kovačič") && !r.stderr.contains("Kovačič"), "\(form) \(args)")
        }
        let shown = try run(["check", input, "--format", "json", "--show-personal-data"])
        #expect(shown.stdout.contains("birth_date 'Ana Kovačič' is not a date"))
    }

    @Test("no EMŠO of a fixture appears in text --explain or JSON output, in either form",
          arguments: scenarios.flatMap { [($0, "export.xml"), ($0, "csv")] })
    func noEMSOInAnyScenario(name: String, form: String) throws {
        let secrets = try emsos(inXML: fixture("\(name)/export.xml"))
        #expect(!secrets.isEmpty)
        for args in [["--format", "text", "--explain"], ["--format", "json"]] {
            let r = try run(["check", fixture("\(name)/\(form)")] + args)
            #expect(r.status != 2 && r.status != 3, "\(r.stderr)")
            for s in secrets {
                #expect(!r.stdout.contains(s), "\(name)/\(form) \(args): \(s) in stdout")
                #expect(!r.stderr.contains(s), "\(name)/\(form) \(args): \(s) in stderr")
            }
        }
    }

    @Test("the duplicate EMŠO of ESF-PD-006 is masked in --explain and shown with --show-personal-data")
    func duplicateExplained() throws {
        let path = fixture("scenarios/participant-data/export.xml")
        let r = try run(["check", path, "--explain"])
        let lines = r.stdout.split(separator: "\n").filter { $0.contains("duplicate = emso = ") }
        #expect(!lines.isEmpty, "\(r.stdout)")
        for line in lines { #expect(line.contains("******"), "\(line)") }
        let shown = try run(["check", path, "--explain", "--show-personal-data"])
        let secrets = try emsos(inXML: path)
        #expect(shown.stdout.split(separator: "\n").contains { line in
            line.contains("duplicate = emso = ") && secrets.contains { line.hasSuffix($0) }
        })
    }
}

@Suite("Invisible characters in identifiers and codes")
struct InvisibleCharacterTests {
    func assertEscaped(_ r: RunResult, _ escaped: String, _ context: String) {
        for s in invisibleScalars {
            #expect(!r.stdout.unicodeScalars.contains(s), "\(context): raw \(InvisibleCharacterTests.hex(s)) in stdout")
            #expect(!r.stderr.unicodeScalars.contains(s), "\(context): raw \(InvisibleCharacterTests.hex(s)) in stderr")
        }
        #expect(r.stdout.contains(escaped), "\(context): \(escaped) not in \(r.stdout.prefix(4000))")
    }

    static func hex(_ s: Unicode.Scalar) -> String { "U+" + String(s.value, radix: 16, uppercase: true) }

    @Test("a participant id with a zero-width space and a code with a right-to-left override are fatal, located and shown escaped (CSV)")
    func csvBundle() throws {
        let dir = try copyBundle("ucne-delavnice/csv")
        // a second UD-000001 that looks like the first, as a new last row
        var participantLine = 0
        try editFile(dir, "participants.csv") { text in
            let lines = text.split(separator: "\n").map(String.init)
            let copy = lines[1].replacingOccurrences(of: "UD-000001,", with: "UD-0\u{200B}00001,")
            participantLine = lines.count + 1
            return (lines + [copy]).joined(separator: "\n") + "\n"
        }
        try editFile(dir, "expenditures.csv") { $0.replacingOccurrences(of: "X-000002,other,", with: "X-000002,\u{202E}other,") }
        let r = try run(["check", dir.path, "--format", "json"])
        #expect(r.status == 1)
        let all = try findings(r.stdout)
        let hidden = all.filter { $0["ruleID"] as? String == "ESFCHECK-IN-004" }
        #expect(hidden.count == 2, "\(hidden)")
        let p = try #require(hidden.first { $0["entity"] as? String == "participant" })
        #expect(p["severity"] as? String == "fatal")
        #expect(p["recordKey"] as? String == "UD-0\\u{200B}00001")
        let pl = try #require(p["location"] as? [String: Any])
        #expect((pl["file"] as? String)?.hasSuffix("participants.csv") == true)
        #expect(pl["line"] as? Int == participantLine && pl["column"] as? Int == 1 && pl["field"] as? String == "id")
        #expect((p["message"] as? String)?.contains("id 'UD-0\\u{200B}00001' holds U+200B ZERO WIDTH SPACE at character 5") == true, "\(p)")
        let x = try #require(hidden.first { $0["entity"] as? String == "expenditure" })
        let xl = try #require(x["location"] as? [String: Any])
        #expect((xl["file"] as? String)?.hasSuffix("expenditures.csv") == true && xl["line"] as? Int == 3 && xl["column"] as? Int == 10)
        #expect(xl["field"] as? String == "category")
        #expect((x["message"] as? String)?.contains("category '\\u{202E}other' holds U+202E RIGHT-TO-LEFT OVERRIDE") == true, "\(x)")
        // reported once: not also as a code outside the list
        #expect(!all.contains { $0["ruleID"] as? String == "ESFCHECK-IN-001" && $0["recordKey"] as? String == "X-000002" })
        assertEscaped(r, "UD-0\\\\u{200B}00001", "json")
        let text = try run(["check", dir.path, "--explain", "--width", "1000"])
        assertEscaped(text, "[UD-0\\u{200B}00001] participants.csv:", "text")
        assertEscaped(text, " — participant UD-0\\u{200B}00001: id 'UD-0\\u{200B}00001' holds", "text")
        #expect(text.stdout.contains("category '\\u{202E}other' holds"))
    }

    @Test("an invisible character in an XML id and in a profile's child element is found by both XML readers")
    func xml() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("export.xml")
        let original = try String(contentsOfFile: fixture("ucne-delavnice/export.xml"), encoding: .utf8)
        try original.replacingOccurrences(of: " id=\"UD-000002\"", with: " id=\"UD-000002&#x2066;\"").write(to: url, atomically: true, encoding: .utf8)
        let r = try run(["check", url.path, "--format", "json"])
        let hidden = try findings(r.stdout).filter { $0["ruleID"] as? String == "ESFCHECK-IN-004" }
        #expect(hidden.count == 1)
        let location = try #require(hidden.first?["location"] as? [String: Any])
        #expect(location["xpath"] as? String == "/operation/participants/participant[2]/@id")
        #expect((location["line"] as? Int ?? 0) > 0)
        assertEscaped(r, "UD-000002\\\\u{2066}", "canonical xml")

        let si = dir.appendingPathComponent("si.xml")
        let legacy = try String(contentsOfFile: fixture("ucne-delavnice-si-xml/export.xml"), encoding: .utf8)
        try legacy.replacingOccurrences(of: "<davcna_stevilka>56120346</davcna_stevilka>", with: "<davcna_stevilka>5612\u{200D}0346</davcna_stevilka>")
            .write(to: si, atomically: true, encoding: .utf8)
        let s = try run(["check", si.path, "--profile", "si-legacy-xml", "--format", "json"])
        let found = try findings(s.stdout).filter { $0["ruleID"] as? String == "ESFCHECK-IN-004" }
        #expect(found.count == 1, "\(s.stderr)")
        let at = try #require(found.first?["location"] as? [String: Any])
        #expect(at["xpath"] as? String == "/operacija/izvajalci/izvajalec[1]/davcna_stevilka")
        assertEscaped(s, "5612\\\\u{200D}0346", "profile xml")
    }

    @Test("stderr diagnostics show invisible characters escaped")
    func stderrEscaped() throws {
        let missing = try run(["check", "/nonexistent/ex\u{202E}lmx.xml"])
        #expect(missing.status == 3 || missing.status == 2, "\(missing.stderr)")
        assertEscaped(RunResult(status: 0, stdout: missing.stderr, stderr: ""), "ex\\u{202E}lmx.xml", "missing input")
        let pack = try run(["check", fixture("ucne-delavnice/export.xml"), "--pack", "esf\u{200B}-2014-2020"])
        #expect(pack.status == 2)
        assertEscaped(RunResult(status: 0, stdout: pack.stderr, stderr: ""), "esf\\u{200B}-2014-2020", "unknown pack")
    }

    @Test("a tab in a code of a profile's CSV is found too")
    func profileCSV() throws {
        let dir = try copyBundle("ucne-delavnice-si")
        try editFile(dir, "udelezenci.csv", encoding: .isoLatin1) { text in
            // CRLF lines ("\r\n" is one Character in Swift)
            var lines = text.components(separatedBy: "\r\n")
            guard lines.count > 2 else { return text }
            lines[1] = lines[1].replacingOccurrences(of: ";V;", with: ";V\t;")
            return lines.joined(separator: "\r\n")
        }
        let r = try run(["check", dir.path, "--profile", "si-legacy-csv", "--format", "json"])
        let found = try findings(r.stdout).filter { $0["ruleID"] as? String == "ESFCHECK-IN-004" }
        #expect(found.count == 1, "\(r.stdout.prefix(2000)) \(r.stderr)")
        #expect((found.first?["message"] as? String)?.contains("U+0009 (a control character)") == true)
        #expect(!r.stdout.contains("\t"))
    }
}
