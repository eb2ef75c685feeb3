import ESFCore
@testable import ESFReports
import Foundation
import Testing

/// The HTML reporter on hand-made reports: escaping of every value, the no-script view, the co-financing split.
@Suite("HTML report (unit)")
struct HTMLReporterTests {
    static let hostile = "<script>alert(1)</script>\"'&"

    /// A report whose every text that could come from an input, a pack or a config is `hostile`.
    func hostileReport() -> Report {
        let h = Self.hostile
        var location = ESFCore.SourceLocation(file: h, line: 3, column: 4, xpath: h, record: 2, field: h)
        location.sourceField = h
        location.rawValue = h
        let finding = Finding(ruleID: h, severity: .error, message: h, recordKey: h, participantID: h, entity: h, location: location,
                              pack: h, title: h, legalBasis: [h, h], help: h, expression: h, explain: [ExplainTerm(expression: h, value: h)],
                              fingerprint: h, occurrence: 2,
                              relatedLocations: [RelatedLocation(file: h, line: 1, xpath: h, record: 1, field: h, message: h)])
        var input = InputInfo(path: h, format: h, operation: h, files: [FileHash(path: h, sha256: h)], records: [InputCounts(entity: h)])
        input.indicators = [
            IndicatorValue(pack: h, id: h, title: h, unit: h, value: nil, display: h, target: h, targetDisplay: h, met: nil, note: h),
            IndicatorValue(pack: h, id: "eu_claimed", title: h, unit: "amount", value: "80.00", display: h, target: nil, targetDisplay: nil, met: nil),
            IndicatorValue(pack: h, id: "national_claimed", title: h, unit: "amount", value: "20.00", display: h, target: nil, targetDisplay: nil, met: nil),
        ]
        input.unboundColumns = [h: [h]]
        input.absentColumns = [h: [h]]
        var report = Report(toolVersion: h, startedAt: h, options: [h: h], packs: [PackInfo(id: h, title: h, version: h, provisional: true, sha256: h, rules: 1)],
                            inputs: [input], failOn: .error, coverage: [RuleCoverage(ruleID: h, pack: h)], findings: [finding])
        report.disabledRules = [DisabledRule(ruleID: h, reason: h)]
        report.parameters = [PackParameters(pack: h, values: [h: h, "max_eu_rate": h])]
        var configuration = ConfigurationInfo(file: FileHash(path: h, sha256: h), source: "--config", failOn: h, failOnSource: "config",
                                              model: FileHash(path: h, sha256: h))
        configuration.severityOverrides = [SeverityOverride(ruleID: h, from: h, to: h, reason: h)]
        configuration.parameterOverrides = [ParameterOverride(pack: h, name: h, value: h, defaultValue: h)]
        configuration.profile = h
        configuration.profileFile = FileHash(path: h, sha256: h)
        report.configuration = configuration
        report.rules = [RuleDescriptor(id: h, pack: h, title: h, severity: .error, legalBasis: [h], help: h, assertion: h)]
        return report
    }

    @Test("the escaper writes & < > \" ' as entities and leaves everything else, non-ASCII included")
    func escaper() {
        #expect(HTMLReporter.escaped("<a href=\"x\">'&") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;")
        #expect(HTMLReporter.escaped("Učne delavnice — 80.00 %") == "Učne delavnice — 80.00 %")
        #expect(HTMLReporter.escaped("&amp;") == "&amp;amp;")
    }

