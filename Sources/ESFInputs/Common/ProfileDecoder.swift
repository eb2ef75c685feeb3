import ESFCore

/// Parses one field's text as a mapping profile writes it: its decimal and thousands
/// separators, date patterns, boolean words and code translations.
///
/// Built once per field. Code translations are applied first, then the code is
/// checked against the field's list by the canonical `FieldDecoder`, so that a
/// translated value and the same code written as is give the same `Value`.
struct ProfileFieldDecoder {
    private enum Kind {
        case string, date, decimal, int, bool, code, codeSet
    }

    let type: FieldType
    private let kind: Kind
    private let canonical: FieldDecoder
    private let numbers: NumberFormat
    private let dates: [DatePattern]
    private let trueWords: [[UInt8]]
    private let falseWords: [[UInt8]]
    /// Written value → its code, as text (canonical equivalence: `Ž` decomposed matches).
    private let translations: [String: String]
    /// What the field accepts, for messages.
    let expectation: String

    init(_ field: FieldModel, profile: MappingProfile, translations: [CodeTranslation]) {
        type = field.type
        canonical = FieldDecoder(field.type)
        numbers = profile.numbers
        dates = profile.dateFormats
        trueWords = profile.booleans.trueWords.map { Array($0.utf8) }
        falseWords = profile.booleans.falseWords.map { Array($0.utf8) }
        var map: [String: String] = [:]
        for t in translations where map[t.written] == nil { map[t.written] = t.code }
        self.translations = map
        expectation = profile.expectation(for: field.type, codes: translations)
        switch field.type {
        case .string: kind = .string
        case .date: kind = .date
        case .decimal: kind = .decimal
        case .int: kind = .int
        case .bool: kind = .bool
        case .code: kind = .code
        case .codeSet: kind = .codeSet
        }
    }

    /// The value of `bytes` (valid UTF-8): `.null` when empty, nil when not parseable.
    func parse(_ bytes: ArraySlice<UInt8>) -> Value? {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    /// The value of bytes in place (a reader's buffer), as `parse(_:)` of a slice.
    func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        if bytes.isEmpty { return .null }
        switch kind {
        case .string:
            return canonical.parse(bytes)
        case .decimal:
            return numbers.parseDecimal(bytes).map(Value.decimal)
        case .int:
            return numbers.parseInt(bytes).map(Value.int)
        case .date:
            for pattern in dates {
                if let d = pattern.parse(bytes) { return .date(d) }
            }
            return nil
        case .bool:
            if trueWords.contains(where: { $0.elementsEqual(bytes) }) { return .bool(true) }
            if falseWords.contains(where: { $0.elementsEqual(bytes) }) { return .bool(false) }
            return nil
        case .code:
            if translations.isEmpty { return canonical.parse(bytes) }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let code = translations[text] else { return canonical.parse(bytes) }
            return canonical.parse(Array(code.utf8)[...])
        case .codeSet:
            if translations.isEmpty { return canonical.parse(bytes) }
            let text = String(decoding: bytes, as: UTF8.self)
            let members = text.split(separator: " ", omittingEmptySubsequences: true).map { translations[String($0)] ?? String($0) }
            return canonical.parse(Array(members.joined(separator: " ").utf8)[...])
        }
    }
}

/// How one entity file is read under a profile: its file name, header bindings and decoders.
final class ProfileEntityPlan {
    /// The file name inside the bundle.
    let file: String
    /// Header text (trimmed) → field index; nil when the headers are the logical names.
    let headers: [String: Int]?
    /// Whether the header row holds the logical field names (no `columns` in the binding).
    var usesLogicalNames: Bool { headers == nil }
    /// Per field, the header texts bound to it (for messages about missing columns).
    let headerNames: [[String]]
    let decoders: [ProfileFieldDecoder]

    init(entity: EntityModel, binding: EntityBinding, profile: MappingProfile, file: String) {
        self.file = file
        var headerNames = [[String]](repeating: [], count: entity.fields.count)
        if let columns = binding.columns {
            var map: [String: Int] = [:]
            for c in columns {
                guard let f = entity.fieldIndex(c.field) else { continue }
                let header = ProfileEntityPlan.trim(c.header)
                if map[header] == nil { map[header] = f }
                headerNames[f].append(header)
            }
            headers = map
        } else {
            headers = nil
            for (f, field) in entity.fields.enumerated() { headerNames[f] = [field.name] }
        }
        self.headerNames = headerNames
        decoders = entity.fields.map { ProfileFieldDecoder($0, profile: profile, translations: binding.codes[$0.name] ?? []) }
    }

    /// The field a header cell names, or nil. Matched after trimming white space; `String`
    /// equality is Unicode canonical equivalence, so NFC and NFD spellings match.
    func field(forHeader text: String, fieldNames: [String]) -> Int? {
        let trimmed = ProfileEntityPlan.trim(text)
        if let headers { return headers[trimmed] }
        return fieldNames.firstIndex(of: trimmed)
    }

    /// `text` without leading and trailing white space (Unicode White_Space, NBSP included).
    static func trim(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
