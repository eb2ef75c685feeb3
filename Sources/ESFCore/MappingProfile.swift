/// The character encoding of a text input, as a mapping profile declares it.
public enum TextEncoding: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Decided per file: a UTF-8 BOM or valid UTF-8 is UTF-8; otherwise the bytes
    /// 0x8A, 0x8E, 0x9A, 0x9E (Š Ž š ž in Windows-1250) mean Windows-1250; otherwise
    /// 0xA9, 0xAE, 0xB9, 0xBE (Š Ž š ž in ISO-8859-2) mean ISO-8859-2; otherwise Windows-1250.
    case auto
    case utf8 = "utf-8"
    case windows1250 = "windows-1250"
    case iso8859_2 = "iso-8859-2"

    public var description: String { rawValue }

    /// The name used in messages (`Windows-1250`).
    public var displayName: String {
        switch self {
        case .auto: return "auto"
        case .utf8: return "UTF-8"
        case .windows1250: return "Windows-1250"
        case .iso8859_2: return "ISO-8859-2"
        }
    }
}

/// What a reader does with a column that no binding names.
public enum ExtraColumnPolicy: String, Sendable, Hashable, CaseIterable {
    /// Skip it; the reader lists it in `ignoredColumns`. Legacy exports carry columns rules never use.
    case ignore
    /// Report it as an ESFCHECK-XSD-001 problem, as the canonical bundle does.
    case error
}

/// One column of a file bound to one field: `EMŠO: emso`.
public struct ColumnBinding: Sendable, Hashable {
    /// The header text, matched after trimming white space, by Unicode canonical equivalence
    /// (so a decomposed `Š` in the file matches the precomposed one in the profile).
    public var header: String
    /// The logical field name (SPEC §3.1), or the implicit `participant_id` of a nested entity.
    public var field: String

    /// Binds the column headed `header` to `field`.
    public init(header: String, field: String) {
        self.header = header
        self.field = field
    }
}

/// A code value as a file writes it, and the model code it stands for: `brezposeln → unemployed`.
public struct CodeTranslation: Sendable, Hashable {
    /// The value in the file, matched by Unicode canonical equivalence.
    public var written: String
    /// The code of the field's code list.
    public var code: String

    /// `written` in the file stands for `code`.
    public init(_ written: String, _ code: String) {
        self.written = written
        self.code = code
    }
}

/// Where an XML profile finds a field, relative to the entity's element (a small XPath subset).
public enum XMLFieldPath: Sendable, Hashable, CustomStringConvertible {
    /// `@sifra`: an attribute of the entity element.
    case attribute(String)
    /// `emso`: the text of a child element.
    case childText(String)
    /// `znesek/@valuta`: an attribute of a child element.
    case childAttribute(String, String)

    /// Parses `@a`, `name` or `name/@a`; nil for anything else.
    public init?(_ text: String) {
        func isName(_ s: Substring) -> Bool {
            guard let first = s.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
            return s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil || "_-.".unicodeScalars.contains($0) }
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 1 {
            let p = parts[0]
            if p.hasPrefix("@"), isName(p.dropFirst()) { self = .attribute(String(p.dropFirst())); return }
            if isName(p) { self = .childText(String(p)); return }
            return nil
        }
        if parts.count == 2, isName(parts[0]), parts[1].hasPrefix("@"), isName(parts[1].dropFirst()) {
            self = .childAttribute(String(parts[0]), String(parts[1].dropFirst()))
            return
        }
        return nil
    }

    public var description: String {
        switch self {
        case .attribute(let a): return "@" + a
        case .childText(let c): return c
        case .childAttribute(let c, let a): return c + "/@" + a
        }
    }
}

/// One field of an XML entity and where it is: `emso: emso`, `id: "@sifra"`.
public struct XMLFieldBinding: Sendable, Hashable {
    public var field: String
    public var path: XMLFieldPath
    public init(field: String, path: XMLFieldPath) {
        self.field = field
        self.path = path
    }
}

/// How one entity is read: its file, its columns, and the code values its fields translate.
public struct EntityBinding: Sendable, Hashable {
    /// The entity name in the data model (`participant`).
    public var entity: String
    /// The file name inside the bundle (`udelezenci.csv`); nil means the model's file name.
    public var file: String?
    /// The column bindings; nil means the header row holds the logical field names.
    public var columns: [ColumnBinding]?
    /// Per field, the code values written in the file and the model codes they stand for
    /// (`labour_status: brezposeln → unemployed`). Applied before the code is checked; a
    /// value with no translation is checked as written. For sets, applied to each member.
    public var codes: [String: [CodeTranslation]]

