/// The type of a field in the logical data model (SPEC §3.1).
public enum FieldType: Sendable, Hashable, CustomStringConvertible {
    case string
    case date
    case decimal
    case int
    case bool
    /// A closed list of codes.
    case code([String])
    /// A set of codes, space-separated in both XML and CSV.
    case codeSet([String])

    public var description: String {
        switch self {
        case .string: return "string"
        case .date: return "date"
        case .decimal: return "decimal"
        case .int: return "int"
        case .bool: return "bool"
        case .code: return "code"
        case .codeSet: return "set"
        }
    }
}

/// One field of an entity.
public struct FieldModel: Sendable, Hashable {
    /// The logical name rules use.
    public var name: String
    public var type: FieldType
    /// Required fields (the ids) must be present in every record.
    public var required: Bool
    /// Personal data (EMŠO, names) is masked in every output by default.
    public var personal: Bool
    /// The implicit parent-id field of a nested record (`participant_id`).
    public var implicit: Bool
    /// Free text (a title, a name) rather than an identifier or code: an invisible character in
    /// it is shown escaped but is not an `ESFCHECK-IN-004` finding (docs/inputs.md).
    public var freeText: Bool

    public init(name: String, type: FieldType, required: Bool = false, personal: Bool = false, implicit: Bool = false,
                freeText: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
        self.personal = personal
        self.implicit = implicit
        self.freeText = freeText
    }

    /// Whether the field holds an identifier or a code (every text field that is not free text,
    /// codes and code sets): an invisible character in it is an `ESFCHECK-IN-004` finding.
    public var isIdentifierOrCode: Bool {
        switch type {
        case .string, .code, .codeSet: return !freeText
        case .date, .decimal, .int, .bool: return false
        }
    }
}

/// How many records of an entity may exist (per parent for nested entities).
public enum Cardinality: String, Sendable, Hashable {
    case one, optional, many
}

/// One entity of the export (operation, participant, employment, …), declared as data.
public struct EntityModel: Sendable, Hashable {
    public var name: String
    /// The parent entity for nested records (`participant` for `employment`).
    public var parent: String?
    public var cardinality: Cardinality
    /// The key field (`id`), or nil when the record key is derived from the parent.
    public var keyField: String?
    /// The record key suffix for keyless nested records (`training` → `<participant id>/training`).
    public var keySuffix: String?
    /// The XML element name, and the wrapper element of its list (`participants`).
    public var xmlElement: String
    public var xmlWrapper: String?
    /// The CSV file of a bundle (`participants.csv`).
    public var csvFile: String?
    public var fields: [FieldModel]
    /// Whether an export may hold no record of this entity at all (`may_be_empty: true` in
    /// the model file), e.g. follow-ups before any is due. When false, an export with none
    /// is incomplete: a fatal finding. Either way a CSV bundle must have the entity's file
    /// (a list with no rows is a file with only its header row).
    public var mayBeEmpty: Bool

    public init(name: String, parent: String?, cardinality: Cardinality, keyField: String?, keySuffix: String?,
                xmlElement: String, xmlWrapper: String?, csvFile: String?, fields: [FieldModel], mayBeEmpty: Bool = false) {
        self.name = name
        self.parent = parent
        self.cardinality = cardinality
        self.keyField = keyField
        self.keySuffix = keySuffix
        self.xmlElement = xmlElement
        self.xmlWrapper = xmlWrapper
        self.csvFile = csvFile
        self.fields = fields
        self.mayBeEmpty = mayBeEmpty
    }

    /// The index of a field by name.
    public func fieldIndex(_ name: String) -> Int? { fields.firstIndex { $0.name == name } }
}

/// The logical data model of one export type, loaded from a model file.
public struct DataModel: Sendable, Hashable {
    public var id: String
    public var version: String
    public var title: String
    /// The XML namespace of the canonical XML form, if any.
    public var namespace: String?
    public var entities: [EntityModel]
    /// The root (exactly one) entity, e.g. `operation`.
    public var root: Int
    /// The file the model was loaded from (empty for a model built in code).
    public var path: String = ""

    public init(id: String, version: String, title: String, namespace: String?, entities: [EntityModel], root: Int) {
        self.id = id
        self.version = version
        self.title = title
        self.namespace = namespace
        self.entities = entities
        self.root = root
    }

    /// The index of an entity by name.
    public func entityIndex(_ name: String) -> Int? { entities.firstIndex { $0.name == name } }

    /// The index of an entity's parent.
    public func parentIndex(of entity: Int) -> Int? { entities[entity].parent.flatMap(entityIndex) }

    /// The top-level entity a record belongs under (itself when it has no parent).
    public func rootLevel(of entity: Int) -> Int {
        var e = entity
        while let p = parentIndex(of: e) { e = p }
        return e
    }

    /// The name of the implicit parent-id field of a nested entity (`participant_id`).
    public func parentIDField(of entity: Int) -> String? { entities[entity].parent.map { "\($0)_id" } }
}
