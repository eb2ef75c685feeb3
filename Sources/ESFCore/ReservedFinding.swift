/// The catalogue of reserved findings: the `ESFCHECK-*` ids that no pack rule produces, each with its
/// title and help, and the messages the engine writes for them. Every producer (readers, the engine)
/// takes its id, title and help from here; `esfcheck rules doc` lists the catalogue.
public enum ReservedFinding: String, Sendable, CaseIterable {
    case schema = "ESFCHECK-XSD-001"
    case unparseable = "ESFCHECK-IN-001"
    case orphan = "ESFCHECK-IN-002"
    case multiple = "ESFCHECK-IN-003"
    /// An identifier or code holding an invisible character (a control, zero-width or
    /// bidirectional character): it looks like another value but does not equal it.
    case invisible = "ESFCHECK-IN-004"
    case limit = "ESFCHECK-LIM-001"
    case runtime = "ESFCHECK-RT-001"
    /// A waiver (`--waivers`) past its expiry date: it waives nothing.
    case waiverExpired = "ESFCHECK-WV-001"
    /// A waiver that matched no finding of the run.
    case waiverUnused = "ESFCHECK-WV-002"

    public var id: String { rawValue }

    /// The kind of a reserved id; nil for any other id.
    public init?(id: String) { self.init(rawValue: id) }

    /// The findings about the export are fatal: the export cannot pass with one. Those about the
    /// waiver file are warnings: a stale waiver is for its author to clean up, and the finding it no
    /// longer waives counts again on its own.
    public var severity: Severity {
        switch self {
        case .waiverExpired, .waiverUnused: return .warning
        default: return .fatal
        }
    }

    /// Whether the finding is about the waiver file rather than the export.
    public var isAboutWaivers: Bool { severity != .fatal }

    public var title: String {
        switch self {
        case .schema: return "The export has the structure of its schema"
        case .unparseable: return "Every value can be read as its type"
        case .orphan: return "Every nested row belongs to a participant"
        case .multiple: return "At most one training and one follow-up per participant"
        case .invisible: return "No identifier or code holds an invisible character"
        case .limit: return "The run stayed within its limits"
        case .runtime: return "Every rule could be evaluated"
        case .waiverExpired: return "No waiver has expired"
        case .waiverUnused: return "Every waiver matches a finding"
        }
    }

    /// How to fix it, in general (a message may give a more precise one: `ReservedMessage.help`).
    public var help: String {
        switch self {
        case .schema: return "correct the structure of the export (element and attribute names, required ids)"
        case .unparseable: return "write the value in the format its field expects (dates YYYY-MM-DD, decimals with '.', true/false)"
        case .orphan: return "add the participant or correct the participant_id of the row"
        case .multiple: return "keep one record per participant; merge or remove the others"
        case .invisible: return "remove the control, zero-width or bidirectional character (shown as \\u{…}) from the value; it is often pasted in with it"
        case .limit: return "simplify the rule or correct the data (an overlong value) so that it finishes within its cost budget (docs/limits.md); a rule that cannot finish never lets an export pass"
        case .runtime: return "fix the rule or the data it divides by; a rule that fails never lets an export pass"
        case .waiverExpired: return "renew the waiver with a new expiry date and approval, or remove it and correct the data (docs/waivers.md)"
        case .waiverUnused: return "remove the waiver, or correct its rule, record or fingerprint (docs/waivers.md)"
        }
    }

    /// What a finding of this kind means, for the rule catalogue.
    public var meaning: String {
        switch self {
        case .schema: return "the export does not have the structure of its schema (XML Schema, CSV headers, order of the lists, one operation)"
        case .unparseable: return "a value cannot be read as the type of its field, or a CSV row has the wrong number of cells"
        case .orphan: return "a nested row names a parent that is not in the export"
        case .multiple: return "a participant has more than one record of an entity it may have at most one of"
        case .invisible: return "an identifier or code holds an invisible character"
        case .limit: return "a rule stopped at its cost budget for a record"
        case .runtime: return "a rule could not be evaluated for a record (division by zero, overflow, a pattern from the data that does not compile)"
        case .waiverExpired: return "a waiver of the waiver file (--waivers) is past its expiry date: it waives nothing (a warning)"
        case .waiverUnused: return "a waiver of the waiver file (--waivers) matched no finding of the run (a warning)"
        }
    }
}

/// The messages the engine writes for reserved findings, typed by what they say.
public enum ReservedMessage: Sendable, Hashable {
    /// Records of `entity` arrive after records that rules already checked against the complete list.
    case outOfOrder(entity: String)
    /// A second root record (`operation`).
    case secondRoot(entity: String)
    /// No root record at all.
    case noRoot(entity: String)
    /// A nested row (`entity` `key`) whose parent id field `field` holds `parentID`, which matches no `parent`.
    case orphan(entity: String, key: String, field: String, parentID: String, parent: String)
    /// `parent` `parentID` has more than one `entity` (a 0..1 entity).
    case multiple(parent: String, parentID: String, entity: String)
    /// Rule `rule` could not be evaluated for the record `key` (empty: the export): `reason`.
    case ruleFailed(rule: String, key: String, reason: String)
    /// Rule `rule` stopped at its cost budget for the record `key`: `reason`.
    case ruleOverBudget(rule: String, key: String, reason: String)

    public var kind: ReservedFinding {
        switch self {
        case .outOfOrder, .secondRoot, .noRoot: return .schema
        case .orphan: return .orphan
        case .multiple: return .multiple
        case .ruleFailed: return .runtime
        case .ruleOverBudget: return .limit
        }
    }

    public var text: String {
        switch self {
        case .outOfOrder(let e):
            return "\(e) records arrive after records that are checked against them: the export is not in the canonical order, so some rules saw an incomplete \(e) list"
        case .secondRoot(let e): return "a second \(e) record: an export holds exactly one"
        case .noRoot(let e): return "the export has no \(e) record"
        case .orphan(let e, let key, let field, let pid, let parent): return "\(e) \(key): \(field) '\(pid)' matches no \(parent)"
        case .multiple(let parent, let pid, let e): return "\(parent) \(pid) has more than one \(e)"
        case .ruleFailed(let rule, let key, let reason), .ruleOverBudget(let rule, let key, let reason):
            return "rule \(rule) could not be evaluated for \(key.isEmpty ? "the export" : key): \(reason)"
        }
    }

    /// The help of this message when it says more than its kind's; `rulePlace` is `file:line` of the rule.
    public func help(rulePlace: String? = nil) -> String {
        switch self {
        case .outOfOrder: return "write the lists in the order of the schema (esfcheck schema)"
        case .secondRoot(let e): return "keep one \(e) record per export; check each operation in its own file"
        case .ruleFailed(let rule, _, _):
            return "fix the rule \(rule)\(rulePlace.map { " (\($0))" } ?? "") or the data it divides by; a rule that fails never lets an export pass"
        case .ruleOverBudget(let rule, _, _):
            return "the rule \(rule)\(rulePlace.map { " (\($0))" } ?? "") needs more work on this record than its cost budget allows (docs/limits.md): simplify the rule or correct the data (an overlong value); a rule that cannot finish never lets an export pass"
        case .noRoot(let e): return "add the \(e) record: every export holds exactly one"
        case .orphan, .multiple: return kind.help
        }
    }
}
