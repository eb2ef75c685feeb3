import ESFCore

/// A noun with the forms a count needs: English has one and other; Slovenian also two (dvojina)
/// and few (3 and 4). The form follows the last two digits of the count (`101 pravilo`, `102 pravili`).
public struct Noun: Sendable, Hashable {
    public var one = ""
    public var two = ""
    public var few = ""
    public var other = ""

    /// English: `rule`, `rules`.
    public init(_ one: String, _ other: String) {
        self.init(one, other, other, other)
    }

    /// Slovenian: `pravilo`, `pravili`, `pravila`, `pravil`.
    public init(_ one: String, _ two: String, _ few: String, _ other: String) {
        self.one = one
        self.two = two
        self.few = few
        self.other = other
    }

    /// `1 rule`, `2 rules`; `1 pravilo`, `2 pravili`, `3 pravila`, `5 pravil`.
    public func counted(_ n: Int) -> String {
        "\(n) " + form(n)
    }

    /// The form for `n`.
    public func form(_ n: Int) -> String {
        switch abs(n) % 100 {
        case 1: return one
        case 2: return two
        case 3, 4: return few
        default: return other
        }
    }

    /// Every form, for the catalogue's completeness test.
    public var forms: [String] { [one, two, few, other] }
}

/// The report's own words (headings, labels, verdicts, sentences) in one language: `ReportWords.en`
/// and `ReportWords.sl` (docs/languages.md). Rule texts are not here (they come with the rules), nor
/// machine-readable names (JSON keys, SARIF and CSV field names, CSS classes, JUnit `type`s), which stay
/// English in every language. A template's `{0}`, `{1}` … are filled by `fill`; both languages of a
/// template use the same placeholders (a test checks it).
public struct ReportWords: Sendable {
    public let language: Language

    init(language: Language) { self.language = language }

    // MARK: verdicts and severities

    public var accept = ""
    public var reject = ""
    public var review = ""
    public var fatal = ""
    public var error = ""
    public var reviewSeverity = ""
    public var warning = ""
    public var info = ""

    // MARK: nouns

    public var finding = Noun("", "")
    public var rule = Noun("", "")
    public var waiver = Noun("", "")
    public var parameter = Noun("", "")
    public var fatalFinding = Noun("", "")
    public var reviewFinding = Noun("", "")
    public var record = Noun("", "")

    // MARK: the text report

    /// `{0}` verdict, `{1}` counted findings, `{2}` counts per severity, `{3}` suppression note, `{4}` exit code.
    public var summaryLine = ""
    /// `{0}` count, `{1}` severity: `10 error`, `napaka: 10`.
    public var severityCount = ""
    /// `{0}` input path, `{1}` format, `{2}` operation part, `{3}` records.
    public var checked = ""
    /// `{0}` operation id.
    public var operationPart = ""
    /// `{0}` entity's count, `{1}` rejected records.
    public var rejectedPart = ""
    /// `{0}` count, `{1}` entity, for an entity the catalogue has no noun for.
    public var entityCount = ""
    public var columnsUnbound = ""
    public var columnsAbsent = ""
    public var packs = ""
    public var provisional = ""
    public var config = ""
    public var none = ""
    public var noneNoConfig = ""
    public var givenWithConfig = ""
    public var foundInWorkingDirectory = ""
    /// `{0}` the fail-on level, `{1}` where it was set.
    public var failOnLine = ""
    public var setByConfig = ""
    public var setOnCommandLine = ""
    public var defaultSource = ""
    /// `{0}` rule, `{1}` from, `{2}` to, `{3}` reason.
    public var regraded = ""
    /// `{0}` pack, `{1}` name, `{2}` value, `{3}` pack default.
    public var parameterSet = ""
    /// `{0}` rule, `{1}` reason.
    public var switchedOff = ""
    /// `{0}` counted rules, `{1}` with findings, `{2}` never evaluated.
    public var coverageLine = ""
    public var legalBasisLabel = ""
    public var howToFixLabel = ""
    /// `{0}` record number.
    public var recordAt = ""
    public var column = ""
    public var relatedLabel = ""
    /// `{0}` justification.
    public var waivedMark = ""
    public var baselinedMark = ""
    public var indicatorsHeading = ""
    /// `{0}` input path.
    public var indicatorsOf = ""
    /// `{0}` target, `{1}` whether reached.
    public var target = ""
    public var reached = ""
    public var notReached = ""
    /// `{0}` file, `{1}` counted findings.
    public var waiversPart = ""
    /// `{0}` counted waivers.
    public var expiredPart = ""
    /// `{0}` counted waivers.
    public var unusedPart = ""
    /// `{0}` date.
    public var expiryCheckedAgainst = ""
    /// `{0}` file, `{1}` counted findings.
    public var baselinePart = ""
    /// `{0}` counted findings, `{1}` counts per severity.
    public var verdictCounts = ""

