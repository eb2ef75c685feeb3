import ESFCore
@testable import ESFReports
import Foundation
import Testing

/// The text report and the progress line on hand-made reports: wrapping, grouping, colour, fitting.
@Suite("Text report (unit)")
struct TextReportUnitTests {
    /// The words of `text`, whatever the spaces and line breaks between them.
    func words(_ text: String) -> [Substring] { text.split(whereSeparator: { $0 == " " || $0 == "\n" }) }

    let long = "participant UD-000027: EMŠO 2810******229 is not a valid EMŠO for birth date 1970-10-28 (13 digits, check digit, date of birth), and this sentence goes on well past any sensible width so that it must wrap more than once"

    func report(_ findings: [Finding], width: Int = 60) -> Report {
        var r = Report(toolVersion: "0.0.1", startedAt: nil, options: [:], packs: [PackInfo(id: "p", title: "P", version: "1", provisional: false, sha256: "", rules: 2)],
                       inputs: [InputInfo(path: "exports/a/export.xml", format: "xml", operation: "OP-1",
                                          files: [FileHash(path: "exports/a/export.xml", sha256: "")], records: [])],
                       failOn: .error, coverage: [RuleCoverage(ruleID: "R-1", pack: "p"), RuleCoverage(ruleID: "R-2", pack: "p")], findings: findings)
        r.configuration = nil
        return r
    }

    func finding(_ id: String, _ severity: Severity, key: String, message: String, line: Int = 12,
                 related: [RelatedLocation]? = nil, explain: [ExplainTerm] = []) -> Finding {
        var location = SourceLocation(file: "exports/a/export.xml", line: line, xpath: "/operation/participants/participant[28]/@emso")
        location.rawValue = "2810******229"
        return Finding(ruleID: id, severity: severity, message: message, recordKey: key, entity: "participant", location: location,
                       pack: "p", title: "The EMŠO is valid and matches the birth date of the participant as recorded",
                       legalBasis: ["Zakon o centralnem registru prebivalstva (EMŠO structure)", "Reg. (EU) No 1304/2013 Annex I"],
                       help: "Copy the EMŠO again from the participant's documents; its first seven digits are the birth date DDMMYYY",
                       explain: explain, relatedLocations: related)
    }

