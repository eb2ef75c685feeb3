import ESFReports
import Foundation
import Testing

/// `esfcheck check --lang sl|en` and the locale default through the built binary: the report's own
/// words, number and date formats, the CLI's diagnostics; golden files of the Slovenian sample report.
@Suite("Reports and diagnostics in Slovenian")
struct LanguageTests {
    static let sample = "Fixtures/ucne-delavnice/export.xml"
    static let golden = packageRoot.appendingPathComponent("Tests/EndToEndTests/Golden/formats")
    /// No locale at all unless a test sets one (the machine's own must not decide).
    static let noLocale = ["LC_ALL": "", "LC_MESSAGES": "", "LANG": ""]

    func check(_ extra: [String], format: String = "text", environment: [String: String] = noLocale) throws -> RunResult {
        let r = try run(["check", Self.sample, "--format", format, "--deterministic", "--no-config"] + extra, environment: environment, in: packageRoot)
        #expect(r.status == 1 && r.stderr.isEmpty, "\(r.stderr)")
        return r
    }

    @Test("the README's sample command with --lang sl: Slovenian words, verdict and formats in the text report")
    func sampleText() throws {
        let r = try run(["check", "--lang", "sl"], environment: Self.noLocale, in: packageRoot)
        #expect(r.status == 1, "\(r.stderr)")
        // one line per paragraph (the words of a wrapped line join again)
        let text = r.stdout.replacingOccurrences(of: #"\n {4,}(?=[^\s\[])"#, with: " ", options: .regularExpression)
        #expect(text.hasPrefix("odločitev: zavrnjeno — 11 ugotovitev (kritično: 0, napaka: 10, pregled: 1, opozorilo: 0, obvestilo: 0); izhodna koda 1\n"))
        for words in ["preverjeno ", "41 udeležencev", "6 izvajalcev", "paketi pravil: ", "pokritost: 43 pravil", "kazalniki:", "  pravna podlaga: ", "  kako popraviti: ", "(cilj 50, ni dosežen)"] {
            #expect(text.contains(words), "\(words)")
        }
        #expect(!text.contains("verdict:") && !text.contains("exit code"))
        #expect(text.contains("preverjeno (vgrajeno) Fixtures/") && !text.contains("(bundled)"))
    }

    @Test("the HTML report with --lang sl: lang attribute, headings, verdict, filters and Slovenian number formats")
    func sampleHTML() throws {
        let html = try check(["--lang", "sl"], format: "html").stdout
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"sl\">"))
        for words in ["<title>poročilo esfcheck: zavrnjeno — UD-2019</title>", "<h1>Revizijsko poročilo esfcheck</h1>", "<b>Odločitev: zavrnjeno</b>",
                      "<h2>Povzetek operacije</h2>", "<h2>Kazalniki</h2>", "<h2>Ugotovitve</h2>", "<h2>Pokritost</h2>", "<h2>Okvir preverjanja</h2>",
                      "<legend>Resnost</legend>", "prikazano 11 od 11", "'prikazano ' + shown + ' od ' + findings.length",
                      "<span class=\"sev sev-error\">napaka</span>", "<h3>Razdelitev uveljavljanih zneskov med prispevek EU in nacionalni prispevek</h3>"] {
            #expect(html.contains(words), "\(words)")
        }
        // the co-financing split: percentages and the total in the Slovenian notation (the bar's geometry stays plain)
        #expect(html.contains("<b>80,00 %</b>") && html.contains("<b>20,00 %</b>"))
        #expect(html.range(of: #"prispevek EU \+ nacionalni prispevek: \d{1,3}(\.\d{3})+,\d{2}"#, options: .regularExpression) != nil)
        #expect(html.contains("width=\"80.00\""))
    }

    @Test("LANG=sl_SI.UTF-8 without --lang gives Slovenian, LANG=C English; --lang overrides the locale")
    func locale() throws {
        let slovenian = try check([], environment: Self.noLocale.merging(["LANG": "sl_SI.UTF-8"]) { $1 }).stdout
        #expect(slovenian.hasPrefix("odločitev: zavrnjeno"))
        let english = try check([], environment: Self.noLocale.merging(["LANG": "C"]) { $1 }).stdout
        #expect(english.hasPrefix("verdict: reject"))
        let forced = try check(["--lang", "en"], environment: Self.noLocale.merging(["LC_ALL": "sl_SI.UTF-8"]) { $1 }).stdout
        #expect(forced == english)
        // English under LANG=C is the golden report, byte for byte
        let c = try run(["check", Self.sample, "--deterministic"], environment: Self.noLocale.merging(["LANG": "C"]) { $1 }, in: packageRoot)
        let golden = try String(contentsOf: packageRoot.appendingPathComponent("Fixtures/ucne-delavnice/golden/xml.txt"), encoding: .utf8)
        #expect(c.stdout == golden, "the English report differs from its golden file")
    }

    /// Golden files: Tests/EndToEndTests/Golden/formats/xml.sl.txt and xml.sl.html; ESFCHECK_RECORD=1 rewrites them.
    @Test("the Slovenian text and HTML reports of the sample match their golden files", arguments: ["txt", "html"])
    func goldenFiles(_ ext: String) throws {
        let out = try check(["--lang", "sl"], format: ext == "txt" ? "text" : "html").stdout
        let file = Self.golden.appendingPathComponent("xml.sl.\(ext)")
        if ProcessInfo.processInfo.environment["ESFCHECK_RECORD"] == "1" {
            try out.write(to: file, atomically: true, encoding: .utf8)
            Issue.record("\(file.lastPathComponent) re-recorded; run the tests again without ESFCHECK_RECORD")
            return
        }
        #expect(out == (try String(contentsOf: file, encoding: .utf8)), "xml.sl.\(ext) differs from its golden file (ESFCHECK_RECORD=1 re-records it)")
    }

    // MARK: no English left

    /// The texts the rules bring (messages, titles, help, legal basis, indicators, pack titles): read from
    /// the JSON report of the same run. They are the rule packs' to translate, not the report's.
    func ruleTexts() throws -> [String] {
        let json = try check(["--lang", "sl"], format: "json").stdout
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        var texts: [String] = []
        for f in report["findings"] as? [[String: Any]] ?? [] {
            for key in ["message", "title", "help", "expression"] { if let s = f[key] as? String { texts.append(s) } }
            texts += f["legalBasis"] as? [String] ?? []
            for r in f["relatedLocations"] as? [[String: Any]] ?? [] { if let m = r["message"] as? String { texts.append(m) } }
        }
        for input in report["inputs"] as? [[String: Any]] ?? [] {
            for i in input["indicators"] as? [[String: Any]] ?? [] {
                for key in ["title", "display", "targetDisplay", "note"] { if let s = i[key] as? String { texts.append(s) } }
            }
        }
        for p in report["packs"] as? [[String: Any]] ?? [] { if let t = p["title"] as? String { texts.append(t) } }
        // texts with words only (a number alone is no English); longest first: a text inside a longer one goes with it
        return texts.filter { $0.filter(\.isLetter).count >= 3 }.sorted { $0.count > $1.count }
    }

    /// The English vocabulary of the report: every phrase of the English catalogue (split at its
    /// placeholders) that has letters and is not also in a Slovenian phrase.
    static func englishVocabulary() -> [String] {
        func phrases(_ w: ReportWords) -> [String] {
            Mirror(reflecting: w).children.flatMap { child -> [String] in
                if let s = child.value as? String { return [s] }
                if let n = child.value as? Noun { return n.forms }
                return []
            }
        }
        let slovenian = phrases(.sl)
        var out = Set<String>()
        for phrase in phrases(.en) {
            let parts = phrase.replacingOccurrences(of: #"\{\d+\}"#, with: "\u{1}", options: .regularExpression).split(separator: "\u{1}")
            for part in parts {
                let fragment = part.trimmingCharacters(in: .whitespaces)
                guard fragment.filter(\.isLetter).count >= 3, !slovenian.contains(where: { $0.contains(fragment) }) else { continue }
                out.insert(fragment)
            }
        }
        return out.sorted()
    }

    /// `phrase` in `text` as words of their own (no letter, digit or `_` on either side).
    static func containsWords(_ text: String, _ phrase: String) -> Bool {
        var start = text.startIndex
        while let r = text.range(of: phrase, range: start..<text.endIndex) {
            let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
            func isWord(_ c: Character?) -> Bool { c.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
            if !isWord(before) && !isWord(after) { return true }
            start = text.index(after: r.lowerBound)
        }
        return false
    }

    /// The values of the fail-on setting (`error`, …) are what the user types, and XPaths are the
    /// export's names: not words to translate.
    static func withoutNames(_ s: String) -> String {
        s.replacingOccurrences(of: #"fail-on\)?:?[\s·]+(error|review|warning|info|never)"#, with: "fail-on ·", options: .regularExpression)
            .replacingOccurrences(of: #"(?<=\s)/[^\s]+"#, with: "·", options: .regularExpression)
    }

    func assertNoEnglish(_ text: String, _ what: String) {
        let vocabulary = Self.englishVocabulary()
        #expect(vocabulary.count > 150, "\(vocabulary.count) English phrases")
        for phrase in vocabulary where Self.containsWords(text, phrase) {
            Issue.record("the Slovenian \(what) report still says '\(phrase)'")
        }
    }

    @Test("the Slovenian text report has none of the English catalogue's phrases (rule texts aside)")
    func noEnglishInText() throws {
        // one line per paragraph: rule texts are found whole
        var text = try check(["--lang", "sl", "--width", "100000"]).stdout
        for t in try ruleTexts() { text = text.replacingOccurrences(of: t, with: "·") }
        assertNoEnglish(Self.withoutNames(text), "text")
    }

    @Test("the Slovenian HTML report has none of the English catalogue's phrases in what it shows (rule texts aside)")
    func noEnglishInHTML() throws {
        var html = try check(["--lang", "sl"], format: "html").stdout
        // what is not shown as words: the style, the script (its words are checked above), code (names, paths,
        // values), attributes; the coverage table's rule titles (the rules' own)
        html = html.replacingOccurrences(of: #"(<td class="nowrap">(?:<a [^>]*>)?<code>[^<]*</code>(?:</a>)?</td><td>)[^<]*"#, with: "$1", options: .regularExpression)
        for pattern in [#"<style>[\s\S]*?</style>"#, #"<script>[\s\S]*?</script>"#, #"<code>[\s\S]*?</code>"#, #"<[^>]*>"#] {
            html = html.replacingOccurrences(of: pattern, with: " · ", options: .regularExpression)
        }
        html = html.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        for t in try ruleTexts() { html = html.replacingOccurrences(of: t, with: "·") }
        assertNoEnglish(Self.withoutNames(html), "HTML")
    }

    @Test("a Slovenian diagnostic still names the file and line: malformed XML with --lang sl, and a missing input")
    func diagnostics() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-lang-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "<?xml version=\"1.0\"?>\n<operation id=\"X\">\n  <participants>\n</operation>\n".write(to: dir.appendingPathComponent("bad.xml"), atomically: true, encoding: .utf8)
        let sl = try run(["check", "bad.xml", "--lang", "sl", "--no-config"], environment: Self.noLocale, in: dir)
        #expect(sl.status == 3)
        #expect(sl.stderr.hasPrefix("bad.xml:4") && sl.stderr.contains(": neveljaven XML: "), "\(sl.stderr)")
        let en = try run(["check", "bad.xml", "--no-config"], environment: Self.noLocale, in: dir)
        #expect(en.status == 3 && en.stderr.contains(": malformed XML: "), "\(en.stderr)")
        let missing = try run(["check", "nothing-here.xml", "--no-config"], environment: Self.noLocale.merging(["LANG": "sl_SI.UTF-8"]) { $1 }, in: dir)
        #expect(missing.status == 3 && missing.stderr.contains("nothing-here.xml: ni take datoteke ali mape"), "\(missing.stderr)")
        let json = try run(["check", "bad.xml", "--lang", "sl", "--no-config", "--format", "json"], environment: Self.noLocale, in: dir)
        #expect(json.stdout.contains("neveljaven XML: ") && json.stdout.contains("\"line\" : 4"), "\(json.stdout)")
        let command = try run(["chek"], environment: Self.noLocale.merging(["LANG": "sl_SI.UTF-8"]) { $1 }, in: dir)
        #expect(command.status == 2 && command.stderr.contains("napaka: neznan ukaz 'chek'; ste mislili 'check'?"), "\(command.stderr)")
    }
}