    // MARK: sentences shared by the text and HTML reports

    /// `{0}` count.
    public var waivedCount = ""
    /// `{0}` count.
    public var baselinedCount = ""
    public var notWaivedOrBaselined = ""
    public var notWaived = ""
    public var notBaselined = ""
    /// `{0}` shown, `{1}` total.
    public var showingOf = ""
    public var cappedPlain = ""
    /// `{0}` what decides the verdict.
    public var cappedSuppressed = ""

    // MARK: the HTML report

    /// `{0}` verdict, `{1}` operations.
    public var htmlTitle = ""
    public var auditReport = ""
    public var noInput = ""
    public var packsLabel = ""
    /// `{0}` operation id.
    public var operationParenthesis = ""
    public var verdictLabel = ""
    public var verdictHeader = ""
    /// `{0}` counted fatal findings, `{1}` not suppressed.
    public var rejectFatal = ""
    /// `{0}` counted findings, `{1}` not suppressed, `{2}` fail-on.
    public var rejectAtOrAbove = ""
    /// `{0}` not suppressed, `{1}` fail-on, `{2}` counted review findings.
    public var reviewReason = ""
    /// `{0}` not suppressed.
    public var acceptNever = ""
    /// `{0}` not suppressed, `{1}` fail-on.
    public var acceptReason = ""
    /// `{0}` exit code.
    public var exitCodePart = ""
    /// `{0}` listed.
    public var listedPart = ""
    public var suppressedNote = ""
    public var operationSummary = ""
    public var noInputChecked = ""
    /// `{0}` operation id.
    public var operationHeading = ""
    public var operationNoID = ""
    public var entityHeader = ""
    public var recordsRead = ""
    public var evaluated = ""
    public var rejected = ""
    public var columnsUnboundHTML = ""
    public var columnsAbsentHTML = ""
    public var indicators = ""
    public var indicatorHeader = ""
    public var valueHeader = ""
    public var targetHeader = ""
    public var againstTarget = ""
    public var pack = ""
    public var reachedHTML = ""
    public var notReachedHTML = ""
    public var notKnown = ""
    /// `{0}` why.
    public var notComputed = ""
    public var splitHeading = ""
    public var eu = ""
    public var national = ""
    public var euPlusNational = ""
    /// `{0}` pack, `{1}` parameter, `{2}` value and share.
    public var packParameter = ""
    public var findings = ""
    public var noFindings = ""
    public var noFindingListed = ""
    public var severityLegend = ""
    public var ruleFilter = ""
    public var allRules = ""
    public var textFilter = ""
    public var textPlaceholder = ""
    /// `{0}` shown, `{1}` total (the script writes the same words).
    public var filterCount = ""
    public var asserts = ""
    public var howToFix = ""
    public var legalBasis = ""
    public var noneGiven = ""
    public var waived = ""
    public var baselined = ""
    /// `{0}` justification.
    public var waivedDetail = ""
    public var baselineDetail = ""
    public var baselineLabel = ""
    public var recordKey = ""
    public var participant = ""
    public var location = ""
    public var element = ""
    public var recordLabel = ""
    /// `{0}` record number.
    public var recordDetail = ""
    public var field = ""
    /// `{0}` the file's own name.
    public var inTheFile = ""
    public var valueAsWritten = ""
    public var related = ""
    public var occurrence = ""
    public var computation = ""
    public var fingerprint = ""
    public var coverage = ""
    public var everyEvaluated = ""
    /// `{0}` count.
    public var neverEvaluatedOne = ""
    /// `{0}` count.
    public var neverEvaluatedMany = ""
    /// `{0}` counted rules, `{1}` with findings, `{2}` evaluated or not.
    public var coverageSentence = ""
    public var ruleHeader = ""
    public var titleHeader = ""
    public var passed = ""
    public var failed = ""
    public var notApplicable = ""
    public var errors = ""
    public var inTheBaseline = ""
    public var switchedOffHeading = ""
    public var envelope = ""
    public var tool = ""
    public var started = ""
    public var notRecorded = ""
    public var options = ""
    /// `{0}` verdict, `{1}` exit code.
    public var verdictRow = ""
    public var configLabel = ""
    public var failOn = ""
    public var regradedLabel = ""
    public var parameterSetLabel = ""
    /// `{0}` pack default.
    public var packDefault = ""
    public var dataModel = ""
    public var waiversLabel = ""
    /// `{0}` date.
    public var expiryComparedWith = ""
    public var mappingProfile = ""
    public var waiversHeading = ""
    public var names = ""
    public var state = ""
    public var findingsWaived = ""
    public var applied = ""
    public var expiredState = ""
    public var unusedState = ""
    public var packsHeading = ""
    public var version = ""
    public var rules = ""
    public var inputsHeading = ""
    public var file = ""
    /// `{0}` counts per pack.
    public var parametersInForce = ""
    /// `{0}` counted parameters, `{1}` pack.
    public var parametersOf = ""
    public var value = ""
    /// `{0}` tool version, `{1}` personal data note.
    public var footer = ""
    public var personalShown = ""
    public var personalMasked = ""

