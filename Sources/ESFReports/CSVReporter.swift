import ESFCore

/// One row per listed finding, RFC 4180 quoting, UTF-8, lines ending in LF (docs/formats.md). A cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that a
/// spreadsheet shows it as text instead of running it as a formula (formula injection).
public struct CSVReporter: Reporter {
    public static let header = ["rule", "severity", "record_key", "participant", "file", "line", "column", "field", "value",
                                "message", "legal_basis", "fingerprint", "status", "waiver"]

    public init() {}

    public func render(_ report: Report) -> String {
        var out = Self.row(Self.header)
        for f in report.findings {
            let l = f.location
            out += Self.row([
                f.ruleID, f.severity.rawValue, f.recordKey, f.participantID ?? "", l?.file ?? "",
                l?.line.map(String.init) ?? "", l?.column.map(String.init) ?? "", l?.sourceField ?? l?.field ?? "",
                l?.rawValue ?? "", f.message, f.legalBasis.joined(separator: "; "), f.fingerprint,
                Self.status(f), f.waiver?.justification ?? "",
            ])
        }
        return out
    }

    static func row(_ cells: [String]) -> String { cells.map(cell).joined(separator: ",") + "\n" }

    /// A cell neutralised against formula injection, then quoted when it holds `,`, `"`, CR or LF.
    static func cell(_ value: String) -> String {
        var s = value
        if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { s = "'" + s }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            s = "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// `waived`, `baselined` (in the baseline), `new` (not in the baseline given with --baseline), else `open`.
    static func status(_ f: Finding) -> String {
        if f.waiver != nil { return "waived" }
        switch f.baselined {
        case true?: return "baselined"
        case false?: return "new"
        case nil: return "open"
        }
    }
}
