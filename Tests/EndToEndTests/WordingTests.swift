import Foundation
import Testing

@Suite("Report wording")
struct WordingTests {
    @Test("counts carry their plurals: records read per entity, examples and rules of verify")
    func plurals() throws {
        let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--width", "1000"])
        let first = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("checked ") })
        #expect(first.hasSuffix("1 operation, 6 providers, 41 participants, 40 trainings, 25 employments, 23 follow-ups, 75 expenditures"), "\(first)")
        let v = try run(["verify"])
        #expect(v.stdout.contains("of 85 rules: "), "\(v.stdout)")
        #expect(v.stdout.contains("0 rules lack examples"), "\(v.stdout)")
    }
}

@Suite("Mistyped ids")
struct NearestTests {
    @Test("rules show is case-insensitive; an unknown rule or pack id gets the nearest match")
    func nearest() throws {
        let shown = try run(["rules", "show", "ud-em-003"])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("UD-EM-003"))
        let typo = try run(["rules", "show", "UD-EM-03"])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("no rule UD-EM-03 (did you mean UD-EM-003?)"), "\(typo.stderr)")
        let pack = try run(["check", fixture("clean/export.xml"), "--pack", "ucne-delavnica"])
        #expect(pack.status == 2)
        #expect(pack.stderr.contains("unknown pack 'ucne-delavnica' (did you mean ucne-delavnice?)"), "\(pack.stderr)")
        let far = try run(["rules", "show", "XYZ"])
        #expect(far.status == 2)
        #expect(!far.stderr.contains("did you mean"))
    }
}

@Suite("Not an XML export")
struct NotXMLTests {
    // named .xlsx or .xls, a workbook is read as a workbook (WorkbookTests); under another name it is sniffed
    @Test("a CSV file or an Excel workbook given where XML is expected says what it is (exit 3)", arguments: [
        ("participants.txt", Data("id;emso;name\nP1;0101990500006;Ana\n".utf8), "this looks like a CSV file"),
        ("export.zip", Data([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]), "this is a ZIP archive (an Excel workbook"),
        ("old.dat", Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1]), "this is an Excel 97–2003 workbook"),
        ("notes.xml", Data("hello\n".utf8), "this is not an XML document"),
    ])
    func sniffed(name: String, content: Data, expected: String) throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent(name)
        try content.write(to: file)
        for json in [false, true] {
            let r = try run(["check", file.path, "--pack", "esf-2014-2020"] + (json ? ["--format", "json"] : []))
            #expect(r.status == 3)
            #expect(r.stderr.contains("\(name):1: \(expected)"), "\(r.stderr)")
            #expect(!r.stderr.contains("0101990500006") && !r.stderr.contains("Ana"))
            if json { #expect(r.stdout.contains(expected)) }
        }
    }
}

@Suite("Locations name the wrong field")
struct LocationFieldTests {
    func located(_ input: String) throws -> [String: String] {
        let r = try run(["check", fixture(input), "--format", "json"])
        var out: [String: String] = [:]
        for f in try findings(r.stdout) {
            let loc = f["location"] as? [String: Any]
            out["\(f["ruleID"]!) \(f["recordKey"]!)"] = (loc?["field"] as? String) ?? (loc?["xpath"] as? String).map { String($0.split(separator: "@").last ?? "") }
        }
        return out
    }

