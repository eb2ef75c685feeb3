import Foundation
import Synchronization
import Testing

/// The package root, found from this file.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `esfcheck` binary: beside the test bundle that `swift test` runs.
func binary() throws -> URL {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("esfcheck"),
        Bundle.main.bundleURL.appendingPathComponent("esfcheck"),
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("esfcheck"),
        packageRoot.appendingPathComponent(".build/debug/esfcheck"),
    ]
    return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "esfcheck binary not found near \(CommandLine.arguments[0])")
}

struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built binary from `directory` (a temporary folder by default, to prove it needs no repository),
/// with extra environment variables (`ESFCHECK_TODAY`, `NO_COLOR`); the caller's `NO_COLOR` and `COLUMNS`
/// are removed unless given, so that reports do not depend on the terminal the tests run from.
func run(_ arguments: [String], environment extra: [String: String] = [:],
         in directory: URL = FileManager.default.temporaryDirectory) throws -> RunResult {
    let process = Process()
    process.executableURL = try binary()
    process.arguments = arguments
    process.currentDirectoryURL = directory
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = nil
    environment["COLUMNS"] = nil
    // English reports whatever the developer's locale (a test names the language it wants)
    environment["LC_ALL"] = nil
    environment["LC_MESSAGES"] = nil
    environment["LANG"] = "C.UTF-8"
    for (k, v) in extra { environment[k] = v }
    process.environment = environment
    return try finished(process)
}

/// Runs a prepared process to its end with its standard output and error read (standard input empty)
/// and a time limit: standard error is read on a thread of its own while standard output is read here
/// (a child that fills one pipe while the other is read would otherwise wait for ever), and a process
/// still running after `runLimitSeconds` is killed, so that the test fails on its status instead of
/// holding the run up.
func finished(_ process: Process) throws -> RunResult {
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let errors = Collected()
    let errorsRead = DispatchSemaphore(value: 0)
    let handle = err.fileHandleForReading
    Thread.detachNewThread {
        errors.data.withLock { $0 = handle.readDataToEndOfFile() }
        errorsRead.signal()
    }
    let watchdog = Watchdog(process, seconds: runLimitSeconds)
    let o = out.fileHandleForReading.readDataToEndOfFile()
    errorsRead.wait()
    process.waitUntilExit()
    watchdog.cancel()
    var e = errors.text
    if watchdog.fired { e += "\n(killed by the test: the run took longer than \(runLimitSeconds) s)" }
    return RunResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: e)
}

/// How long one run of the binary may take in a test (the slowest takes seconds).
let runLimitSeconds = 600

/// Bytes read by one thread for another.
final class Collected: Sendable {
    let data = Mutex(Data())
    /// The bytes so far as text.
    var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }
}

/// Kills a process still running after `seconds`, from a thread of its own, unless cancelled first.
final class Watchdog: Sendable {
    private let state = Mutex((cancelled: false, fired: false))

