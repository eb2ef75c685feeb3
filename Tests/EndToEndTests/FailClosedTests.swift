import Crypto
import Foundation
import Testing

/// Writes a user pack (pack.yaml + one rule file) into `dir` and returns it.
@discardableResult
func writePack(_ dir: URL, id: String = "mine", ruleFile: String = "rules.yaml", rules: String? = nil, selector: String = "") throws -> URL {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try "id: \(id)\ntitle: Mine\nversion: 1\nmodel: esf-operation-v1\n\(selector)".write(to: dir.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
    let text = rules ?? "- id: MY-1\n  title: every participant is flagged\n  severity: error\n  scope: participant\n  assert: \"false\"\n  message: flagged\n  legal_basis: [\"test\"]\n"
    try text.write(to: dir.appendingPathComponent(ruleFile), atomically: true, encoding: .utf8)
    return dir
}

func sha256(_ url: URL) throws -> String {
    SHA256.hash(data: try Data(contentsOf: url)).map { String(format: "%02x", $0) }.joined()
}

/// Runs the binary with stdout sent to a file descriptor of the caller's choosing (e.g. /dev/full).
func run(_ arguments: [String], stdoutTo path: String) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = try binary()
    process.arguments = arguments
    process.currentDirectoryURL = FileManager.default.temporaryDirectory
    process.standardOutput = try #require(FileHandle(forWritingAtPath: path))
    let err = Pipe()
    process.standardError = err
    try process.run()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: e, as: UTF8.self))
}

@Suite("Fail closed: rule and pack paths")
struct RulePathTests {
    let sample = fixture("ucne-delavnice/export.xml")

    @Test("a --rules path that does not exist, is empty, is a file or holds no pack is exit 2 with the path")
    func unusablePaths() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        try "x".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let strays = dir.appendingPathComponent("strays")
        try FileManager.default.createDirectory(at: strays, withIntermediateDirectories: true)
        try "- id: X-1\n".write(to: strays.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        for (path, expected) in [("nope", "nope: error: no such folder"), ("empty", "empty: error: holds no rule pack"),
                                 ("notes.txt", "notes.txt: error: is not a folder"),
                                 ("strays", "rules.yaml is not in a pack, so it would not be loaded")] {
            let r = try run(["check", sample, "--rules", path], in: dir)
            #expect(r.status == 2, "\(path): \(r.stdout)")
            #expect(r.stderr.contains(expected), "\(path): \(r.stderr)")
            #expect(!r.stdout.contains("verdict"))
        }
    }

    @Test("a pack without rule files, or with rule files in a sub-folder, is exit 2")
    func packWithoutRules() throws {
        let dir = try temporaryDirectory()
        let pack = dir.appendingPathComponent("p")
        try writePack(pack)
        try FileManager.default.removeItem(at: pack.appendingPathComponent("rules.yaml"))
        var r = try run(["check", sample, "--rules", "p"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("pack mine (p) holds no rule file"), "\(r.stderr)")
        try FileManager.default.createDirectory(at: pack.appendingPathComponent("more"), withIntermediateDirectories: true)
        try writePack(pack.appendingPathComponent("tmp"), id: "x")
        try FileManager.default.removeItem(at: pack.appendingPathComponent("tmp/pack.yaml"))
        try writePack(pack)
        r = try run(["check", sample, "--rules", "p"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("rules.yaml is in a sub-folder of pack mine, so it would not be loaded"), "\(r.stderr)")
    }

    @Test("rule files named *.YAML or *.yml are loaded, never skipped", arguments: ["rules.YAML", "rules.yml", "Rules.Yml"])
    func extensions(name: String) throws {
        let dir = try temporaryDirectory()
        try writePack(dir.appendingPathComponent("p"), ruleFile: name)
        let r = try run(["check", sample, "--rules", "p", "--format", "json"], in: dir)
        #expect(r.status == 1)
        let found = try findings(r.stdout).filter { $0["ruleID"] as? String == "MY-1" }
        #expect(found.count == 41, "one finding per participant record from \(name)")
    }

    @Test("--pack ID --rules DIR uses DIR's pack when it has a built-in pack's id; two user packs with one id are exit 2")
    func userPackWins() throws {
        let dir = try temporaryDirectory()
        try writePack(dir.appendingPathComponent("mine"), id: "esf-2014-2020")
        let r = try run(["check", sample, "--pack", "esf-2014-2020", "--rules", "mine", "--format", "json"], in: dir)
        #expect(r.status == 1)
        let ids = Set(try findings(r.stdout).compactMap { $0["ruleID"] as? String })
        #expect(ids == ["MY-1"], "only the user's pack ran: \(ids)")
        try writePack(dir.appendingPathComponent("other"), id: "esf-2014-2020")
        let twice = try run(["check", sample, "--rules", "mine", "--rules", "other"], in: dir)
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("pack id esf-2014-2020 is defined twice: in mine and in other"), "\(twice.stderr)")
    }

    @Test("relative rules paths work: verify ., verify ./, check --rules . from inside a pack", arguments: [".", "./", "../p"])
    func relativePaths(path: String) throws {
        let dir = try temporaryDirectory()
        let pack = try writePack(dir.appendingPathComponent("p"),
                                 rules: "- id: MY-1\n  title: t\n  severity: error\n  scope: participant\n  assert: \"true\"\n  message: m\n  legal_basis: [\"x\"]\n  examples:\n    pass: [{ id: P1 }]\n    fail: []\n")
        let v = try run(["verify", path], in: pack)
        #expect(v.status == 1, "no crash; the rule lacks a fail example: \(v.stderr)")
        #expect(v.stdout.contains("MY-1 lacks a pass or a fail example"), "\(v.stdout)\(v.stderr)")
        let c = try run(["check", fixture("clean/export.xml"), "--rules", path], in: pack)
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("packs: mine 1"))
    }

