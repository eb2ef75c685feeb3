import Foundation
import Testing

/// Rules that run after the stream (they read aggregates of records not yet read) keep only the
/// fields they read and the record's place as numbers (docs/architecture.md, "Streaming"): their
/// findings must name the record, its participant and its location (line, CSV record and column,
/// XPath with the element's index, raw value) exactly as a rule run when the record arrived does.
@Suite("Deferred rules' findings through the built binary")
struct DeferredRecordTests {
    /// The clean sample with the second participant's training amount lowered to 3000.00: the claims
    /// (3360.00) exceed it (UD-CL-001, deferred: it sums the expenditure lines read later) and the amount
    /// is not 6 × 560.00 (UD-TR-002, run as the training arrives).
    func lowered(_ form: String) throws -> URL {
        let dir = try temporaryDirectory()
        if form == "csv" {
            let bundle = dir.appendingPathComponent("csv")
            try FileManager.default.copyItem(atPath: fixture("clean/csv"), toPath: bundle.path)
            let url = bundle.appendingPathComponent("trainings.csv")
            let text = try String(contentsOf: url, encoding: .utf8)
            let changed = text.replacingOccurrences(of: "UD-000002,P002,2019-04-15,2019-10-14,6,3360.00,",
                                                    with: "UD-000002,P002,2019-04-15,2019-10-14,6,3000.00,")
            #expect(changed != text)
            try changed.write(to: url, atomically: true, encoding: .utf8)
            return bundle
        }
        let url = dir.appendingPathComponent("export.xml")
        let text = try String(contentsOf: URL(fileURLWithPath: fixture("clean/export.xml")), encoding: .utf8)
        let changed = text.replacingOccurrences(of: #"<training provider_id="P002" start="2019-04-15" end="2019-10-14" months="6" amount="3360.00""#,
                                                with: #"<training provider_id="P002" start="2019-04-15" end="2019-10-14" months="6" amount="3000.00""#)
        #expect(changed != text)
        try changed.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("a deferred rule's finding names its record, participant and location as an immediate rule's does", arguments: ["csv", "xml"])
    func deferredFindingLocation(form: String) throws {
        let input = try lowered(form)
        let r = try run(["check", input.path, "--format", "json", "--deterministic"])
        #expect(r.status == 1)
        let all = try findings(r.stdout)
        let deferred = try #require(all.first { $0["ruleID"] as? String == "UD-CL-001" })
        let immediate = try #require(all.first { $0["ruleID"] as? String == "UD-TR-002" })
        #expect(all.count == 2)
        #expect(deferred["recordKey"] as? String == "UD-000002/training")
        #expect(deferred["participantID"] as? String == "UD-000002")
        #expect(deferred["message"] as? String == "training of participant UD-000002: 3360.00 claimed as training unit costs, the training record allows 3000.00")
        let location = try #require(deferred["location"] as? [String: Any])
        #expect(NSDictionary(dictionary: location) == NSDictionary(dictionary: try #require(immediate["location"] as? [String: Any])))
        #expect(location["field"] as? String == "amount")
        #expect(location["rawValue"] as? String == "3000.00")
        if form == "csv" {
            #expect((location["file"] as? String)?.hasSuffix("/csv/trainings.csv") == true)
            #expect(location["line"] as? Int == 3)
            #expect(location["record"] as? Int == 2)
            #expect(location["column"] as? Int == 40)
        } else {
            #expect((location["file"] as? String)?.hasSuffix("/export.xml") == true)
            #expect(location["line"] as? Int == 18)
            #expect(location["xpath"] as? String == "/operation/participants/participant[2]/training/@amount")
        }
    }
}
