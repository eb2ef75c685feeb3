import ESFCore
import Foundation

/// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers (docs/formats.md): every rule that ran
/// in `tool.driver.rules` with its legal basis and help, one result per listed finding with its level,
/// message, location (the input path as given, a region with line ≥ 1), the earlier record of a
/// duplicate as a related location, and the finding's fingerprint as a partial fingerprint; a waived finding
/// has an external, accepted suppression with its justification, and with `--baseline` every result has
/// a `baselineState` (`unchanged`: in the baseline, `new`).
public struct SARIFReporter: Reporter {
    /// The tool's `informationUri`. The project has no published home page yet: a placeholder under
    /// the reserved `.invalid` domain, to be replaced by the real address.
    public static let informationURI = "https://esfcheck.invalid/"
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

    public init() {}

    public func render(_ report: Report) -> String {
        let rules = report.describedRules
        let index = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var run: [String: JSONValue] = [
            "tool": ["driver": .object([
                "name": "esfcheck",
                "version": .string(report.toolVersion),
                "semanticVersion": .string(report.toolVersion),
                "informationUri": .string(Self.informationURI),
                "rules": .array(rules.map(descriptor)),
            ])],
            "results": .array(report.findings.map { result($0, ruleIndex: index[$0.ruleID], report: report) }),
            "columnKind": "unicodeCodePoints",
        ]
        var invocation: [String: JSONValue] = [
            // the check ran to its end: a finding is not a failed execution (exits 2 and 3 write no SARIF)
            "executionSuccessful": true,
            "exitCode": .int(report.exitCode),
        ]
        if let started = report.startedAt { invocation["startTimeUtc"] = .string(started) }
        run["invocations"] = [.object(invocation)]
        var properties: [String: JSONValue] = [
            "verdict": .string(report.verdict.rawValue),
            "findingsTotal": .int(report.findingsTotal),
            "findingsShown": .int(report.findingsShown),
            "packs": .array(report.packs.map { .string("\($0.id) \($0.version)") }),
        ]
        var counts: [String: JSONValue] = [:]
        for s in Severity.allCases { counts[s.rawValue] = .int(report.counts[s]) }
        properties["counts"] = .object(counts)
        if let sup = report.suppression {
            properties["waived"] = .int(sup.waived)
            properties["baselined"] = .int(sup.baselined)
            var decisive: [String: JSONValue] = [:]
            for s in Severity.allCases { decisive[s.rawValue] = .int(sup.counted[s]) }
            properties["countedForVerdict"] = .object(decisive)
        }
        run["properties"] = .object(properties)
        let log: JSONValue = [
            "$schema": .string(Self.schemaURI),
            "version": "2.1.0",
            "runs": [.object(run)],
        ]
        guard let text = StableJSON.text(log) else {
            return "{\"error\": \"the report could not be encoded\"}\n"
        }
        return text + "\n"
    }

    /// A `reportingDescriptor`: id, a Pascal-case name from the title, descriptions, help with the legal basis.
    func descriptor(_ r: RuleDescriptor) -> JSONValue {
        let basis = r.legalBasis.joined(separator: "; ")
        var full = r.title
        if !basis.isEmpty { full += ". Legal basis: \(basis)." }
        var helpText = r.title + "."
        var helpMarkdown = "**\(r.title)**"
        if let written = r.assertion {
            // on one line: a multi-line assertion would break the Markdown code span
            let a = written.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            helpText += "\nAsserts: \(a)"
            helpMarkdown += "\n\nAsserts: `\(a.replacingOccurrences(of: "`", with: "'"))`"
        }
        if !basis.isEmpty {
            helpText += "\nLegal basis: \(basis)"
            helpMarkdown += "\n\nLegal basis: \(basis)"
        }
        if let h = r.help {
            helpText += "\nHow to fix: \(h)"
            helpMarkdown += "\n\nHow to fix: \(h)"
        }
        helpText += "\nPack: \(r.pack); severity: \(r.severityText)."
        helpMarkdown += "\n\nPack `\(r.pack)`, severity \(r.severityText)."
        return [
            "id": .string(r.id),
            "name": .string(Self.pascalCase(r.title)),
            "shortDescription": ["text": .string(r.title)],
            "fullDescription": ["text": .string(full)],
            "help": ["text": .string(helpText), "markdown": .string(helpMarkdown)],
            "defaultConfiguration": ["level": .string(CILevel(r.severity).sarif)],
            "properties": [
                "tags": [.string(r.pack), .string(r.severity.rawValue)],
                "pack": .string(r.pack),
                "severity": .string(r.severityText),
                "legalBasis": .array(r.legalBasis.map { .string($0) }),
            ],
        ]
    }

