import Foundation
import Testing

@Suite("Duplicates and overlaps name the earlier record")
struct RelatedLocationTests {
    func finding(_ found: [[String: Any]], _ rule: String, _ key: String) throws -> [String: Any] {
        try #require(found.first { $0["ruleID"] as? String == rule && $0["recordKey"] as? String == key }, "\(rule) \(key)")
    }

    func related(_ f: [String: Any]) throws -> [String: Any] {
        let list = try #require(f["relatedLocations"] as? [[String: Any]], "\(f)")
        try #require(list.count == 1)
        return list[0]
    }

    @Test("a duplicate EMŠO names the first participant with it, the EMŠO masked everywhere (CSV)")
    func duplicateEMSO() throws {
        let input = fixture("scenarios/participant-data/csv")
        let r = try run(["check", input, "--format", "json", "--deterministic"])
        #expect(!r.stdout.contains("2802978501016"))
        let f = try finding(try findings(r.stdout), "ESF-PD-006", "UD-000012")
        let message = try #require(f["message"] as? String)
        #expect(message == "participant UD-000012: the same person (EMŠO 2802******016) is already recorded as another participant (occurrence 2); first recorded as participant UD-000002", "\(message)")
        let rel = try related(f)
        #expect((rel["file"] as? String)?.hasSuffix("participant-data/csv/participants.csv") == true, "\(rel)")
        #expect(rel["line"] as? Int == 3)
        #expect(rel["record"] as? Int == 2)
        #expect(rel["field"] as? String == "emso")
        #expect(rel["message"] as? String == "first recorded as participant UD-000002")
        // the third occurrence names the first, not the second
        let third = try related(try finding(try findings(r.stdout), "ESF-PD-006", "UD-000016"))
        #expect(third["line"] as? Int == 3 && third["message"] as? String == "first recorded as participant UD-000002", "\(third)")
        // the text report shows the related location too, still masked
        let text = try run(["check", input, "--deterministic", "--width", "1000"])
        #expect(!text.stdout.contains("2802978501016"))
        // (the file named as the finding's own: within the input, which the header names)
        #expect(text.stdout.contains("    related: participants.csv:3 record 2: first recorded as participant UD-000002"), "\(text.stdout)")
        #expect(text.stdout.contains("    related: "))
        // shown with --show-personal-data only
        let shown = try run(["check", input, "--format", "json", "--deterministic", "--show-personal-data"])
        #expect(shown.stdout.contains("EMŠO 2802978501016"))
    }

    @Test("a duplicate id names its first record in the XML form: line, no record number", arguments: ["export.xml", "csv"])
    func duplicateID(form: String) throws {
        let r = try run(["check", fixture("scenarios/participant-data/\(form)"), "--format", "json", "--deterministic"])
        let dups = try findings(r.stdout).filter { $0["ruleID"] as? String == "ESF-PD-003" }
        #expect(dups.count == 2)
        for f in dups {
            let rel = try related(f)
            #expect(rel["message"] as? String == "first recorded as participant UD-000004", "\(rel)")
            #expect((rel["line"] as? Int ?? 0) > 0)
            #expect((rel["record"] != nil) == (form == "csv"), "\(rel)")
            #expect(rel["xpath"] == nil)
        }
        // the fingerprint stays that of rule id, record key and occurrence (message changes do not move baselines)
        let occurrences = dups.compactMap { $0["occurrence"] as? Int }.sorted()
        #expect(occurrences == [2, 3])
    }

    @Test("the XML and CSV forms give the same messages; only the related places differ")
    func formsAgree() throws {
        for scenario in ["participant-data", "employment", "eligibility"] {
            let x = try findings(run(["check", fixture("scenarios/\(scenario)/export.xml"), "--format", "json", "--deterministic"]).stdout)
            let c = try findings(run(["check", fixture("scenarios/\(scenario)/csv"), "--format", "json", "--deterministic"]).stdout)
            let key = { (f: [String: Any]) in "\(f["ruleID"]!)|\(f["recordKey"]!)|\(f["message"]!)|\((f["relatedLocations"] as? [[String: Any]])?.map { "\($0["message"]!)" } ?? [])" }
            #expect(x.map(key) == c.map(key), "\(scenario)")
            #expect(x.contains { $0["relatedLocations"] != nil }, "\(scenario)")
        }
    }

    @Test("an overlapping employment names the earlier employment, in both forms", arguments: ["export.xml", "csv"])
    func overlap(form: String) throws {
        let r = try run(["check", fixture("scenarios/employment/\(form)"), "--format", "json", "--deterministic"])
        let found = try findings(r.stdout)
        let xml = form == "export.xml"
        for (key, earlier, line) in [("UD-000003-E2", "UD-000003-E1", xml ? 22 : 3), ("UD-000012-E2", "UD-000012-E1", xml ? 67 : 13)] {
            let f = try finding(found, "UD-EM-005", key)
            let message = try #require(f["message"] as? String)
            #expect(message.hasSuffix("overlaps an earlier subsidised employment of the same participant; the earlier one is employment \(earlier)"), "\(message)")
            let rel = try related(f)
            #expect((rel["file"] as? String)?.hasSuffix("scenarios/employment/\(xml ? "export.xml" : "csv/employments.csv")") == true, "\(rel)")
            #expect(rel["line"] as? Int == line)
            #expect(rel["record"] as? Int == (xml ? nil : line - 1))
            #expect(rel["message"] as? String == "the earlier one is employment \(earlier)")
        }
        // no other finding has related locations
        for f in found where !["UD-EM-005"].contains(f["ruleID"] as? String ?? "") { #expect(f["relatedLocations"] == nil, "\(f)") }
    }

    @Test("a duplicate cost names the earlier expenditure line, by its own key")
    func duplicateCost() throws {
        let r = try run(["check", fixture("scenarios/eligibility/csv"), "--format", "json", "--deterministic"])
        let dups = try findings(r.stdout).filter { $0["ruleID"] as? String == "ESF-EL-004" }
        #expect(dups.count == 3)
        for f in dups {
            let rel = try related(f)
            let message = try #require(rel["message"] as? String)
            #expect(message.hasPrefix("first recorded as expenditure X-0000"), "\(message)")
            #expect((f["message"] as? String)?.hasSuffix("; \(message)") == true, "\(f)")
            #expect((rel["file"] as? String)?.hasSuffix("eligibility/csv/expenditures.csv") == true && (rel["line"] as? Int ?? 0) > 1, "\(rel)")
        }
    }
}
