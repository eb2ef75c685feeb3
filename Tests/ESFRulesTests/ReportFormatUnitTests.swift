import ESFCore
@testable import ESFReports
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The CI reporters on hand-made reports: escaping and grading that the sample does not exercise.
@Suite("Report formats (unit)")
struct ReportFormatUnitTests {
    func report(_ findings: [Finding], coverage: [RuleCoverage] = [], rules: [RuleDescriptor] = []) -> Report {
        var r = Report(toolVersion: "0.0.1", startedAt: nil, options: [:], packs: [], inputs: [], failOn: .error,
                       coverage: coverage, findings: findings)
        r.rules = rules
        return r
    }

    func finding(_ id: String = "R-1", _ severity: Severity = .error, message: String = "m", key: String = "K",
                 location: ESFCore.SourceLocation? = ESFCore.SourceLocation(file: "f.xml", line: 3, column: 4)) -> Finding {
        Finding(ruleID: id, severity: severity, message: message, recordKey: key, entity: "e", location: location, pack: "p",
                title: "A title", fingerprint: "fp")
    }

    @Test("GitHub: %, CR and LF escaped in the message, also ',' and ':' in properties; one line per finding")
    func githubEscaping() {
        let f = finding(message: "a%b\r\nc,d:e", location: ESFCore.SourceLocation(file: "x,y:z%.xml", line: 3, column: 4))
        let out = GitHubReporter().render(report([f]))
        #expect(out == "::error file=x%2Cy%3Az%25.xml,line=3,col=4,title=R-1::error [K] a%25b%0D%0Ac,d:e\n")
    }