    @Test("a rules path in esfcheck.yaml that does not exist is exit 2 at its line and column")
    func configRulesPath() throws {
        let dir = try temporaryDirectory()
        try "rules:\n  - ./missing\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", sample], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("esfcheck.yaml:2:5: error: rules path ./missing: no such folder"), "\(r.stderr)")
    }
}

@Suite("Fail closed: output targets")
struct OutputTargetTests {
    @Test("--output naming an input (an XML export, a file of a CSV bundle) is exit 2 and the input is untouched")
    func outputIsInput() throws {
        let dir = try temporaryDirectory()
        let xml = dir.appendingPathComponent("export.xml")
        try FileManager.default.copyItem(atPath: fixture("clean/export.xml"), toPath: xml.path)
        let before = try sha256(xml)
        var r = try run(["check", "export.xml", "--output", "export.xml"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("never writes over its inputs"), "\(r.stderr)")
        #expect(try sha256(xml) == before)
        // the same file through another name (a symlink) is refused too
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("alias.txt").path, withDestinationPath: xml.path)
        r = try run(["check", "export.xml", "--output", "alias.txt"], in: dir)
        #expect(r.status == 2)
        #expect(try sha256(xml) == before)
        let bundle = dir.appendingPathComponent("csv")
        try FileManager.default.copyItem(atPath: fixture("clean/csv"), toPath: bundle.path)
        let participants = bundle.appendingPathComponent("participants.csv")
        let hash = try sha256(participants)
        r = try run(["check", "csv", "--output", "csv/participants.csv"], in: dir)
        #expect(r.status == 2)
        #expect(try sha256(participants) == hash)
    }

    @Test("--output onto a device, a FIFO, a folder or 'dir/' is refused", arguments: ["/dev/null", "fifo", "folder", "folder/", "missing/report.txt"])
    func notRegular(target: String) throws {
        let dir = try temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder"), withIntermediateDirectories: true)
        #expect(mkfifo(dir.appendingPathComponent("fifo").path, 0o644) == 0)
        let r = try run(["check", fixture("clean/export.xml"), "--output", target], in: dir)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("cannot write \(target)"), "\(r.stderr)")
        if target.hasPrefix("missing") { #expect(r.stderr.contains("the folder missing does not exist")) }
        // nothing was created beside the refused target
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["fifo", "folder"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("folder").path).isEmpty)
    }

    @Test("a planted symlink at the old temporary name redirects nothing; the report replaces the target atomically")
    func plantedSymlink() throws {
        let dir = try temporaryDirectory()
        let victim = dir.appendingPathComponent("victim.txt")
        try "precious".write(to: victim, atomically: true, encoding: .utf8)
        // the names an attacker could predict: .<name>.<pid>.tmp for the next few pids, and .<name>.tmp
        for suffix in ["tmp"] + (0..<64).map { "\(Int(getpid()) + $0).tmp" } {
            try? FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(".report.txt.\(suffix)").path, withDestinationPath: victim.path)
        }
        let r = try run(["check", fixture("clean/export.xml"), "--output", "report.txt"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
        #expect(try String(contentsOf: dir.appendingPathComponent("report.txt"), encoding: .utf8).contains("verdict: accept"))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("report.txt").path)
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: dir.path)).contains { $0.hasPrefix(".report.txt.") && !$0.hasSuffix(".tmp") })
    }

    @Test("a write error on stdout (/dev/full) is a clear message and exit 2, not a trap")
    func devFull() throws {
        let r = try run(["check", fixture("clean/export.xml")], stdoutTo: "/dev/full")
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write stdout: No space left on device"), "\(r.stderr)")
        let j = try run(["check", fixture("clean/export.xml"), "--format", "json"], stdoutTo: "/dev/full")
        #expect(j.status == 2)
    }
}

