import ESFCore

/// The human-readable report: findings grouped by rule, a summary line last.
public struct TextReporter: Reporter {
    public var color: Bool
    public var explain: Bool
    public init(color: Bool, explain: Bool) {
        self.color = color
        self.explain = explain
    }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func severityLabel(_ s: Severity) -> String {
        switch s {
        case .fatal: return paint("fatal", "1;35")
        case .error: return paint("error", "1;31")
        case .review: return paint("review", "1;33")
        case .warning: return paint("warning", "33")
        case .info: return paint("info", "36")
        }
    }

    /// `  LABEL: file 'a', 'b'; other.csv 'c'` per file (by file name), or nothing when there are none.
    func columnLine(_ label: String, _ columns: [String: [String]]?) -> String {
        guard let columns, !columns.isEmpty else { return "" }
        let listed = columns.sorted { $0.key < $1.key }.map { "\($0.key.split(separator: "/").last.map(String.init) ?? $0.key) " + $0.value.map { "'\($0)'" }.joined(separator: ", ") }
        return "  \(label): \(listed.joined(separator: "; "))\n"
    }

    /// `izdatki.csv:5:40 record 4 column "Delež EU" (eu) = "3.360,00"`, `export.xml:120 /operacija/…/zneski/@eu (eu) = "3.360,00"`:
    /// the file's own name for the field beside the logical one (under a mapping profile), and the text as written.
    func locationText(_ l: SourceLocation) -> String {
        var s = l.short
        if let x = l.xpath {
            s += " \(x)"
            if l.sourceField != nil, let field = l.field { s += " (\(field))" }
        } else if let r = l.record {
            s += " record \(r)"
            if let field = l.field { s += " column " + (l.sourceField.map { "\"\($0)\" (\(field))" } ?? field) }
        }
        if let raw = l.rawValue { s += " = \"\(raw)\"" }
        return s
    }

