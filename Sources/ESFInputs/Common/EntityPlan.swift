import ESFCore

/// What both readers need to know about one entity, computed once from the `DataModel`.
///
/// Readers are generic over the model: every name they match (XML elements and
/// attributes, CSV columns and files) comes from here, never from a Swift type.
/// A class so that looking it up per record shares it instead of copying its arrays.
final class EntityPlan {
    /// The entity index in the data model.
    let index: Int
    let name: String
    let fieldNames: [String]
    let fieldTypes: [FieldType]
    /// One decoder per field, built once (see `FieldDecoder`).
    let decoders: [FieldDecoder]
    /// Field names as UTF-8 bytes, to match XML attribute names without creating Strings.
    let fieldNameBytes: [[UInt8]]
    /// The key field (`id`), if the entity has one.
    let keyIndex: Int?
    /// The implicit parent-id field (`participant_id`) of a nested entity.
    let implicitIndex: Int?
    /// The parent entity of a nested entity.
    let parentIndex: Int?
    /// Fields that must be present in every record.
    let requiredIndices: [Int]
    /// Whether other entities are nested in this one (its XML element closes a group).
    let hasChildren: Bool
    let keySuffix: String?
    let cardinality: Cardinality

    init(model: DataModel, index: Int) {
        let entity = model.entities[index]
        self.index = index
        self.name = entity.name
        self.fieldNames = entity.fields.map(\.name)
        self.fieldTypes = entity.fields.map(\.type)
        self.decoders = entity.fields.map { FieldDecoder($0.type) }
        self.fieldNameBytes = entity.fields.map { Array($0.name.utf8) }
        self.keyIndex = entity.keyField.flatMap { entity.fieldIndex($0) }
        let parentIndex = model.parentIndex(of: index)
        self.parentIndex = parentIndex
        if parentIndex != nil {
            let implicitName = model.parentIDField(of: index)
            self.implicitIndex = entity.fields.firstIndex { $0.implicit && $0.name == implicitName }
                ?? entity.fields.firstIndex { $0.implicit }
        } else {
            self.implicitIndex = nil
        }
        self.requiredIndices = entity.fields.indices.filter { entity.fields[$0].required }
        self.hasChildren = model.entities.indices.contains { model.parentIndex(of: $0) == index }
        self.keySuffix = entity.keySuffix
        self.cardinality = entity.cardinality
    }

    /// The record key (SPEC §6) and a label naming the record in messages (`participant UD-000012`).
    func label(values: [Value]) -> (label: String, key: String?) {
        if let k = keyIndex, k < values.count, !values[k].isNull {
            let key = values[k].description
            return ("\(name) \(key)", key)
        }
        if let suffix = keySuffix, let p = implicitIndex, p < values.count, !values[p].isNull {
            let key = "\(values[p].description)/\(suffix)"
            return ("\(name) \(key)", key)
        }
        return (name, nil)
    }
}

/// Messages shared by the readers, so that both forms of the same data give the same findings.
enum InputMessages {
    /// An entity with no record in an export, when the model does not declare it `may_be_empty`.
    static func emptyList(entity: String, where place: String) -> String {
        "the export lists no \(entity): \(place). The data model requires at least one \(entity) (it does not declare \(entity) may_be_empty), so the export is incomplete; export the \(entity) records"
    }

    /// `participant UD-000012: birth_date '1985-02-30' is not a date YYYY-MM-DD`.
    static func unparseable(label: String, field: String, raw: some Collection<UInt8>, type: FieldType) -> String {
        "\(label): \(field) '\(display(raw))' is not \(FieldParser.expectation(for: type))"
    }

    /// The same, with what the field accepts spelled out by the caller (a mapping profile's formats).
    static func unparseable(label: String, field: String, raw: some Collection<UInt8>, expectation: String) -> String {
        "\(label): \(field) '\(display(raw))' is not \(expectation)"
    }

    /// A required field (an id) is absent or empty.
    static func requiredMissing(label: String, entity: String, field: String) -> String {
        "\(label): required field '\(field)' is missing or empty; every \(entity) needs one"
    }

    /// Raw input shown in a message: lossy UTF-8, control characters escaped, at most 80 characters.
    static func display(_ raw: some Collection<UInt8>) -> String {
        let text = String(decoding: raw, as: UTF8.self)
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 80 {
                out += "…"
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
