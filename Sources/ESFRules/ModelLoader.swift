import ESFCore

/// Loads a data-model file (the entities, fields and forms of one export type), declared as data.
public enum ModelLoader {
    /// Reads `path`; problems go to `sink` with file:line:column.
    public static func load(path: String, displayPath: String, sink: DiagnosticSink) -> DataModel? {
        guard let root = loadYAML(path: path, displayPath: displayPath, sink: sink) else { return nil }
        checkKeys(root, allowed: ["id", "version", "title", "namespace", "entities"], what: "model", sink: sink)
        guard let id = root["id"]?.scalar, let entitiesNode = root["entities"]?.sequence else {
            sink.add(root.diagnostic("model.missing", "a model needs 'id' and a list of 'entities'"))
            return nil
        }
        var entities: [EntityModel] = []
        for en in entitiesNode {
            checkKeys(en, allowed: ["name", "parent", "cardinality", "key", "key_suffix", "xml", "csv", "fields", "may_be_empty"], what: "entity", sink: sink)
            guard let name = en["name"]?.scalar else { sink.add(en.diagnostic("model.missing", "an entity needs a 'name'")); continue }
            let cardText = en["cardinality"]?.scalar ?? "many"
            guard let card = Cardinality(rawValue: cardText) else {
                sink.add((en["cardinality"] ?? en).diagnostic("model.invalid", "cardinality must be one, optional or many, not '\(cardText)'"))
                continue
            }
            let parent = en["parent"]?.scalar
            var mayBeEmpty = false
            if let node = en["may_be_empty"] {
                switch node.scalar {
                case "true": mayBeEmpty = true
                case "false": mayBeEmpty = false
                default: sink.add(node.diagnostic("model.invalid", "entity \(name): may_be_empty must be true or false, not '\(node.scalar ?? "a list or mapping")'"))
                }
                if mayBeEmpty && parent == nil && card == .one {
                    sink.add(node.diagnostic("model.invalid", "entity \(name) is the root (cardinality: one): an export always has exactly one, so it cannot be empty"))
                }
            }
            var fields: [FieldModel] = []
            if let parent { fields.append(FieldModel(name: "\(parent)_id", type: .string, implicit: true)) }
            for f in en["fields"]?.mapping ?? [] {
                if let t = f.value.scalar {
                    guard let type = fieldType(t, values: []) else { sink.add(f.value.diagnostic("model.unknown_type", "unknown type '\(t)' (string, date, decimal, int, bool, code, set)")); continue }
                    fields.append(FieldModel(name: f.key, type: type))
                } else {
                    checkKeys(f.value, allowed: ["type", "required", "personal", "free_text", "values"], what: "field", sink: sink)
                    let t = f.value["type"]?.scalar ?? "string"
                    let values = (f.value["values"]?.sequence ?? []).compactMap(\.scalar)
                    guard let type = fieldType(t, values: values) else { sink.add(f.value.diagnostic("model.unknown_type", "unknown type '\(t)'")); continue }
                    fields.append(FieldModel(name: f.key, type: type, required: f.value["required"]?.scalar == "true",
                                             personal: f.value["personal"]?.scalar == "true",
                                             freeText: f.value["free_text"]?.scalar == "true"))
                }
            }
            let xml = en["xml"]
            entities.append(EntityModel(name: name, parent: parent, cardinality: card, keyField: en["key"]?.scalar,
                                        keySuffix: en["key_suffix"]?.scalar, xmlElement: xml?["element"]?.scalar ?? name,
                                        xmlWrapper: xml?["wrapper"]?.scalar, csvFile: en["csv"]?.scalar, fields: fields,
                                        mayBeEmpty: mayBeEmpty))
        }
        guard let rootIndex = entities.firstIndex(where: { $0.parent == nil && $0.cardinality == .one }) else {
            sink.add(root.diagnostic("model.invalid", "a model needs one root entity with cardinality: one"))
            return nil
        }
        for (i, e) in entities.enumerated() {
            if let p = e.parent, !entities.contains(where: { $0.name == p }) {
                sink.add(entitiesNode[i].diagnostic("model.invalid", "entity \(e.name): unknown parent '\(p)'"))
            }
        }
        var model = DataModel(id: id, version: root["version"]?.scalar ?? "1", title: root["title"]?.scalar ?? id,
                              namespace: root["namespace"]?.scalar, entities: entities, root: rootIndex)
        model.path = path
        return model
    }

    static func fieldType(_ t: String, values: [String]) -> FieldType? {
        switch t {
        case "string": return .string
        case "date": return .date
        case "decimal": return .decimal
        case "int": return .int
        case "bool": return .bool
        case "code": return .code(values)
        case "set": return .codeSet(values)
        default: return nil
        }
    }
}
