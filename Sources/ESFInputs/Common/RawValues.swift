import ESFCore

/// A field of a record that a finding points at, to be looked up in the file as written.
public struct RawValueRequest: Sendable, Hashable {
    /// The entity index in the data model.
    public var entity: Int
    /// The field index in the entity.
    public var field: Int
    /// The finding's location: the file, the record's line (CSV) or the field's XPath (XML).
    public var location: SourceLocation

    public init(entity: Int, field: Int, location: SourceLocation) {
        self.entity = entity
        self.field = field
        self.location = location
    }
}

/// What the file holds for one requested field.
public struct RawValue: Sendable, Hashable {
    /// The file's own name for the field: the CSV header as written (`Prispevek EU`) or the XML path
    /// relative to the record's element (`zneski/@eu`); nil when it is the logical name (canonical layout).
    public var sourceField: String?
    /// The text as the file holds it, before any decoding, in its displayed form (invisible characters
    /// escaped, at most 80 characters); nil when the file has no such cell or attribute.
    public var text: String?
    /// Whether the text may be personal data (docs/inputs.md, "Personal data"): shown masked unless
    /// personal data is shown.
    public var personal: Bool

    public init(sourceField: String?, text: String?, personal: Bool) {
        self.sourceField = sourceField
        self.text = text
        self.personal = personal
    }
}

/// A reader that can look the raw text of a few fields up again after its `read`.
///
/// Records keep no raw text (memory stays flat whatever the size of the input): the text of the
/// fields that findings point at is read again, once per file, from the start of the file up to
/// the last record asked for, and only when there are such findings.
public protocol RawValueSource {
    /// One answer per request, in order (nil: not found). Never throws: a file that cannot be read
    /// again gives no raw values, nothing else.
    func rawValues(_ requests: [RawValueRequest]) -> [RawValue?]
}
