/// Severities, highest first (SPEC §2).
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case fatal, error, review, warning, info

    /// 0 for fatal … 4 for info.
    public var rank: Int { Severity.allCases.firstIndex(of: self)! }

    /// Higher severity compares greater.
    public static func < (a: Severity, b: Severity) -> Bool { a.rank > b.rank }
}

/// One term of a failed assertion with its value (`--explain`).
public struct ExplainTerm: Sendable, Hashable, Codable {
    public var expression: String
    public var value: String
    public init(expression: String, value: String) {
        self.expression = expression
        self.value = value
    }
}

/// A rule matched a record: plain data, never thrown (STYLE: findings are data).
public struct Finding: Sendable, Hashable, Codable {
    public var ruleID: String
    public var severity: Severity
    public var message: String
    /// The record key (SPEC §6): an id, `<participant id>/training`, or the operation id.
    public var recordKey: String
    public var participantID: String?
    /// The entity of the record, or `aggregate`.
    public var entity: String
    public var location: SourceLocation?
    public var pack: String?
    public var title: String?
    public var legalBasis: [String]
    public var help: String?
    /// The rule's assertion, and the values of its parts when it failed.
    public var expression: String?
    public var explain: [ExplainTerm]
    /// Stable across unrelated edits: SHA-256 of rule id + record key + field (+ occurrence).
    public var fingerprint: String
    /// The occurrence number of a duplicate (2 for the second, …), when relevant.
    public var occurrence: Int?
    /// Other places the finding concerns: the earlier record a duplicate or an overlap repeats.
    /// Absent (not an empty list) when there are none.
    public var relatedLocations: [RelatedLocation]?
    /// The waiver that accepted this finding (`--waivers`); nil when none did. A waived finding is
    /// listed and counted, but does not decide the verdict.
    public var waiver: AppliedWaiver?
    /// With `--baseline`: whether the finding is in the baseline (true: known, it does not decide the
    /// verdict; false: new). Nil when no baseline was given.
    public var baselined: Bool?

    /// Whether the finding decides the verdict: neither waived nor in the baseline.
    public var decidesVerdict: Bool { waiver == nil && baselined != true }

    public init(ruleID: String, severity: Severity, message: String, recordKey: String, participantID: String? = nil,
                entity: String, location: SourceLocation?, pack: String? = nil, title: String? = nil,
                legalBasis: [String] = [], help: String? = nil, expression: String? = nil,
                explain: [ExplainTerm] = [], fingerprint: String = "", occurrence: Int? = nil,
                relatedLocations: [RelatedLocation]? = nil) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.recordKey = recordKey
        self.participantID = participantID
        self.entity = entity
        self.location = location
        self.pack = pack
        self.title = title
        self.legalBasis = legalBasis
        self.help = help
        self.expression = expression
        self.explain = explain
        self.fingerprint = fingerprint
        self.occurrence = occurrence
        self.relatedLocations = relatedLocations
    }
}

/// Another place a finding concerns, with what is there: `participant P-0007, first recorded here`.
public struct RelatedLocation: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int?
    /// XML: the XPath of the element, when known.
    public var xpath: String?
    /// CSV: the 1-based data record number (header excluded).
    public var record: Int?
    /// The field the location points at, when one.
    public var field: String?
    public var message: String

    public init(file: String, line: Int? = nil, xpath: String? = nil, record: Int? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.xpath = xpath
        self.record = record
        self.field = field
        self.message = message
    }

    /// `file:line`, as far as known.
    public var short: String { line.map { "\(file):\($0)" } ?? file }
}

/// Reserved finding ids that no pack rule produces (SPEC §6), as strings: the ids of `ReservedFinding`,
/// the catalogue that also holds their titles, help and messages.
public enum ReservedRule {
    public static let schema = ReservedFinding.schema.id
    public static let unparseable = ReservedFinding.unparseable.id
    public static let orphan = ReservedFinding.orphan.id
    public static let multiple = ReservedFinding.multiple.id
    public static let invisible = ReservedFinding.invisible.id
    public static let limit = ReservedFinding.limit.id
    public static let runtime = ReservedFinding.runtime.id
}

extension Finding {
    /// A reserved finding (always fatal) with its id and title from the catalogue, the message's text
    /// and its help (the message's own when it says more than the kind's), in `language`.
    public init(reserved message: ReservedMessage, recordKey: String, participantID: String? = nil, entity: String,
                location: SourceLocation?, pack: String? = nil, legalBasis: [String] = [], expression: String? = nil,
                rulePlace: String? = nil, language: Language = .en) {
        self.init(ruleID: message.kind.id, severity: message.kind.severity, message: message.text(language), recordKey: recordKey,
                  participantID: participantID, entity: entity, location: location, pack: pack, title: message.kind.title(language),
                  legalBasis: legalBasis, help: message.help(rulePlace: rulePlace, language: language), expression: expression)
    }
}

/// A problem in a user-authored rule, model or config file, with its position.
public struct Diagnostic: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    /// A stable code such as `expr.type_mismatch` or `rule.unknown_key`.
    public var code: String
    public var message: String
    public var file: String
    public var line: Int
    public var column: Int

    public init(code: String, message: String, file: String, line: Int, column: Int) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column: error: message [code]`, invisible characters escaped; `file: error: …` for a
    /// problem with no position in a file (line 0: a path given on the command line).
    public var description: String {
        InvisibleCharacters.escaped(line > 0 ? "\(file):\(line):\(column): error: \(message) [\(code)]" : "\(file): error: \(message) [\(code)]")
    }
}

/// A thrown error that stops reading an input (exit code 3), rendered `path:line:column: message`.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }
    /// Invisible characters escaped (it is printed on stderr).
    public var description: String { InvisibleCharacters.escaped("\(location.short): \(message)") }
}
