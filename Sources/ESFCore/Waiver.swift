/// One entry of a waiver file (`--waivers FILE`): the findings of one rule at one record (or with one
/// fingerprint) accepted, with the reason, who approved it, a reference and an expiry date.
public struct Waiver: Sendable, Hashable {
    public var ruleID: String
    /// The record key the waiver names (`UD-000011/training`), or nil when it names a fingerprint.
    public var recordKey: String?
    /// The fingerprint the waiver names (64 hex digits), or nil when it names a record key.
    public var fingerprint: String?
    public var reason: String
    public var approvedBy: String
    public var reference: String?
    /// The last day the waiver waives; nil: it does not expire.
    public var expires: CivilDate?
    /// Where the waiver is written: the waiver file as displayed, the line and column of its entry.
    public var file: String
    public var line: Int
    public var column: Int

    public init(ruleID: String, recordKey: String? = nil, fingerprint: String? = nil, reason: String, approvedBy: String,
                reference: String? = nil, expires: CivilDate? = nil, file: String, line: Int, column: Int) {
        self.ruleID = ruleID
        self.recordKey = recordKey
        self.fingerprint = fingerprint
        self.reason = reason
        self.approvedBy = approvedBy
        self.reference = reference
        self.expires = expires
        self.file = file
        self.line = line
        self.column = column
    }

    /// Whether the waiver names this finding: same rule, and same record key or same fingerprint.
    public func matches(_ f: Finding) -> Bool {
        guard f.ruleID == ruleID else { return false }
        if let recordKey { return f.recordKey == recordKey }
        if let fingerprint { return f.fingerprint == fingerprint.lowercased() }
        return false
    }

    /// Whether the waiver has expired on `today`: its last day is before today.
    public func isExpired(today: CivilDate) -> Bool { expires.map { $0 < today } ?? false }

    /// What the waiver names: `UD-TR-004 [UD-000011/training]` or `UD-TR-004 fingerprint 3f5a0c1d…`.
    public var target: String {
        if let recordKey { return "\(ruleID) [\(recordKey)]" }
        return "\(ruleID) fingerprint \(String((fingerprint ?? "").prefix(12)))…"
    }

    /// `waivers.yaml:3`.
    public var place: String { "\(file):\(line)" }

    /// The waiver as carried by a finding it waives.
    public var applied: AppliedWaiver {
        AppliedWaiver(reason: reason, approvedBy: approvedBy, reference: reference, expires: expires?.description, file: file, line: line)
    }
}

/// A waiver as a finding it waives carries it (JSON `waiver`): the reason, the approver, the reference,
/// the expiry, and where the waiver is written.
public struct AppliedWaiver: Sendable, Hashable, Codable {
    public var reason: String
    public var approvedBy: String
    public var reference: String?
    /// `YYYY-MM-DD`, or nil when the waiver does not expire.
    public var expires: String?
    public var file: String
    public var line: Int

    public init(reason: String, approvedBy: String, reference: String? = nil, expires: String? = nil, file: String, line: Int) {
        self.reason = reason
        self.approvedBy = approvedBy
        self.reference = reference
        self.expires = expires
        self.file = file
        self.line = line
    }

    /// `reason (approved by X; ref R; expires 2027-06-30; waivers.yaml:3)`: what the text, JUnit and
    /// GitHub reports say, and SARIF's justification.
    public var justification: String {
        var parts = ["approved by \(approvedBy)"]
        if let reference { parts.append("reference \(reference)") }
        if let expires { parts.append("expires \(expires)") }
        parts.append("\(file):\(line)")
        return "\(reason) (\(parts.joined(separator: "; ")))"
    }
}

/// What waivers and a baseline did to a run (JSON `suppression`), present only when `--waivers` or
/// `--baseline` was given. The report's `counts` stay those of every finding; the verdict and the exit
/// code are those of `counted`: the findings neither waived nor in the baseline.
public struct SuppressionSummary: Sendable, Hashable, Codable {
    /// The date expiry dates were compared with (`YYYY-MM-DD`; `ESFCHECK_TODAY`, else the local date),
    /// when waivers were given. The files themselves, with their SHA-256, are in `configuration`.
    public var today: String?
    /// Findings a waiver accepted, and findings found in the baseline (a finding both waived and in the
    /// baseline counts as waived only).
    public var waived: Int
    public var baselined: Int
    /// The counts of the findings that decide the verdict.
    public var counted: SeverityCounts
    /// Every waiver of the file with what it did: `applied` (it waived `findings` findings), `expired`
    /// (it waives nothing) or `unused` (it matched no finding).
    public var waiverStates: [WaiverState]

    public init(today: String?, waived: Int, baselined: Int, counted: SeverityCounts, waiverStates: [WaiverState]) {
        self.today = today
        self.waived = waived
        self.baselined = baselined
        self.counted = counted
        self.waiverStates = waiverStates
    }
}

/// One waiver of the file and what it did in the run.
public struct WaiverState: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable { case applied, expired, unused }
    public var ruleID: String
    public var recordKey: String?
    public var fingerprint: String?
    public var file: String
    public var line: Int
    public var status: Status
    /// How many findings it waived.
    public var findings: Int
    public init(ruleID: String, recordKey: String?, fingerprint: String?, file: String, line: Int, status: Status, findings: Int) {
        self.ruleID = ruleID
        self.recordKey = recordKey
        self.fingerprint = fingerprint
        self.file = file
        self.line = line
        self.status = status
        self.findings = findings
    }
}

/// One finding of a baseline file (`--write-baseline`, `--baseline`): its fingerprint, with the rule id,
/// record key and message for a person reading the file (only the fingerprint is matched).
public struct BaselineEntry: Sendable, Hashable, Codable, Comparable {
    public var fingerprint: String
    public var ruleID: String
    public var recordKey: String
    public var message: String
    public init(fingerprint: String, ruleID: String, recordKey: String, message: String) {
        self.fingerprint = fingerprint
        self.ruleID = ruleID
        self.recordKey = recordKey
        self.message = message
    }
    public init(_ f: Finding) {
        self.init(fingerprint: f.fingerprint, ruleID: f.ruleID, recordKey: f.recordKey, message: f.message)
    }
    public static func < (a: BaselineEntry, b: BaselineEntry) -> Bool {
        (a.ruleID, a.recordKey, a.fingerprint, a.message) < (b.ruleID, b.recordKey, b.fingerprint, b.message)
    }
}

/// A baseline file: the findings of an earlier run that are accepted as known. JSON, sorted, without a
/// date, so that the same findings always give the same bytes.
public struct Baseline: Sendable, Hashable, Codable {
    public var tool: String = "esfcheck"
    /// The format of the file (1).
    public var baselineVersion: Int = 1
    public var findings: [BaselineEntry]
    public init(findings: [BaselineEntry]) { self.findings = findings.sorted() }
}