    init(_ process: Process, seconds: Int) {
        let pid = process.processIdentifier
        Thread.detachNewThread { [self] in
            let deadline = Date().addingTimeInterval(TimeInterval(seconds))
            while Date() < deadline {
                if state.withLock({ $0.cancelled }) { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
            let fire = state.withLock { s -> Bool in
                guard !s.cancelled else { return false }
                s.fired = true
                return true
            }
            if fire { kill(pid, SIGKILL) }
        }
    }

    var fired: Bool { state.withLock { $0.fired } }
    func cancel() { state.withLock { $0.cancelled = true } }
}

func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func fixture(_ path: String) -> String { packageRoot.appendingPathComponent("Fixtures/\(path)").path }

/// (rule id, record key) pairs of an expected-findings.tsv file.
func expected(_ scenario: String) throws -> [String] {
    try expectedFindings(scenario).map { "\($0.rule) \($0.key)" }.sorted()
}

/// One line of an expected-findings.tsv file: written by the fixture generators from the
/// independent Python oracle (Fixtures/lib/esfdata.py), never from the binary's output.
struct ExpectedFinding: Hashable, Comparable, CustomStringConvertible {
    var rule: String, key: String, severity: String
    var description: String { "\(rule) \(key) \(severity)" }
    static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

/// The (rule id, record key, severity) lines of an expected-findings.tsv file; its header must be
/// `rule_id<TAB>record_key<TAB>severity` and every line must have the three columns.
func expectedFindings(_ scenario: String) throws -> [ExpectedFinding] {
    let text = try String(contentsOfFile: fixture("\(scenario)/expected-findings.tsv"), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    try #require(lines.first == "rule_id\trecord_key\tseverity", "\(scenario)/expected-findings.tsv header")
    return try lines.dropFirst().map { line in
        let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        try #require(c.count == 3 && ["fatal", "error", "review", "warning", "info"].contains(c[2]), "\(scenario): \(line)")
        return ExpectedFinding(rule: c[0], key: c[1], severity: c[2])
    }
}

func findings(_ json: String) throws -> [[String: Any]] {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    return try #require(object["findings"] as? [[String: Any]])
}

/// The rule-family scenarios of Fixtures/scenarios/ (each a folder with expected-findings.tsv). Named
/// here, not listed from the disk, so that a missing folder fails its test instead of vanishing
/// from the arguments; `scenarioFoldersAreKnown` fails on a folder this list lacks.
let scenarioFolders = ["co-financing", "eligibility", "employment", "follow-up", "indicators", "participant-data",
                       "plus-2021-2027", "plus-2021-2027-rules", "target-group", "training"]

/// Every fixture scenario with an expected-findings file: the sample, the clean operation and one per rule family.
let scenarios: [String] = ["ucne-delavnice", "clean"] + scenarioFolders.map { "scenarios/\($0)" }

@Suite("Fixture scenarios through the built binary")
struct ScenarioTests {
    @Test("the scenario folders on disk are exactly the known ones, each with its expected findings")
    func scenarioFoldersAreKnown() throws {
        let dir = packageRoot.appendingPathComponent("Fixtures/scenarios")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path, isDirectory: &isDir) && isDir.boolValue
        }.sorted()
        #expect(onDisk == scenarioFolders)
        #expect(scenarios.count == 12)
        for name in scenarios {
            #expect(FileManager.default.fileExists(atPath: fixture("\(name)/expected-findings.tsv")), "\(name)")
            #expect(FileManager.default.fileExists(atPath: fixture("\(name)/export.xml")), "\(name)")
            #expect(FileManager.default.fileExists(atPath: fixture("\(name)/csv/operation.csv")), "\(name)")
        }
    }

    @Test("each scenario yields exactly the oracle's findings with their severities, and the verdict and exit code they imply, in both forms",
          arguments: scenarios.flatMap { [($0, "export.xml"), ($0, "csv")] })
    func scenario(name: String, form: String) throws {
        let want = try expectedFindings(name).sorted()
        let r = try run(["check", fixture("\(name)/\(form)"), "--format", "json", "--deterministic"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        let found = try findings(r.stdout)
        let got = found.map { ExpectedFinding(rule: "\($0["ruleID"]!)", key: "\($0["recordKey"]!)", severity: "\($0["severity"]!)") }.sorted()
        #expect(got == want, "\(name)/\(form)")
        // the verdict and exit code SPEC §2 gives for the expected findings (default --fail-on error),
        // derived from the file, not from what the binary reports
        let severities = Set(want.map(\.severity))
        let verdict = !severities.isDisjoint(with: ["fatal", "error"]) ? "reject" : (severities.contains("review") ? "review" : "accept")
        #expect(object["verdict"] as? String == verdict, "\(name)/\(form)")
        #expect(r.status == (verdict == "reject" ? 1 : 0), "\(name)/\(form)")
        let counts = try #require(object["counts"] as? [String: Int])
        for sev in ["fatal", "error", "review", "warning", "info"] {
            #expect((counts[sev] ?? 0) == want.filter { $0.severity == sev }.count, "\(name)/\(form) \(sev)")
        }
    }

    @Test("every rule of every built-in pack is violated by some scenario")
    func everyRuleCovered() throws {
        var violated = Set<String>()
        for name in scenarios { violated.formUnion(try expectedFindings(name).map(\.rule)) }
        for (packs, count) in [(["esf-2014-2020", "ucne-delavnice"], 43), (["esf-2021-2027", "ucne-delavnice-plus"], 42)] {
            let list = try run(["rules", "list"] + packs.flatMap { ["--pack", $0] })
            #expect(list.status == 0, "\(list.stderr)")
            let ids = list.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }.map { String($0.split(separator: " ")[0]) }
            #expect(ids.count == count, "\(packs)")
            for id in ids { #expect(violated.contains(id), "no scenario violates \(id)") }
        }
    }
}

/// The rows of a tab-separated file of a fixture folder, header checked and dropped.
func fixtureTable(_ path: String, header: String) throws -> [[String]] {
    let text = try String(contentsOfFile: fixture(path), encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    try #require(lines.first == header, "\(path) header")
    return lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
}

/// An exact value of an indicator: "16/41", "375340.64", "40" as (numerator, denominator).
func exactFraction(_ text: String) throws -> (Decimal, Decimal) {
    let parts = text.split(separator: "/")
    let num = try #require(Decimal(string: String(parts[0]), locale: Locale(identifier: "en_US_POSIX")), "\(text)")
    let den = parts.count == 2 ? try #require(Decimal(string: String(parts[1]), locale: Locale(identifier: "en_US_POSIX")), "\(text)") : 1
    return (num, den)
}

@Suite("The sample and the clean operation held to the oracle")
struct OracleTests {
    func report(_ name: String, _ form: String) throws -> [String: Any] {
        let r = try run(["check", fixture("\(name)/\(form)"), "--format", "json", "--deterministic"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
    }

    @Test("every indicator value is the oracle's (expected-indicators.tsv)", arguments: ["ucne-delavnice", "clean"], ["export.xml", "csv"])
    func indicatorsMatchOracle(name: String, form: String) throws {
        let want = try fixtureTable("\(name)/expected-indicators.tsv", header: "indicator\tvalue")
        #expect(want.count == 20)
        let object = try report(name, form)
        let inputs = try #require(object["inputs"] as? [[String: Any]])
        let list = try #require(inputs.first?["indicators"] as? [[String: Any]])
        let got = Dictionary(list.map { ($0["id"] as? String ?? "", $0["value"] as? String) }, uniquingKeysWith: { a, _ in a })
        // every indicator the binary reports is one the oracle computes, and the other way round
        #expect(Set(got.keys) == Set(want.map { $0[0] }), "indicator ids")
        for row in want {
            let id = row[0]
            guard let value = got[id] else { continue }
            if row[1] == "-" { #expect(value == nil, "\(id)"); continue }
            let v = try #require(value, "\(id) has no value")
            let (num, den) = try exactFraction(row[1])
            let binary = try #require(Decimal(string: v, locale: Locale(identifier: "en_US_POSIX")), "\(id): \(v)")
            if den == 1 {
                #expect(binary == num, "\(id): \(v), the oracle says \(row[1])")
            } else {
                // a share: the binary's decimal value (16 places) times the denominator is the numerator, to 6 places
                var product = binary * den, rounded = Decimal()
                NSDecimalRound(&rounded, &product, 6, .plain)
                #expect(rounded == num, "\(id): \(v), the oracle says \(row[1])")
            }
        }
    }

    @Test("the per-rule coverage counts are the oracle's (expected-coverage.tsv)", arguments: ["ucne-delavnice", "clean"], ["export.xml", "csv"])
    func coverageMatchesOracle(name: String, form: String) throws {
        let want = try fixtureTable("\(name)/expected-coverage.tsv", header: "rule_id\tevaluated\tpassed\tfailed\tnot_applicable")
        #expect(want.count == 43)
        let coverage = try #require(try report(name, form)["coverage"] as? [[String: Any]])
        let got = Dictionary(coverage.map { c in
            (c["ruleID"] as? String ?? "", ["evaluated", "passed", "failed", "notApplicable"].map { "\(c[$0] as? Int ?? -1)" })
        }, uniquingKeysWith: { a, _ in a })
        #expect(Set(got.keys) == Set(want.map { $0[0] }))
        for row in want {
            #expect(got[row[0]] == Array(row[1...4]), "\(row[0]): evaluated, passed, failed, n/a")
        }
        #expect(coverage.allSatisfy { ($0["errors"] as? Int) == 0 })
    }
}

@Suite("Rules as the catalogue says (RULES.md, issue 9 item 5)")
struct CatalogueRuleTests {
    /// The plus-2021-2027 export (region more_developed, EU rate 0.85: one ESF21-CF-002 finding) with `edit` applied.
    func plusExport(_ edit: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: fixture("scenarios/plus-2021-2027/export.xml"), encoding: .utf8)
        let changed = edit(text)
        #expect(changed != text, "the edit changed nothing")
        let path = try temporaryDirectory().appendingPathComponent("export.xml").path
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func ruleIDs(_ path: String) throws -> [String] {
        let r = try run(["check", path, "--format", "json", "--deterministic"])
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        return try findings(r.stdout).compactMap { $0["ruleID"] as? String }
    }

    @Test("ESF21-CF-002: a missing eu_rate is not applicable, a missing region_category fails (with or without a rate)")
    func regionCap() throws {
        #expect(try ruleIDs(fixture("scenarios/plus-2021-2027/export.xml")).contains("ESF21-CF-002"))
        let noRate = try plusExport { $0.replacingOccurrences(of: " eu_rate=\"0.85\"", with: "") }
        #expect(!(try ruleIDs(noRate)).contains("ESF21-CF-002"))
        let noRegion = try plusExport { $0.replacingOccurrences(of: " region_category=\"more_developed\"", with: "") }
        #expect(try ruleIDs(noRegion).filter { $0 == "ESF21-CF-002" }.count == 1)
        let neither = try plusExport {
            $0.replacingOccurrences(of: " region_category=\"more_developed\"", with: "").replacingOccurrences(of: " eu_rate=\"0.85\"", with: "")
        }
        #expect(try ruleIDs(neither).filter { $0 == "ESF21-CF-002" }.count == 1)
    }

    @Test("ESF21-EL-003: the operation's total cost including VAT decides, not total_eligible")
    func vatByTotalCost() throws {
        // total_eligible 4,999,999.99 and no total_cost: the recoverable VAT line is eligible
        #expect(!(try ruleIDs(fixture("scenarios/plus-2021-2027/export.xml"))).contains("ESF21-EL-003"))
        let atThreshold = try plusExport { $0.replacingOccurrences(of: " total_eligible=\"4999999.99\"", with: " total_eligible=\"4999999.99\" total_cost=\"5000000.00\"") }
        #expect(try ruleIDs(atThreshold).filter { $0 == "ESF21-EL-003" }.count == 1)
        let below = try plusExport { $0.replacingOccurrences(of: " total_eligible=\"4999999.99\"", with: " total_eligible=\"4999999.99\" total_cost=\"4999999.99\"") }
        #expect(!(try ruleIDs(below)).contains("ESF21-EL-003"))
    }
}

@Suite("End to end through the built binary")
struct EndToEndTests {
    @Test("the sample yields exactly its expected findings in both forms", arguments: ["export.xml", "csv"])
    func sample(form: String) throws {
        let r = try run(["check", fixture("ucne-delavnice/\(form)"), "--format", "json"])
        #expect(r.status == 1, "reject → exit 1; stderr: \(r.stderr)")
        let got = try findings(r.stdout).map { "\($0["ruleID"]!) \($0["recordKey"]!)" }.sorted()
        #expect(got == (try expected("ucne-delavnice")))
    }

    @Test("XML and CSV forms of the same data give identical findings and messages")
    func formsAgree() throws {
        let x = try findings(run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json"]).stdout)
        let c = try findings(run(["check", fixture("ucne-delavnice/csv"), "--format", "json"]).stdout)
        let key = { (f: [String: Any]) in "\(f["ruleID"]!)|\(f["recordKey"]!)|\(f["message"]!)|\(f["severity"]!)|\(f["fingerprint"]!)" }
        #expect(x.map(key) == c.map(key))
        #expect(x.count == 11)
    }

    @Test("the JSON report carries the verdict, counts, coverage, packs and inputs with hashes")
    func jsonEnvelope() throws {
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--deterministic"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "reject")
        let counts = try #require(object["counts"] as? [String: Int])
        #expect(counts["error"] == 10 && counts["review"] == 1 && counts["fatal"] == 0)
        #expect(object["startedAt"] == nil)
        let packs = try #require(object["packs"] as? [[String: Any]])
        #expect(packs.map { $0["id"] as? String } == ["esf-2014-2020", "ucne-delavnice"])
        #expect(packs.allSatisfy { ($0["sha256"] as? String)?.count == 64 })
        let inputs = try #require(object["inputs"] as? [[String: Any]])
        let records = try #require(inputs.first?["records"] as? [[String: Any]])
        #expect(records.first { $0["entity"] as? String == "participant" }?["read"] as? Int == 41)
        let coverage = try #require(object["coverage"] as? [[String: Any]])
        #expect(coverage.count == packs.compactMap { $0["rules"] as? Int }.reduce(0, +))
        #expect(coverage.count >= 12)
        let cf1 = try #require(try findings(r.stdout).first { $0["ruleID"] as? String == "ESF-CF-001" })
        let explain = try #require(cf1["explain"] as? [[String: String]])
        #expect(explain.contains { $0["expression"] == "eu_contribution" && $0["value"] == "311811.52" })
        let location = try #require(cf1["location"] as? [String: Any])
        #expect(location["line"] as? Int == 2)
        #expect(location["xpath"] as? String == "/operation/@eu_contribution")
        // personal data is masked by default
        #expect(!r.stdout.contains("2810970505229"))
        #expect(r.stdout.contains("2810******229"))
    }

    @Test("indicators are computed on every run, next to the operation's targets, identically in both forms")
    func indicators() throws {
        func indicators(_ form: String) throws -> [String: [String: Any]] {
            let r = try run(["check", fixture("ucne-delavnice/\(form)"), "--format", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let inputs = try #require(object["inputs"] as? [[String: Any]])
            let list = try #require(inputs.first?["indicators"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as! String, $0) })
        }
        let x = try indicators("export.xml"), c = try indicators("csv")
        #expect(NSDictionary(dictionary: x).isEqual(to: c))
        // 40 distinct participant ids against a target of 50 (the planted UD-IND-001 finding)
        #expect(x["participants"]?["value"] as? String == "40")
        #expect(x["participants"]?["target"] as? String == "50")
        #expect(x["participants"]?["met"] as? Bool == false)
        // 24 of 40 participants employed: 0.6 against 0.25
        #expect(x["employment_rate"]?["display"] as? String == "60.00 %")
        #expect(x["employment_rate"]?["met"] as? Bool == true)
        #expect(x["subsidised_employments"]?["value"] as? String == "25")
        // EU and national totals are exact sums of the expenditure lines
        #expect(x["eu_claimed"]?["display"] as? String == "300272.54 EUR")
        #expect(x["national_claimed"]?["display"] as? String == "75068.12 EUR")
        for id in ["participants_east", "participants_west", "participants_women", "participants_men", "participants_region_not_recorded", "participants_gender_not_recorded", "ltu_share",
                   "basic_education_share", "over_50_share", "over_55_share", "employed_day30", "employed_month12", "eu_share"] {
            #expect(x[id] != nil, "missing indicator \(id)")
        }
    }

    @Test("two runs with --deterministic are byte-identical")
    func deterministic() throws {
        let a = try run(["check", fixture("ucne-delavnice/csv"), "--format", "json", "--deterministic"])
        let b = try run(["check", fixture("ucne-delavnice/csv"), "--format", "json", "--deterministic"])
        #expect(a.stdout == b.stdout)
    }

    @Test("text output lists each finding with its record key, location and values, and a summary line last")
    func textOutput() throws {
        let r = try run(["check", fixture("ucne-delavnice/export.xml")])
        #expect(r.status == 1)
        #expect(r.stdout.split(separator: "\n").last?.hasPrefix("verdict: reject — 11 findings") == true)
        // (unwrapped: one line per finding)
        let wide = try run(["check", fixture("ucne-delavnice/export.xml"), "--width", "1000"])
        #expect(wide.stdout.contains("\n  [UD-000013/training] export.xml:65 /operation/participants/participant[13]/training/@end = \"2020-09-01\" — training of participant UD-000013: 2020-03-01 – 2020-09-01 (6 months)"))
    }

    @Test("with no input, check runs on the bundled sample from any working directory")
    func bundledSample() throws {
        let r = try run(["check"], in: URL(fileURLWithPath: "/"))
        #expect(r.status == 1)
        #expect(r.stdout.contains("operation UD-2019"))
        #expect(r.stdout.contains("ESF-CF-001"))
    }

    @Test("the clean scenario is accepted in both forms", arguments: ["export.xml", "csv"])
    func clean(form: String) throws {
        let r = try run(["check", fixture("clean/\(form)")])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("verdict: accept — 0 findings"))
    }

    @Test("--fail-on never still rejects nothing but review keeps exit 0")
    func failOn() throws {
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--fail-on", "never"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("verdict: review"))
    }

    @Test("an invalid user rule file exits 2 with file:line:column")
    func invalidRules() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "id: mine\ntitle: Mine\nversion: 1\nmodel: esf-operation-v1\n".write(to: dir.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        try "- id: MY-1\n  title: t\n  severity: error\n  scope: participant\n  assert: birth_dat != null\n  message: m\n".write(to: dir.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--rules", dir.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("rules.yaml:5:11: error: MY-1: unknown field 'birth_dat'"))
    }

    @Test("an unknown pack is a usage error that lists the packs")
    func unknownPack() throws {
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--pack", "nope"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("esf-2014-2020"))
    }

    @Test("an export no pack matches stops with exit 2, never 'valid'")
    func noMatchingPack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let xml = try String(contentsOfFile: fixture("clean/export.xml"), encoding: .utf8).replacingOccurrences(of: "period=\"2014-2020\"", with: "period=\"2007-2013\"")
        try xml.write(to: dir.appendingPathComponent("x.xml"), atomically: true, encoding: .utf8)
        let r = try run(["check", dir.appendingPathComponent("x.xml").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no rule pack matches"))
    }

    @Test("malformed XML exits 3 with file and line")
    func malformed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("broken.xml")
        try "<operation xmlns=\"urn:esfcheck:export:1\" id=\"X\" period=\"2014-2020\">\n<participants>\n<participant id=\"A\">\n</operation>\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try run(["check", file.path, "--pack", "esf-2014-2020"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("broken.xml:"))
    }

    @Test("rules list shows every rule id; verify runs every example")
    func rulesAndVerify() throws {
        let list = try run(["rules", "list"])
        #expect(list.status == 0)
        // every id of the catalogue (RULES.md), and its 2021–2027 twin (UD-EM-003 has none: no extension rule)
        let catalogue = ["ESF-CF-001", "ESF-CF-002", "ESF-CF-003", "ESF-CF-004", "ESF-CF-005", "ESF-EL-001",
                         "ESF-EL-002", "ESF-EL-003", "ESF-EL-004", "ESF-EL-005", "ESF-PD-001", "ESF-PD-002",
                         "ESF-PD-003", "ESF-PD-004", "ESF-PD-005", "ESF-PD-006", "ESF-REF-001", "ESF-REF-002",
                         "ESF-REF-003", "UD-CL-001", "UD-CL-002", "UD-CL-003", "UD-EM-001", "UD-EM-002",
                         "UD-EM-003", "UD-EM-004", "UD-EM-005", "UD-EM-007", "UD-FU-001", "UD-IND-001",
                         "UD-IND-002", "UD-IND-003", "UD-TG-001", "UD-TG-002", "UD-TG-003", "UD-TG-004",
                         "UD-TR-001", "UD-TR-002", "UD-TR-003", "UD-TR-004", "UD-TR-005", "UD-TR-006",
                         "UD-TR-007"]
        let listed = Set(list.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }.map { String($0.split(separator: " ")[0]) })
        for id in catalogue {
            #expect(listed.contains(id), "\(id) missing")
            let twin = id.hasPrefix("ESF-") ? "ESF21-" + id.dropFirst(4) : "UDP-" + id.dropFirst(3)
            if id != "UD-EM-003" { #expect(listed.contains(twin), "\(twin) missing") }
        }
        let verify = try run(["verify"])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("0 do not"))
    }

    @Test("--output writes the report atomically and leaves no temporary file")
    func outputFile() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("report.json")
        try "stale".write(to: out, atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("clean/csv"), "--format", "json", "--output", out.path])
        #expect(r.status == 0)
        // stdout has the summary line only (the report is in the file)
        #expect(r.stdout == "verdict: accept — 0 findings (0 fatal, 0 error, 0 review, 0 warning, 0 info); exit code 0\n")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
        #expect(object?["verdict"] as? String == "accept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.json"])
    }

    @Test("init writes a commented config; the config overrides parameters, re-grades and switches off rules")
    func config() throws {
        let dir = try temporaryDirectory()
        #expect(try run(["init"], in: dir).status == 0)
        let template = try String(contentsOf: dir.appendingPathComponent("esfcheck.yaml"), encoding: .utf8)
        #expect(template.contains("# parameters:"))
        // the commented template changes nothing
        #expect(try run(["check", fixture("ucne-delavnice/export.xml")], in: dir).stdout.contains("11 findings"))
        #expect(try run(["init"], in: dir).status == 2)
        try """
        parameters:
          ucne-delavnice:
            training_unit_cost: 600.00
        severity:
          UD-IND-001: { severity: info, reason: "indicator targets are checked at programme level" }
        disabled:
          - rule: ESF-PD-002
            reason: "EMŠO check under review"
        format: json
        """.write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice/export.xml")], in: dir)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let found = try findings(r.stdout)
        // 40 trainings of 6 months at 560.00 no longer match a unit cost of 600.00
        #expect(found.filter { $0["ruleID"] as? String == "UD-TR-002" }.count == 40)
        #expect(!found.contains { $0["ruleID"] as? String == "ESF-PD-002" })
        #expect(found.first { $0["ruleID"] as? String == "UD-IND-001" }?["severity"] as? String == "info")
        let disabled = try #require(object["disabledRules"] as? [[String: String]])
        #expect(disabled == [["ruleID": "ESF-PD-002", "reason": "EMŠO check under review"]])
    }

    @Test("an invalid config exits 2 listing every problem with file:line:column")
    func invalidConfig() throws {
        let dir = try temporaryDirectory()
        try """
        parameters:
          ucne-delavnice:
            training_months: six
            nope: 1
        disabled:
          - rule: ESF-PD-002
        colour: always
        """.write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice/export.xml")], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("esfcheck.yaml:3:22: error: parameter ucne-delavnice.training_months is int, got 'six'"))
        #expect(r.stderr.contains("esfcheck.yaml:4:5: error: pack ucne-delavnice has no parameter 'nope'"))
        #expect(r.stderr.contains("esfcheck.yaml:6:5: error: a rule is switched off with its id and a reason"))
        #expect(r.stderr.contains("esfcheck.yaml:7:1: error: unknown key 'colour'"))
    }

    @Test("rules show prints one rule with its legal basis and examples")
    func rulesShow() throws {
        let r = try run(["rules", "show", "UD-EM-003"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("assert: `extension_start != null"))
        #expect(r.stdout.contains("legal basis: ZRSZ"))
        #expect(try run(["rules", "show", "NOPE-1"]).status == 2)
    }

    @Test("record counts add up: read = evaluated + rejected, and match the rows of the files")
    func recordCounts() throws {
        let dir = try temporaryDirectory()
        let bundle = dir.appendingPathComponent("csv")
        try FileManager.default.copyItem(atPath: fixture("clean/csv"), toPath: bundle.path)
        // a ragged row and an orphaned employment row
        let participants = bundle.appendingPathComponent("participants.csv")
        try (try String(contentsOf: participants, encoding: .utf8) + "UD-999998,too,few\n").write(to: participants, atomically: true, encoding: .utf8)
        let employments = bundle.appendingPathComponent("employments.csv")
        var text = try String(contentsOf: employments, encoding: .utf8)
        let header = text.split(separator: "\n").first.map(String.init) ?? ""
        let cells = header.split(separator: ",").map { $0 == "participant_id" ? "UD-777777" : ($0 == "id" ? "UD-777777-E1" : "") }
        text += cells.joined(separator: ",") + "\n"
        try text.write(to: employments, atomically: true, encoding: .utf8)
        let r = try run(["check", bundle.path, "--format", "json"])
        #expect(r.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let inputs = try #require(object["inputs"] as? [[String: Any]])
        let records = try #require(inputs.first?["records"] as? [[String: Any]])
        for rec in records {
            let read = rec["read"] as? Int ?? -1, evaluated = rec["evaluated"] as? Int ?? -1, rejected = rec["rejected"] as? Int ?? -1
            #expect(read == evaluated + rejected, "\(rec)")
            let file = bundle.appendingPathComponent(["operation": "operation.csv", "provider": "providers.csv", "participant": "participants.csv",
                                                      "training": "trainings.csv", "employment": "employments.csv", "follow_up": "follow_ups.csv",
                                                      "expenditure": "expenditures.csv"][rec["entity"] as! String]!)
            let rows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").count - 1
            #expect(read == rows, "\(rec["entity"]!): \(read) read, \(rows) rows")
        }
        #expect(records.first { $0["entity"] as? String == "participant" }?["rejected"] as? Int == 1)
        #expect(records.first { $0["entity"] as? String == "employment" }?["rejected"] as? Int == 1)
        let ids = try findings(r.stdout).map { $0["ruleID"] as? String }
        #expect(ids.contains("ESFCHECK-IN-001"))
        #expect(ids.contains("ESFCHECK-IN-002"))
    }

    @Test("hostile XML is refused with exit 3: nothing fetched, expanded or echoed", arguments: ["xxe", "laughs", "dtd"])
    func hostile(kind: String) throws {
        let dir = try temporaryDirectory()
        let secret = dir.appendingPathComponent("secret.txt")
        try "TOP-SECRET-7f3a9c".write(to: secret, atomically: true, encoding: .utf8)
        let doc: String
        switch kind {
        case "xxe":
            doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE operation [<!ENTITY x SYSTEM \"file://\(secret.path)\">]>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"&x;\" period=\"2014-2020\"/>\n"
        case "laughs":
            var entities = "<!ENTITY l0 \"lol\">"
            for i in 1...9 { entities += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
            doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE operation [\(entities)]>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"&l9;\" period=\"2014-2020\"/>\n"
        default:
            doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE operation SYSTEM \"http://127.0.0.1:9/x.dtd\">\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"X\" period=\"2014-2020\"/>\n"
        }
        let file = dir.appendingPathComponent("\(kind).xml")
        try doc.write(to: file, atomically: true, encoding: .utf8)
        let r = try run(["check", file.path, "--pack", "esf-2014-2020", "--format", "json"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("\(kind).xml:2"))
        #expect(!r.stdout.contains("TOP-SECRET") && !r.stderr.contains("TOP-SECRET"))
        #expect(!r.stderr.contains("lollollol"))
    }

    @Test("broken input gets a clear message with its location and no crash", arguments: [
        ("truncated.xml", "<operation xmlns=\"urn:esfcheck:export:1\" id=\"X\" period=\"2014-2020\">\n<participants>\n<participant id=\"A\"", 3),
        ("notxml.xml", "this is not XML\n", 3),
        ("nul.xml", "<operation xmlns=\"urn:esfcheck:export:1\" id=\"X\u{0}\" period=\"2014-2020\"/>\n", 3),
    ])
    func brokenXML(name: String, content: String, status: Int32) throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent(name)
        try content.write(to: file, atomically: true, encoding: .utf8)
        let r = try run(["check", file.path, "--pack", "esf-2014-2020"])
        #expect(r.status == status)
        #expect(r.stderr.contains("\(name):"))
    }

    @Test("impossible dates and malformed amounts are fatal findings with the raw value and location")
    func badValues() throws {
        let dir = try temporaryDirectory()
        let bundle = dir.appendingPathComponent("csv")
        try FileManager.default.copyItem(atPath: fixture("clean/csv"), toPath: bundle.path)
        let expenditures = bundle.appendingPathComponent("expenditures.csv")
        var lines = try String(contentsOf: expenditures, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[header.firstIndex(of: "incurred_on")!] = "2022-02-31"
        cells[header.firstIndex(of: "eligible")!] = "1.2.3"
        lines[1] = cells.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: expenditures, atomically: true, encoding: .utf8)
        let r = try run(["check", bundle.path, "--format", "json"])
        #expect(r.status == 1)
        let bad = try findings(r.stdout).filter { $0["ruleID"] as? String == "ESFCHECK-IN-001" }
        #expect(bad.count == 2)
        let messages = bad.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains("2022-02-31") })
        #expect(messages.contains { $0.contains("1.2.3") })
        for f in bad {
            let loc = try #require(f["location"] as? [String: Any])
            #expect(loc["line"] as? Int == 2)
            #expect((loc["file"] as? String)?.hasSuffix("expenditures.csv") == true)
            #expect(loc["column"] != nil)
        }
    }

    @Test("the Slovenian legacy export (Windows-1250, ';', decimal comma, d. m. yyyy) gives the findings of its canonical twin")
    func slovenianLegacy() throws {
        let r = try run(["check", fixture("ucne-delavnice-si"), "--profile", "si-legacy-csv", "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let si = try findings(r.stdout)
        let canonical = try findings(run(["check", fixture("ucne-delavnice/csv"), "--format", "json"]).stdout)
        #expect(si.map { "\($0["ruleID"]!) \($0["recordKey"]!)" }.sorted() == (try expected("ucne-delavnice-si")))
        #expect(si.map { "\($0["ruleID"]!)|\($0["recordKey"]!)|\($0["message"]!)" } == canonical.map { "\($0["ruleID"]!)|\($0["recordKey"]!)|\($0["message"]!)" })
        // locations point into the Slovenian files
        #expect(si.contains { (($0["location"] as? [String: Any])?["file"] as? String)?.hasSuffix("izdatki.csv") == true })
        // without the profile the layout is not readable: a clear stop, never "valid"
        let plain = try run(["check", fixture("ucne-delavnice-si")])
        #expect(plain.status != 0)
        #expect(try run(["check", fixture("ucne-delavnice/export.xml"), "--profile", "si-legacy-csv"]).status == 2)
        #expect(try run(["check", fixture("ucne-delavnice-si"), "--profile", "nope"]).stderr.contains("si-legacy-csv"))
    }

    @Test("the Slovenian XML layout (own element names, child elements, decimal comma) gives the findings of the canonical XML")
    func slovenianXML() throws {
        let r = try run(["check", fixture("ucne-delavnice-si-xml/export.xml"), "--profile", "si-legacy-xml", "--format", "json"])
        #expect(r.status == 1, "\(r.stderr)")
        let si = try findings(r.stdout)
        let canonical = try findings(run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json"]).stdout)
        #expect(si.map { "\($0["ruleID"]!) \($0["recordKey"]!)" }.sorted() == (try expected("ucne-delavnice-si-xml")))
        #expect(si.map { "\($0["ruleID"]!)|\($0["recordKey"]!)|\($0["message"]!)" } == canonical.map { "\($0["ruleID"]!)|\($0["recordKey"]!)|\($0["message"]!)" })
        // locations use the profile's element names and field XPaths
        let xpaths = si.compactMap { ($0["location"] as? [String: Any])?["xpath"] as? String }
        #expect(xpaths.contains { $0.hasPrefix("/operacija/izdatki/izdatek[") && $0.hasSuffix("/datum_nastanka") })
        #expect(!xpaths.contains { $0.contains("/operation") })
        // without the profile the layout is not the canonical one; a CSV profile on XML and an XML profile on CSV are usage errors
        #expect(try run(["check", fixture("ucne-delavnice-si-xml/export.xml")]).status != 0)
        #expect(try run(["check", fixture("ucne-delavnice-si-xml/export.xml"), "--profile", "si-legacy-csv"]).status == 2)
        #expect(try run(["check", fixture("ucne-delavnice/csv"), "--profile", "si-legacy-xml"]).status == 2)
    }

    @Test("a profile can be written in esfcheck.yaml itself, checked with positions like any profile")
    func inlineProfile() throws {
        let dir = try temporaryDirectory()
        let shipped = try String(contentsOfFile: packageRoot.appendingPathComponent("Rules/profiles/si-legacy-csv.yaml").path, encoding: .utf8)
        let indented = shipped.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
        try ("profile:\n" + indented + "\n").write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice-si"), "--format", "json"], in: dir)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(try findings(r.stdout).map { "\($0["ruleID"]!) \($0["recordKey"]!)" }.sorted() == (try expected("ucne-delavnice-si")))
        try "profile:\n  id: broken\n  format: csv\n  encoding: ebcdic\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let bad = try run(["check", fixture("ucne-delavnice-si")], in: dir)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("esfcheck.yaml:4:13"), "\(bad.stderr)")
    }

    @Test("--help documents the exit codes")
    func help() throws {
        let r = try run(["--help"])
        #expect(r.stdout.contains("EXIT CODES"))
        #expect(r.stdout.contains("3  an input could not be read"))
    }
}