    // MARK: the CI formats' prose (GitHub annotations, JUnit)

    public var waivedPrefix = ""
    public var baselinedPrefix = ""
    /// `{0}` place.
    public var atPlace = ""
    /// `{0}` justification.
    public var waivedSuffix = ""
    public var notReachedSkip = ""
    public var notListed = ""
    public var baselinedNote = ""

    // MARK: the progress line

    public var recordsPerSecond = ""
    /// `{0}` bytes, `{1}` records, `{2}` seconds.
    public var progressDone = ""
    /// `{0}` read, `{1}` total.
    public var bytesOf = ""
    /// `{0}` input number, `{1}` inputs.
    public var inputOf = ""
    /// The mark of the sample that comes with esfcheck, before its path.
    public var bundled = ""

    /// The words of `language`.
    public static func of(_ language: Language) -> ReportWords {
        switch language {
        case .en: return en
        case .sl: return sl
        }
    }

    // MARK: helpers

    /// `template` with `{0}`, `{1}` … replaced by `values` (a value is never scanned again).
    public static func fill(_ template: String, _ values: [String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let n = Int(after[..<close]), n >= 0, n < values.count {
                out += values[n]
                rest = after[after.index(after: close)...]
            } else {
                out.append("{")
                rest = after
            }
        }
        return out + rest
    }

    /// `template` filled with `values`.
    public func fill(_ template: String, _ values: String...) -> String { Self.fill(template, values) }

    /// The verdict's word.
    public func verdict(_ v: Verdict) -> String {
        switch v {
        case .accept: return accept
        case .reject: return reject
        case .review: return review
        }
    }

    /// The severity's word (the machine-readable name stays `s.rawValue`).
    public func severity(_ s: Severity) -> String {
        switch s {
        case .fatal: return fatal
        case .error: return error
        case .review: return reviewSeverity
        case .warning: return warning
        case .info: return info
        }
    }

