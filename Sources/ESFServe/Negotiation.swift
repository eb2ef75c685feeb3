import ESFCore
import ESFReports
import Foundation

/// The report formats `POST /v1/check` answers in, chosen by the `Accept` header.
public enum ReportFormat: String, Sendable, CaseIterable {
    case json, sarif, html, csv

    /// The media type of the answer.
    public var mediaType: String {
        switch self {
        case .json: return "application/json"
        case .sarif: return "application/sarif+json"
        case .html: return "text/html; charset=utf-8"
        case .csv: return "text/csv; charset=utf-8"
        }
    }

    /// The report in this format (the same reporters as `esfcheck check --format`).
    public func render(_ report: Report) -> String {
        switch self {
        case .json: return JSONReporter().render(report)
        case .sarif: return SARIFReporter().render(report)
        case .html: return HTMLReporter().render(report)
        case .csv: return CSVReporter().render(report)
        }
    }

    /// The format an `Accept` header asks for: the supported type of the highest quality (the first
    /// named on a tie); `*/*`, `application/*`, no header, or a header naming no supported type: JSON
    /// (RFC 9110 lets a server disregard `Accept`; 406 means "rejected" here).
    public static func negotiate(_ accept: String?) -> ReportFormat {
        guard let accept else { return .json }
        var best: (format: ReportFormat, q: Double)?
        for range in HeaderList.items(accept) {
            let format: ReportFormat?
            switch range.value.lowercased() {
            case "application/json", "application/*", "*/*": format = .json
            case "application/sarif+json": format = .sarif
            case "text/html", "text/*": format = .html
            case "text/csv": format = .csv
            default: format = nil
            }
            guard let format, range.q > 0 else { continue }
            if best == nil || range.q > best?.q ?? 0 { best = (format, range.q) }
        }
        return best?.format ?? .json
    }
}

extension Language {
    /// The language an `Accept-Language` header prefers among those of the reports (en, sl): the
    /// highest quality (the first on a tie), a tag matched by its primary subtag (`sl-SI` is `sl`); `*`,
    /// no header, or none of them: English.
    public static func negotiate(_ acceptLanguage: String?) -> Language {
        guard let acceptLanguage else { return .en }
        var best: (language: Language, q: Double)?
        for range in HeaderList.items(acceptLanguage) {
            let primary = range.value.lowercased().split(separator: "-").first.map(String.init) ?? ""
            guard let language = Language(rawValue: primary), range.q > 0 else { continue }
            if best == nil || range.q > best?.q ?? 0 { best = (language, range.q) }
        }
        return best?.language ?? .en
    }
}

/// The items of a comma-separated header with quality values (`text/html;q=0.8, */*;q=0.1`).
enum HeaderList {
    struct Item {
        var value: String
        var q: Double
    }

    static func items(_ header: String) -> [Item] {
        header.split(separator: ",").compactMap { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let value = pieces.first, !value.isEmpty else { return nil }
            var q = 1.0
            for p in pieces.dropFirst() where p.lowercased().hasPrefix("q=") {
                // a malformed quality counts as 0 (not acceptable), never as a preference
                q = Double(p.dropFirst(2)).flatMap { (0...1).contains($0) ? $0 : nil } ?? 0
            }
            return Item(value: value, q: q)
        }
    }
}