    @Test("the failing part's field, or the rule's field:, in both forms", arguments: ["csv", "export.xml"])
    func wrongField(form: String) throws {
        let cf = try located("scenarios/co-financing/\(form)")
        #expect(cf["ESF-CF-003 UD-2019"] == "national_contribution")
        #expect(cf["ESF-CF-004 X-000003"] == "eu")
        #expect(cf["ESF-CF-004 X-000004"] == "national")
        let el = try located("scenarios/eligibility/\(form)")
        #expect(el["ESF-EL-003 X-000036"] == "vat")
        let pd = try located("scenarios/participant-data/\(form)")
        #expect(pd["ESF-PD-004 UD-000008"] == "exit_date")
        #expect(pd["ESF-PD-004 UD-000010"] == "birth_date")
        // a part that reads no field of the record (follow_up.employed_day30 != null): the record itself
        let r = try run(["check", fixture("scenarios/follow-up/\(form)"), "--format", "json"])
        let fu = try #require(try findings(r.stdout).first { $0["ruleID"] as? String == "UD-FU-001" && $0["recordKey"] as? String == "UD-000006-E1" })
        let loc = fu["location"] as? [String: Any] ?? [:]
        #expect(loc["field"] == nil, "\(loc)")
        #expect(!((loc["xpath"] as? String) ?? "").contains("@"), "\(loc)")
        let em = try located("scenarios/employment/\(form)")
        #expect(em["UD-EM-004 UD-000013-E1"] == "monthly_subsidy")
        #expect(em["UD-EM-004 UD-000014-E1"] == "weekly_hours")
        // `extension_end ?? end`: the side that gave the value, never an absent extension_end
        #expect(em["UD-EM-007 UD-000020-E1"] == "end")  // no extension, end after the operation
        #expect(em["UD-EM-007 UD-000015-E1"] == "end")  // end missing, no extension
        #expect(em["UD-EM-007 UD-000016-E1"] == "extension_end")  // the extension ends after the operation
        // an aggregate's conditions on the record (`start <= expenditure.incurred_on`): the date, not the category
        // of the conditional; a missing participant_id fails the first part and is blamed
        #expect(em["UD-CL-003 X-000008"] == "incurred_on")
        #expect(em["UD-CL-003 X-000028"] == "incurred_on")
        #expect(em["UD-CL-003 X-000053"] == "participant_id")
        // an aggregate selected by key only (`sum(expenditure … where participant_id == participant.id)`): the record itself
        let claimed = em["UD-CL-002 UD-000007"]
        #expect(claimed == nil || claimed?.hasPrefix("/operation/") == true, "\(claimed ?? "")")
        let plus = try located("scenarios/plus-2021-2027/\(form)")
        #expect(plus["UDP-EM-007 UDP-000014-E1"] == "end")
    }

    @Test("--explain shows every part of the assertion, also after the first false one")
    func everyPart() throws {
        let r = try run(["check", fixture("scenarios/co-financing/csv"), "--format", "json"])
        let f = try #require(try findings(r.stdout).first { $0["ruleID"] as? String == "ESF-CF-004" && $0["recordKey"] as? String == "X-000003" })
        let terms = (f["explain"] as? [[String: Any]] ?? []).compactMap { $0["expression"] as? String }
        #expect(terms.contains("approx(eu, round(eligible * operation.eu_rate, 2), params.tolerance)"))
        #expect(terms.contains("approx(national + eu, eligible, params.tolerance)"), "\(terms)")
    }

    @Test("a rule's field: must be a field of its scope")
    func unknownField() throws {
        let dir = try temporaryDirectory()
        try writePack(dir.appendingPathComponent("p"), rules: "- id: MY-1\n  title: t\n  severity: error\n  scope: participant\n  assert: \"true\"\n  field: nope\n  message: m\n  legal_basis: [\"x\"]\n")
        let r = try run(["check", fixture("clean/export.xml"), "--rules", "p"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("rules.yaml:6:10: error: MY-1: field 'nope' is not a field of participant"), "\(r.stderr)")
    }
}

@Suite("Amounts in messages")
struct AmountTests {
    @Test("UD-FU-001 gives the day the follow-up was due, not the report date alone")
    func dueDate() throws {
        let r = try run(["check", fixture("scenarios/follow-up/csv"), "--format", "json"])
        let messages = try findings(r.stdout).filter { $0["ruleID"] as? String == "UD-FU-001" }.compactMap { $0["message"] as? String }
        #expect(messages.contains("employment UD-000006-E1 ended 2021-06-30; the participant's status on day 30 after it, due on 2021-07-30 (report date 2023-06-30), is not recorded"), "\(messages)")
    }

    @Test("computed amounts show their cents (740.00, 647.50), in both forms", arguments: ["csv", "export.xml"])
    func cents(form: String) throws {
        let r = try run(["check", fixture("scenarios/employment/\(form)"), "--format", "json"])
        let messages = try findings(r.stdout).filter { $0["ruleID"] as? String == "UD-EM-004" }.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.hasSuffix("and 647.50 a month") }, "\(messages)")
        #expect(messages.contains { $0.hasSuffix("and 740.00 a month") }, "\(messages)")
        #expect(!messages.contains { $0.contains(" 647.5 ") || $0.hasSuffix("and 740 a month") })
    }
}
