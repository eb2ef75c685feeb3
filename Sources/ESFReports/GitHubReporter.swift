import ESFCore

/// GitHub Actions workflow commands, one line per listed finding (docs/formats.md):
/// `::error file=export.xml,line=12,col=5,title=UD-EM-003::error [P-0007] message`. Fatal and error
/// findings are `error`, review and warning `warning`, info `notice`; the message starts with the
/// finding's own severity and record key. A waived finding, or one in the baseline, is a `notice` whose
/// message starts with `waived` or `baselined` (and, waived, ends with the waiver's justification).
/// Escaped as the runner requires: `%`, CR and LF in the message; also `:` and `,` in the properties.
public struct GitHubReporter: Reporter {
    public init() {}

    public func render(_ report: Report) -> String {
        let w = ReportWords.of(report.language)
        var out = ""
        for f in report.findings {
            var properties: [String] = []
            if let l = f.location {
                properties.append("file=" + Self.property(l.file))
                if let line = l.line, line >= 1 {
                    properties.append("line=\(line)")
                    if let col = l.column, col >= 1 { properties.append("col=\(col)") }
                }
            }
            properties.append("title=" + Self.property(f.ruleID))
            let severity = w.severity(f.severity)
            var message = f.waiver != nil ? "\(w.waivedPrefix) \(severity)" : f.baselined == true ? "\(w.baselinedPrefix) \(severity)" : severity
            if !f.recordKey.isEmpty { message += " [\(f.recordKey)]" }
            message += " " + f.message
            if let detail = f.location.flatMap({ Self.detail($0, w) }) { message += w.fill(w.atPlace, detail) }
            if let waiver = f.waiver { message += w.fill(w.waivedSuffix, waiver.justification) }
            // a waived or baselined finding is a notice, never an error or a warning
            let level = f.decidesVerdict ? CILevel(f.severity).github : "notice"
            out += "::\(level) \(properties.joined(separator: ","))::\(Self.data(message))\n"
        }
        return out
    }

    /// The XPath, or the CSV record and field, with the value as written.
    static func detail(_ l: SourceLocation, _ w: ReportWords = .en) -> String? {
        var s: String
        if let x = l.xpath {
            s = x
        } else if let r = l.record {
            s = w.fill(w.recordAt, "\(r)")
            if let field = l.field { s += " \(w.column) " + (l.sourceField.map { "\"\($0)\" (\(field))" } ?? field) }
        } else {
            return nil
        }
        if let raw = l.rawValue { s += " = \"\(raw)\"" }
        return s
    }

    /// A command's message: `%`, CR and LF escaped.
    static func data(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// A property value: also `:` and `,` escaped.
    static func property(_ s: String) -> String {
        data(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