    @Test("GitHub and SARIF grade severities: fatal and error → error, review and warning → warning, info → notice/note")
    func grading() throws {
        let severities: [Severity] = [.fatal, .error, .review, .warning, .info]
        let findings = severities.map { finding("R-\($0.rawValue)", $0) }
        let lines = GitHubReporter().render(report(findings)).split(separator: "\n")
        #expect(lines.map { String($0.prefix { $0 != " " }) } == ["::error", "::error", "::warning", "::warning", "::notice"])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(SARIFReporter().render(report(findings)).utf8)) as? [String: Any])
        let results = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["level"] as? String } == ["error", "error", "warning", "warning", "note"])
    }

    @Test("GitHub: a finding without a line names only the file; one without a location only the title")
    func githubWithoutLine() {
        let out = GitHubReporter().render(report([finding(location: ESFCore.SourceLocation(file: "bundle")), finding(location: nil)]))
        #expect(out == "::error file=bundle,title=R-1::error [K] m\n::error title=R-1::error [K] m\n")
    }

    @Test("CSV: cells starting with = + - @ tab CR get a leading quote; commas, quotes and line breaks are quoted")
    func csvCells() {
        #expect(CSVReporter.cell("=SUM(A1:A9)") == "'=SUM(A1:A9)")
        #expect(CSVReporter.cell("+1") == "'+1")
        #expect(CSVReporter.cell("-1") == "'-1")
        #expect(CSVReporter.cell("@cmd") == "'@cmd")
        #expect(CSVReporter.cell("\tx") == "'\tx")
        #expect(CSVReporter.cell("\rx") == "\"'\rx\"")
        #expect(CSVReporter.cell("=1,2") == "\"'=1,2\"")
        #expect(CSVReporter.cell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVReporter.cell("a\nb") == "\"a\nb\"")
        #expect(CSVReporter.cell("a-b=c") == "a-b=c")
        #expect(CSVReporter.cell("") == "")
    }

    @Test("CSV: a value that starts with '=' in the value and message columns is neutralised")
    func csvRow() {
        var l = ESFCore.SourceLocation(file: "f.csv", line: 2, column: 5, record: 1, field: "x")
        l.rawValue = "=HYPERLINK(\"http://x\")"
        let out = CSVReporter().render(report([finding(message: "-1 is wrong", location: l)]))
        let rows = out.split(separator: "\n")
        #expect(rows.count == 2)
        #expect(rows[1] == "R-1,error,K,,f.csv,2,5,x,\"'=HYPERLINK(\"\"http://x\"\")\",'-1 is wrong,,fp,open,")
    }

    /// Counts of elements, parsed with XMLParser.
    final class Counter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        var messages: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
            if name == "failure", let m = attributes["message"] { messages.append(m) }
        }
    }

    @Test("JUnit: markup and control characters escaped; reserved findings in an esfcheck testsuite; unreached rules skipped")
    func junit() throws {
        var unreached = RuleCoverage(ruleID: "R-2", pack: "p")
        unreached.evaluated = 0
        var reached = RuleCoverage(ruleID: "R-1", pack: "p")
        reached.evaluated = 2
        reached.failed = 2
        let rules = [RuleDescriptor(id: "R-1", pack: "p", title: "One <&>", severity: .error),
                     RuleDescriptor(id: "R-2", pack: "p", title: "Two", severity: .warning)]
        let findings = [finding(message: "a <b> & \"c\" 'd'\u{1}\ne"), finding(message: "second"),
                        finding(ReservedFinding.unparseable.id, .fatal, message: "not a date")]
        let out = JUnitReporter().render(report(findings, coverage: [reached, unreached], rules: rules))
        let counter = Counter()
        let parser = XMLParser(data: Data(out.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "\(out)")
        #expect(counter.counts["testsuite"] == 2 && counter.counts["testcase"] == 3 && counter.counts["failure"] == 3)
        #expect(counter.counts["skipped"] == 1)
        #expect(counter.messages.first == "a <b> & \"c\" 'd'\\u{1}\ne")
        #expect(out.contains("<testsuite name=\"esfcheck\" tests=\"1\" failures=\"1\""))
        #expect(out.contains("<testsuites name=\"esfcheck\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"1\">"))
    }

    @Test("JUnit: a rule whose findings --max-findings left out still fails")
    func junitCapped() {
        var c = RuleCoverage(ruleID: "R-1", pack: "p")
        c.evaluated = 5
        c.failed = 1
        let out = JUnitReporter().render(report([], coverage: [c], rules: [RuleDescriptor(id: "R-1", pack: "p", title: "t", severity: .error)]))
        #expect(out.contains("message=\"findings of this rule not listed (--max-findings)\""))
        #expect(out.contains("failures=\"1\""))
    }

    @Test("SARIF: URIs percent-encoded (relative stays relative, absolute becomes file://), names in Pascal case, reserved rules described")
    func sarifDetails() throws {
        #expect(SARIFReporter.uri("exports/a b#1.xml") == "exports/a%20b%231.xml")
        #expect(SARIFReporter.uri("/tmp/x.xml") == "file:///tmp/x.xml")
        #expect(SARIFReporter.pascalCase("The export has the structure of its schema") == "TheExportHasTheStructureOfItsSchema")
        #expect(SARIFReporter.pascalCase("The operation's rate, 80 %") == "TheOperationsRate80")
        let multiLine = report([], rules: [RuleDescriptor(id: "R-1", pack: "p", title: "t", severity: .error, assertion: "a\n  and b")])
        #expect(SARIFReporter().render(multiLine).contains("Asserts: `a and b`"))
        let r = report([finding(ReservedFinding.schema.id, .fatal)], rules: [RuleDescriptor(id: "R-1", pack: "p", title: "t", severity: .info)])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(SARIFReporter().render(r).utf8)) as? [String: Any])
        let driver = try #require(((log["runs"] as? [[String: Any]])?.first?["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.compactMap { $0["id"] as? String } == ["R-1", "ESFCHECK-XSD-001"])
        let levels = rules.compactMap { ($0["defaultConfiguration"] as? [String: Any])?["level"] as? String }
        #expect(levels == ["note", "error"])
        let result = try #require((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        #expect(result.first?["ruleIndex"] as? Int == 1)
    }

    @Test("the JSON report does not carry the rule descriptors")
    func jsonWithoutRules() throws {
        let r = report([finding()], rules: [RuleDescriptor(id: "R-1", pack: "p", title: "t", severity: .info)])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(JSONReporter().render(r).utf8)) as? [String: Any])
        #expect(object["rules"] == nil && object["findings"] != nil)
    }

    @Test("the JSON report written in pieces is the text the encoder makes of the whole report, byte for byte")
    func jsonInPieces() throws {
        var nested = finding("R-2", .review, message: "quote \" slash / line\nbreak \u{202E} čšž", key: "P/1")
        nested.explain = [ExplainTerm(expression: "sum(x)", value: "1,00"), ExplainTerm(expression: "a \\ b", value: "[\n]")]
        nested.relatedLocations = [RelatedLocation(file: "b.csv", line: 2, record: 1, field: "id", message: "first recorded as P/1")]
        nested.occurrence = 2
        nested.participantID = "P/1"
        for findings in [[], [finding()], [finding(), nested, finding("R-3", .info, location: nil)]] {
            var r = report(findings, coverage: [RuleCoverage(ruleID: "R-1", pack: "p")])
            r.options = ["fail_on": "error"]
            r.inputs = [InputInfo(path: "in/x.xml", format: "xml", operation: "OP-1", files: [FileHash(path: "in/x.xml", sha256: "00")], records: [])]
            let whole = try #require(StableJSON.text(r)) + "\n"
            var pieces: [String] = []
            JSONReporter().write(r) { pieces.append($0) }
            #expect(pieces.joined() == whole)
            #expect(JSONReporter().render(r) == whole)
            // one piece for the report and one a finding past the first (the text is never held whole)
            #expect(pieces.count == (findings.isEmpty ? 1 : findings.count + 2))
        }
    }
}

@Suite("Invisible characters in related locations")
struct RelatedLocationVisibilityTests {
    @Test("a related location's message and path are escaped like the finding's own")
    func escaped() {
        var f = Finding(ruleID: "R-1", severity: .error, message: "m", recordKey: "K", entity: "e", location: nil)
        f.relatedLocations = [RelatedLocation(file: "a\u{202E}.csv", line: 2, message: "first recorded as participant P\u{200B}1")]
        let report = Report(toolVersion: "0", startedAt: nil, options: [:], packs: [], inputs: [], failOn: .error, coverage: [], findings: [f])
        let related = report.escapingInvisibleCharacters().findings.first?.relatedLocations?.first
        #expect(related?.message == "first recorded as participant P\\u{200B}1")
        #expect(related?.file == "a\\u{202E}.csv")
    }
}
