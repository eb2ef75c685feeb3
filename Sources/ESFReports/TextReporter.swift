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

    func severityLabel(_ s: Severity, _ w: ReportWords) -> String {
        switch s {
        case .fatal: return paint(w.fatal, "1;35")
        case .error: return paint(w.error, "1;31")
        case .review: return paint(w.reviewSeverity, "1;33")
        case .warning: return paint(w.warning, "33")
        case .info: return paint(w.info, "36")
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
        let w = ReportWords.of(report?.language ?? .en)
        var s = shownFile(l.file, report)
        if let sheet = l.sheet {
            s += ": " + l.sheetPlace(sheet, language: report?.language ?? .en)
        } else {
            s += (l.line.map { ":\($0)" } ?? "") + (l.column.map { ":\($0)" } ?? "")
        }
        if let x = l.xpath {
            s += " \(x)"
            if l.sourceField != nil, let field = l.field { s += " (\(field))" }
        } else if let r = l.record {
            s += " " + w.fill(w.recordAt, "\(r)")
            if let field = l.field { s += " \(w.column) " + (l.sourceField.map { "\"\($0)\" (\(field))" } ?? field) }
        }
        if let raw = l.rawValue { s += " = \"\(raw)\"" }
        return s
    }

    /// The summary line: verdict, counts per severity and the exit code. The report's first and last
    /// line, and what `--quiet` prints; never wrapped (scripts look for it).
    public func summaryLine(_ report: Report) -> String {
        let c = report.counts
        let w = ReportWords.of(report.language)
        let verdictText: String
        switch report.verdict {
        case .accept: verdictText = paint(w.accept, "1;32")
        case .review: verdictText = paint(w.review, "1;33")
        case .reject: verdictText = paint(w.reject, "1;31")
        }
        // with waivers or a baseline, how many of the findings do not count for the verdict
        let suppressed = SuppressionWords.suppressed(report).map { "; " + $0 } ?? ""
        return w.fill(w.summaryLine, verdictText, w.finding.counted(c.total), w.severityCounts(c), suppressed, "\(report.exitCode)")
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
        let w = ReportWords.of(report.language)
        var out = summaryLine(report) + "\n"
        if report.findingsShown < report.findingsTotal {
            out += wrapped(SuppressionWords.capped(report))
        }
        for input in report.inputs {
            out += wrapped(w.fill(w.checked, w.path(input.path), input.format, input.operation.map { w.fill(w.operationPart, $0) } ?? "", Self.records(input, w)))
            out += columnLine(w.columnsUnbound, input.unboundColumns)
            out += columnLine(w.columnsAbsent, input.absentColumns)
        }
        out += wrapped(w.packs + report.packs.map { "\($0.id) \($0.version)\($0.provisional ? w.provisional : "")" }.joined(separator: ", "))
        if let c = report.configuration {
            switch c.source {
            case "none": out += w.config + w.none + "\n"
            case "ignored (--no-config)": out += w.config + w.noneNoConfig + "\n"
            default: out += wrapped(w.config + "\(c.file?.path ?? "?") (\(c.source == "--config" ? w.givenWithConfig : w.foundInWorkingDirectory))")
            }
            out += w.fill(w.failOnLine, c.failOn, Self.failOnSource(c, w)) + "\n"
            for r in c.severityOverrides { out += wrapped(w.fill(w.regraded, r.ruleID, r.from, r.to, r.reason)) }
            for p in c.parameterOverrides { out += wrapped(w.fill(w.parameterSet, p.pack, p.name, p.value, p.defaultValue)) }
        }
        for d in report.disabledRules { out += wrapped(w.fill(w.switchedOff, d.ruleID, d.reason)) }
        if let line = Self.suppressionLine(report) { out += wrapped(line) }
        out += w.fill(w.coverageLine, w.rule.counted(report.coverage.count), "\(report.coverage.filter { $0.failed > 0 || $0.errors > 0 }.count)", "\(report.coverage.filter { $0.evaluated == 0 }.count)") + "\n"
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
            let label = w.severity(severity)
            let heading = TextLayout.wrap("\(label) \(id) (\(w.finding.counted(fs.count)))\(first.title.map { ": \($0)" } ?? "")", width: width, rest: "    ")
            for (n, line) in heading.enumerated() {
                if n == 0, color, line.hasPrefix("\(label) \(id)") {
                    out += "\(severityLabel(severity, w)) \(paint(id, "1"))" + line.dropFirst(label.count + 1 + id.count) + "\n"
                } else {
                    out += line + "\n"
                }
            }
            if !first.legalBasis.isEmpty { out += wrapped(first.legalBasis.joined(separator: "; "), prefix: w.legalBasisLabel, indent: 0) }
            if let help = first.help { out += wrapped(help, prefix: w.howToFixLabel, indent: 0) }
            // then one entry per finding: record key, place (with the value as written), message
            for f in fs {
                var entry = "[\(f.recordKey.isEmpty ? "-" : f.recordKey)]"
                if f.severity != severity { entry += " (\(w.severity(f.severity)))" }
                if let l = f.location { entry += " " + locationText(l, report) + " —" }
                out += wrapped(entry + " " + f.message, prefix: "  ")
                if let mark = Self.suppressionMark(f, w) { out += wrapped(mark, prefix: "    ") }
                for r in f.relatedLocations ?? [] {
                    var at = shownFile(r.file, report) + (r.line.map { ":\($0)" } ?? "")
                    if let x = r.xpath { at += " \(x)" } else if let n = r.record { at += " " + w.fill(w.recordAt, "\(n)") }
                    out += wrapped("\(at): \(r.message)", prefix: w.relatedLabel)
                }
                if explain {
                    for t in f.explain { out += wrapped("\(t.expression) = \(t.value)", prefix: "      ") }
                }
            }
            out += "\n"
        }
        for input in report.inputs where !input.indicators.isEmpty {
            out += wrapped(report.inputs.count > 1 ? w.fill(w.indicatorsOf, w.path(input.path)) : w.indicatorsHeading)
            // values right-aligned in a column, then the title and the target (wrapped under the title)
            let valueWidth = input.indicators.map { $0.note == nil ? $0.display.count : 1 }.max() ?? 0
            for i in input.indicators {
                let value = i.note == nil ? i.display : "–"
                var text = i.title
                if let note = i.note { text += ": \(note)" }
                var target = ""
                if let t = i.targetDisplay { target = w.fill(w.target, t, i.met == false ? ", " + w.notReached : i.met == true ? w.reached : "") }
                let prefix = "  " + TextLayout.padLeft(value, valueWidth) + "  "
                let lines = TextLayout.wrap(text + target, width: width, first: prefix, rest: String(repeating: " ", count: prefix.count))
                var joined = lines.joined(separator: "\n")
                if color, i.met == false, joined.hasSuffix(w.notReached + ")") {
                    joined = String(joined.dropLast(w.notReached.count + 1)) + paint(w.notReached, "33") + ")"
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
    static func suppressionMark(_ f: Finding, _ w: ReportWords) -> String? {
        if let waiver = f.waiver { return w.fill(w.waivedMark, waiver.justification) }
        if f.baselined == true { return w.baselinedMark }
        return nil
    }

    /// `1 operation, 6 providers, 41 participants (2 rejected)`: the records read per entity.
    static func records(_ input: InputInfo, _ w: ReportWords) -> String {
        input.records.filter { $0.read > 0 }.map { r in
            let count = w.entityCount(r.read, r.entity)
            return r.rejected > 0 ? w.fill(w.rejectedPart, count, "\(r.rejected)") : count
        }.joined(separator: ", ")
    }

    /// Where the fail-on level was set, in words.
    static func failOnSource(_ c: ConfigurationInfo, _ w: ReportWords) -> String {
        c.failOnSource == "config" ? w.setByConfig : c.failOnSource == "command line" ? w.setOnCommandLine : w.defaultSource
    }

    /// `waivers waivers.yaml: 2 findings waived, 1 waiver expired (expiry checked against 2026-11-29); baseline
    /// b.json: 3 findings in the baseline; the verdict counts 1 finding (…)`, or nil when neither was given.
    static func suppressionLine(_ report: Report) -> String? {
        guard let s = report.suppression else { return nil }
        let w = ReportWords.of(report.language)
        var parts: [String] = []
        if let file = report.configuration?.waivers {
            var part = w.fill(w.waiversPart, file.path, w.finding.counted(s.waived))
            let expired = s.waiverStates.filter { $0.status == .expired }.count, unused = s.waiverStates.filter { $0.status == .unused }.count
            if expired > 0 { part += w.fill(w.expiredPart, w.waiver.counted(expired)) }
            if unused > 0 { part += w.fill(w.unusedPart, w.waiver.counted(unused)) }
            if let today = s.today { part += w.fill(w.expiryCheckedAgainst, w.date(today)) }
            parts.append(part)
        }
        if let file = report.configuration?.baseline {
            parts.append(w.fill(w.baselinePart, file.path, w.finding.counted(s.baselined)))
        }
        let c = s.counted
        parts.append(w.fill(w.verdictCounts, w.finding.counted(c.total), w.severityCounts(c)))
        return parts.joined(separator: "; ")
    }
}
