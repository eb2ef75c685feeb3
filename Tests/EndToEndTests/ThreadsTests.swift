import Foundation
import Testing

/// The inputs of the threads comparison: every golden input, and the workbooks.
let threadInputs: [GoldenInput] = goldenInputs + [
    GoldenInput(folder: "xlsx", form: "xlsx", input: "Fixtures/xlsx/ucne-delavnice.xlsx"),
    GoldenInput(folder: "xlsx", form: "xlsx-si", input: "Fixtures/xlsx/ucne-delavnice-si.xlsx",
                options: ["--profile", "Fixtures/xlsx/si-legacy-xlsx.yaml"]),
]

/// `esfcheck check --threads`: reading on a thread of its own changes nothing a user sees.
@Suite("Threads: one and two give the same report")
struct ThreadsTests {
    @Test("every fixture: byte-identical JSON, SARIF and text reports and exit codes with --threads 1 and --threads 2",
          arguments: threadInputs)
    func sameReports(input: GoldenInput) throws {
        for format in ["json", "sarif", "text"] {
            let args = ["check", input.input, "--deterministic", "--format", format] + input.options
            let one = try run(args + ["--threads", "1"], in: packageRoot)
            let two = try run(args + ["--threads", "2"], in: packageRoot)
            #expect(one.status == 0 || one.status == 1, "\(input) \(format): \(one.stderr)")
            #expect(one.stdout == two.stdout && one.status == two.status && one.stderr == two.stderr, "\(input) \(format)")
        }
    }

    @Test("a malformed XML input: the same exit code, message and JSON error document on both")
    func malformedXML() throws {
        let dir = try temporaryDirectory()
        let text = try String(contentsOfFile: fixture("clean/export.xml"), encoding: .utf8)
        let at = text.index(text.startIndex, offsetBy: text.count / 2)
        let cut = text[at...].firstIndex(of: "<") ?? at
        let file = dir.appendingPathComponent("export.xml")
        try (text[..<cut] + "<<broken" + text[cut...]).write(to: file, atomically: true, encoding: .utf8)
        for format in ["json", "text"] {
            let one = try run(["check", file.path, "--format", format, "--threads", "1"])
            let two = try run(["check", file.path, "--format", format, "--threads", "2"])
            #expect(one.status == 3, "\(one.stderr)")
            #expect(one.status == two.status && one.stdout == two.stdout && one.stderr == two.stderr, "\(format)")
        }
    }

    @Test("a CSV row over --max-line-bytes in the middle of a file: the same exit 3 and message on both")
    func readerLimit() throws {
        let bundle = try copiedBundle("clean/csv")
        let expenditures = bundle.appendingPathComponent("expenditures.csv")
        var lines = try String(contentsOf: expenditures, encoding: .utf8).split(separator: "\n").map(String.init)
        let middle = lines.count / 2
        lines[middle] += String(repeating: "x", count: 3_000)
        try (lines.joined(separator: "\n") + "\n").write(to: expenditures, atomically: true, encoding: .utf8)
        let one = try run(["check", bundle.path, "--max-line-bytes", "2000", "--threads", "1"])
        let two = try run(["check", bundle.path, "--max-line-bytes", "2000", "--threads", "2"])
        #expect(one.status == 3)
        #expect(one.stderr.contains("expenditures.csv:\(middle + 1): the row starting on line \(middle + 1) is longer than 2000 bytes"), "\(one.stderr)")
        #expect(one.status == two.status && one.stdout == two.stdout && one.stderr == two.stderr)
    }

    @Test("--threads below 1 or not a number is a usage error (exit 2), before any input is read", arguments: ["0", "-1", "two", ""])
    func badValues(value: String) throws {
        let r = try run(["check", fixture("clean/export.xml"), "--threads", value])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("--threads"), "\(r.stderr)")
    }

    @Test("--threads 8: at most eight threads, the same report as one")
    func moreThanTwo() throws {
        let args = ["check", fixture("ucne-delavnice/export.xml"), "--deterministic", "--format", "json"]
        let one = try run(args + ["--threads", "1"])
        let eight = try run(args + ["--threads", "8"])
        #expect(one.status == 1 && one.stdout == eight.stdout)
    }
}