    @Test("wrap: lines fit the width, continuation lines carry the hanging indent, and no word is lost or cut", arguments: [20, 40, 61, 100])
    func wrap(width: Int) {
        let lines = TextLayout.wrap(long + " " + String(repeating: "x", count: 130), width: width, first: "  ", rest: "      ")
        #expect(lines.count > 1)
        for line in lines { #expect(line.count <= width, "\(line)") }
        #expect(lines.first?.hasPrefix("  ") == true)
        for line in lines.dropFirst() { #expect(line.hasPrefix("      "), "\(line)") }
        // the long word is split, not cut: its pieces add up to it
        let joined = lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(words(joined).dropLast(words(joined).count - words(long).count) == words(long)[...])
        #expect(joined.filter { $0 == "x" }.count == 130 + long.filter { $0 == "x" }.count)
    }

    @Test("wrap: a text that fits stays one line; a line break in the text starts a new line; a dash stays with the word before it")
    func wrapShort() {
        #expect(TextLayout.wrap("[K] f.xml:4 = \"4\" — message", width: 18) == ["[K] f.xml:4 =", "\"4\" — message"])
        #expect(TextLayout.wrap("a b c", width: 40, first: "> ", rest: "    ") == ["> a b c"])
        #expect(TextLayout.wrap("a\nb", width: 40, first: "> ", rest: "    ") == ["> a", "    b"])
    }

    @Test("the report: summary line first and last, the rule's title, legal basis and help once, every finding's whole message, lines within the width")
    func layout() {
        let related = [RelatedLocation(file: "exports/a/export.xml", line: 5, xpath: "/operation/participants/participant[2]", message: "first recorded as participant UD-000002")]
        let fs = [finding("R-1", .error, key: "UD-000027", message: long, related: related),
                  finding("R-1", .error, key: "UD-000028", message: "participant UD-000028: short", line: 13),
                  finding("R-2", .review, key: "OP-1", message: "operation OP-1: 40 participants, the target is 50", line: 2)]
        let r = report(fs)
        let out = TextReporter(color: false, explain: false, width: 60).render(r)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let summary = TextReporter(color: false, explain: false).summaryLine(r)
        #expect(summary == "verdict: reject — 3 findings (0 fatal, 2 error, 1 review, 0 warning, 0 info); exit code 1")
        #expect(lines.first == summary && lines.last == summary)
        for line in lines where line != summary { #expect(line.count <= 60, "\(line)") }
        // one heading per rule, the more severe first, with its count; legal basis and help once per rule
        let headings = lines.filter { $0.hasPrefix("error R-1") || $0.hasPrefix("review R-2") }
        #expect(headings.count == 2 && headings[0].hasPrefix("error R-1"))
        #expect(out.contains("error R-1 (2 findings): The EMŠO") && out.contains("review R-2 (1 finding): The EMŠO"))
        #expect(lines.filter { $0.hasPrefix("  legal basis: ") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("  how to fix: ") }.count == 2)
        // every finding's message is all there (the wrap only changes the spaces between words)
        for f in fs { #expect(words(out).map(String.init).joined(separator: " ").contains(words(f.message).joined(separator: " ")), "\(f.message)") }
        // the record key and place start the entry; with one input the file is named within it
        #expect(words(out).map(String.init).joined(separator: " ").contains("[UD-000028] export.xml:13 /operation/participants/participant[28]/@emso = \"2810******229\" — participant UD-000028: short"))
        #expect(lines.contains { $0.hasPrefix("  [UD-000028] export.xml:13") })
        #expect(!out.contains("exports/a/export.xml:"))
        #expect(out.contains("checked exports/a/export.xml (xml, operation OP-1)"))
        // the related location is shown under its finding
        #expect(lines.contains { $0.hasPrefix("    related: export.xml:5") })
        #expect(words(out).map(String.init).joined(separator: " ").contains("related: export.xml:5 /operation/participants/participant[2]: first recorded as participant UD-000002"))
        #expect(!out.contains("\u{1B}["))
    }

    @Test("two inputs: files are shown with their whole paths")
    func twoInputs() {
        var r = report([finding("R-1", .error, key: "K", message: "m")])
        r.inputs.append(InputInfo(path: "exports/b/export.xml", format: "xml", operation: "OP-2", files: [], records: []))
        let out = TextReporter(color: false, explain: false).render(r)
        #expect(out.contains("[K] exports/a/export.xml:12 /operation"))
    }

    @Test("--explain: the computation under the finding, wrapped within the width")
    func explainLines() {
        let f = finding("R-1", .error, key: "K", message: "m", explain: [ExplainTerm(expression: "round(total_eligible * eu_rate, 2) - eu_contribution and a long tail of words", value: "0.02")])
        let out = TextReporter(color: false, explain: true, width: 50).render(report([f]))
        #expect(out.contains("      round(total_eligible * eu_rate, 2) -"))
        #expect(words(out).map(String.init).joined(separator: " ").contains("a long tail of words = 0.02"))
        #expect(!TextReporter(color: false, explain: false, width: 50).render(report([f])).contains("= 0.02"))
    }

    @Test("colour: escape codes only when asked, and the same text without them")
    func colour() {
        let r = report([finding("R-1", .error, key: "K", message: long)])
        let plain = TextReporter(color: false, explain: false).render(r)
        let coloured = TextReporter(color: true, explain: false).render(r)
        #expect(!plain.contains("\u{1B}"))
        #expect(coloured.contains("\u{1B}[1;31merror\u{1B}[0m") && coloured.contains("\u{1B}[1;31mreject\u{1B}[0m"))
        #expect(coloured.replacing(/\x{1B}\[[0-9;]*m/, with: "") == plain)
    }

    @Test("a width below the minimum is taken as the minimum")
    func minimumWidth() {
        #expect(TextReporter(color: false, explain: false, width: 5).width == TextLayout.minimumWidth)
    }

    @Test("progress line: bar, share, bytes of the total and records/s, within the width; the end of an input says so", arguments: [30, 60, 80, 200])
    func progressLine(width: Int) {
        let p = CheckProgress(input: "exports/big/export.xml", inputIndex: 0, inputCount: 1, bytesRead: 110 << 20, bytesTotal: 220 << 20,
                              records: 50_000, elapsedNanoseconds: 2_000_000_000, done: false)
        let line = ProgressLine.render(p, width: width)
        #expect(line.count <= width - 1, "\(line)")
        #expect(line.contains("50%"))
        if width >= 60 {
            #expect(line.contains("110.0 MiB of 220.0 MiB") && line.contains("25000 records/s"), "\(line)")
            #expect(line.hasPrefix("[") && line.contains("#") && line.contains("."))
        }
        if width >= 200 { #expect(line.hasSuffix("export.xml")) }
        var done = p
        done.done = true
        done.bytesRead = done.bytesTotal
        #expect(ProgressLine.render(done, width: 200).contains("read 220.0 MiB, 50000 records in 2 s; finishing"))
    }

    @Test("progress line: byte sizes in binary units")
    func byteSizes() {
        #expect(ProgressLine.bytes(512) == "512 B")
        #expect(ProgressLine.bytes(1536) == "1.5 KiB")
        #expect(ProgressLine.bytes(8 << 20) == "8.0 MiB")
        #expect(ProgressLine.bytes(3 << 30) == "3.0 GiB")
    }
}