    func result(_ f: Finding, ruleIndex: Int?, report: Report) -> JSONValue {
        var message = f.message
        if !f.recordKey.isEmpty { message = "[\(f.recordKey)] " + message }
        var result: [String: JSONValue] = [
            "ruleId": .string(f.ruleID),
            "level": .string(CILevel(f.severity).sarif),
            "message": ["text": .string(message)],
            "locations": [location(f.location, fallback: report.inputs.first?.path)],
            "partialFingerprints": ["esfcheckFingerprint/v1": .string(f.fingerprint)],
        ]
        if let ruleIndex { result["ruleIndex"] = .int(ruleIndex) }
        if let related = f.relatedLocations, !related.isEmpty {
            result["relatedLocations"] = .array(related.enumerated().map { i, r in
                let region: [String: JSONValue] = ["startLine": .int(max(1, r.line ?? 1))]
                var loc: [String: JSONValue] = [
                    "id": .int(i + 1),
                    "physicalLocation": ["artifactLocation": ["uri": .string(Self.uri(r.file))], "region": .object(region)],
                    "message": ["text": .string(r.message)],
                ]
                if let name = r.xpath ?? r.record.map({ "record \($0)" }) {
                    loc["logicalLocations"] = [["fullyQualifiedName": .string(name), "kind": .string(r.xpath != nil ? "element" : "record")]]
                }
                return .object(loc)
            })
        }
        var properties: [String: JSONValue] = ["severity": .string(f.severity.rawValue), "entity": .string(f.entity)]
        if !f.recordKey.isEmpty { properties["recordKey"] = .string(f.recordKey) }
        if let p = f.participantID { properties["participant"] = .string(p) }
        if let p = f.pack { properties["pack"] = .string(p) }
        if let field = f.location?.field { properties["field"] = .string(field) }
        if let s = f.location?.sourceField { properties["sourceField"] = .string(s) }
        if let v = f.location?.rawValue { properties["value"] = .string(v) }
        if !f.legalBasis.isEmpty { properties["legalBasis"] = .array(f.legalBasis.map { .string($0) }) }
        result["properties"] = .object(properties)
        // a waived finding: accepted outside the export, with the waiver's justification and place
        if let w = f.waiver {
            result["suppressions"] = Self.acceptedExternally(w.justification,
                at: ["physicalLocation": ["artifactLocation": ["uri": .string(Self.uri(w.file))], "region": ["startLine": .int(max(1, w.line))]]])
        }
        // with --baseline: whether the finding was already in the baseline; one that was is also an
        // external suppression (code scanning closes suppressed alerts and does not read baselineState),
        // as it is a notice in the GitHub format and no failure in JUnit
        if let b = f.baselined {
            result["baselineState"] = .string(b ? "unchanged" : "new")
            if b && f.waiver == nil {
                result["suppressions"] = Self.acceptedExternally("in the baseline given with --baseline: it does not count for the verdict")
            }
        }
        return .object(result)
    }

    /// `suppressions` of a result accepted outside the export (a waiver, the baseline), with its justification.
    static func acceptedExternally(_ justification: String, at location: JSONValue? = nil) -> JSONValue {
        var suppression: [String: JSONValue] = ["kind": "external", "status": "accepted", "justification": .string(justification)]
        if let location { suppression["location"] = location }
        return [.object(suppression)]
    }

    /// A `location`: the file as given (repository-relative when given relative), line ≥ 1 (1 when the
    /// finding has no line: an aggregate finding, or one without a location, points at the input),
    /// the column when known, and the XPath or CSV record as a logical location.
    func location(_ l: SourceLocation?, fallback: String?) -> JSONValue {
        let file = l?.file ?? fallback ?? ""
        var region: [String: JSONValue] = ["startLine": .int(max(1, l?.line ?? 1))]
        if let c = l?.column, c >= 1 { region["startColumn"] = .int(c) }
        var loc: [String: JSONValue] = [
            "physicalLocation": ["artifactLocation": ["uri": .string(Self.uri(file))], "region": .object(region)],
        ]
        if let l, let sheet = l.sheet {
            // a workbook: the region's line is the sheet's row; the sheet and cell name the place
            let name = "sheet \(sheet)" + (l.cell.map { " cell \($0)" } ?? "") + (l.record.map { " record \($0)" } ?? "") + (l.field.map { " field \($0)" } ?? "")
            loc["logicalLocations"] = [["fullyQualifiedName": .string(name), "kind": .string("record")]]
        } else if let l, let name = l.xpath ?? l.record.map({ "record \($0)" + (l.field.map { " field \($0)" } ?? "") }) {
            loc["logicalLocations"] = [["fullyQualifiedName": .string(name), "kind": .string(l.xpath != nil ? "element" : "record")]]
        }
        return .object(loc)
    }

    /// A path as a URI reference: relative paths stay relative (percent-encoded), absolute ones become `file://` URIs.
    static func uri(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "%;?#[]")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }

    /// `The export has the structure of its schema` → `TheExportHasTheStructureOfItsSchema`; apostrophes
    /// are dropped (`operation's` → `Operations`).
    static func pascalCase(_ title: String) -> String {
        title.filter { $0 != "'" && $0 != "’" }.split { !$0.isLetter && !$0.isNumber }.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
