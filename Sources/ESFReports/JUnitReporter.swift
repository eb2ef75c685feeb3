import ESFCore

/// JUnit XML for test dashboards (docs/formats.md): one `testsuite` per pack (and one named `esfcheck`
/// for the reserved findings, when there are any), one `testcase` per rule, one `failure` per listed
/// finding with its message and location. `failures` counts failing testcases; a rule that no record
/// reached (evaluated 0 times, no finding) is `skipped`. Waived findings and findings in the baseline are
/// not failures: they are listed in the testcase's `system-out`.
public struct JUnitReporter: Reporter {
    public init() {}

    public func render(_ report: Report) -> String {
        let w = ReportWords.of(report.language)
        let rules = report.describedRules
        var byRule: [String: [Finding]] = [:]
        for f in report.findings { byRule[f.ruleID, default: []].append(f) }
        let coverage = Dictionary(report.coverage.map { ($0.ruleID, $0) }, uniquingKeysWith: { first, _ in first })
        var suites: [String] = []
        for r in rules where !suites.contains(r.pack) { suites.append(r.pack) }
        var body = ""
        var tests = 0, failures = 0, skipped = 0
        for suite in suites {
            let members = rules.filter { $0.pack == suite }
            var cases = ""
            var suiteFailures = 0, suiteSkipped = 0
            for r in members {
                let all = byRule[r.id] ?? []
                // waived and baselined findings are not failures: a note in the testcase's system-out
                let findings = all.filter(\.decidesVerdict)
                let accepted = all.filter { !$0.decidesVerdict }
                let c = coverage[r.id]
                let failed = !findings.isEmpty || (c.map { $0.failed + $0.errors - ($0.waived ?? 0) - ($0.baselined ?? 0) } ?? 0) > 0
                let notReached = !failed && c.map { $0.evaluated == 0 } == true
                cases += "    <testcase classname=\"\(XMLText.escaped(suite))\" name=\"\(XMLText.escaped(r.id + " " + r.title))\""
                if findings.isEmpty && accepted.isEmpty && !notReached && !failed {
                    cases += "/>\n"
                    continue
                }
                cases += ">\n"
                if failed { suiteFailures += 1 }
                if notReached {
                    suiteSkipped += 1
                    cases += "      <skipped message=\"\(XMLText.escaped(w.notReachedSkip))\"/>\n"
                }
                if failed && findings.isEmpty {
                    // listed findings capped by --max-findings: say how many the run found
                    cases += "      <failure type=\"\(r.severity.rawValue)\" message=\"\(XMLText.escaped(w.notListed))\"/>\n"
                }
                for f in findings {
                    cases += "      <failure type=\"\(f.severity.rawValue)\" message=\"\(XMLText.escaped(f.message))\">"
                    cases += XMLText.escaped(Self.failureText(f, w)) + "</failure>\n"
                }
                if !accepted.isEmpty {
                    let notes = accepted.map { f in
                        (f.waiver.map { w.fill(w.waivedMark, $0.justification) } ?? w.baselinedNote) + "\n" + Self.failureText(f, w)
                    }
                    cases += "      <system-out>" + XMLText.escaped(notes.joined(separator: "\n\n")) + "</system-out>\n"
                }
                cases += "    </testcase>\n"
            }
            tests += members.count
            failures += suiteFailures
            skipped += suiteSkipped
            body += "  <testsuite name=\"\(XMLText.escaped(suite))\" tests=\"\(members.count)\" failures=\"\(suiteFailures)\" errors=\"0\" skipped=\"\(suiteSkipped)\">\n"
            body += cases + "  </testsuite>\n"
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"esfcheck\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\">\n"
        return out + body + "</testsuites>\n"
    }

    /// `file:line:column XPath-or-record field = "raw"`, the severity, record key and message, then the
    /// legal basis, help and related locations, one per line.
    static func failureText(_ f: Finding, _ w: ReportWords) -> String {
        var lines: [String] = []
        if let l = f.location {
            var at = l.short
            if let d = GitHubReporter.detail(l, w) { at += " " + d }
            lines.append(at)
        }
        lines.append("\(w.severity(f.severity)) [\(f.recordKey.isEmpty ? "-" : f.recordKey)] \(f.message)")
        if !f.legalBasis.isEmpty { lines.append(w.legalBasis + ": " + f.legalBasis.joined(separator: "; ")) }
        if let h = f.help { lines.append("\(w.howToFix): \(h)") }
        for r in f.relatedLocations ?? [] { lines.append("\(w.related): \(r.short): \(r.message)") }
        return lines.joined(separator: "\n")
    }
}
