import ESFCore

/// A report format: a pure function from a report to text.
public protocol Reporter {
    func render(_ report: Report) -> String
}

/// Sentences the text and HTML reports share about waivers, a baseline and a capped listing, so that
/// both say the same true thing.
enum SuppressionWords {
    /// `1 waived`, `11 in the baseline`, or both: only for what was given (`--waivers`, `--baseline`);
    /// nil when neither was.
    static func suppressed(_ report: Report) -> String? {
        guard let s = report.suppression else { return nil }
        var parts: [String] = []
        if report.configuration?.waivers != nil || s.waived > 0 { parts.append("\(s.waived) waived") }
        if report.configuration?.baseline != nil || s.baselined > 0 { parts.append("\(s.baselined) in the baseline") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// ` not waived or in the baseline` (what of the findings decides the verdict), only for what was given.
    static func deciding(_ report: Report) -> String {
        guard report.suppression != nil else { return "" }
        let w = report.configuration?.waivers != nil, b = report.configuration?.baseline != nil
        return w && b ? " not waived or in the baseline" : w ? " not waived" : b ? " not in the baseline" : ""
    }

    /// The note of a listing capped by `--max-findings`.
    static func capped(_ report: Report) -> String {
        let shown = "showing \(report.findingsShown) of \(report.findingsTotal) findings"
        guard report.suppression != nil else {
            return shown + ", the most severe (--max-findings); the counts, the coverage and the verdict are those of all findings"
        }
        return shown + " (--max-findings): those that decide the verdict first, then the most severe; the counts and the coverage are those of all findings, the verdict that of all findings\(deciding(report))"
    }
}