    /// XML: the entity's element name (nil: the model's `xmlElement`).
    public var element: String?
    /// XML: the list wrapper element name (nil: the model's `xmlWrapper`).
    public var wrapper: String?
    /// XML: where each field is (nil: every field is an attribute with its logical name).
    public var fields: [XMLFieldBinding]?
    /// Excel workbook: the sheet that holds the entity (nil: the file name without `.csv`).
    public var sheet: String?
    /// Excel workbook: the 1-based row of the sheet's header; rows above it (title rows) are skipped.
    /// nil: the profile's `headerRow`.
    public var headerRow: Int?

    /// Binds `entity` to `file` (nil: the model's) with `columns` (nil: logical names as headers).
    public init(entity: String, file: String? = nil, columns: [ColumnBinding]? = nil, codes: [String: [CodeTranslation]] = [:],
                element: String? = nil, wrapper: String? = nil, fields: [XMLFieldBinding]? = nil) {
        self.entity = entity
        self.file = file
        self.columns = columns
        self.codes = codes
        self.element = element
        self.wrapper = wrapper
        self.fields = fields
    }
}

/// A mapping profile (SPEC §3.2): how a real-world CSV export maps to the logical data model.
///
/// Plain data: `ProfileLoader` (ESFRules) reads one from YAML and checks it against
/// the model; `CSVBundleRecordSource` (ESFInputs) reads a bundle with it.
public struct MappingProfile: Sendable, Hashable {
    /// The input format a profile describes: a CSV bundle or an XML file.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case csv
        case xml
    }

    /// A short name (`si-legacy-csv`), shown in messages.
    public var id: String
    public var title: String
    /// The data model the profile is written for (`esf-operation-v1`), when it says.
    public var model: String?
    public var format: Format
    /// The encoding of every file of the bundle, or `auto` to decide per file.
    public var encoding: TextEncoding
    /// The cell separator byte (`;`).
    public var delimiter: UInt8
    /// The quote byte (`"`).
    public var quote: UInt8
    /// Decimal and thousands separators.
    public var numbers: NumberFormat
    /// Tried in order; the first that gives a real date wins.
    public var dateFormats: [DatePattern]
    public var booleans: BooleanWords
    public var extraColumns: ExtraColumnPolicy
    /// The entities the bundle holds; an entity without a binding is not read.
    public var entities: [EntityBinding]
    /// The file the profile was loaded from, for messages.
    public var source: String?
    /// XML: the namespace of every element (nil: none).
    public var namespace: String?
    /// XML: the XSD file to validate against (an absolute or working-directory path; nil: none).
    public var xsd: String?
    /// Excel workbook: the 1-based header row of every sheet an entity does not give its own (default 1).
    public var headerRow = 1

    /// Creates a profile; the defaults are the canonical formats (UTF-8, `,`, `"`, `.`, ISO dates, true/false).
    public init(id: String, title: String, model: String? = nil, format: Format = .csv, encoding: TextEncoding = .utf8,
                delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""), numbers: NumberFormat = .canonical,
                dateFormats: [DatePattern] = [.iso], booleans: BooleanWords = .canonical,
                extraColumns: ExtraColumnPolicy = .ignore, entities: [EntityBinding], source: String? = nil) {
        self.id = id
        self.title = title
        self.model = model
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.quote = quote
        self.numbers = numbers
        self.dateFormats = dateFormats
        self.booleans = booleans
        self.extraColumns = extraColumns
        self.entities = entities
        self.source = source
    }

    /// The binding of an entity, if the profile reads it.
    public func binding(for entity: String) -> EntityBinding? { entities.first { $0.entity == entity } }

    /// The canonical CSV bundle of `model` written as a profile (SPEC §3.1: logical
    /// names, `,`, UTF-8, ISO dates, `.`, `true`/`false`, unknown columns are errors).
    public static func canonical(for model: DataModel) -> MappingProfile {
        MappingProfile(id: "canonical", title: "Canonical CSV bundle", model: model.id, extraColumns: .error,
                       entities: model.entities.compactMap { e in e.csvFile.map { EntityBinding(entity: e.name, file: $0) } })
    }

    /// What a field of `type` accepts under this profile, for messages.
    public func expectation(for type: FieldType, codes: [CodeTranslation] = []) -> String {
        switch type {
        case .string: return "text"
        case .date:
            if dateFormats == [.iso] { return "a date YYYY-MM-DD" }
            return "a date (" + dateFormats.map(\.text).joined(separator: " or ") + ")"
        case .decimal: return numbers.expectation(decimal: true)
        case .int: return numbers.expectation(decimal: false)
        case .bool: return booleans.expectation
        case .code, .codeSet:
            let base = FieldParser.expectation(for: type)
            if codes.isEmpty { return base }
            return base + " (or, as this profile writes them, " + codes.map(\.written).joined(separator: ", ") + ")"
        }
    }
}
