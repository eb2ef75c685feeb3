import Foundation
import Testing

/// One input whose reports in every format (text, JSON, HTML, SARIF, JUnit, GitHub, CSV) are recorded as golden files: the reports as an auditor
/// reread them (docs/reread.md), compared byte for byte so that no change to a report goes unseen.
struct GoldenInput: CustomStringConvertible, Sendable {
    /// The fixture folder under Fixtures/ that holds the input and its golden/ folder.
    var folder: String
    /// `xml` or `csv`: the golden files are golden/<form>.txt, golden/<form>.json, golden/<form>.html and
    /// golden/<form>.sarif, .junit, .github, .csv.
    var form: String
    /// The input as given to the binary, relative to the package root (the working directory of the run).
    var input: String
    /// Options beyond `check <input> --deterministic` (a mapping profile).
    var options: [String] = []

    var description: String { "\(folder) \(form)" }
    var goldenFolder: String { "Fixtures/\(folder)/golden" }
    func golden(_ format: String) -> String { "\(goldenFolder)/\(form).\(format == "text" ? "txt" : format)" }
}

/// Every input with golden reports: the sample in both forms, the clean operation in both forms, the
/// two Slovenian layouts with their profiles, and every rule-family scenario in both forms. Named
/// here (the scenario folders from `scenarioFolders`, which `scenarioFoldersAreKnown` ties to the disk).
let goldenInputs: [GoldenInput] = {
    var inputs: [GoldenInput] = []
    for folder in ["ucne-delavnice", "clean"] + scenarioFolders.map({ "scenarios/\($0)" }) {
        inputs.append(GoldenInput(folder: folder, form: "xml", input: "Fixtures/\(folder)/export.xml"))
        inputs.append(GoldenInput(folder: folder, form: "csv", input: "Fixtures/\(folder)/csv"))
    }
    inputs.append(GoldenInput(folder: "ucne-delavnice-si", form: "csv", input: "Fixtures/ucne-delavnice-si", options: ["--profile", "si-legacy-csv"]))
    inputs.append(GoldenInput(folder: "ucne-delavnice-si-xml", form: "xml", input: "Fixtures/ucne-delavnice-si-xml/export.xml", options: ["--profile", "si-legacy-xml"]))
    return inputs
}()

