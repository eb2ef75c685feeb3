import ESFCore
import ESFInputs
import Foundation
import Testing

/// The small model the reader tests use: operation, participants, and two nested entities.
enum TestModel {
    static let namespace = "urn:esfcheck:export:1"
    static let operation = 0, participant = 1, employment = 2, training = 3

    static let model = DataModel(
        id: "test", version: "1", title: "reader test model", namespace: namespace,
        entities: [
            EntityModel(name: "operation", parent: nil, cardinality: .one, keyField: "id", keySuffix: nil,
                        xmlElement: "operation", xmlWrapper: nil, csvFile: "operation.csv",
                        fields: [
                            FieldModel(name: "id", type: .string, required: true),
                            FieldModel(name: "title", type: .string),
                            FieldModel(name: "total_eligible", type: .decimal),
                            FieldModel(name: "start", type: .date),
                        ]),
            EntityModel(name: "participant", parent: nil, cardinality: .many, keyField: "id", keySuffix: nil,
                        xmlElement: "participant", xmlWrapper: "participants", csvFile: "participants.csv",
                        fields: [
                            FieldModel(name: "id", type: .string, required: true),
                            FieldModel(name: "birth_date", type: .date),
                            FieldModel(name: "criteria", type: .codeSet(["ltu24", "basic_education", "over55"])),
                            FieldModel(name: "gender", type: .code(["F", "M", "X"])),
                        ]),
            EntityModel(name: "employment", parent: "participant", cardinality: .many, keyField: "id", keySuffix: nil,
                        xmlElement: "employment", xmlWrapper: nil, csvFile: "employments.csv",
                        fields: [
                            FieldModel(name: "participant_id", type: .string, implicit: true),
                            FieldModel(name: "id", type: .string, required: true),
                            FieldModel(name: "start", type: .date),
                            FieldModel(name: "weekly_hours", type: .int),
                            FieldModel(name: "disabled_part_time", type: .bool),
                        ], mayBeEmpty: true),
            EntityModel(name: "training", parent: "participant", cardinality: .optional, keyField: nil, keySuffix: "training",
                        xmlElement: "training", xmlWrapper: nil, csvFile: "trainings.csv",
                        fields: [
                            FieldModel(name: "participant_id", type: .string, implicit: true),
                            FieldModel(name: "provider_id", type: .string),
                            FieldModel(name: "start", type: .date),
                            FieldModel(name: "months", type: .int),
                        ], mayBeEmpty: true),
        ],
        root: 0)

    /// The full header row of each entity's file of the canonical bundle.
    static let headers: [String: String] = [
        "operation.csv": "id,title,total_eligible,start",
        "participants.csv": "id,birth_date,criteria,gender",
        "employments.csv": "participant_id,id,start,weekly_hours,disabled_part_time",
        "trainings.csv": "participant_id,provider_id,start,months",
    ]
}

/// A fresh temporary folder, removed when the value is dropped.
final class TempDir {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("esfinputs-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` as UTF-8 to `name`, returning the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes raw bytes to `name`, returning the full path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// Reads a whole source into an array of events.
func collect(_ source: RecordSource, order: [Int] = []) throws -> [InputEvent] {
    var events: [InputEvent] = []
    try source.read(entityOrder: order) { events.append($0) }
    return events
}

extension InputEvent {
    var record: Record? { if case .record(let r) = self { return r } else { return nil } }
    var problem: InputProblem? { if case .problem(let p) = self { return p } else { return nil } }
    /// A problem other than an empty list (`the export lists no …`): tests of other mistakes use
    /// small exports without every list; completeness has its own tests.
    var problemBesidesCompleteness: InputProblem? { problem.flatMap { $0.message.hasPrefix("the export lists no ") ? nil : $0 } }
    var isGroupEnd: Bool { if case .groupEnd = self { return true } else { return false } }
    var rejected: (entity: Int, location: ESFCore.SourceLocation)? {
        if case .rejected(let e, let l) = self { return (e, l) } else { return nil }
    }

    /// A one-line summary: `R participant UD-1`, `G`, `P ESFCHECK-IN-001`, `X participant`.
    var summary: String {
        switch self {
        case .record(let r):
            let entity = TestModel.model.entities[r.entity]
            let key = entity.keyField.flatMap(entity.fieldIndex).map { r.values[$0].description } ?? "-"
            return "R \(entity.name) \(key)"
        case .groupEnd: return "G"
        case .problem(let p): return "P \(p.ruleID)"
        case .rejected(let e, _): return "X \(TestModel.model.entities[e].name)"
        }
    }
}

extension Record {
    /// The value of a field by name.
    subscript(_ name: String) -> Value {
        guard let i = TestModel.model.entities[entity].fieldIndex(name) else { return .null }
        return values[i]
    }
}

/// The thrown error as an `InputError`, if it is one.
func inputError(_ body: () throws -> Void) -> InputError? {
    do {
        try body()
        return nil
    } catch let error as InputError {
        return error
    } catch {
        return nil
    }
}
