import Foundation
import Testing

@Suite("Rule texts end to end: parameters in help, 2021–2027 legal bases")
struct RuleTextEndToEndTests {
    @Test("an override of subsidy_full_time_monthly in esfcheck.yaml changes the help the report shows")
    func helpFollowsParameterOverride() throws {
        let dir = try temporaryDirectory()
        try """
        parameters:
          ucne-delavnice:
            subsidy_full_time_monthly: 800
        """.write(to: dir.appendingPathComponent("esfcheck.yaml"), atomically: true, encoding: .utf8)
        let json = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--deterministic"], in: dir)
        let found = try findings(json.stdout).filter { $0["ruleID"] as? String == "UD-EM-004" }
        // every employment paid 740.00 a month now misses the 800.00 of the override
        #expect(found.count > 5)
        for f in found {
            let help = try #require(f["help"] as? String)
            #expect(help.hasPrefix("Pay 800.00 × hours / 40 a month"), "\(help)")
            #expect(!help.contains("740"))
        }
        let text = try run(["check", fixture("ucne-delavnice/export.xml"), "--deterministic"], in: dir)
        #expect(text.stdout.contains("how to fix: Pay 800.00 × hours / 40 a month"))
        #expect(!text.stdout.contains("Pay 740"))
        // without the override, the shipped value: the sample's employments pass
        let plain = try run(["check", fixture("ucne-delavnice/export.xml"), "--no-config", "--deterministic", "--format", "json"], in: dir)
        #expect(try findings(plain.stdout).filter { $0["ruleID"] as? String == "UD-EM-004" }.isEmpty)
    }

    @Test("the 2021–2027 findings cite Regulation (EU) 2021/1060 or 2021/1057 or the 2021–2027 programme, not 1303/2013")
    func legalBasis2021InReport() throws {
        let r = try run(["check", fixture("scenarios/plus-2021-2027/export.xml"), "--format", "json", "--deterministic", "--no-config"])
        let found = try findings(r.stdout).filter { ($0["ruleID"] as? String).map { $0.hasPrefix("ESF21-") || $0.hasPrefix("UDP-") } ?? false }
        #expect(found.count >= 5)
        for f in found {
            let basis = (f["legalBasis"] as? [String] ?? []).joined(separator: "; ")
            #expect(basis.contains("2021/1060") || basis.contains("2021/1057") || basis.contains("2021–2027"), "\(f["ruleID"] ?? ""): \(basis)")
            #expect(!basis.contains("1303/2013") && !basis.contains("1304/2013") && !basis.contains("2014–2020"), "\(f["ruleID"] ?? ""): \(basis)")
        }
        // Učne delavnice plus: durations from its parameters (4-month training, 12-month subsidy)
        let tr = try #require(found.first { $0["ruleID"] as? String == "UDP-TR-001" })
        #expect(tr["title"] as? String == "The training lasts at most 4 months")
        #expect((tr["legalBasis"] as? [String])?.joined().contains("training of 4 months") == true)
        let em = try #require(found.first { $0["ruleID"] as? String == "UDP-EM-002" })
        #expect(em["title"] as? String == "The subsidised period is exactly 12 months")
        #expect((em["help"] as? String)?.contains("the same date 12 months later") == true)
    }

    @Test("rules show prints the texts with the pack's parameter values")
    func rulesShow() throws {
        let r = try run(["rules", "show", "UDP-EM-002"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("The subsidised period is exactly 12 months"))
        #expect(r.stdout.contains("Regulation") || r.stdout.contains("2021–2027"))
        #expect(!r.stdout.contains("6 mesecev"))
        let ud = try run(["rules", "show", "UD-EM-004"])
        #expect(ud.stdout.contains("Pay 740.00 × hours / 40 a month"))
        #expect(!ud.stdout.contains("Pay {params."))
    }
}
