/// The language of a report's own words, the CLI's diagnostics and the built-in rules' texts (`--lang sl|en`).
public enum Language: String, Sendable, Hashable, CaseIterable, Codable {
    case en
    case sl

    /// The language a run uses when `--lang` is not given: the first set of `LC_ALL`, `LC_MESSAGES`
    /// and `LANG` (POSIX order), Slovenian when it names `sl` (`sl`, `sl_SI.UTF-8`, `sl-SI`),
    /// English otherwise (`C`, `POSIX`, another language, or none set).
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            let code = value.prefix { $0 != "_" && $0 != "-" && $0 != "." && $0 != "@" }.lowercased()
            return code == "sl" ? .sl : .en
        }
        return .en
    }

    /// The word a message shows for a value that is missing: `(missing)`, Slovenian `(manjka)`.
    public var missingWord: String {
        switch self {
        case .en: return "missing"
        case .sl: return "manjka"
        }
    }
}

/// A text written in English and, optionally, Slovenian (a user's own pack may give one language only).
/// A text written in one language only shows that text in the other (`written` says which were given).
public struct LocalizedText: Sendable, Hashable {
    public var en: String
    public var sl: String?
    /// The languages the text was written in (a rule file's `{ en: …, sl: … }`; a plain string is English).
    public var written: Set<Language>

    public init(en: String, sl: String? = nil) {
        self.en = en
        self.sl = sl
        self.written = sl == nil ? [.en] : [.en, .sl]
    }

    /// A text given in one language only, which the other language shows too.
    public init(_ text: String, only language: Language) {
        self.en = text
        self.sl = language == .sl ? text : nil
        self.written = [language]
    }

    /// The text in `language`, English where that language is missing.
    public func text(_ language: Language) -> String {
        switch language {
        case .en: return en
        case .sl: return sl ?? en
        }
    }
}

extension ExactDecimal {
    /// The value as a message shows it in `language`: English keeps the plain notation
    /// (`3360.00`), Slovenian groups thousands with `.` and writes the decimal comma (`3.360,00`).
    public func formatted(minimumScale: Int = 0, language: Language) -> String {
        let plain = formatted(minimumScale: minimumScale)
        guard language == .sl else { return plain }
        let negative = plain.hasPrefix("-")
        let body = negative ? plain.dropFirst() : Substring(plain)
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = Array(parts[0])
        var grouped = ""
        for (i, c) in integer.enumerated() {
            if i > 0 && (integer.count - i) % 3 == 0 { grouped.append(".") }
            grouped.append(c)
        }
        if parts.count > 1 { grouped += "," + parts[1] }
        return negative ? "-" + grouped : grouped
    }
}

extension CivilDate {
    /// The date as a message shows it in `language`: ISO `2022-03-31` in English,
    /// `31. 3. 2022` in Slovenian.
    public func formatted(_ language: Language) -> String {
        guard language == .sl else { return description }
        let c = components
        return "\(c.day). \(c.month). \(c.year)"
    }
}

extension Value {
    /// The value as text for messages in `language` (`description` for English).
    public func formatted(_ language: Language) -> String {
        switch self {
        case .decimal(let d): return d.formatted(language: language)
        case .date(let d): return d.formatted(language)
        case .bool(let b) where language == .sl: return b ? "da" : "ne"
        case .days(let n) where language == .sl:
            // the Slovenian dual and plural: 1 dan, 2 dneva, 3 dnevi, 5 dni (101 dan, 102 dneva …)
            switch n.magnitude % 100 {
            case 1: return "\(n) dan"
            case 2: return "\(n) dneva"
            case 3, 4: return "\(n) dnevi"
            default: return "\(n) dni"
            }
        case .list(let items): return "[" + items.map { $0.formatted(language) }.joined(separator: ", ") + "]"
        default: return description
        }
    }
}
