import ESFCore
import ESFExpr
import Foundation

/// A rule's severity: fixed, or keyed on `operation.report_type` (`{ final: review, interim: warning }`).
public enum SeveritySpec: Sendable, Hashable, CustomStringConvertible {
    case fixed(Severity)
    case byReportType(final: Severity, interim: Severity)

    /// The severity for a report type; a missing report type takes the `final` one (RULES.md).
    public func resolve(reportType: String?) -> Severity {
        switch self {
        case .fixed(let s): return s
        case .byReportType(let f, let i): return reportType == "interim" ? i : f
        }
    }

    public var description: String {
        switch self {
        case .fixed(let s): return s.rawValue
        case .byReportType(let f, let i): return "\(f.rawValue) (final) / \(i.rawValue) (interim)"
        }
    }
}

/// A message with `{expression}` placeholders, compiled in the rule's scope.
public struct MessageTemplate: Sendable {
    public enum Part: Sendable {
        case text(String)
        case value(BoundExpr)
    }
    public var parts: [Part]
    public var source: String

    /// The expressions of the placeholders as written (trimmed), in order.
    public var placeholders: [String] {
        parts.compactMap { part in
            if case .value(let b) = part { return Self.trimmed(b.text) }
            return nil
        }
    }

    /// `text` without the spaces and tabs around it (Foundation's `.whitespaces`, without its cost at start-up).
    static func trimmed(_ text: String) -> String {
        func isSpace(_ c: Character) -> Bool { c.isWhitespace && !c.isNewline }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    /// The placeholders as two languages of one message must share them (in any order): the
    /// expressions with the text of their string literals left out, since a literal holds words
    /// that a translation changes (`{late ? "; too late" : ""}` in English is `{late ? "; prepozno" : ""}`).
    public var placeholderShapes: [String] {
        placeholders.map { expression in
            var out = "", quote: Character?, escaped = false
            for c in expression {
                if let q = quote {
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == q { quote = nil; out.append(c) }
                } else {
                    out.append(c)
                    if c == "\"" || c == "'" { quote = c }
                }
            }
            return out
        }.sorted()
    }
}

/// A rule's message in English and, optionally, Slovenian: both compiled in the rule's scope, with
/// the same placeholders. A message written in one language only is shown in both.
public struct LocalizedMessage: Sendable {
    public var en: MessageTemplate
    public var sl: MessageTemplate?
    /// The languages the message was written in (a plain string is English).
    public var written: Set<Language>

    /// The template for `language`, English where that language is missing.
    public func template(_ language: Language) -> MessageTemplate {
        switch language {
        case .en: return en
        case .sl: return sl ?? en
        }
    }

    /// The template of each language written (English first).
    public var all: [MessageTemplate] { [en] + (sl.map { [$0] } ?? []) }
}

/// What a rule asserts: an expression, or a relation over all records (`unique`, `no_overlap`).
public enum RuleAssertion: Sendable {
    case expression(BoundExpr)
    case relations([RelationSpec])
}

/// Example data as written in the rule file (scalars kept as text, typed when used).
public indirect enum ExampleData: Sendable, Hashable {
    case null
    case scalar(String)
    case list([ExampleData])
    case map([String: ExampleData], order: [String])
}

/// One pass or fail example of a rule, with its position in the rule file.
public struct RuleExample: Sendable, Hashable {
    public var shouldPass: Bool
    public var data: ExampleData
    public var file: String
    public var line: Int
    public var column: Int
}

/// A loaded, type-checked rule.
public struct CompiledRule: Sendable {
    public var id: String
    public var title: LocalizedText
    public var pack: String
    public var severity: SeveritySpec
    /// The entity each evaluation sees, or nil for `aggregate`.
    public var scope: Int?
    public var scopeName: String
    public var when: BoundExpr?
    public var assertion: RuleAssertion
    public var assertText: String
    public var whenText: String?
    public var message: LocalizedMessage
    /// The legal basis, one text per item of `legal_basis`.
    public var legalBasis: [LocalizedText]
    public var help: LocalizedText?
    /// The title, help and legal basis as written, before `{params.NAME}` was replaced (for checks of the texts).
    public var textTemplates: [String] = []
    /// The Slovenian title and help (not the legal basis) as written (when given), before `{params.NAME}` was replaced.
    public var slTextTemplates: [String] = []
    /// The field a finding's location names (`field:` in the rule), when the rule declares one.
    public var locationField: String?
    public var examples: [RuleExample]
    /// What `when`, `assert` and the message read.
    public var usage: ExprUsage
    /// The values of the pack's parameters, by parameter index.
    public var params: [Value]
    /// For a rule inherited from another pack: the parameter values its examples were written
    /// for (the base pack's), by the same index. Nil for a pack's own rules.
    public var exampleParams: [Value]?
    public var file: String
    public var line: Int

    /// The legal basis in `language`, one text per item.
    public func legalBasis(in language: Language) -> [String] { legalBasis.map { $0.text(language) } }
}

/// A rule pack: a folder with `pack.yaml` and rule files.
public struct Pack: Sendable {
    public var id: String
    public var title: LocalizedText
    public var version: String
    public var provisional: Bool
    public var model: String
    /// What exports the pack is for (matched against the root record for pack selection).
    public var selector: [String: String]
    public var validFrom: CivilDate?
    public var validTo: CivilDate?
    public var parameters: [ParameterDecl]
    public var rules: [CompiledRule]
    /// Indicator values computed on every run (not findings), with the operation's targets.
    public var indicators: [IndicatorDefinition] = []
    /// Every file of the pack (for hashes), absolute paths, sorted.
    public var files: [String]
    public var directory: String
}

/// An indicator of a pack: an aggregate expression, optionally compared with a target.
public struct IndicatorDefinition: Sendable {
    public var id: String
    public var title: LocalizedText
    public var value: BoundExpr
    /// The target it is shown against (`operation.target_participants`); met when value ≥ target.
    public var target: BoundExpr?
    /// How to show the value: `count`, `share` (a fraction shown as a percentage), `amount` (EUR) or `ratio`.
    public var unit: String
    /// Why the value may not be computed, naming the missing data (`no participant has a follow-up
    /// record`): the report's note when the value is null.
    public var unavailable: LocalizedText?
    /// The parameter values of the pack, by index.
    public var params: [Value]
}

/// Packs compiled together against one data model.
public struct RuleSet: Sendable {
    public var model: DataModel
    public var packs: [Pack]
    /// Every aggregate call site of every rule.
    public var aggregates: [AggregateSpec]
    /// The severity each rule re-graded by a config had before (`error`, `final: review, interim: warning`).
    public var regraded: [String: String] = [:]
    public var rules: [CompiledRule] { packs.flatMap(\.rules) }

    public init(model: DataModel, packs: [Pack], aggregates: [AggregateSpec]) {
        self.model = model
        self.packs = packs
        self.aggregates = aggregates
    }
}
