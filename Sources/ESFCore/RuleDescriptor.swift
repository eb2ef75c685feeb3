/// What a report format that lists rules (SARIF's `tool.driver.rules`, JUnit's testcases) says about
/// one rule that ran: its id, pack, title, default severity, legal basis and help. Not part of the JSON
/// report (which has `coverage`); carried beside it for the other formats.
public struct RuleDescriptor: Sendable, Hashable {
    public var id: String
    public var pack: String
    public var title: String
    /// The severity without a report type (a rule graded by report type: the `final` one).
    public var severity: Severity
    /// The severity as the pack writes it: `error`, or `error (final) / warning (interim)`.
    public var severityText: String
    public var legalBasis: [String]
    public var help: String?
    /// The assertion, as written in the pack.
    public var assertion: String?

    public init(id: String, pack: String, title: String, severity: Severity, severityText: String? = nil,
                legalBasis: [String] = [], help: String? = nil, assertion: String? = nil) {
        self.id = id
        self.pack = pack
        self.title = title
        self.severity = severity
        self.severityText = severityText ?? severity.rawValue
        self.legalBasis = legalBasis
        self.help = help
        self.assertion = assertion
    }

    /// A reserved finding's rule (`ESFCHECK-*`): fatal, from the catalogue.
    public init(reserved r: ReservedFinding) {
        self.init(id: r.id, pack: "esfcheck", title: r.title, severity: r.severity, help: r.help)
    }
}

extension Report {
    /// The descriptors of every rule a finding of the report names: the rules that ran, then the
    /// reserved findings (`ESFCHECK-*`) that occur, in id order; a finding of an unknown rule gets
    /// a descriptor from the finding itself.
    public var describedRules: [RuleDescriptor] {
        var out = rules
        var known = Set(out.map(\.id))
        for f in findings.sorted(by: { $0.ruleID < $1.ruleID }) where !known.contains(f.ruleID) {
            known.insert(f.ruleID)
            if let r = ReservedFinding(id: f.ruleID) {
                out.append(RuleDescriptor(reserved: r))
            } else {
                out.append(RuleDescriptor(id: f.ruleID, pack: f.pack ?? "esfcheck", title: f.title ?? f.ruleID, severity: f.severity,
                                          legalBasis: f.legalBasis, help: f.help, assertion: f.expression))
            }
        }
        return out
    }
}
