import Foundation
import Testing

/// A validator for the part of JSON Schema (draft 4/7) that docs/report.schema.json and the SARIF 2.1.0
/// schema use: type, required, properties, additionalProperties (false or a schema), items, enum,
/// `$ref` to `#/definitions/…`, minItems, uniqueItems, minimum, maximum, pattern, anyOf, oneOf
/// (format, default and descriptions are not assertions).
struct MiniSchema {
    let schema: [String: Any]

    /// Every violation of `value` against `schema`, as `path: problem`.
    func violations(_ value: Any, _ schema: [String: Any], path: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String {
            let prefix = "#/definitions/"
            guard ref.hasPrefix(prefix), let definitions = self.schema["definitions"] as? [String: Any],
                  let target = definitions[String(ref.dropFirst(prefix.count))] as? [String: Any] else {
                return ["\(path): unresolved $ref \(ref)"]
            }
            return violations(value, target, path: path)
        }
        var out: [String] = []
        if let branches = schema["anyOf"] as? [[String: Any]],
           !branches.contains(where: { violations(value, $0, path: path).isEmpty }) {
            out.append("\(path): matches none of anyOf")
        }
        if let branches = schema["oneOf"] as? [[String: Any]] {
            let n = branches.filter { violations(value, $0, path: path).isEmpty }.count
            if n != 1 { out.append("\(path): matches \(n) of oneOf, not exactly one") }
        }
        if let array = value as? [Any] {
            if let min = (schema["minItems"] as? NSNumber)?.intValue, array.count < min { out.append("\(path): fewer than \(min) items") }
            if schema["uniqueItems"] as? Bool == true {
                let texts = array.compactMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
                if Set(texts).count != texts.count { out.append("\(path): items are not unique") }
            }
        }
        if let number = value as? NSNumber, String(cString: number.objCType) != "c" {
            if let min = schema["minimum"] as? NSNumber, number.doubleValue < min.doubleValue { out.append("\(path): \(number) < minimum \(min)") }
            if let max = schema["maximum"] as? NSNumber, number.doubleValue > max.doubleValue { out.append("\(path): \(number) > maximum \(max)") }
        }
        if let text = value as? String, let pattern = schema["pattern"] as? String {
            let regex = try? NSRegularExpression(pattern: pattern)
            if regex?.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                out.append("\(path): \(text) does not match \(pattern)")
            }
        }
        if let type = schema["type"] as? String, !Self.matches(value, type: type) {
            return ["\(path): expected \(type), got \(Swift.type(of: value))"]
        }
        if let allowed = schema["enum"] as? [Any], !allowed.contains(where: { Self.equal($0, value) }) {
            out.append("\(path): \(value) is not one of \(allowed)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { out.append("\(path): missing \(key)") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, v) in object {
                if let sub = properties[key] as? [String: Any] {
                    out += violations(v, sub, path: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] {
                    if let allowed = additional as? Bool, !allowed { out.append("\(path): unexpected key \(key)") }
                    if let sub = additional as? [String: Any] { out += violations(v, sub, path: "\(path).\(key)") }
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, v) in array.enumerated() { out += violations(v, items, path: "\(path)[\(i)]") }
        }
        return out
    }

    static func matches(_ v: Any, type: String) -> Bool {
        switch type {
        case "object": return v is [String: Any]
        case "array": return v is [Any]
        case "string": return v is String
        // JSONSerialization gives NSNumber for both; booleans carry the ObjC type code "c"
        case "boolean": return (v as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
        case "integer": return (v as? NSNumber).map { ["i", "l", "q", "s"].contains(String(cString: $0.objCType)) } ?? false
        default: return true
        }
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = a as? NSNumber, let y = b as? NSNumber { return x == y }
        return false
    }
}

@Suite("JSON report schema")
struct ReportSchemaTests {
    let schema: [String: Any]

    init() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("docs/report.schema.json"))
        schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("reports follow docs/report.schema.json", arguments: ["ucne-delavnice/export.xml", "clean/csv", "scenarios/employment/csv", "scenarios/indicators/export.xml"])
    func conforms(input: String) throws {
        let r = try run(["check", fixture(input), "--format", "json"])
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let problems = MiniSchema(schema: schema).violations(report, schema)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    @Test("the validator itself rejects what the schema forbids")
    func validatorCatches() throws {
        let v = MiniSchema(schema: schema)
        #expect(!v.violations(["tool": "esfcheck"], schema).isEmpty)
        let r = try run(["check", fixture("clean/csv"), "--format", "json"])
        var report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(v.violations(report, schema).isEmpty)
        report["verdict"] = "maybe"
        report["surprise"] = 1
        let problems = v.violations(report, schema)
        #expect(problems.contains { $0.contains("maybe") })
        #expect(problems.contains { $0.contains("unexpected key surprise") })
    }
}