/// What differs between machines or builds, replaced explicitly before comparing (and before
/// recording); docs/testing.md lists the same. Everything else, the tool version included, is
/// compared as the binary wrote it.
/// - the resource bundle the bundled model is read from (JSON `configuration.model.path`): its path
///   depends on the build folder, the platform triple and the configuration
///   (`.build/x86_64-unknown-linux-gnu/debug/esfcheck_ESFResources.resources` on Linux, a `.bundle` on
///   macOS, absolute or relative to the working directory) → `<resources>`
/// - the package root's absolute path, should a report name a file through it → `<root>`
func normaliseGolden(_ report: String) -> String {
    report
        .replacing(/[^"\s]*esfcheck_ESFResources\.(resources|bundle)/, with: "<resources>")
        .replacingOccurrences(of: packageRoot.path, with: "<root>")
}

/// A unified-diff-like excerpt of two texts: the first differing region (common lines before and after
/// removed), with three lines of context, capped at `limit` changed lines, and how many lines differ in all.
func goldenDiff(expected: String, actual: String, limit: Int = 40) -> String {
    let a = expected.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let b = actual.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var prefix = 0
    while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
    let removed = Array(a[prefix..<(a.count - suffix)]), added = Array(b[prefix..<(b.count - suffix)])
    let start = max(0, prefix - 3)
    let trailing = a[(a.count - suffix)..<min(a.count, a.count - suffix + 3)]
    let context = prefix - start + trailing.count
    var out = ["--- golden", "+++ esfcheck", "@@ -\(start + 1),\(removed.count + context) +\(start + 1),\(added.count + context) @@"]
    out += a[start..<prefix].map { " \($0)" }
    out += removed.prefix(limit).map { "-\($0)" }
    if removed.count > limit { out.append("… \(removed.count - limit) more removed lines") }
    out += added.prefix(limit).map { "+\($0)" }
    if added.count > limit { out.append("… \(added.count - limit) more added lines") }
    out += trailing.map { " \($0)" }
    let differing = Set(a).symmetricDifference(Set(b)).count
    out.append("(\(removed.count) golden lines replaced by \(added.count) in one region; about \(differing) distinct lines differ)")
    return out.joined(separator: "\n")
}

/// The formats recorded for every golden input: every format of `esfcheck check --format`.
let goldenFormats = ["text", "json", "html", "sarif", "junit", "github", "csv"]

@Suite("Golden reports through the built binary")
struct GoldenReportTests {
    @Test("the golden inputs are the known fixtures: 26 inputs, every scenario folder in both forms, and no golden file without an input")
    func inputsAreKnown() throws {
        // the scenario folders on disk, listed here independently of `scenarioFolders`
        let scenariosDir = packageRoot.appendingPathComponent("Fixtures/scenarios")
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: scenariosDir.path).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: scenariosDir.appendingPathComponent($0).path, isDirectory: &isDir) && isDir.boolValue
        }
        #expect(onDisk.count == 10)
        #expect(goldenInputs.count == 2 + 2 + 1 + 1 + 2 * onDisk.count)
        #expect(goldenInputs.count == 26)
        for name in onDisk {
            #expect(goldenInputs.filter { $0.folder == "scenarios/\(name)" }.map(\.form).sorted() == ["csv", "xml"], "\(name)")
        }
        #expect(Set(goldenInputs.map(\.description)).count == goldenInputs.count)
        for input in goldenInputs {
            #expect(FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent(input.input).path), "\(input.input)")
        }
        // every file in a golden/ folder under Fixtures/ is one this suite compares: none lingers unchecked
        let wanted = Set(goldenInputs.flatMap { input in goldenFormats.map { input.golden($0) } })
        var found = Set<String>()
        let fixtures = packageRoot.appendingPathComponent("Fixtures")
        let walker = try #require(FileManager.default.enumerator(atPath: fixtures.path))
        while let path = walker.nextObject() as? String {
            let parts = path.split(separator: "/")
            if parts.count >= 2, parts[parts.count - 2] == "golden" { found.insert("Fixtures/\(path)") }
        }
        if ProcessInfo.processInfo.environment["ESFCHECK_RECORD"] != "1" {
            #expect(found == wanted, "golden files without an input: \(found.subtracting(wanted).sorted()); missing: \(wanted.subtracting(found).sorted())")
        }
    }

    @Test("the reports of each input in every format are byte for byte the golden files (ESFCHECK_RECORD=1 re-records them)",
          arguments: goldenInputs)
    func report(_ input: GoldenInput) throws {
        let record = ProcessInfo.processInfo.environment["ESFCHECK_RECORD"] == "1"
        for format in goldenFormats {
            let r = try run(["check", input.input, "--deterministic", "--format", format] + input.options, in: packageRoot)
            // a finding report exits 0 or 1; anything else is not a report to record
            try #require(r.status == 0 || r.status == 1, "\(input) \(format): exit \(r.status): \(r.stderr)")
            #expect(r.stderr.isEmpty, "\(input) \(format): \(r.stderr)")
            let actual = normaliseGolden(r.stdout)
            let path = packageRoot.appendingPathComponent(input.golden(format))
            if record {
                try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
                try actual.write(to: path, atomically: true, encoding: .utf8)
                Issue.record("\(input.golden(format)) re-recorded; review the change (git diff) and run the tests again without ESFCHECK_RECORD")
                continue
            }
            let golden = try #require(try? String(contentsOf: path, encoding: .utf8),
                                      "\(input.golden(format)) is missing: record it with ESFCHECK_RECORD=1 swift test --filter GoldenReportTests")
            if golden != actual {
                Issue.record("""
                \(input.golden(format)) differs from the report of `esfcheck check \(([input.input, "--deterministic", "--format", format] + input.options).joined(separator: " "))`; \
                if the change is intended, re-record with ESFCHECK_RECORD=1 swift test --filter GoldenReportTests and review the diff
                \(goldenDiff(expected: golden, actual: actual))
                """)
            }
        }
    }

    @Test("each input's JSON report adds up: counts per severity, totals, verdict and exit code, and per rule evaluated = passed + failed + not applicable + errors with failed = its findings",
          arguments: goldenInputs)
    func countsAddUp(_ input: GoldenInput) throws {
        let r = try run(["check", input.input, "--deterministic", "--format", "json"] + input.options, in: packageRoot)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(input): \(r.stderr)")
        let found = try findings(r.stdout)
        let counts = try #require(report["counts"] as? [String: Int])
        for severity in ["fatal", "error", "review", "warning", "info"] {
            #expect(counts[severity] == found.filter { $0["severity"] as? String == severity }.count, "\(input) \(severity)")
        }
        #expect(report["findingsTotal"] as? Int == found.count && report["findingsShown"] as? Int == found.count, "\(input)")
        let rejects = (counts["fatal"] ?? 0) + (counts["error"] ?? 0) > 0
        let verdict = rejects ? "reject" : ((counts["review"] ?? 0) > 0 ? "review" : "accept")
        #expect(report["verdict"] as? String == verdict && report["exitCode"] as? Int == (rejects ? 1 : 0) && r.status == (rejects ? 1 : 0), "\(input)")
        let coverage = try #require(report["coverage"] as? [[String: Any]])
        let packs = try #require(report["packs"] as? [[String: Any]])
        #expect(coverage.count == packs.reduce(0) { $0 + ($1["rules"] as? Int ?? 0) }, "\(input): one coverage row per rule of the packs")
        for row in coverage {
            let id = row["ruleID"] as? String ?? "?"
            let n = { (k: String) in row[k] as? Int ?? -1 }
            #expect(n("evaluated") == n("passed") + n("failed") + n("notApplicable") + n("errors"), "\(input) \(id): \(row)")
            #expect(n("failed") == found.filter { $0["ruleID"] as? String == id }.count, "\(input) \(id): failed vs findings")
        }
        let covered = Set(coverage.compactMap { $0["ruleID"] as? String })
        for f in found { #expect(covered.contains(f["ruleID"] as? String ?? ""), "\(input): \(f["ruleID"] ?? "?") has no coverage row") }
    }

    @Test("the diff excerpt shows the changed lines with context and their count")
    func diffExcerpt() {
        let d = goldenDiff(expected: "a\nb\nc\nd\ne\n", actual: "a\nb\nX\nd\ne\n")
        #expect(d.contains("\n-c\n+X\n"))
        #expect(d.contains(" b\n-c"))
        #expect(d.contains("+X\n d"))
        #expect(d.contains("@@ -1,6 +1,6 @@"))  // two lines before, the changed one, three after (the last is the empty line after the final newline)
        #expect(!goldenDiff(expected: "a\n", actual: "a\nb\n").contains("-a"))
    }

    @Test("normalisation replaces the resource bundle's path and the package root, and nothing else")
    func normalisation() {
        let json = """
          "path" : ".build/x86_64-unknown-linux-gnu/debug/esfcheck_ESFResources.resources/Rules/models/esf-operation-v1.yaml",
          "path" : "/Users/a/esfcheck/.build/arm64-apple-macosx/release/esfcheck_ESFResources.bundle/Rules/models/esf-operation-v1.yaml",
          "toolVersion" : "0.1.0",
        """
        #expect(normaliseGolden(json) == """
          "path" : "<resources>/Rules/models/esf-operation-v1.yaml",
          "path" : "<resources>/Rules/models/esf-operation-v1.yaml",
          "toolVersion" : "0.1.0",
        """)
        #expect(normaliseGolden("\(packageRoot.path)/Fixtures/clean/export.xml\nFixtures/clean/export.xml:2 /operation") == "<root>/Fixtures/clean/export.xml\nFixtures/clean/export.xml:2 /operation")
    }
}
