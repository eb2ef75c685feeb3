import Foundation
import Testing

/// The engine keeps per-key state as interned symbols in dense arrays (docs/architecture.md, "Per-key
/// state"): duplicates, occurrences, 0..1 repeats and orphans must be found exactly as by value.
@Suite("Per-key state through the built binary")
struct KeyStateTests {
    @Test("every repeated key is found once per repeat, with its occurrence, and orphans are rejected (CSV bundle)")
    func repeatedKeys() throws {
        let dir = try temporaryDirectory()
        let bundle = dir.appendingPathComponent("csv")
        try FileManager.default.copyItem(atPath: fixture("clean/csv"), toPath: bundle.path)
        func dataRows(_ file: String) throws -> [Substring] {
            let text = try String(contentsOf: bundle.appendingPathComponent(file), encoding: .utf8)
            return text.split(separator: "\n").dropFirst().map { $0 }
        }
        func append(_ file: String, _ rows: [String]) throws {
            let url = bundle.appendingPathComponent(file)
            var text = try String(contentsOf: url, encoding: .utf8)
            if !text.hasSuffix("\n") { text += "\n" }
            text += rows.joined(separator: "\n") + "\n"
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        // every expenditure line twice; every training twice; one training of a participant not in the export
        let expenditures = try dataRows("expenditures.csv")
        let trainings = try dataRows("trainings.csv")
        #expect(expenditures.count > 1 && trainings.count > 1)
        try append("expenditures.csv", expenditures.map(String.init))
        let orphan = "NOPE-000001" + trainings[0].drop { $0 != "," }
        try append("trainings.csv", trainings.map(String.init) + [orphan])

        let r = try run(["check", bundle.path, "--format", "json", "--deterministic"])
        #expect(r.status == 1)
        let all = try findings(r.stdout)
        // unique(expenditure.id): the second of each id, occurrence 2, once per line
        let duplicates = all.filter { $0["ruleID"] as? String == "ESF-EL-004" }
        let ids = Set(expenditures.map { String($0.prefix { $0 != "," }) })
        #expect(duplicates.count == expenditures.count)
        #expect(Set(duplicates.compactMap { $0["recordKey"] as? String }) == ids)
        #expect(duplicates.allSatisfy { $0["occurrence"] as? Int == 2 })
        // a second training of a participant: ESFCHECK-IN-003 once per participant
        let repeats = all.filter { $0["ruleID"] as? String == "ESFCHECK-IN-003" }
        #expect(repeats.count == Set(trainings.map { $0.prefix { $0 != "," } }).count)
        // the orphan is rejected, reported once
        let orphans = all.filter { $0["ruleID"] as? String == "ESFCHECK-IN-002" }
        #expect(orphans.count == 1)
        #expect((orphans.first?["message"] as? String)?.contains("NOPE-000001") == true)
    }
}
