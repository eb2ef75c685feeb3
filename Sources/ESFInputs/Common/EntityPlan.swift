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
    /// Per field: whether it holds an identifier or code, checked for invisible characters (`ESFCHECK-IN-004`).
    let checksInvisible: [Bool]
    /// Per field: whether the raw text read for it is masked in messages (docs/inputs.md, "Personal data"):
    /// a personal field, or any field but the keys of an entity that holds personal data, since a
    /// swapped header or shifted column can put an EMŠO or a name in any of its cells.
    let rawIsPersonal: [Bool]
    /// Per field: whether the data model marks it `personal`.
    let personal: [Bool]

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
        self.checksInvisible = entity.fields.map(\.isIdentifierOrCode)
        self.personal = entity.fields.map(\.personal)
        let holdsPersonal = entity.fields.contains(where: \.personal)
        let keys = [keyIndex, implicitIndex]
        // the parent-id field holds the parent's key: personal when that key is
        let parentKeyPersonal = parentIndex.map { p in
            model.entities[p].keyField.flatMap { model.entities[p].fieldIndex($0) }.map { model.entities[p].fields[$0].personal } ?? false
        } ?? false
        let implicitField = self.implicitIndex
        self.rawIsPersonal = entity.fields.indices.map { f in
            entity.fields[f].personal || (holdsPersonal && !keys.contains(f)) || (f == implicitField && parentKeyPersonal)
        }
    }

    /// The first invisible character of field `f`'s raw text, when the field is an identifier or code.
    /// Hot path: printable ASCII (nearly every cell) is passed over without decoding.
    @inline(__always)
    func invisible(_ f: Int, _ raw: UnsafeBufferPointer<UInt8>) -> (scalar: Unicode.Scalar, position: Int)? {
        guard checksInvisible[f] else { return nil }
        for c in raw where c < 0x20 || c >= 0x7F { return InvisibleCharacters.first(inUTF8: raw) }
        return nil
    }

    /// `invisible(_:_:)` of bytes in an array (the XML reader's attribute text).
    @inline(__always)
    func invisible(_ f: Int, _ raw: ArraySlice<UInt8>) -> (scalar: Unicode.Scalar, position: Int)? {
        checksInvisible[f] ? raw.withUnsafeBufferPointer { invisible(f, $0) } : nil
    }

    /// Whether the raw text of field `f` is masked where a finding's location shows it: a personal
    /// field's always; another field's by `rawIsPersonal` unless it is typed (not free text) and the
    /// text decodes (`parses`), for then its decoded value is what messages show anyway — except a
    /// run of ten or more digits, which may be an EMŠO in the wrong column (an `int` field takes it).
    func rawTextIsPersonal(_ f: Int, parses: Bool, _ raw: some Collection<UInt8>) -> Bool {
        guard rawIsPersonal[f] else { return false }
        if personal[f] { return true }
        if case .string = fieldTypes[f] { return true }
        var run = 0
        for b in raw {
            run = b >= 0x30 && b <= 0x39 ? run + 1 : 0
            if run >= 10 { return true }
        }
        return !parses
    }

    /// The raw text of field `f` as a finding's location shows it, and whether it is masked.
    func rawText(_ f: Int, _ raw: some Collection<UInt8>, parses: Bool) -> (text: String, personal: Bool) {
        (InputMessages.display(raw), rawTextIsPersonal(f, parses: parses, raw))
    }

    /// The personal texts of a message about field `f`'s raw text (its displayed form), for `InputProblem.personalText`.
    func personalText(_ f: Int, _ raw: some Collection<UInt8>) -> [String] {
        rawIsPersonal[f] ? [InputMessages.display(raw)] : []
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

/// An identifier or code read with an invisible character in it (`ESFCHECK-IN-004`).
struct InvisibleValue {
    var field: Int
    var raw: [UInt8]
    var scalar: Unicode.Scalar
    var position: Int
}

/// Messages shared by the readers, so that both forms of the same data give the same findings: each
/// builds a case of the catalogue of reserved messages (`ReservedMessage`) from raw input.
enum InputMessages {
    /// `participant UD-000012: birth_date '1985-02-30' is not a date YYYY-MM-DD`.
    static func unparseable(label: String, field: String, raw: some Collection<UInt8>, type: FieldType) -> ReservedMessage {
        .unparseable(label: label, field: field, raw: display(raw), expectation: FieldParser.expectation(for: type))
    }

    /// The same, with what the field accepts spelled out by the caller (a mapping profile's formats).
    static func unparseable(label: String, field: String, raw: some Collection<UInt8>, expectation: String) -> ReservedMessage {
        .unparseable(label: label, field: field, raw: display(raw), expectation: expectation)
    }

    /// `participant P\u{200B}001: id 'P\u{200B}001' holds U+200B ZERO WIDTH SPACE at character 2; …`.
    static func invisible(label: String, field: String, _ v: InvisibleValue) -> ReservedMessage {
        .invisible(label: label, field: field, raw: display(v.raw), described: InvisibleCharacters.describe(v.scalar), position: v.position)
    }

    /// Raw input shown in a message: lossy UTF-8, invisible characters escaped (`\u{200B}`), at most 80 characters.
    static func display(_ raw: some Collection<UInt8>) -> String {
        let text = String(decoding: raw, as: UTF8.self)
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 80 {
                out += "…"
                break
            }
            if InvisibleCharacters.isInvisible(scalar) {
                out += InvisibleCharacters.escape(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