@Suite("Fail closed: exit codes and JSON error documents")
struct ExitCodeTests {
    @Test("argument errors exit 2, as documented", arguments: [
        ["--bogus"], ["--format", "xml"], ["--fail-on", "nope"], ["--max-findings", "0"], ["--format"], ["--config", "x.yaml", "--no-config"],
    ])
    func argumentErrors(arguments: [String]) throws {
        let r = try run(["check", fixture("clean/export.xml")] + arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains("Error:"))
    }

    func errorSchema() throws -> [String: Any] {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("docs/error.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("with --format json, exits 2 and 3 write a JSON document with the diagnostics to stdout", arguments: [
        (["check", "EXPORT", "--pack", "nope", "--format", "json"], 2, "unknown pack 'nope'"),
        (["check", "EXPORT", "--format", "json", "--max-findings", "0"], 2, "--max-findings must be at least 1"),
        (["check", "EXPORT", "--format", "json", "--rules", "/nonexistent/rules"], 2, "no such folder"),
        (["check", "BROKEN", "--format", "json", "--pack", "esf-2014-2020"], 3, ""),
    ])
    func jsonErrors(arguments: [String], status: Int32, message: String) throws {
        let dir = try temporaryDirectory()
        let broken = dir.appendingPathComponent("broken.xml")
        try "<operation id=\"X\">\n<participants>\n</operation>\n".write(to: broken, atomically: true, encoding: .utf8)
        let args = arguments.map { $0 == "EXPORT" ? fixture("clean/export.xml") : $0 == "BROKEN" ? broken.path : $0 }
        let r = try run(args)
        #expect(r.status == status, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "stdout: \(r.stdout)")
        let schema = try errorSchema()
        let problems = MiniSchema(schema: schema).violations(doc, schema)
        #expect(problems.isEmpty, "\(problems)")
        #expect(doc["verdict"] as? String == "error")
        #expect(doc["exitCode"] as? Int == Int(status))
        let diagnostics = try #require(doc["diagnostics"] as? [[String: Any]])
        #expect(!diagnostics.isEmpty)
        if status == 3 {
            #expect(diagnostics[0]["file"] as? String == broken.path)
            #expect((diagnostics[0]["line"] as? Int ?? 0) >= 1)
        } else {
            #expect(diagnostics.contains { ($0["message"] as? String ?? "").contains(message) }, "\(diagnostics)")
        }
    }

    @Test("a config's diagnostics are in the JSON error document with line and column")
    func jsonConfigErrors() throws {
        let dir = try temporaryDirectory()
        try "format: json\nfail_on: nope\n".write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("clean/export.xml"), "--format", "json"], in: dir)
        #expect(r.status == 2)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let d = try #require((doc["diagnostics"] as? [[String: Any]])?.first)
        #expect(d["file"] as? String == "esfcheck.yaml")
        #expect(d["line"] as? Int == 2)
        #expect(d["column"] as? Int == 10)
    }

    @Test("--help and the README document the same exit codes")
    func documented() throws {
        let help = try run(["--help"]).stdout
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for code in 0...3 {
            #expect(help.contains("\n  \(code)  "), "--help lacks exit code \(code)")
            #expect(readme.contains("| \(code) |"), "README lacks exit code \(code)")
        }
        #expect(help.contains("report cannot be written"))
        #expect(readme.contains("the report could not be written"))
    }
}

@Suite("Fail closed: a configuration that changes the verdict is visible")
struct ConfigVisibilityTests {
    @Test("the text header names the config, fail-on, re-grades with reasons and overridden parameters; JSON adds the hashes")
    func visible() throws {
        let dir = try temporaryDirectory()
        let config = dir.appendingPathComponent("esfcheck.yaml")
        try """
        parameters:
          ucne-delavnice:
            training_unit_cost: 560.00
            subsidy_full_time_monthly: 800.00
        severity:
          ESF-CF-003: { severity: info, reason: "rounding agreed with the managing authority" }
        fail_on: never
        """.write(to: config, atomically: true, encoding: .utf8)
        let text = try run(["check", fixture("ucne-delavnice/export.xml")], in: dir)
        #expect(text.status == 0)
        #expect(text.stdout.contains("config: esfcheck.yaml (found in the working directory)"))
        #expect(text.stdout.contains("fail-on: never (set by the config)"))
        #expect(text.stdout.contains("rule ESF-CF-003 re-graded by the config: error → info (rounding agreed with the managing authority)"))
        #expect(text.stdout.contains("parameter ucne-delavnice.subsidy_full_time_monthly = 800.00 set by the config (pack default 740.00)"), "\(text.stdout.prefix(800))")
        // a value equal to the default overrides nothing
        #expect(!text.stdout.contains("training_unit_cost"))
        let json = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json"], in: dir)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let c = try #require(object["configuration"] as? [String: Any])
        #expect((c["file"] as? [String: Any])?["sha256"] as? String == (try sha256(config)))
        #expect(c["failOn"] as? String == "never")
        #expect(c["failOnSource"] as? String == "config")
        #expect((c["model"] as? [String: Any])?["sha256"] as? String == (try sha256(packageRoot.appendingPathComponent("Rules/models/esf-operation-v1.yaml"))))
        #expect((c["severityOverrides"] as? [[String: Any]])?.first?["from"] as? String == "error")
        // --no-config ignores it: the sample is rejected again, and the header says so
        let plain = try run(["check", fixture("ucne-delavnice/export.xml"), "--no-config"], in: dir)
        #expect(plain.status == 1)
        #expect(plain.stdout.contains("config: none (--no-config)"))
        #expect(plain.stdout.contains("fail-on: error (default)"))
    }

