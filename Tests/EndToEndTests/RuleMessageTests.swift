import Foundation
import Testing

@Suite("Rule messages say what failed and why")
struct RuleMessageTests {
    func messages(_ input: String, _ rule: String) throws -> [String: String] {
        let r = try run(["check", fixture(input), "--format", "json", "--deterministic"])
        var out: [String: String] = [:]
        for f in try findings(r.stdout) where f["ruleID"] as? String == rule {
            out[f["recordKey"] as? String ?? ""] = f["message"] as? String
        }
        return out
    }

    @Test("UD-TG-003 names the declared criterion the data does not bear out", arguments: ["export.xml", "csv"])
    func criterion(form: String) throws {
        let m = try messages("scenarios/target-group/\(form)", "UD-TG-003")
        #expect(m["UD-000011"]?.hasPrefix("participant UD-000011: the declared criterion over55 does not agree with the data (declared [over55, ltu24];") == true, "\(m)")
        #expect(m["UD-000014"]?.contains("the declared criterion ltu24 does not") == true, "\(m)")
        #expect(m["UD-000015"]?.contains("the declared criterion basic_education does not") == true, "\(m)")
        #expect(m["UD-000016"]?.contains("the declared criterion first_job_6m does not") == true, "\(m)")
        // the 2021–2027 pack inherits the message
        let plus = try messages("scenarios/plus-2021-2027-rules/\(form)", "UDP-TG-003")
        #expect(plus["UDP-000012"]?.contains("the declared criterion ltu24 does not agree") == true, "\(plus)")
    }

    @Test("UD-TR-003 gives the cut-off date of the provider's registration")
    func cutOff() throws {
        let m = try messages("scenarios/training/export.xml", "UD-TR-003")
        #expect(m["UD-000002/training"]?.hasSuffix("registered at least 12 months before the training start 2019-02-28, on or before 2018-02-28") == true, "\(m)")
        let plus = try messages("scenarios/plus-2021-2027-rules/csv", "UDP-TR-003")
        #expect(plus["UDP-000013/training"]?.hasSuffix("before the training start 2026-09-01, on or before 2025-09-01") == true, "\(plus)")
    }

    @Test("UD-EM-004 names the missing disability criterion when every value shown matches, and only then")
    func disability() throws {
        let m = try messages("scenarios/employment/csv", "UD-EM-004")
        let cause = "; the reduced hours of a disabled participant need the disability criterion, which the participant does not declare"
        #expect(m["UD-000014-E1"] == "employment UD-000014-E1: 20 h/week (disabled part-time: true), monthly subsidy 370.00; expected at least 36 h (or 20 h for a disabled participant part-time) and 370.00 a month" + cause, "\(m)")
        #expect(m.count == 3)
        for (key, text) in m where key != "UD-000014-E1" { #expect(!text.contains("disability criterion"), "\(text)") }
    }
}
