import ESFCore
import Foundation

/// The real model, `Rules/models/esf-operation-v1.yaml`, for the XSD tests.
///
/// This test target cannot use the project's model loader (it lives in ESFRules,
/// with YAML), so this reads the few YAML forms a model file uses: scalars,
/// `{ key: value, … }` flow mappings and `[a, b]` flow lists. It builds the
/// model as `ModelLoader` does (the implicit `<parent>_id` field first).
enum ModelFile {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { repository.appendingPathComponent(relative).path }

    static let esfOperation: DataModel = {
        // swiftlint:disable:next force_try
        try! load(path("Rules/models/esf-operation-v1.yaml"))
    }()

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func load(_ path: String) throws -> DataModel {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var top: [String: String] = [:]
        var entities: [[String: String]] = []
        var fields: [[(String, String)]] = []
        var inFields = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let content = line.trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content.hasPrefix("#") { continue }
            let indent = line.prefix { $0 == " " }.count
            if indent == 0 {
                let (k, v) = try pair(content)
                top[k] = v
                continue
            }
            if content.hasPrefix("- ") {
                entities.append([:])
                fields.append([])
                inFields = false
                let (k, v) = try pair(String(content.dropFirst(2)))
                entities[entities.count - 1][k] = v
                continue
            }
            guard !entities.isEmpty else { throw Failure(description: "unexpected line: \(line)") }
            if indent >= 6 && inFields {
                fields[fields.count - 1].append(try pair(content))
                continue
            }
            let (k, v) = try pair(content)
            if k == "fields" {
                inFields = true
            } else {
                inFields = false
                entities[entities.count - 1][k] = v
            }
        }
        var models: [EntityModel] = []
        for (i, e) in entities.enumerated() {
            guard let name = e["name"] else { throw Failure(description: "entity without a name") }
            let parent = e["parent"]
            var fieldModels: [FieldModel] = []
            if let parent { fieldModels.append(FieldModel(name: "\(parent)_id", type: .string, implicit: true)) }
            for (fname, spec) in fields[i] {
                if spec.hasPrefix("{") {
                    let m = try flowMapping(spec)
                    let values = flowList(m["values"] ?? "[]")
                    fieldModels.append(FieldModel(name: fname, type: try type(m["type"] ?? "string", values),
                                                  required: m["required"] == "true", personal: m["personal"] == "true"))
                } else {
                    fieldModels.append(FieldModel(name: fname, type: try type(spec, [])))
                }
            }
            let xml = try flowMapping(e["xml"] ?? "{}")
            models.append(EntityModel(name: name, parent: parent, cardinality: Cardinality(rawValue: e["cardinality"] ?? "many") ?? .many,
                                      keyField: e["key"], keySuffix: e["key_suffix"], xmlElement: xml["element"] ?? name,
                                      xmlWrapper: xml["wrapper"], csvFile: e["csv"], fields: fieldModels))
        }
        guard let root = models.firstIndex(where: { $0.parent == nil && $0.cardinality == .one }) else {
            throw Failure(description: "no root entity")
        }
        return DataModel(id: top["id"] ?? "", version: top["version"] ?? "1", title: top["title"] ?? "",
                         namespace: top["namespace"], entities: models, root: root)
    }

    static func pair(_ s: String) throws -> (String, String) {
        guard let colon = s.firstIndex(of: ":") else { throw Failure(description: "not a key: value pair: \(s)") }
        let key = s[..<colon].trimmingCharacters(in: .whitespaces)
        var value = s[s.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
        return (key, value)
    }

    static func flowMapping(_ s: String) throws -> [String: String] {
        var inner = s.trimmingCharacters(in: .whitespaces)
        guard inner.hasPrefix("{"), inner.hasSuffix("}") else { throw Failure(description: "not a flow mapping: \(s)") }
        inner = String(inner.dropFirst().dropLast())
        var result: [String: String] = [:]
        var depth = 0
        var current = ""
        for c in inner + "," {
            if c == "[" { depth += 1 }
            if c == "]" { depth -= 1 }
            if c == "," && depth == 0 {
                if !current.trimmingCharacters(in: .whitespaces).isEmpty {
                    let (k, v) = try pair(current)
                    result[k] = v
                }
                current = ""
            } else {
                current.append(c)
            }
        }
        return result
    }

    static func flowList(_ s: String) -> [String] {
        let inner = s.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        return inner.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func type(_ t: String, _ values: [String]) throws -> FieldType {
        switch t {
        case "string": return .string
        case "date": return .date
        case "decimal": return .decimal
        case "int": return .int
        case "bool": return .bool
        case "code": return .code(values)
        case "set": return .codeSet(values)
        default: throw Failure(description: "unknown type \(t)")
        }
    }
}
