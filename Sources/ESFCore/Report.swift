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
    /// With `--waivers`: the failures a waiver accepted (among `failed`); nil without waivers.
    public var waived: Int?
    /// With `--baseline`: the failures found in the baseline (among `failed`); nil without a baseline.
    public var baselined: Int?
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
        of(SeverityCounts(findings), failOn: failOn)
    }

    /// The verdict from the counts of all findings (also those not listed under `--max-findings`).
    public static func of(_ counts: SeverityCounts, failOn: Severity?) -> Verdict {
        if counts.fatal > 0 { return .reject }
        if let failOn, Severity.allCases.contains(where: { $0 >= failOn && counts[$0] > 0 }) { return .reject }
        if counts.review > 0 { return .review }
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
    /// Canonical CSV bundle: per file, the columns of optional fields its header lacks (read as missing).
    public var absentColumns: [String: [String]]?
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
    /// Why the value could not be computed, naming the missing data (only when `value` is nil).
    public var note: String?
    public init(pack: String, id: String, title: String, unit: String, value: String?, display: String,
                target: String?, targetDisplay: String?, met: Bool?, note: String? = nil) {
        self.pack = pack
        self.id = id
        self.title = title
        self.unit = unit
        self.value = value
        self.display = display
        self.target = target
        self.targetDisplay = targetDisplay
        self.met = met
        self.note = note
    }
}

/// Counts of findings per severity.
public struct SeverityCounts: Sendable, Codable, Hashable {
    public var fatal = 0, error = 0, review = 0, warning = 0, info = 0
    public init(_ findings: [Finding]) {
        for f in findings { add(f.severity) }
    }

    /// Counts one more finding of severity `s`.
    public mutating func add(_ s: Severity, count: Int = 1) {
        switch s {
        case .fatal: fatal += count
        case .error: error += count
        case .review: review += count
        case .warning: warning += count
        case .info: info += count
        }
    }

    /// Adds the counts of `other`.
    public mutating func add(_ other: SeverityCounts) {
        for s in Severity.allCases { add(s, count: other[s]) }
    }

    /// The count of one severity.
    public subscript(_ s: Severity) -> Int {
        switch s {
        case .fatal: return fatal
        case .error: return error
        case .review: return review
        case .warning: return warning
        case .info: return info
        }
    }
    public var total: Int { fatal + error + review + warning + info }
}

/// Everything a reporter needs: the envelope (SPEC §6) and the findings (at most `--max-findings` of them listed).
public struct Report: Sendable, Codable {
    public var tool: String = "esfcheck"
    public var toolVersion: String
    public var startedAt: String?
    /// The language of the report's words and the rules' texts (`--lang`).
    public var language: Language = .en
    public var options: [String: String]
    public var packs: [PackInfo]
    public var inputs: [InputInfo]
    public var verdict: Verdict
    public var exitCode: Int
    public var counts: SeverityCounts
    public var coverage: [RuleCoverage]
    public var findings: [Finding]
    /// How many findings the run found (what `counts` adds up to)…
    public var findingsTotal: Int
    /// …and how many of them `findings` lists: fewer when `--max-findings` capped the listing.
    public var findingsShown: Int
    /// Rules switched off by the project config, with the reasons an auditor reads.
    public var disabledRules: [DisabledRule] = []
    /// The parameter values in force, per pack (defaults with the config's overrides).
    public var parameters: [PackParameters] = []
    /// What configured the run: the config file (or none), fail-on and where it came from, re-grades,
    /// overridden parameters, and the SHA-256 of the config, the model and the profile.
    public var configuration: ConfigurationInfo?
    /// The rules that ran, for the formats that list them (SARIF, JUnit); not in the JSON report.
    public var rules: [RuleDescriptor] = []
    /// What waivers and a baseline did (`--waivers`, `--baseline`); nil when neither was given.
    public var suppression: SuppressionSummary?

    /// Every key of the JSON report (`rules` is left out: the JSON report has `coverage`).
    enum CodingKeys: String, CodingKey {
        case tool, toolVersion, language, startedAt, options, packs, inputs, verdict, exitCode, counts, coverage, findings
        case findingsTotal, findingsShown, disabledRules, parameters, configuration, suppression
    }

    public init(toolVersion: String, startedAt: String?, options: [String: String], packs: [PackInfo], inputs: [InputInfo],
                failOn: Severity?, coverage: [RuleCoverage], findings: [Finding], counts: SeverityCounts? = nil) {
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.options = options
        self.packs = packs
        self.inputs = inputs
        // `counts` are those of all findings when the listing was capped (`--max-findings`)
        let all = counts ?? SeverityCounts(findings)
        self.verdict = Verdict.of(all, failOn: failOn)
        self.exitCode = verdict == .reject ? 1 : 0
        self.counts = all
        self.findingsTotal = all.total
        self.findingsShown = findings.count
        self.coverage = coverage
        self.findings = findings
    }
}

/// What configured a run, so that a config that changes the verdict is always visible.
public struct ConfigurationInfo: Sendable, Codable, Hashable {
    /// The config file used, with its SHA-256; nil when none was used.
    public var file: FileHash?
    /// How the config was found: `--config`, `working directory`, `none`, `ignored (--no-config)`.
    public var source: String
    public var failOn: String
    /// `default`, `config` or `command line`.
    public var failOnSource: String
    public var severityOverrides: [SeverityOverride] = []
    public var parameterOverrides: [ParameterOverride] = []
    /// The data model file, with its SHA-256.
    public var model: FileHash
    /// The mapping profile: its id, and its file with the SHA-256 (none for a profile written in the config).
    public var profile: String?
    public var profileFile: FileHash?
    /// The waiver file (`--waivers`, or `waivers:` of the config) and the baseline (`--baseline`), each
    /// with its SHA-256; nil when not given.
    public var waivers: FileHash?
    public var baseline: FileHash?
    public init(file: FileHash?, source: String, failOn: String, failOnSource: String, model: FileHash) {
        self.file = file
        self.source = source
        self.failOn = failOn
        self.failOnSource = failOnSource
        self.model = model
    }
}

/// A rule's severity re-graded by the config, with the reason.
public struct SeverityOverride: Sendable, Codable, Hashable {
    public var ruleID: String
    public var from: String
    public var to: String
    public var reason: String
    public init(ruleID: String, from: String, to: String, reason: String) {
        self.ruleID = ruleID
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// A pack parameter overridden by the config: its value in force and the pack's default.
public struct ParameterOverride: Sendable, Codable, Hashable {
    public var pack: String
    public var name: String
    public var value: String
    public var defaultValue: String
    public init(pack: String, name: String, value: String, defaultValue: String) {
        self.pack = pack
        self.name = name
        self.value = value
        self.defaultValue = defaultValue
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

/// A count with its noun, plural when the count is not one: `1 rule`, `6 providers`, `0 findings`.
public func counted(_ n: Int, _ noun: String) -> String {
    "\(n) \(noun)\(n == 1 ? "" : "s")"
}
