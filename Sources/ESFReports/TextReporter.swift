import ESFCore

/// The human-readable report: the summary line (verdict and counts) and what was checked, then the
/// findings grouped by rule (the rule's title, legal basis and help once, then one entry per finding),
/// the indicators, and the summary line again last. Lines are wrapped to `width` with a hanging indent;
/// nothing is cut.
public struct TextReporter: Reporter {
    public var color: Bool
    public var explain: Bool
    /// The longest line, in characters (the terminal's width, or `TextLayout.defaultWidth`); the summary
    /// line is never wrapped, and a narrower width than `TextLayout.minimumWidth` is taken as that.
    public var width: Int
    public init(color: Bool, explain: Bool, width: Int = TextLayout.defaultWidth) {
        self.color = color
        self.explain = explain
        self.width = max(TextLayout.minimumWidth, width)
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
        return wrapped("\(label): \(listed.joined(separator: "; "))", prefix: "  ")
    }

    /// `izdatki.csv:5:40 record 4 column "Delež EU" (eu) = "3.360,00"`, `export.xml:120 /operacija/…/zneski/@eu (eu) = "3.360,00"`:
    /// the file's own name for the field beside the logical one (under a mapping profile), and the text as written.
    func locationText(_ l: SourceLocation, _ report: Report? = nil) -> String {
        var s = shownFile(l.file, report)
        if let sheet = l.sheet {
            s += ": " + l.sheetPlace(sheet)
        } else {
            s += (l.line.map { ":\($0)" } ?? "") + (l.column.map { ":\($0)" } ?? "")
        }
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

    /// The summary line: verdict, counts per severity and the exit code. The report's first and last
    /// line, and what `--quiet` prints; never wrapped (scripts look for it).
    public func summaryLine(_ report: Report) -> String {
        let c = report.counts
        let verdictText: String
        switch report.verdict {
        case .accept: verdictText = paint("accept", "1;32")
        case .review: verdictText = paint("review", "1;33")
        case .reject: verdictText = paint("reject", "1;31")
        }
        // with waivers or a baseline, how many of the findings do not count for the verdict
        let suppressed = SuppressionWords.suppressed(report).map { "; " + $0 } ?? ""
        return "verdict: \(verdictText) — \(c.total) finding\(c.total == 1 ? "" : "s") (\(c.fatal) fatal, \(c.error) error, \(c.review) review, \(c.warning) warning, \(c.info) info)\(suppressed); exit code \(report.exitCode)"
    }

    /// `text` wrapped to the width, continuation lines indented by `indent` more than `prefix`.
    func wrapped(_ text: String, prefix: String = "", indent: Int = 4) -> String {
        TextLayout.wrap(text, width: width, first: prefix, rest: String(repeating: " ", count: prefix.count + indent))
            .joined(separator: "\n") + "\n"
    }

    /// A file as the findings show it: with one input, its name within the input (`participants.csv`,
    /// `export.xml`; the header names the input in full), else as the report has it.
    func shownFile(_ file: String, _ report: Report?) -> String {
        guard let report, report.inputs.count == 1, let input = report.inputs.first else { return file }
        if input.format == "xml" || input.format == "xlsx" {
            return file == input.path ? (file.split(separator: "/").last.map(String.init) ?? file) : file
        }
        // a bundle: its folder (named by the folder, or by one of its files); the folder itself stays whole
        var folder = input.path
        if folder.lowercased().hasSuffix(".csv") {
            guard let slash = folder.lastIndex(of: "/") else { return file }
            folder = String(folder[..<slash])
        }
        if !folder.hasSuffix("/") { folder += "/" }
        if file.hasPrefix(folder), file.count > folder.count { return String(file.dropFirst(folder.count)) }
        return file
    }

    public func render(_ report: Report) -> String {
        var out = summaryLine(report) + "\n"
        if report.findingsShown < report.findingsTotal {
            out += wrapped(SuppressionWords.capped(report))
        }
        for input in report.inputs {
            let records = input.records.filter { $0.read > 0 }.map { counted($0.read, $0.entity.replacingOccurrences(of: "_", with: "-")) + ($0.rejected > 0 ? " (\($0.rejected) rejected)" : "") }
            out += wrapped("checked \(input.path) (\(input.format)\(input.operation.map { ", operation \($0)" } ?? "")): \(records.joined(separator: ", "))")
            out += columnLine("columns no binding names (not read)", input.unboundColumns)
            out += columnLine("optional columns absent (read as missing in every row)", input.absentColumns)
        }
        out += wrapped("packs: " + report.packs.map { "\($0.id) \($0.version)\($0.provisional ? " (provisional)" : "")" }.joined(separator: ", "))
        if let c = report.configuration {
            switch c.source {
            case "none": out += "config: none\n"
            case "ignored (--no-config)": out += "config: none (--no-config)\n"
            default: out += wrapped("config: \(c.file?.path ?? "?") (\(c.source == "--config" ? "given with --config" : "found in the working directory"))")
            }
            let source = c.failOnSource == "config" ? "set by the config" : c.failOnSource == "command line" ? "set on the command line" : "default"
            out += "fail-on: \(c.failOn) (\(source))\n"
            for r in c.severityOverrides { out += wrapped("rule \(r.ruleID) re-graded by the config: \(r.from) → \(r.to) (\(r.reason))") }
            for p in c.parameterOverrides { out += wrapped("parameter \(p.pack).\(p.name) = \(p.value) set by the config (pack default \(p.defaultValue))") }
        }
        for d in report.disabledRules { out += wrapped("rule \(d.ruleID) switched off by the config: \(d.reason)") }
        if let line = Self.suppressionLine(report) { out += wrapped(line) }
        out += "coverage: \(counted(report.coverage.count, "rule")), \(report.coverage.filter { $0.failed > 0 || $0.errors > 0 }.count) with findings, \(report.coverage.filter { $0.evaluated == 0 }.count) never evaluated\n"
        out += "\n"
        // group by rule, most severe rules first
        var groups: [String: [Finding]] = [:]
        var severities: [String: Severity] = [:]
        for f in report.findings {
            groups[f.ruleID, default: []].append(f)
            severities[f.ruleID] = max(severities[f.ruleID] ?? f.severity, f.severity)
        }
        let ordered = groups.keys.sorted { a, b in
            let sa = severities[a] ?? .info, sb = severities[b] ?? .info
            return sa != sb ? sa > sb : a < b
        }
        for id in ordered {
            let fs = groups[id] ?? []
            guard let first = fs.first else { continue }
            let severity = severities[id] ?? first.severity
            // the rule once: severity, id, title and how many findings; its legal basis and help
            let label = severity.rawValue
            let heading = TextLayout.wrap("\(label) \(id) (\(counted(fs.count, "finding")))\(first.title.map { ": \($0)" } ?? "")", width: width, rest: "    ")
            for (n, line) in heading.enumerated() {
                if n == 0, color, line.hasPrefix("\(label) \(id)") {
                    out += "\(severityLabel(severity)) \(paint(id, "1"))" + line.dropFirst(label.count + 1 + id.count) + "\n"
                } else {
                    out += line + "\n"
                }
            }
            if !first.legalBasis.isEmpty { out += wrapped(first.legalBasis.joined(separator: "; "), prefix: "  legal basis: ", indent: 0) }
            if let help = first.help { out += wrapped(help, prefix: "  how to fix: ", indent: 0) }
            // then one entry per finding: record key, place (with the value as written), message
            for f in fs {
                var entry = "[\(f.recordKey.isEmpty ? "-" : f.recordKey)]"
                if f.severity != severity { entry += " (\(f.severity.rawValue))" }
                if let l = f.location { entry += " " + locationText(l, report) + " —" }
                out += wrapped(entry + " " + f.message, prefix: "  ")
                if let mark = Self.suppressionMark(f) { out += wrapped(mark, prefix: "    ") }
                for r in f.relatedLocations ?? [] {
                    var at = shownFile(r.file, report) + (r.line.map { ":\($0)" } ?? "")
                    if let x = r.xpath { at += " \(x)" } else if let n = r.record { at += " record \(n)" }
                    out += wrapped("\(at): \(r.message)", prefix: "    related: ")
                }
                if explain {
                    for t in f.explain { out += wrapped("\(t.expression) = \(t.value)", prefix: "      ") }
                }
            }
            out += "\n"
        }
        for input in report.inputs where !input.indicators.isEmpty {
            out += wrapped("indicators\(report.inputs.count > 1 ? " of \(input.path)" : ""):")
            // values right-aligned in a column, then the title and the target (wrapped under the title)
            let valueWidth = input.indicators.map { $0.note == nil ? $0.display.count : 1 }.max() ?? 0
            for i in input.indicators {
                let value = i.note == nil ? i.display : "–"
                var text = i.title
                if let note = i.note { text += ": \(note)" }
                var target = ""
                if let t = i.targetDisplay { target = "  (target \(t)\(i.met == false ? ", not reached" : i.met == true ? ", reached" : ""))" }
                let prefix = "  " + TextLayout.padLeft(value, valueWidth) + "  "
                let lines = TextLayout.wrap(text + target, width: width, first: prefix, rest: String(repeating: " ", count: prefix.count))
                var joined = lines.joined(separator: "\n")
                if color, i.met == false, joined.hasSuffix("not reached)") {
                    joined = String(joined.dropLast("not reached)".count)) + paint("not reached", "33") + ")"
                }
                out += joined + "\n"
            }
            out += "\n"
        }
        if report.findingsShown < report.findingsTotal {
            out += wrapped(SuppressionWords.capped(report))
        }
        out += summaryLine(report) + "\n"
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