    @Test("a value in any field of the report renders as text: no raw tag, quote or apostrophe from it reaches the HTML")
    func everyValueEscaped() {
        let html = HTMLReporter().render(hostileReport())
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("alert(1)</script>"))
        #expect(!html.contains("\"'&"))
        let escaped = HTMLReporter.escaped(Self.hostile)
        #expect(escaped == "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;")
        // it is there, as text, many times (message, key, location, explain, envelope, …)
        #expect(html.components(separatedBy: escaped).count > 40)
        // the only script element is the report's own, at the end
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(html.hasSuffix("</script>\n</body>\n</html>\n"))
    }

    @Test("without the script every finding is listed, expanded; the filters are hidden until the script shows them")
    func noScriptView() {
        let findings = (1...3).map { i in
            Finding(ruleID: "R-\(i % 2)", severity: i == 1 ? .review : .error, message: "m\(i)", recordKey: "K\(i)", entity: "e",
                    location: nil, fingerprint: "fp\(i)")
        }
        let report = Report(toolVersion: "0.0.1", startedAt: nil, options: ["fail_on": "error"], packs: [], inputs: [], failOn: .error,
                            coverage: [], findings: findings)
        let html = HTMLReporter().render(report)
        #expect(html.components(separatedBy: "<details class=\"finding\"").count == 4)
        #expect(html.components(separatedBy: "\" open>\n<summary>").count == 4)
        #expect(html.contains("<form id=\"filters\" hidden>"))
        // grouped by rule, the most severe first: R-0 (error: K2) before R-1 (review K1, error K3)
        let r0 = html.range(of: "id=\"rule-R-0\""), r1 = html.range(of: "id=\"rule-R-1\"")
        #expect(r0 != nil && r1 != nil && r0!.lowerBound < r1!.lowerBound)
        #expect(html.contains("<b>Verdict: reject</b> — 2 findings at or above fail-on (error); exit code 1."))
        #expect(html.contains("not recorded (--deterministic)"))
        // one checkbox per severity that occurs
        #expect(html.contains("value=\"error\" checked> error (2)") && html.contains("value=\"review\" checked> review (1)"))
        #expect(!html.contains("value=\"fatal\""))
    }

    @Test("the split of the amounts claimed: EU and national shares of their sum, from the exact amounts")
    func split() {
        var input = InputInfo(path: "x.xml", format: "xml", operation: "OP", files: [], records: [])
        input.indicators = [
            IndicatorValue(pack: "p", id: "eu_claimed", title: "EU", unit: "amount", value: "300272.54", display: "300272.54 EUR", target: nil, targetDisplay: nil, met: nil),
            IndicatorValue(pack: "p", id: "national_claimed", title: "N", unit: "amount", value: "75068.12", display: "75068.12 EUR", target: nil, targetDisplay: nil, met: nil),
        ]
        var report = Report(toolVersion: "0.0.1", startedAt: nil, options: [:], packs: [], inputs: [input], failOn: .error, coverage: [], findings: [])
        report.parameters = [PackParameters(pack: "p", values: ["max_eu_rate": "0.80"])]
        let html = HTMLReporter().render(report)
        #expect(html.contains("EU 300272.54 EUR: <b>80.00 %</b>"))
        #expect(html.contains("national 75068.12 EUR: <b>20.00 %</b>"))
        #expect(html.contains("<rect class=\"eu\" x=\"0\" y=\"0\" width=\"80.00\""))
        #expect(html.contains("EU + national: 375340.66"))
        #expect(html.contains("Pack <code>p</code>: parameter <code>max_eu_rate</code> = 0.80 (80.00 %)."))
        #expect(html.contains("<h2>Findings</h2>\n<p>No findings.</p>"))
        #expect(html.contains("Personal data is masked (--show-personal-data reveals it)."))
        // no national amount: no split
        report.inputs[0].indicators.removeLast()
        #expect(!HTMLReporter().render(report).contains("id=\"split\""))
    }

    @Test("the Content-Security-Policy allows nothing from outside and only the report's own style and script")
    func contentSecurityPolicy() {
        for language in Language.allCases {
            let csp = HTMLReporter.contentSecurityPolicy(language)
            #expect(csp.hasPrefix("default-src 'none'; style-src 'sha256-"))
            #expect(csp.contains("; script-src 'sha256-"))
            #expect(!csp.contains("unsafe") && !csp.contains("http") && !csp.contains("*"))
        }
    }
}