    /// `0 fatal, 10 error, 1 review, 0 warning, 0 info`; `kritično: 0, napaka: 10, …`.
    public func severityCounts(_ c: SeverityCounts) -> String {
        Severity.allCases.map { fill(severityCount, "\(c[$0])", severity($0)) }.joined(separator: ", ")
    }

    /// `6 providers` (English: the entity's name, `_` as `-`, plural with `s`); Slovenian: the programme's
    /// noun for a known entity of the built-in data model (`6 izvajalcev`), else `entity: 6`.
    public func entityCount(_ n: Int, _ entity: String) -> String {
        if language == .en { return ESFCore.counted(n, entity.replacingOccurrences(of: "_", with: "-")) }
        if let noun = Self.slovenianEntities[entity] { return noun.counted(n) }
        return fill(entityCount, "\(n)", entity)
    }

    /// The entity's name as a table shows it: `follow up`; Slovenian `spremljanje`.
    /// A rule's scope (`participant.employment`) shows each entity so: `udeleženec › subvencionirana zaposlitev`.
    public func entityName(_ entity: String) -> String {
        if language == .sl, entity.contains(".") {
            return entity.split(separator: ".").map { entityName(String($0)) }.joined(separator: " › ")
        }
        if language == .sl, let noun = Self.slovenianEntities[entity] { return noun.one }
        return entity.replacingOccurrences(of: "_", with: " ")
    }

    /// The entities of the built-in data model in the programme's terms.
    public static let slovenianEntities: [String: Noun] = [
        "operation": Noun("operacija", "operaciji", "operacije", "operacij"),
        "provider": Noun("izvajalec", "izvajalca", "izvajalci", "izvajalcev"),
        "participant": Noun("udeleženec", "udeleženca", "udeleženci", "udeležencev"),
        "training": Noun("usposabljanje", "usposabljanji", "usposabljanja", "usposabljanj"),
        "employment": Noun("subvencionirana zaposlitev", "subvencionirani zaposlitvi", "subvencionirane zaposlitve", "subvencioniranih zaposlitev"),
        "follow_up": Noun("spremljanje", "spremljanji", "spremljanja", "spremljanj"),
        "expenditure": Noun("izdatek", "izdatka", "izdatki", "izdatkov"),
        // not entities: what a finding of an aggregate rule, or of a reader without a record, names
        "aggregate": Noun("zbirni izračun", "zbirna izračuna", "zbirni izračuni", "zbirnih izračunov"),
        "input": Noun("vhod", "vhoda", "vhodi", "vhodov"),
        "waiver": Noun("izjema", "izjemi", "izjeme", "izjem"),
    ]

    /// A date the report prints (`2026-11-29`) in the language's format (`29. 11. 2026`); text that is
    /// not a date stays as it is.
    public func date(_ text: String) -> String {
        guard language != .en, let d = CivilDate(iso: Substring(text)) else { return text }
        return d.formatted(language)
    }

    /// A decimal written as text (`0.80`, a parameter's value) in the language's format (`0,80`), with
    /// its digits; text that is not a decimal stays as it is.
    public func number(_ text: String) -> String {
        guard language != .en, let d = ExactDecimal(parsing: Substring(text)) else { return text }
        let scale = text.split(separator: ".", maxSplits: 1).dropFirst().first?.count ?? 0
        return d.formatted(minimumScale: scale, language: language)
    }

    /// An input's path as the report shows it: the bundled sample's mark in the language
    /// (`(bundled) Fixtures/…`, `(vgrajeno) Fixtures/…`).
    public func path(_ path: String) -> String {
        let mark = "(bundled) "
        guard language != .en, path.hasPrefix(mark) else { return path }
        return bundled + " " + path.dropFirst(mark.count)
    }

    /// An amount the report computes, in the language's format (`3360.00`; `3.360,00`).
    public func amount(_ d: ExactDecimal, minimumScale: Int = 2) -> String {
        d.formatted(minimumScale: minimumScale, language: language)
    }
}
