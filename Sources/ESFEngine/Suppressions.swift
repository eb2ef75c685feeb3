import ESFCore
import Foundation

/// Waivers and baselines, applied after the engine has found every finding (the engine itself knows
/// nothing of them): a waived finding carries its waiver, a finding of the baseline is marked
/// `baselined`; both stay listed and counted, and neither decides the verdict. Findings of esfcheck
/// itself (`ESFCHECK-*`) are never waived nor baselined. An expired waiver waives nothing and is an
/// `ESFCHECK-WV-001` warning; a waiver that matches no finding is an `ESFCHECK-WV-002` warning.
public enum Suppressions {
    /// What the post-pass needs: the waivers (nil: no `--waivers`), the date their expiry is compared
    /// with, and the baseline (nil: no `--baseline`).
    public struct Options: Sendable {
        public var waivers: [Waiver]?
        public var today: CivilDate
        public var baseline: Baseline?
        /// The language of the waiver findings' texts.
        public var language: Language
        public init(waivers: [Waiver]? = nil, today: CivilDate, baseline: Baseline? = nil, language: Language = .en) {
            self.waivers = waivers
            self.today = today
            self.baseline = baseline
            self.language = language
        }
        public var isEmpty: Bool { waivers == nil && baseline == nil }
    }

    /// The outcome: every finding (with the waiver findings appended), the coverage with its waived
    /// and baselined counts, and the summary for the report.
    public struct Outcome: Sendable {
        public var findings: [Finding]
        public var coverage: [RuleCoverage]
        public var summary: SuppressionSummary
    }

    /// Applies waivers and the baseline to `findings` (all of them, in report order).
    public static func apply(_ options: Options, to findings: [Finding], coverage: [RuleCoverage]) -> Outcome {
        var findings = findings
        var coverage = coverage
        let waivers = options.waivers ?? []
        var used = Array(repeating: 0, count: waivers.count)
        // findings a live waiver names (one named by an earlier waiver too is waived by that one)
        var matched = Array(repeating: 0, count: waivers.count)
        // matches of expired waivers: they waive nothing, the warning says what they would have
        var wouldHave = Array(repeating: 0, count: waivers.count)
        var remaining: [String: Int] = [:]
        for e in options.baseline?.findings ?? [] { remaining[e.fingerprint, default: 0] += 1 }
        for i in findings.indices {
            guard ReservedFinding(id: findings[i].ruleID) == nil else {
                if options.baseline != nil { findings[i].baselined = false }
                continue
            }
            // the first waiver of the file that names the finding and has not expired
            for (w, waiver) in waivers.enumerated() where waiver.matches(findings[i]) {
                if waiver.isExpired(today: options.today) {
                    wouldHave[w] += 1
                    continue
                }
                matched[w] += 1
                if findings[i].waiver == nil {
                    findings[i].waiver = waiver.applied
                    used[w] += 1
                }
            }
            if options.baseline != nil {
                // a fingerprint counts as many times as the baseline lists it: a further finding with it is new
                let fp = findings[i].fingerprint
                if let n = remaining[fp], n > 0 {
                    remaining[fp] = n - 1
                    findings[i].baselined = true
                } else {
                    findings[i].baselined = false
                }
            }
        }
        var states: [WaiverState] = []
        for (w, waiver) in waivers.enumerated() {
            let status: WaiverState.Status = waiver.isExpired(today: options.today) ? .expired : matched[w] > 0 ? .applied : .unused
            states.append(WaiverState(ruleID: waiver.ruleID, recordKey: waiver.recordKey, fingerprint: waiver.fingerprint,
                                      file: waiver.file, line: waiver.line, status: status, findings: used[w]))
            switch status {
            case .applied: break
            case .expired:
                findings.append(finding(.waiverExpired(target: waiver.target, expires: waiver.expires, approvedBy: waiver.approvedBy, findings: wouldHave[w]),
                                        waiver, baselined: options.baseline != nil ? false : nil, language: options.language))
            case .unused:
                findings.append(finding(.waiverUnused(target: waiver.target), waiver,
                                        baselined: options.baseline != nil ? false : nil, language: options.language))
            }
        }
        let tracksWaivers = options.waivers != nil, tracksBaseline = options.baseline != nil
        var row: [String: Int] = [:]
        for (i, c) in coverage.enumerated() where row[c.ruleID] == nil { row[c.ruleID] = i }
        for i in coverage.indices {
            if tracksWaivers { coverage[i].waived = 0 }
            if tracksBaseline { coverage[i].baselined = 0 }
        }
        var counted = SeverityCounts([])
        var waived = 0, baselined = 0
        for f in findings {
            if f.waiver != nil {
                waived += 1
                if let r = row[f.ruleID] { coverage[r].waived = (coverage[r].waived ?? 0) + 1 }
            } else if f.baselined == true {
                baselined += 1
                if let r = row[f.ruleID] { coverage[r].baselined = (coverage[r].baselined ?? 0) + 1 }
            } else {
                counted.add(f.severity)
            }
        }
        let summary = SuppressionSummary(today: options.waivers != nil ? options.today.description : nil,
                                         waived: waived, baselined: baselined, counted: counted, waiverStates: states)
        return Outcome(findings: findings, coverage: coverage, summary: summary)
    }

    /// A warning about a waiver, at the waiver's place in the waiver file.
    static func finding(_ message: ReservedMessage, _ waiver: Waiver, baselined: Bool?, language: Language) -> Finding {
        let kind = message.kind
        var f = Finding(ruleID: kind.id, severity: kind.severity, message: message.text(language), recordKey: waiver.recordKey ?? "", entity: "waiver",
                        location: SourceLocation(file: waiver.file, line: waiver.line, column: waiver.column), pack: "esfcheck",
                        title: kind.title(language), help: kind.help(language))
        f.fingerprint = Engine.fingerprint([kind.id, waiver.ruleID, waiver.recordKey ?? "", waiver.fingerprint ?? ""])
        f.baselined = baselined
        return f
    }

    /// The `n` listed findings (`--max-findings` over findings that were all kept to be matched): the
    /// ranking of every listing (`Engine.mostSevereAcrossInputs`), which puts those that decide the verdict first.
    public static func listed(_ findings: [Finding], _ n: Int) -> [Finding] {
        Engine.mostSevereAcrossInputs(findings, n)
    }

    /// The baseline of a run: every finding's fingerprint except those of esfcheck itself (`ESFCHECK-*`,
    /// which are never baselined), sorted; record keys and messages with invisible characters escaped, as
    /// the report shows them (a file people commit and review).
    public static func baseline(of findings: [Finding]) -> Baseline {
        Baseline(findings: findings.filter { ReservedFinding(id: $0.ruleID) == nil }.map { f in
            var entry = BaselineEntry(f)
            entry.recordKey = InvisibleCharacters.escaped(entry.recordKey)
            entry.message = InvisibleCharacters.escaped(entry.message)
            return entry
        })
    }

    /// The date waivers expire against: `ESFCHECK_TODAY` (YYYY-MM-DD) when set, else the local date of
    /// the machine's clock; nil when `ESFCHECK_TODAY` is set but is not a date.
    public static func today(environment: [String: String] = ProcessInfo.processInfo.environment) -> CivilDate? {
        if let fixed = environment["ESFCHECK_TODAY"] { return CivilDate(iso: Substring(fixed)) }
        let c = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return CivilDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1)
    }
}
