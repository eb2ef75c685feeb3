import ESFCore
import Foundation

/// Per-rule counts (SPEC §6 coverage table).
public struct RuleCoverage: Sendable, Codable, Hashable {
    public var ruleID: String
    public var pack: String
    public init(ruleID: String, pack: String) {
        self.ruleID = ruleID
        self.pack = pack
    }
    public var evaluated = 0
    public var passed = 0
    public var failed = 0
    public var notApplicable = 0
    public var errors = 0
}

/// Records read from one input, by entity.
public struct InputCounts: Sendable, Codable, Hashable {
    public var entity: String
    public init(entity: String) { self.entity = entity }
    /// Records read from the input, rows rejected as a whole (ragged, orphaned, a second root)
    /// and records evaluated by the rules: read = evaluated + rejected.
    public var read = 0
    public var evaluated = 0
    public var rejected = 0
}


/// The overall outcome of a run (SPEC §2).
public enum Verdict: String, Sendable, Codable {
    case accept, reject, review

    /// `reject` when a finding is at or above `failOn` or any is fatal; else `review` when any is `review`.
    public static func of(_ findings: [Finding], failOn: Severity?) -> Verdict {
        if findings.contains(where: { finding in finding.severity == .fatal || (failOn.map { finding.severity >= $0 } ?? false) }) { return .reject }
        if findings.contains(where: { $0.severity == .review }) { return .review }
        return .accept
    }
}

/// A pack used by the run, with the SHA-256 of its files.
public struct PackInfo: Sendable, Codable, Hashable {
    public var id: String
    public var title: String
    public var version: String
    public var provisional: Bool
    public var sha256: String
    public var rules: Int
    public init(id: String, title: String, version: String, provisional: Bool, sha256: String, rules: Int) {
        self.id = id
        self.title = title
        self.version = version
        self.provisional = provisional
        self.sha256 = sha256
        self.rules = rules
    }
}

/// One file read, with its SHA-256.
public struct FileHash: Sendable, Codable, Hashable {
    public var path: String
    public var sha256: String
    public init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }
}

/// One input checked: its files, record counts per entity and indicator values.
public struct InputInfo: Sendable, Codable, Hashable {
    public var path: String
    public var format: String
    public var operation: String?
    public var files: [FileHash]
    public var records: [InputCounts]
    public var indicators: [IndicatorValue] = []
    /// Per file, the columns no binding of the mapping profile names (skipped with
    /// `extra_columns: ignore`), in file order; nil when there are none.
    public var unboundColumns: [String: [String]]?
    public init(path: String, format: String, operation: String?, files: [FileHash], records: [InputCounts]) {
        self.path = path
        self.format = format
        self.operation = operation
        self.files = files
        self.records = records
    }
}

/// The value of one indicator for one input, next to its target.
public struct IndicatorValue: Sendable, Codable, Hashable {
    public var pack: String
    public var id: String
    public var title: String
    public var unit: String
    /// The exact value (a share as a fraction), or nil when it cannot be computed (no data).
    public var value: String?
    /// The value as a person reads it (`66.4 %`, `1,234.50 EUR`).
    public var display: String
    public var target: String?
    public var targetDisplay: String?
    /// Whether the value reaches the target (value ≥ target), when both are known.
    public var met: Bool?
    public init(pack: String, id: String, title: String, unit: String, value: String?, display: String,
                target: String?, targetDisplay: String?, met: Bool?) {
        self.pack = pack
        self.id = id
        self.title = title
        self.unit = unit
        self.value = value
        self.display = display
        self.target = target
        self.targetDisplay = targetDisplay
        self.met = met
    }
}

/// Counts of findings per severity.
public struct SeverityCounts: Sendable, Codable, Hashable {
    public var fatal = 0, error = 0, review = 0, warning = 0, info = 0
    public init(_ findings: [Finding]) {
        for f in findings {
            switch f.severity {
            case .fatal: fatal += 1
            case .error: error += 1
            case .review: review += 1
            case .warning: warning += 1
            case .info: info += 1
            }
        }
    }
    public var total: Int { fatal + error + review + warning + info }
}

/// Everything a reporter needs: the envelope (SPEC §6) and the findings.
public struct Report: Sendable, Codable {
    public var tool: String = "esfcheck"
    public var toolVersion: String
    public var startedAt: String?
    public var options: [String: String]
    public var packs: [PackInfo]
    public var inputs: [InputInfo]
    public var verdict: Verdict
    public var exitCode: Int
    public var counts: SeverityCounts
    public var coverage: [RuleCoverage]
    public var findings: [Finding]
    /// Rules switched off by the project config, with the reasons an auditor reads.
    public var disabledRules: [DisabledRule] = []
    /// The parameter values in force, per pack (defaults with the config's overrides).
    public var parameters: [PackParameters] = []

    public init(toolVersion: String, startedAt: String?, options: [String: String], packs: [PackInfo], inputs: [InputInfo],
                failOn: Severity?, coverage: [RuleCoverage], findings: [Finding]) {
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.options = options
        self.packs = packs
        self.inputs = inputs
        self.verdict = Verdict.of(findings, failOn: failOn)
        self.exitCode = verdict == .reject ? 1 : 0
        self.counts = SeverityCounts(findings)
        self.coverage = coverage
        self.findings = findings
    }
}

/// A rule switched off by the project config.
public struct DisabledRule: Sendable, Codable, Hashable {
    public var ruleID: String
    public var reason: String
    public init(ruleID: String, reason: String) {
        self.ruleID = ruleID
        self.reason = reason
    }
}

/// The parameter values of one pack, as text.
public struct PackParameters: Sendable, Codable, Hashable {
    public var pack: String
    public var values: [String: String]
    public init(pack: String, values: [String: String]) {
        self.pack = pack
        self.values = values
    }
}

/// A report format: a pure function from a report to text.
public protocol Reporter {
    func render(_ report: Report) -> String
}
