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
        let w = ReportWords.of(report.language)
        var parts: [String] = []
        if report.configuration?.waivers != nil || s.waived > 0 { parts.append(w.fill(w.waivedCount, "\(s.waived)")) }
        if report.configuration?.baseline != nil || s.baselined > 0 { parts.append(w.fill(w.baselinedCount, "\(s.baselined)")) }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// ` not waived or in the baseline` (what of the findings decides the verdict), only for what was given.
    static func deciding(_ report: Report) -> String {
        guard report.suppression != nil else { return "" }
        let w = ReportWords.of(report.language)
        let waivers = report.configuration?.waivers != nil, baseline = report.configuration?.baseline != nil
        return waivers && baseline ? w.notWaivedOrBaselined : waivers ? w.notWaived : baseline ? w.notBaselined : ""
    }

    /// The note of a listing capped by `--max-findings`.
    static func capped(_ report: Report) -> String {
        let w = ReportWords.of(report.language)
        let shown = w.fill(w.showingOf, "\(report.findingsShown)", "\(report.findingsTotal)")
        guard report.suppression != nil else { return shown + w.cappedPlain }
        return shown + w.fill(w.cappedSuppressed, deciding(report))
    }
}
