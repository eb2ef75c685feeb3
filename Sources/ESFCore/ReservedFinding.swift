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

    // What the readers say. Texts of input arrive already displayed (`InputMessages.display`:
    // invisible characters escaped, at most 80 characters).

    /// An entity with no record in an export, although the model does not declare it `may_be_empty`; `place` says where.
    case emptyList(entity: String, place: String)
    /// A CSV file with not even a header row.
    case emptyFile(file: String)
    /// A header names no field of the entity; `why` says against what it was matched.
    case unknownColumn(file: String, column: String, why: String)
    /// A header bound to a field that an earlier header is already bound to.
    case repeatedColumn(file: String, column: String)
    /// A CSV row with another number of cells than the header.
    case raggedRow(file: String, line: Int, cells: Int, headerCells: Int)
    /// A CSV cell that breaks the quoting rules (or holds a NUL byte).
    case malformedCell(label: String, column: String, defect: CellDefect)
    /// A value that cannot be read as its field's type; `expectation` says what the field accepts.
    case unparseable(label: String, field: String, raw: String, expectation: String)
    /// An identifier or code holding an invisible character (`described`: `U+200B ZERO WIDTH SPACE`).
    case invisible(label: String, field: String, raw: String, described: String, position: Int)
    /// A required field (an id) absent or empty.
    case requiredMissing(label: String, entity: String, field: String)
    /// An attribute (or a profile's child element) that is not a field; `inProfile`: read through a mapping profile.
    case unknownAttribute(label: String, name: String, entity: String, inProfile: Bool)
    /// Character data inside an element whose values are attributes.
    case unexpectedText(snippet: String, element: String)
    /// The root element has the expected name in another namespace (`actual`: nil for none).
    case rootNamespace(root: String, actual: String?, expected: String)
    /// The root element has another name.
    case wrongRoot(found: String, expected: String, namespace: String?)
    /// An element in another namespace than the export's (`actual`: nil for none).
    case elementNamespace(element: String, parent: String, actual: String?, expected: String)
    /// An element the layout does not know; `allowed`: the children `parent` may have.
    case unknownElement(element: String, parent: String, allowed: [String])
    /// A known element in the wrong place; `homes`: where it belongs.
    case misplacedElement(element: String, parent: String, homes: [String])
    /// A profile's field element after the nested records of its element.
    case fieldAfterNested(element: String, child: String)
    /// An error of the XML Schema validator, as libxml2 words it (prefixed with the record or element concerned).
    case schemaValidity(text: String)

    // What the waiver file's checks say (`--waivers`).

    /// A waiver of `target` (`ESF-CF-001 [UD-2019]`) past its expiry date; `findings`: how many findings it names.
    case waiverExpired(target: String, expires: CivilDate?, approvedBy: String, findings: Int)
    /// A waiver of `target` that matched no finding.
    case waiverUnused(target: String)

    public var kind: ReservedFinding {
        switch self {
        case .outOfOrder, .secondRoot, .noRoot, .emptyList, .emptyFile, .unknownColumn, .repeatedColumn, .requiredMissing,
             .unknownAttribute, .unexpectedText, .rootNamespace, .wrongRoot, .elementNamespace, .unknownElement,
             .misplacedElement, .fieldAfterNested, .schemaValidity:
            return .schema
        case .raggedRow, .malformedCell, .unparseable: return .unparseable
        case .invisible: return .invisible
        case .orphan: return .orphan
        case .multiple: return .multiple
        case .ruleFailed: return .runtime
        case .ruleOverBudget: return .limit
        case .waiverExpired: return .waiverExpired
        case .waiverUnused: return .waiverUnused
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
        case .emptyList(let e, let place):
            return "the export lists no \(e): \(place). The data model requires at least one \(e) (it does not declare \(e) may_be_empty), so the export is incomplete; export the \(e) records"
        case .emptyFile(let file): return "\(file) is empty: it needs a header row of field names"
        case .unknownColumn(let file, let column, let why): return "\(file): unknown column '\(column)' (\(why)); rename or remove it"
        case .repeatedColumn(let file, let column):
            return "\(file): column '\(column)' appears more than once; only the first is read, remove the others"
        case .raggedRow(let file, let line, let cells, let header):
            return "\(file) line \(line): \(cells) \(cells == 1 ? "cell" : "cells"), the header has \(header); the row is not read"
        case .malformedCell(let label, let column, let defect): return "\(label): \(column) \(defect.text)"
        case .unparseable(let label, let field, let raw, let expectation): return "\(label): \(field) '\(raw)' is not \(expectation)"
        case .invisible(let label, let field, let raw, let described, let position):
            return "\(label): \(field) '\(raw)' holds \(described) at character \(position), "
                + "an invisible character that makes it differ from the value it looks like; remove it"
        case .requiredMissing(let label, let e, let field): return "\(label): required field '\(field)' is missing or empty; every \(e) needs one"
        case .unknownAttribute(let label, let name, let e, let inProfile):
            return inProfile
                ? "\(label): unknown attribute '\(name)' (not a field of \(e) in this profile); rename or remove it, or set extra: ignore"
                : "\(label): unknown attribute '\(name)' (not a field of \(e)); rename or remove it"
        case .unexpectedText(let snippet, let element):
            return "unexpected text '\(snippet)' inside \(element); values belong in attributes"
        case .rootNamespace(let root, let actual, let expected):
            return "the root element '\(root)' is in \(actual.map { "namespace '\($0)'" } ?? "no namespace"), expected namespace '\(expected)'; nothing in it was read (set xmlns=\"\(expected)\")"
        case .wrongRoot(let found, let expected, let ns):
            return "the root element is '\(found)', expected '\(expected)'\(ns.map { " in namespace '\($0)'" } ?? ""); nothing in it was read"
        case .elementNamespace(let element, let parent, let actual, let expected):
            return "element '\(element)' inside \(parent) is in \(actual.map { "namespace '\($0)'" } ?? "no namespace"), expected '\(expected)'; it was not read"
        case .unknownElement(let element, let parent, let allowed):
            let hint = allowed.isEmpty ? "\(parent) has no child elements" : "expected " + allowed.joined(separator: ", ")
            return "unknown element '\(element)' inside \(parent) (\(hint)); it was not read"
        case .misplacedElement(let element, let parent, let homes):
            return "element '\(element)' is not allowed inside \(parent); it belongs inside \(homes.joined(separator: " or ")); it was not read"
        case .fieldAfterNested(let element, let child):
            return "\(element): element '\(child)' comes after the nested records; fields come first (it was not read)"
        case .schemaValidity(let text): return text
        case .waiverExpired(let target, let expires, let approvedBy, let n):
            let matched = n == 0 ? "it matches no finding of this run either" : "\(counted(n, "finding")) it names \(n == 1 ? "counts" : "count") again"
            return "the waiver of \(target) expired on \(expires?.description ?? "?") (approved by \(approvedBy)); it waives nothing: \(matched)"
        case .waiverUnused(let target): return "the waiver of \(target) matches no finding of this run"
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
        case .orphan, .multiple, .emptyList, .emptyFile, .unknownColumn, .repeatedColumn, .raggedRow, .malformedCell, .unparseable,
             .invisible, .requiredMissing, .unknownAttribute, .unexpectedText, .rootNamespace, .wrongRoot, .elementNamespace,
             .unknownElement, .misplacedElement, .fieldAfterNested, .schemaValidity, .waiverExpired, .waiverUnused:
            return kind.help
        }
    }
}

/// What is wrong with a CSV cell's quoting or bytes.
public enum CellDefect: Sendable, Hashable {
    case nulByte, textAfterQuote, quoteInUnquotedField

    var text: String {
        switch self {
        case .nulByte: return "contains a NUL byte; remove it"
        case .textAfterQuote: return "has text after its closing quote; quote the whole cell and write inner quotes as \"\""
        case .quoteInUnquotedField: return "has a quote inside an unquoted cell; quote the whole cell and write inner quotes as \"\""
        }
    }
}
