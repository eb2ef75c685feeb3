import Foundation
import Testing

/// Runs the binary with stdout and/or stderr on a pseudo-terminal of `columns` columns (python3's pty
/// module), the others on pipes; NO_COLOR and COLUMNS removed unless given in `environment`.
func runOnTerminal(_ arguments: [String], stdout stdoutTTY: Bool, stderr stderrTTY: Bool, columns: Int = 80,
                   environment: [String: String] = [:], in directory: URL = FileManager.default.temporaryDirectory) throws -> RunResult {
    let script = #"""
    import base64, fcntl, json, os, pty, select, struct, subprocess, sys, termios
    cfg = json.loads(sys.argv[1])
    def terminal():
        m, s = pty.openpty()
        fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cfg["columns"], 0, 0))
        attrs = termios.tcgetattr(s)
        attrs[1] &= ~termios.OPOST  # no LF -> CRLF translation: the bytes as written
        termios.tcsetattr(s, termios.TCSANOW, attrs)
        return m, s
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    env.update(cfg["env"])
    ends = {}
    args = {}
    slaves = []
    for name, tty in (("stdout", cfg["stdoutTTY"]), ("stderr", cfg["stderrTTY"])):
        if tty:
            m, s = terminal()
            ends[name] = m
            args[name] = s
            slaves.append(s)
        else:
            args[name] = subprocess.PIPE
    p = subprocess.Popen(cfg["args"], stdout=args["stdout"], stderr=args["stderr"], cwd=cfg["cwd"], env=env)
    for s in slaves:
        os.close(s)
    if not cfg["stdoutTTY"]:
        ends["stdout"] = p.stdout.fileno()
    if not cfg["stderrTTY"]:
        ends["stderr"] = p.stderr.fileno()
    data = {"stdout": b"", "stderr": b""}
    open_fds = dict((fd, name) for name, fd in ends.items())
    while open_fds:
        ready, _, _ = select.select(list(open_fds), [], [])
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if chunk:
                data[open_fds[fd]] += chunk
            else:
                del open_fds[fd]
    status = p.wait()
    print(json.dumps({"status": status, "stdout": base64.b64encode(data["stdout"]).decode(), "stderr": base64.b64encode(data["stderr"]).decode()}))
    """#
    let config: [String: Any] = ["args": [try binary().path] + arguments, "stdoutTTY": stdoutTTY, "stderrTTY": stderrTTY,
                                 "columns": columns, "env": environment, "cwd": directory.path]
    let configText = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
    let python = try #require((path + ["/usr/bin/python3", "/usr/local/bin/python3"]).first { FileManager.default.isExecutableFile(atPath: $0) },
                              "python3 is needed for the pseudo-terminal tests")
    let r = try runHelper([python, "-c", script, configText])
    try #require(r.status == 0, "the pty helper failed: \(r.stderr)")
    let result = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    func decoded(_ key: String) -> String { String(decoding: Data(base64Encoded: result[key] as? String ?? "") ?? Data(), as: UTF8.self) }
    return RunResult(status: Int32(result["status"] as? Int ?? -1), stdout: decoded("stdout"), stderr: decoded("stderr"))
}

/// Runs a helper program (not the binary): `command[0]` with the rest as its arguments.
private func runHelper(_ command: [String]) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    return try finished(process)
}

/// The summary line of the bundled sample's report.
let sampleSummary = "verdict: reject — 11 findings (0 fatal, 10 error, 1 review, 0 warning, 0 info); exit code 1"

/// The text with ANSI colour codes removed.
func uncoloured(_ s: String) -> String { s.replacing(/\x{1B}\[[0-9;]*m/, with: "") }

@Suite("Text report through the binary: header, width, --quiet, --color, summary line, progress bar")
struct TextReportTests {
    @Test("the sample's text report: the summary line first and last, the legal basis and help of a rule once, no line over 100 characters, every finding's whole message")
    func sampleLayout() throws {
        let r = try run(["check", "--deterministic"])
        #expect(r.status == 1 && r.stderr.isEmpty, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines.first == sampleSummary && lines.last == sampleSummary)
        #expect(lines.filter { $0.count > 100 }.isEmpty, "\(lines.filter { $0.count > 100 })")
        #expect(!r.stdout.contains("\u{1B}["))
        // one heading per rule with findings, each with its legal basis and help once
        #expect(lines.filter { $0.hasPrefix("error ") || $0.hasPrefix("review ") }.count == 11)
        #expect(lines.filter { $0.hasPrefix("  legal basis: ") }.count == 11)
        #expect(lines.filter { $0.hasPrefix("  how to fix: ") }.count == 11)
        let json = try run(["check", "--deterministic", "--format", "json"])
        let words = r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        for f in try findings(json.stdout) {
            let message = try #require(f["message"] as? String)
            #expect(words.contains(message.split(separator: " ").joined(separator: " ")), "\(message)")
            #expect(words.contains("[\(f["recordKey"] as? String ?? "?")]"))
        }
    }

    @Test("--quiet prints the summary line only, and no progress bar; with --output the report goes to the file")
    func quiet() throws {
        let r = try run(["check", "--deterministic", "--quiet"])
        #expect(r.status == 1 && r.stderr.isEmpty)
        #expect(r.stdout == sampleSummary + "\n")
        let dir = try temporaryDirectory()
        let q = try run(["check", "--deterministic", "--quiet", "--output", "report.txt"], in: dir)
        #expect(q.status == 1 && q.stdout == sampleSummary + "\n")
        let file = try String(contentsOf: dir.appendingPathComponent("report.txt"), encoding: .utf8)
        #expect(file.hasPrefix(sampleSummary + "\n") && file.hasSuffix("\n" + sampleSummary + "\n") && file.contains("how to fix: "))
    }

    @Test("with --output the summary line still goes to stdout, in every format; without it stdout is the report alone",
          arguments: ["text", "json", "sarif", "junit", "github", "csv"])
    func summaryOnStdout(format: String) throws {
        let dir = try temporaryDirectory()
        let r = try run(["check", "--deterministic", "--format", format, "--output", "report.\(format)"], in: dir)
        #expect(r.status == 1 && r.stderr.isEmpty)
        #expect(r.stdout == sampleSummary + "\n")
        let written = try Data(contentsOf: dir.appendingPathComponent("report.\(format)"))
        let alone = try run(["check", "--deterministic", "--format", format])
        #expect(Data(alone.stdout.utf8) == written, "the file holds what stdout would")
        if format == "json" || format == "sarif" { #expect((try? JSONSerialization.jsonObject(with: written)) != nil) }
        if format != "text" { #expect(!alone.stdout.contains("verdict: reject —")) }
    }

    @Test("--color always colours even with NO_COLOR set or into a file; never and a pipe do not")
    func colourChoices() throws {
        let always = try run(["check", "--deterministic", "--color", "always"], environment: ["NO_COLOR": "1"])
        #expect(always.stdout.contains("\u{1B}[1;31mreject\u{1B}[0m") && always.stdout.contains("\u{1B}[1;31merror\u{1B}[0m"))
        let plain = try run(["check", "--deterministic"], environment: [:])
        #expect(uncoloured(always.stdout) == plain.stdout)
        #expect(!plain.stdout.contains("\u{1B}"))
        #expect(!(try run(["check", "--deterministic", "--color", "never"], environment: [:])).stdout.contains("\u{1B}"))
        let dir = try temporaryDirectory()
        _ = try run(["check", "--deterministic", "--color", "always", "--output", "r.txt"], environment: [:], in: dir)
        #expect(try String(contentsOf: dir.appendingPathComponent("r.txt"), encoding: .utf8).contains("\u{1B}[1;31merror"))
        _ = try run(["check", "--deterministic", "--output", "r2.txt"], environment: [:], in: dir)
        #expect(!(try String(contentsOf: dir.appendingPathComponent("r2.txt"), encoding: .utf8)).contains("\u{1B}"))
        let bad = try run(["check", "--color", "sometimes"])
        #expect(bad.status == 2 && bad.stdout.isEmpty)
    }

    @Test("on a terminal: coloured unless NO_COLOR is set (the empty string does not count), lines fitted to its width")
    func terminal() throws {
        let tty = try runOnTerminal(["check", "--deterministic"], stdout: true, stderr: false, columns: 72)
        #expect(tty.status == 1)
        #expect(tty.stdout.contains("\u{1B}[1;31mreject\u{1B}[0m"))
        let lines = uncoloured(tty.stdout).split(separator: "\n").map(String.init)
        #expect(lines.first == sampleSummary && lines.last == sampleSummary)
        let long = lines.filter { $0.count > 72 && $0 != sampleSummary }
        #expect(long.isEmpty, "\(long)")
        // the same report in a pipe is laid out for 100 columns: it has lines that the terminal's 72 would not take
        #expect(try run(["check", "--deterministic"]).stdout.split(separator: "\n").contains { $0.count > 72 && $0 != sampleSummary })
        let noColor = try runOnTerminal(["check", "--deterministic"], stdout: true, stderr: false, columns: 72, environment: ["NO_COLOR": "1"])
        #expect(!noColor.stdout.contains("\u{1B}"))
        #expect(noColor.stdout == uncoloured(tty.stdout))
        let empty = try runOnTerminal(["check", "--deterministic"], stdout: true, stderr: false, columns: 72, environment: ["NO_COLOR": ""])
        #expect(empty.stdout.contains("\u{1B}[1;31m"))
        let never = try runOnTerminal(["check", "--deterministic", "--color", "never"], stdout: true, stderr: false, columns: 72)
        #expect(!never.stdout.contains("\u{1B}"))
    }

    @Test("--width fits the lines whatever stdout is; below 40 it is a usage error")
    func widthOption() throws {
        let r = try run(["check", "--deterministic", "--width", "60"])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.count <= 60 || $0 == sampleSummary }, "\(lines.filter { $0.count > 60 })")
        #expect(lines.contains { $0.count > 50 && $0 != sampleSummary })
        let narrow = try run(["check", "--width", "39"])
        #expect(narrow.status == 2 && narrow.stdout.isEmpty && narrow.stderr.contains("--width must be at least 40"), "\(narrow.stderr)")
    }

    /// The clean export followed by `megabytes` MiB of comments: a large input that reads fast.
    func largeInput(megabytes: Int) throws -> URL {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("large.xml")
        var data = try Data(contentsOf: URL(fileURLWithPath: fixture("clean/export.xml")))
        let comment = Data(("<!-- " + String(repeating: "padding ", count: 126) + "-->\n").utf8)  // 1 KiB
        for _ in 0..<(megabytes * 1024) { data.append(comment) }
        try data.write(to: file)
        return file
    }

    @Test("a large input: a progress bar on stderr when it is a terminal, cleared at the end; nothing on stderr otherwise, or with --quiet, or for a small input")
    func progressBar() throws {
        let input = try largeInput(megabytes: 9)
        let piped = try run(["check", input.path, "--deterministic"])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
        let shown = try runOnTerminal(["check", input.path, "--deterministic"], stdout: false, stderr: true)
        #expect(shown.status == 0)
        #expect(shown.stderr.contains("records/s") || shown.stderr.contains("finishing"), "\(shown.stderr.debugDescription)")
        #expect(shown.stderr.contains("of 9."), "\(shown.stderr.debugDescription)")
        #expect(shown.stderr.hasPrefix("\r") && shown.stderr.hasSuffix("\r\u{1B}[K"), "\(shown.stderr.debugDescription)")
        #expect(shown.stdout == piped.stdout, "the report is the same")
        let quiet = try runOnTerminal(["check", input.path, "--deterministic", "--quiet"], stdout: false, stderr: true)
        #expect(quiet.stderr.isEmpty && quiet.stdout == piped.stdout.split(separator: "\n").last.map { $0 + "\n" })
        let small = try runOnTerminal(["check", "--deterministic"], stdout: false, stderr: true)
        #expect(small.status == 1 && small.stderr.isEmpty, "\(small.stderr.debugDescription)")
    }
}

/// The inputs of the determinism and XML/CSV tests: each pair holds the same data in two forms.
let formPairs: [(xml: [String], csv: [String])] = [
    (["Fixtures/ucne-delavnice/export.xml"], ["Fixtures/ucne-delavnice/csv"]),
    (["Fixtures/ucne-delavnice/export.xml"], ["Fixtures/ucne-delavnice-si", "--profile", "si-legacy-csv"]),
    (["Fixtures/ucne-delavnice-si-xml/export.xml", "--profile", "si-legacy-xml"], ["Fixtures/ucne-delavnice/csv"]),
    (["Fixtures/clean/export.xml"], ["Fixtures/clean/csv"]),
] + scenarioFolders.map { (["Fixtures/scenarios/\($0)/export.xml"], ["Fixtures/scenarios/\($0)/csv"]) }

let reportFormats = ["text", "json", "sarif", "junit", "github", "csv"]

@Suite("Determinism: the same report twice, and the same findings from both forms of the same data")
struct DeterminismTests {
    @Test("with --deterministic two runs write byte-identical reports, in every format", arguments: reportFormats)
    func twice(format: String) throws {
        for input in [["Fixtures/ucne-delavnice/export.xml"], ["Fixtures/ucne-delavnice/csv"], ["Fixtures/ucne-delavnice-si", "--profile", "si-legacy-csv"]] {
            let a = try run(["check"] + input + ["--deterministic", "--format", format], in: packageRoot)
            let b = try run(["check"] + input + ["--deterministic", "--format", format], in: packageRoot)
            #expect(a.status == 1 && !a.stdout.isEmpty, "\(input) \(format): \(a.stderr)")
            #expect(a.stdout == b.stdout, "\(input) \(format)")
        }
    }

    /// A report with everything that says where (files, lines, XPaths, records, columns, the text as
    /// written, hashes, the input's form) taken out: what must be the same for both forms of the data.
    static func withoutLocations(_ report: String, format: String) throws -> String {
        func json(_ object: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self)
        }
        func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }
        switch format {
        case "json":
            var o = try object(report)
            o["findings"] = (o["findings"] as? [[String: Any]] ?? []).map { f -> [String: Any] in
                var f = f
                f["location"] = nil
                f["relatedLocations"] = (f["relatedLocations"] as? [[String: Any]])?.map { $0["message"] ?? "" }
                return f
            }
            o["inputs"] = (o["inputs"] as? [[String: Any]] ?? []).map { ["operation": $0["operation"] ?? "", "indicators": $0["indicators"] ?? [], "records": $0["records"] ?? []] }
            o["configuration"] = nil
            o["options"] = nil
            return try json(o)
        case "sarif":
            var o = try object(report)
            var runs = o["runs"] as? [[String: Any]] ?? []
            runs = runs.map { run in
                var run = run
                run["results"] = (run["results"] as? [[String: Any]] ?? []).map { r -> [String: Any] in
                    var r = r
                    r["locations"] = nil
                    r["relatedLocations"] = (r["relatedLocations"] as? [[String: Any]])?.map { $0["message"] ?? "" }
                    var p = r["properties"] as? [String: Any] ?? [:]
                    p["field"] = nil
                    p["sourceField"] = nil
                    p["value"] = nil
                    r["properties"] = p
                    return r
                }
                return run
            }
            o["runs"] = runs
            return try json(o)
        case "csv":
            // rule, severity, record_key, participant, message, legal_basis, fingerprint, status, waiver: without
            // file, line, column, field, value
            return try csvRows(report).map { row in
                try #require(row.count == 14, "\(row)")
                return [row[0], row[1], row[2], row[3], row[9], row[10], row[11], row[12], row[13]].joined(separator: "\t")
            }.joined(separator: "\n")
        case "github":
            // the properties hold the place (file, line, col) and the message ends with it: title and message kept
            return try report.split(separator: "\n").map { line in
                let m = try #require(line.wholeMatch(of: #/::(\w+) (?:.*,)?title=([^,:]*)::(.*?)(?: \(at [^()]*(?:\([^()]*\)[^()]*)*\))?/#), "\(line)")
                return "\(m.1) \(m.2) \(m.3)"
            }.joined(separator: "\n")
        case "junit":
            // a failure's text starts with its place; a related location starts with one
            return report.replacing(#/">(?:[^<&]|&quot;|&apos;|&amp;|&lt;|&gt;)*?&#10;/#, with: "\">&#10;")
                .replacing(#/related: [^&]*?: /#, with: "related: ")
        default:
            return try textWithoutLocations(report)
        }
    }

    /// The text report with its wrapped lines joined again, and with every place taken out: the input's
    /// path and form in the header, the place between a finding's record key and its message, the place of
    /// a related location.
    static func textWithoutLocations(_ report: String) throws -> String {
        var logical: [String] = []
        for line in report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let continues = line.hasPrefix("    ") && !line.hasPrefix("    related: ") && !logical.isEmpty && !(logical.last ?? "").isEmpty
            if continues, let last = logical.popLast() {
                logical.append(last + " " + line.trimmingCharacters(in: .whitespaces))
            } else {
                logical.append(line)
            }
        }
        return logical.compactMap { line -> String? in
            if line.hasPrefix("checked ") || line.hasPrefix("  columns ") || line.hasPrefix("  optional columns ") { return nil }
            if line.hasPrefix("  ["), let end = line.range(of: " — "), let key = line.range(of: "] ") {
                return String(line[..<key.upperBound]) + String(line[end.upperBound...])
            }
            if line.hasPrefix("    related: "), let sep = line.dropFirst(13).range(of: ": ") {
                return "    related: " + line[sep.upperBound...]
            }
            return line
        }.joined(separator: "\n")
    }

    @Test("the XML and CSV forms of the same data give the same findings in every format, apart from where they are",
          arguments: reportFormats)
    func sameFindingsInBothForms(format: String) throws {
        for pair in formPairs {
            let xml = try run(["check"] + pair.xml + ["--deterministic", "--format", format], in: packageRoot)
            let csv = try run(["check"] + pair.csv + ["--deterministic", "--format", format], in: packageRoot)
            #expect(xml.status == csv.status && xml.stderr.isEmpty && csv.stderr.isEmpty, "\(pair) \(format)")
            let a = try Self.withoutLocations(xml.stdout, format: format)
            let b = try Self.withoutLocations(csv.stdout, format: format)
            // (the CSV and GitHub formats of an export without findings are empty or a header)
            #expect(!a.isEmpty || format == "github", "\(pair.xml[0]) \(format)")
            if a != b {
                Issue.record("\(pair.xml[0]) and \(pair.csv[0]) differ in \(format):\n\(goldenDiff(expected: a, actual: b))")
            }
        }
    }

    @Test("the location-free text keeps the findings: the record keys and messages are there")
    func textNormalisationKeepsFindings() throws {
        let r = try run(["check", "Fixtures/ucne-delavnice/csv", "--deterministic"], in: packageRoot)
        let text = try Self.textWithoutLocations(r.stdout)
        #expect(text.contains("  [UD-000027] participant UD-000027: EMŠO 2810******229 is not a valid EMŠO for birth date 1970-10-28 (13 digits, check digit, date of birth)"), "\(text)")
        #expect(!text.contains("participants.csv"))
    }
}

/// The rows of an RFC 4180 CSV text (header included).
func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var cell = ""
    var quoted = false
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" {
                    cell.append("\"")
                    chars = chars.dropFirst()
                } else {
                    quoted = false
                }
            } else {
                cell.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(cell)
            cell = ""
        } else if c == "\n" {
            row.append(cell)
            rows.append(row)
            row = []
            cell = ""
        } else {
            cell.append(c)
        }
    }
    if !cell.isEmpty || !row.isEmpty {
        row.append(cell)
        rows.append(row)
    }
    return rows
}