    public func render(_ report: Report) -> String {
        var out = ""
        for input in report.inputs {
            let records = input.records.filter { $0.read > 0 }.map { counted($0.read, $0.entity.replacingOccurrences(of: "_", with: "-")) + ($0.rejected > 0 ? " (\($0.rejected) rejected)" : "") }
            out += "checked \(input.path) (\(input.format)\(input.operation.map { ", operation \($0)" } ?? "")): \(records.joined(separator: ", "))\n"
            out += columnLine("columns no binding names (not read)", input.unboundColumns)
            out += columnLine("optional columns absent (read as missing in every row)", input.absentColumns)
        }
        out += "packs: " + report.packs.map { "\($0.id) \($0.version)\($0.provisional ? " (provisional)" : "")" }.joined(separator: ", ") + "\n"
        if let c = report.configuration {
            switch c.source {
            case "none": out += "config: none\n"
            case "ignored (--no-config)": out += "config: none (--no-config)\n"
            default: out += "config: \(c.file?.path ?? "?") (\(c.source == "--config" ? "given with --config" : "found in the working directory"))\n"
            }
            let source = c.failOnSource == "config" ? "set by the config" : c.failOnSource == "command line" ? "set on the command line" : "default"
            out += "fail-on: \(c.failOn) (\(source))\n"
            for r in c.severityOverrides { out += "rule \(r.ruleID) re-graded by the config: \(r.from) → \(r.to) (\(r.reason))\n" }
            for p in c.parameterOverrides { out += "parameter \(p.pack).\(p.name) = \(p.value) set by the config (pack default \(p.defaultValue))\n" }
        }
        for d in report.disabledRules { out += "rule \(d.ruleID) switched off by the config: \(d.reason)\n" }
        out += "\n"
        // group by rule, most severe rules first
        var groups: [String: [Finding]] = [:]
        for f in report.findings { groups[f.ruleID, default: []].append(f) }
        let ordered = groups.keys.sorted { a, b in
            let sa = groups[a]!.map(\.severity).max()!, sb = groups[b]!.map(\.severity).max()!
            return sa != sb ? sa > sb : a < b
        }
        for id in ordered {
            let fs = groups[id]!
            let first = fs[0]
            out += "\(severityLabel(first.severity)) \(paint(id, "1")) \(first.title ?? "") (\(fs.count))\n"
            if !first.legalBasis.isEmpty { out += "  legal basis: \(first.legalBasis.joined(separator: "; "))\n" }
            for f in fs {
                let loc = f.location.map(locationText) ?? ""
                out += "  \(loc.isEmpty ? "" : loc + ": ")[\(f.recordKey.isEmpty ? "-" : f.recordKey)] \(f.message)\n"
                if let mark = Self.suppressionMark(f) { out += "    \(mark)\n" }
                for r in f.relatedLocations ?? [] {
                    var at = r.short
                    if let x = r.xpath { at += " \(x)" } else if let n = r.record { at += " record \(n)" }
                    out += "    related: \(at): \(r.message)\n"
                }
                if explain {
                    for t in f.explain { out += "      \(t.expression) = \(t.value)\n" }
                }
            }
            if let help = first.help { out += "  how to fix: \(help)\n" }
            out += "\n"
        }
        for input in report.inputs where !input.indicators.isEmpty {
            out += "indicators\(report.inputs.count > 1 ? " of \(input.path)" : ""):\n"
            let width = input.indicators.map(\.title.count).max() ?? 0
            for i in input.indicators {
                var line = "  " + i.title.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (i.note ?? i.display)
                if let t = i.targetDisplay { line += "  (target \(t)\(i.met == false ? ", " + paint("not reached", "33") : i.met == true ? ", reached" : ""))" }
                out += line + "\n"
            }
            out += "\n"
        }
        let c = report.counts
        if report.findingsShown < report.findingsTotal {
            out += "showing \(report.findingsShown) of \(report.findingsTotal) findings, the most severe (--max-findings); counts and the verdict are those of all findings\n"
        }
        if let line = Self.suppressionLine(report) { out += line + "\n" }
        out += "coverage: \(report.coverage.count) rules, \(report.coverage.filter { $0.failed > 0 || $0.errors > 0 }.count) with findings, \(report.coverage.filter { $0.evaluated == 0 }.count) never evaluated\n"
        let verdictText: String
        switch report.verdict {
        case .accept: verdictText = paint("accept", "1;32")
        case .review: verdictText = paint("review", "1;33")
        case .reject: verdictText = paint("reject", "1;31")
        }
        out += "verdict: \(verdictText) — \(c.total) finding\(c.total == 1 ? "" : "s") (\(c.fatal) fatal, \(c.error) error, \(c.review) review, \(c.warning) warning, \(c.info) info); exit code \(report.exitCode)\n"
        return out
    }

    /// The mark of a waived or baselined finding: `waived: reason (approved by …; …)`, `in the baseline`.
    static func suppressionMark(_ f: Finding) -> String? {
        if let w = f.waiver { return "waived: \(w.justification)" }
        if f.baselined == true { return "baselined: in the baseline, not counted for the verdict" }
        return nil
    }

    /// `waivers waivers.yaml: 2 findings waived, 1 waiver expired (expiry checked against 2026-11-29); baseline
    /// b.json: 3 findings in the baseline; the verdict counts 1 finding (…)`, or nil when neither was given.
    static func suppressionLine(_ report: Report) -> String? {
        guard let s = report.suppression else { return nil }
        var parts: [String] = []
        if let file = report.configuration?.waivers {
            var w = "waivers \(file.path): \(counted(s.waived, "finding")) waived"
            let expired = s.waiverStates.filter { $0.status == .expired }.count, unused = s.waiverStates.filter { $0.status == .unused }.count
            if expired > 0 { w += ", \(counted(expired, "waiver")) expired" }
            if unused > 0 { w += ", \(counted(unused, "waiver")) unused" }
            if let today = s.today { w += " (expiry checked against \(today))" }
            parts.append(w)
        }
        if let file = report.configuration?.baseline {
            parts.append("baseline \(file.path): \(counted(s.baselined, "finding")) in the baseline")
        }
        let c = s.counted
        parts.append("the verdict counts \(counted(c.total, "finding")) (\(c.fatal) fatal, \(c.error) error, \(c.review) review, \(c.warning) warning, \(c.info) info)")
        return parts.joined(separator: "; ")
    }
}