    @Test("a profile's file is hashed in the envelope")
    func profileHash() throws {
        let r = try run(["check", fixture("ucne-delavnice-si"), "--profile", "si-legacy-csv", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let c = try #require(object["configuration"] as? [String: Any])
        #expect(c["profile"] as? String == "si-legacy-csv")
        let file = try #require(c["profileFile"] as? [String: Any])
        #expect(file["sha256"] as? String == (try sha256(packageRoot.appendingPathComponent("Rules/profiles/si-legacy-csv.yaml"))))
    }

    @Test("a re-grade without a reason is exit 2 at its position; every config problem is reported in one run")
    func allProblems() throws {
        let dir = try temporaryDirectory()
        try """
        severity:
          UD-IND-001: info
          NOPE-001: { severity: info, reason: "x" }
        disabled:
          - { rule: NOPE-002, reason: "y" }
        fail_on: nope
        format: yaml
        parameters:
          ucne-delavnice:
            training_months: six
        """.write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("ucne-delavnice/export.xml")], in: dir)
        #expect(r.status == 2)
        for expected in ["esfcheck.yaml:2:15: error: re-grading UD-IND-001 needs a reason",
                         "esfcheck.yaml:3:3: error: no rule NOPE-001",
                         "esfcheck.yaml:5:5: error: no rule NOPE-002",
                         "esfcheck.yaml:6:10: error: unknown fail_on 'nope'",
                         "esfcheck.yaml:7:9: error: unknown format 'yaml'",
                         "esfcheck.yaml:10:22: error: parameter ucne-delavnice.training_months is int, got 'six'"] {
            #expect(r.stderr.contains(expected), "missing: \(expected)\n\(r.stderr)")
        }
    }
}

@Suite("Pack hashes")
struct PackHashTests {
    /// The documented pack hash (README): per file, sorted by path, the path relative to the pack folder
    /// (`../BASE/FILE` for a base pack's file), NUL, the file's SHA-256 in hex and a newline.
    func documentedHash(pack: String, base: String?) throws -> String {
        let rules = packageRoot.appendingPathComponent("Rules")
        var entries: [(String, URL)] = []
        func add(_ folder: String, prefix: String) throws {
            for name in try FileManager.default.contentsOfDirectory(atPath: rules.appendingPathComponent(folder).path) where name.hasSuffix(".yaml") {
                if !prefix.isEmpty && name == "pack.yaml" { continue }
                entries.append((prefix + name, rules.appendingPathComponent("\(folder)/\(name)")))
            }
        }
        try add(pack, prefix: "")
        if let base { try add(base, prefix: "../\(base)/") }
        // sorted by absolute path, as the tool sorts them
        let sorted = entries.sorted { $0.1.path < $1.1.path }
        let text = try sorted.map { "\($0.0)\u{0}\(try sha256($0.1))\n" }.joined()
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    @Test("pack hashes follow the documented recipe and do not depend on where esfcheck is installed")
    func recipe() throws {
        let r = try run(["check", fixture("scenarios/plus-2021-2027/export.xml"), "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
        let packs = try #require(object["packs"] as? [[String: Any]])
        let hashes = Dictionary(uniqueKeysWithValues: packs.compactMap { p in (p["id"] as? String).map { ($0, p["sha256"] as? String ?? "") } })
        #expect(hashes.count == 2)
        #expect(hashes["esf-2021-2027"] == (try documentedHash(pack: "esf-2021-2027", base: "esf-2014-2020")))
        #expect(hashes["ucne-delavnice-plus"] == (try documentedHash(pack: "ucne-delavnice-plus", base: "ucne-delavnice")))
    }
}
