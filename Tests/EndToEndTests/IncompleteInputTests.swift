#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

/// Runs the built binary, killing it after `seconds`: a run that blocks (a FIFO) fails the test instead of hanging the suite.
func run(_ arguments: [String], timeout seconds: Double) throws -> (result: RunResult, timedOut: Bool) {
    let process = Process()
    process.executableURL = try binary()
    process.arguments = arguments
    process.currentDirectoryURL = FileManager.default.temporaryDirectory
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-out-\(UUID().uuidString)")
    let err = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    let deadline = Date().addingTimeInterval(seconds)
    var timedOut = false
    while process.isRunning {
        if Date() > deadline {
            timedOut = true
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            break
        }
        usleep(20_000)
    }
    process.waitUntilExit()
    let result = RunResult(status: process.terminationStatus,
                           stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    return (result, timedOut)
}

/// A copy of a fixture's CSV bundle in a fresh temporary folder.
func copiedBundle(_ fixturePath: String) throws -> URL {
    let dir = try temporaryDirectory().appendingPathComponent("bundle")
    try FileManager.default.copyItem(atPath: fixture(fixturePath), toPath: dir.path)
    return dir
}

/// The first line (the header row) of a file.
func headerRow(_ file: URL) throws -> String {
    let text = try String(contentsOf: file, encoding: .utf8)
    return String(text.prefix { $0 != "\n" }) + "\n"
}

@Suite("Incomplete inputs fail closed")
struct IncompleteInputTests {
    @Test("a CSV bundle without some of its files stops with exit 3, naming every missing file")
    func missingFiles() throws {
        // The clean bundle is accepted (exit 0); without these files it used to be accepted too.
        let bundle = try copiedBundle("clean/csv")
        for name in ["expenditures.csv", "follow_ups.csv"] { try FileManager.default.removeItem(at: bundle.appendingPathComponent(name)) }
        let r = try run(["check", bundle.path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("follow_ups.csv (follow_up), expenditures.csv (expenditure) are missing"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)

        // A bundle holding only operation.csv.
        let only = try copiedBundle("clean/csv")
        for name in ["providers.csv", "participants.csv", "trainings.csv", "employments.csv", "follow_ups.csv", "expenditures.csv"] {
            try FileManager.default.removeItem(at: only.appendingPathComponent(name))
        }
        let o = try run(["check", only.path, "--format", "json"])
        #expect(o.status == 3)
        #expect(o.stderr.contains("providers.csv (provider), participants.csv (participant), trainings.csv (training), employments.csv (employment), follow_ups.csv (follow_up), expenditures.csv (expenditure) are missing"), "\(o.stderr)")
        // Also when the bundle is named by one of its files.
        #expect(try run(["check", only.appendingPathComponent("operation.csv").path]).status == 3)
    }

    @Test("a list with only its header row is a fatal finding, unless the model says it may be empty")
    func headerOnlyLists() throws {
        let bundle = try copiedBundle("clean/csv")
        let expenditures = bundle.appendingPathComponent("expenditures.csv")
        try headerRow(expenditures).write(to: expenditures, atomically: true, encoding: .utf8)
        let r = try run(["check", bundle.path, "--format", "json"])
        #expect(r.status == 1)
        let found = try findings(r.stdout).filter { ($0["message"] as? String)?.hasPrefix("the export lists no expenditure") == true }
        #expect(found.count == 1)
        #expect(found.first?["severity"] as? String == "fatal")
        let location = found.first?["location"] as? [String: Any]
        #expect((location?["file"] as? String)?.hasSuffix("expenditures.csv") == true)
        #expect(location?["line"] as? Int == 1)

        // follow_ups may be empty (none is due yet): header-only, the clean bundle is still accepted.
        let early = try copiedBundle("clean/csv")
        let followUps = early.appendingPathComponent("follow_ups.csv")
        try headerRow(followUps).write(to: followUps, atomically: true, encoding: .utf8)
        let e = try run(["check", early.path])
        #expect(e.status == 0, "\(e.stdout)")
    }

    @Test("a column of the layout missing from its file stops with exit 3, naming the columns")
    func missingColumns() throws {
        // Canonical form: the key columns must be there (exit 3); the column of an optional field may
        // be absent, reads as missing in every row, and is listed in the report.
        func dropColumn(_ name: String) throws -> URL {
            let bundle = try copiedBundle("clean/csv")
            let participants = bundle.appendingPathComponent("participants.csv")
            let text = try String(contentsOf: participants, encoding: .utf8)
            let header = text.prefix { $0 != "\n" }.split(separator: ",").map(String.init)
            let drop = try #require(header.firstIndex(of: name))
            let cut = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if cells.count > drop { cells.remove(at: drop) }
                return cells.joined(separator: ",")
            }.joined(separator: "\n")
            try cut.write(to: participants, atomically: true, encoding: .utf8)
            return bundle
        }
        let r = try run(["check", try dropColumn("id").path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("participants.csv:1: participants.csv: column 'id' is missing from the header"), "\(r.stderr)")
        let optional = try dropColumn("birth_date")
        let text = try run(["check", optional.path])
        // every participant now lacks a birth date: ESF-PD-001 (a warning in the catalogue) says so for each
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("warning ESF-PD-001"), "\(text.stdout.prefix(600))")
        #expect(text.stdout.contains("optional columns absent (read as missing in every row): participants.csv 'birth_date'"), "\(text.stdout.prefix(600))")
        let json = try run(["check", optional.path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let absent = ((object["inputs"] as? [[String: Any]])?.first?["absentColumns"] as? [String: [String]]) ?? [:]
        #expect(absent.values.contains(["birth_date"]), "\(absent)")

        // Under a profile: a bound column absent from its file.
        let si = try copiedBundle("ucne-delavnice-si")
        let file = si.appendingPathComponent("udelezenci.csv")
        var bytes = try Data(contentsOf: file)
        // "EMŠO" in Windows-1250 is 45 4D 8A 4F; rename the header so that the bound column is gone.
        let emso = Data([0x45, 0x4D, 0x8A, 0x4F])
        let range = try #require(bytes.range(of: emso))
        bytes.replaceSubrange(range, with: Data("EMSO_X".utf8))
        try bytes.write(to: file)
        let p = try run(["check", si.path, "--profile", "si-legacy-csv"])
        #expect(p.status == 3)
        #expect(p.stderr.contains("udelezenci.csv: column 'EMŠO' (emso) is missing from the header; profile si-legacy-csv binds it"), "\(p.stderr)")
    }

    @Test("a profile whose file: names a file that is not there stops with exit 3")
    func profileFileMissing() throws {
        let dir = try temporaryDirectory()
        let shipped = try String(contentsOfFile: packageRoot.appendingPathComponent("Rules/profiles/si-legacy-csv.yaml").path, encoding: .utf8)
        try shipped.replacingOccurrences(of: "file: izdatki.csv", with: "file: stroski.csv")
            .write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice-si"), "--profile", dir.appendingPathComponent("p.yaml").path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("stroski.csv (expenditure) is missing"), "\(r.stderr)")
    }

    @Test("an XML export without a list is a fatal finding, with the canonical XSD, without it, and under an XML profile")
    func xmlWithoutLists() throws {
        let dir = try temporaryDirectory()
        let xml = try String(contentsOfFile: fixture("clean/export.xml"), encoding: .utf8)
        let cut = xml.replacingOccurrences(of: #"<expenditures>[\s\S]*</expenditures>"#, with: "", options: .regularExpression)
        #expect(cut != xml)
        let path = dir.appendingPathComponent("export.xml").path
        try cut.write(toFile: path, atomically: true, encoding: .utf8)
        for schema in ["canonical", "none"] {
            let r = try run(["check", path, "--schema", schema, "--format", "json"])
            #expect(r.status == 1)
            let found = try findings(r.stdout).filter { ($0["message"] as? String)?.hasPrefix("the export lists no expenditure: it has no <expenditures> list") == true }
            #expect(found.count == 1, "\(schema)")
            #expect(found.first?["severity"] as? String == "fatal")
            #expect((found.first?["location"] as? [String: Any])?["xpath"] as? String == "/operation")
        }

        let si = try String(contentsOfFile: fixture("ucne-delavnice-si-xml/export.xml"), encoding: .utf8)
        let siCut = si.replacingOccurrences(of: #"<udelezenci>[\s\S]*</udelezenci>"#, with: "<udelezenci/>", options: .regularExpression)
        #expect(siCut != si)
        let siPath = dir.appendingPathComponent("si.xml").path
        try siCut.write(toFile: siPath, atomically: true, encoding: .utf8)
        let s = try run(["check", siPath, "--profile", "si-legacy-xml", "--format", "json"])
        #expect(s.status == 1)
        #expect(try findings(s.stdout).contains { ($0["message"] as? String)?.hasPrefix("the export lists no participant: its <udelezenci> list has no <udelezenec> element") == true })
    }

    @Test("columns no binding names are listed in the report (JSON and text)")
    func unboundColumns() throws {
        let r = try run(["check", fixture("ucne-delavnice-si"), "--profile", "si-legacy-csv", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let input = try #require((report["inputs"] as? [[String: Any]])?.first)
        let unbound = try #require(input["unboundColumns"] as? [String: [String]])
        let byName = Dictionary(uniqueKeysWithValues: unbound.map { (($0.key as NSString).lastPathComponent, $0.value) })
        #expect(byName["udelezenci.csv"] == ["Občina stalnega prebivališča"])
        #expect(byName["izvajalci.csv"] == ["Naslov"])
        #expect(byName.count == 7)
        let schemaData = try Data(contentsOf: packageRoot.appendingPathComponent("docs/report.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let problems = MiniSchema(schema: schema).violations(report, schema)
        #expect(problems.isEmpty, "\(problems.prefix(5))")

        let text = try run(["check", fixture("ucne-delavnice-si"), "--profile", "si-legacy-csv"])
        #expect(text.stdout.contains("columns no binding names (not read): "))
        #expect(text.stdout.contains("udelezenci.csv 'Občina stalnega prebivališča'"))
        // The canonical bundle has none: no such line, no such key.
        let canonical = try run(["check", fixture("clean/csv"), "--format", "json"])
        #expect(!canonical.stdout.contains("unboundColumns"))
    }
}

@Suite("Input limits hold")
struct InputLimitTests {
    @Test("a CSV row longer than --max-line-bytes is exit 3 with file and line")
    func configuredLimit() throws {
        let bundle = try copiedBundle("clean/csv")
        let expenditures = bundle.appendingPathComponent("expenditures.csv")
        var lines = try String(contentsOf: expenditures, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[3] += String(repeating: "x", count: 2_000 - lines[3].utf8.count + 1)  // line 4: 2,001 bytes
        try (lines.joined(separator: "\n") + "\n").write(to: expenditures, atomically: true, encoding: .utf8)
        let r = try run(["check", bundle.path, "--max-line-bytes", "2000"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("expenditures.csv:4: the row starting on line 4 is longer than 2000 bytes"), "\(r.stderr)")
        // At 2,001 the row is read: a long invoice number, and the clean export is accepted.
        #expect(try run(["check", bundle.path, "--max-line-bytes", "2001"]).status == 0)
        // A usage error (argument-parser validation: today exit 64, as for --max-findings 0).
        let zero = try run(["check", bundle.path, "--max-line-bytes", "0"])
        #expect(zero.status != 0 && zero.status != 3)
        #expect(zero.stderr.contains("--max-line-bytes must be at least 1"))
    }

    @Test("the default limit (16 MiB) stops a 20 MB line with no line break")
    func defaultLimit() throws {
        let bundle = try copiedBundle("clean/csv")
        let expenditures = bundle.appendingPathComponent("expenditures.csv")
        var data = Data(try headerRow(expenditures).utf8)
        data.append(Data(repeating: UInt8(ascii: "a"), count: 20_000_000))
        try data.write(to: expenditures)
        let (r, timedOut) = try run(["check", bundle.path], timeout: 60)
        #expect(!timedOut)
        #expect(r.status == 3)
        #expect(r.stderr.contains("expenditures.csv:2: the row starting on line 2 is longer than 16777216 bytes"), "\(r.stderr)")
    }

    @Test("/dev/zero as a bundle file, FIFOs as inputs: refused at once, never read")
    func nonRegularFiles() throws {
        let bundle = try copiedBundle("clean/csv")
        let followUps = bundle.appendingPathComponent("follow_ups.csv")
        try FileManager.default.removeItem(at: followUps)
        try FileManager.default.createSymbolicLink(atPath: followUps.path, withDestinationPath: "/dev/zero")
        let (z, zTimedOut) = try run(["check", bundle.path], timeout: 20)
        #expect(!zTimedOut)
        #expect(z.status == 3)
        #expect(z.stderr.contains("follow_ups.csv: a character device, not a regular file"), "\(z.stderr)")

        let dir = try temporaryDirectory()
        let fifoXML = dir.appendingPathComponent("export.xml").path
        let fifoCSV = dir.appendingPathComponent("export.csv").path
        #expect(mkfifo(fifoXML, 0o600) == 0)
        #expect(mkfifo(fifoCSV, 0o600) == 0)
        for path in [fifoXML, fifoCSV] {
            let (r, timedOut) = try run(["check", path], timeout: 20)
            #expect(!timedOut, "\(path) blocked")
            #expect(r.status == 3)
            #expect(r.stderr.contains("a FIFO (named pipe), not a regular file"), "\(r.stderr)")
        }
        // A FIFO inside a bundle, in place of one of its files.
        let fifoBundle = try copiedBundle("clean/csv")
        let participants = fifoBundle.appendingPathComponent("participants.csv").path
        try FileManager.default.removeItem(atPath: participants)
        #expect(mkfifo(participants, 0o600) == 0)
        let (b, bTimedOut) = try run(["check", fifoBundle.path], timeout: 20)
        #expect(!bTimedOut)
        #expect(b.status == 3)
        #expect(b.stderr.contains("participants.csv: a FIFO (named pipe), not a regular file"), "\(b.stderr)")
    }
}
