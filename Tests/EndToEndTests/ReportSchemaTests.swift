import Foundation
import Testing

/// A validator for the part of JSON Schema that docs/report.schema.json uses:
/// type, required, properties, additionalProperties (false or a schema), items, enum.
struct MiniSchema {
    let schema: [String: Any]

    /// Every violation of `value` against `schema`, as `path: problem`.
    func violations(_ value: Any, _ schema: [String: Any], path: String = "$") -> [String] {
        var out: [String] = []
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
