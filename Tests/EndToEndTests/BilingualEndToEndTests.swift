import Foundation
import Testing

/// The environment of a run whose locale is `lang` (LC_ALL and LC_MESSAGES empty, so LANG decides).
func locale(_ lang: String) -> [String: String] { ["LC_ALL": "", "LC_MESSAGES": "", "LANG": lang] }

/// The JSON report of the sample in `arguments`' language, as an object.
func sampleReport(_ arguments: [String], environment: [String: String] = locale("C")) throws -> [String: Any] {
    let r = try run(["check", fixture("ucne-delavnice/export.xml"), "--format", "json", "--deterministic"] + arguments, environment: environment)
    #expect(r.status == 1, "\(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
}

func reportFindings(_ report: [String: Any]) throws -> [[String: Any]] { try #require(report["findings"] as? [[String: Any]]) }

func message(_ report: [String: Any], _ rule: String) throws -> String {
    try #require(try reportFindings(report).first { $0["ruleID"] as? String == rule }?["message"] as? String)
}

func matches(_ text: String, _ pattern: String) -> Bool { text.range(of: pattern, options: .regularExpression) != nil }

@Suite("Rule texts in Slovenian and English, end to end")
struct BilingualEndToEndTests {
    @Test("check --lang sl gives Slovenian titles, messages and help with Slovenian amounts and dates, the same findings")
    func slovenianReport() throws {
        let sl = try sampleReport(["--lang", "sl"])
        let en = try sampleReport([])
        #expect(sl["language"] as? String == "sl" && en["language"] as? String == "en")
        let key = { (f: [String: Any]) in "\(f["ruleID"]!)|\(f["recordKey"]!)|\(f["fingerprint"]!)|\(f["severity"]!)" }
        #expect(try reportFindings(sl).map(key) == reportFindings(en).map(key))
        #expect(try message(sl, "ESF-CF-001") == "operacija UD-2019: prispevek EU 311.811,52 se od 311.811,50 (skupni upravičeni stroški 389.764,37 × 80,00 %, zaokroženo na cent) razlikuje za več kot 0,01")
        #expect(try message(en, "ESF-CF-001") == "operation UD-2019: EU contribution 311811.52 differs from round(389764.37 × 80.00 %, 2) = 311811.50 by more than 0.01")
        #expect(try message(sl, "ESF-EL-001") == "izdatek X-000001: nastal 30. 12. 2013, plačan 10. 1. 2014; oba datuma morata biti v obdobju 1. 1. 2014 – 31. 12. 2023")
        // personal data stay masked
        #expect(try message(sl, "ESF-PD-002").contains("EMŠO 2810******229 ni veljaven EMŠO za datum rojstva 28. 10. 1970"))
        var amounts = 0, dates = 0
        for f in try reportFindings(sl) {
            let m = try #require(f["message"] as? String)
            #expect(!matches(m, #"\b\d{4}-\d{2}-\d{2}\b"#), "an ISO date in \(m)")
            #expect(!matches(m, #"\b\d+\.\d{2}\b"#), "an English amount in \(m)")
            if matches(m, #"\d{1,3}(\.\d{3})*,\d{2}\b"#) { amounts += 1 }
            if matches(m, #"\b\d{1,2}\. \d{1,2}\. \d{4}\b"#) { dates += 1 }
            for field in ["title", "help"] {
                let text = try #require(f[field] as? String)
                for word in [" the ", " of ", " must ", "training", "employment", "amount", "participant "] {
                    #expect(!text.contains(word), "\(f["ruleID"]!) \(field): '\(word)' in \(text)")
                }
            }
            for word in [" the ", " of participant", " must ", "training ", "employment ", "amount"] {
                #expect(!m.contains(word), "\(f["ruleID"]!): '\(word)' in \(m)")
            }
        }
        #expect(amounts >= 3 && dates >= 4)
        let titles = try reportFindings(sl).compactMap { $0["title"] as? String }
        #expect(titles.contains("Prispevek EU je stopnja operacije, uporabljena na skupnih upravičenih stroških"))
        let packs = try #require(sl["packs"] as? [[String: Any]])
        #expect(packs.compactMap { $0["title"] as? String } == ["Splošna pravila ESS, Operativni program 2014–2020", "ZRSZ Učne delavnice (OP 2014–2020, prednostna os 9)"])
        // explanations keep their structure, values in Slovenian notation
        let explain = try #require(try reportFindings(sl).first { $0["ruleID"] as? String == "ESF-CF-001" }?["explain"] as? [[String: String]])
        #expect(explain.first == ["expression": "eu_contribution", "value": "311.811,52"])
    }

    @Test("indicators show Slovenian titles and numbers with --lang sl")
    func slovenianIndicators() throws {
        let sl = try sampleReport(["--lang", "sl"])
        let inputs = try #require(sl["inputs"] as? [[String: Any]])
        let indicators = try #require(inputs.first?["indicators"] as? [[String: Any]])
        let eligible = try #require(indicators.first { $0["id"] as? String == "eligible_claimed" })
        #expect(eligible["title"] as? String == "Uveljavljeni upravičeni stroški")
        #expect(eligible["display"] as? String == "375.340,64 EUR")
        #expect(eligible["value"] as? String == "375340.64", "the machine-readable value stays plain")
        let share = try #require(indicators.first { $0["id"] as? String == "eu_share" })
        #expect(share["display"] as? String == "80,00 %")
    }

    @Test("a missing value is (manjka) in Slovenian, (missing) in English")
    func missingWord() throws {
        let input = fixture("scenarios/participant-data/export.xml")
        let sl = try run(["check", input, "--format", "json", "--lang", "sl"])
        let en = try run(["check", input, "--format", "json", "--lang", "en"])
        let slMessages = try findings(sl.stdout).compactMap { $0["message"] as? String }
        let enMessages = try findings(en.stdout).compactMap { $0["message"] as? String }
        #expect(slMessages.contains { $0.hasPrefix("udeležencu UD-000013 manjkajo podatki za kazalnike (spol (manjka),") })
        #expect(enMessages.contains { $0.hasPrefix("participant UD-000013 lacks data for the indicators (gender (missing),") })
        #expect(!slMessages.contains { $0.contains("(missing)") })
    }

    @Test("LANG=sl_SI.UTF-8 picks Slovenian, --lang en overrides it; without either the report is English")
    func languageFromLocale() throws {
        let explicit = try sampleReport(["--lang", "sl"])
        let fromLocale = try sampleReport([], environment: locale("sl_SI.UTF-8"))
        #expect(try message(fromLocale, "ESF-CF-003") == message(explicit, "ESF-CF-003"))
        #expect(try message(fromLocale, "ESF-CF-003").hasPrefix("operacija UD-2019: EU 311.811,52 + nacionalni 77.952,87"))
        let overridden = try sampleReport(["--lang", "en"], environment: locale("sl_SI.UTF-8"))
        #expect(try message(overridden, "ESF-CF-003") == "operation UD-2019: EU 311811.52 + national 77952.87 = 389764.39, the eligible total is 389764.37")
        let english = try sampleReport([], environment: locale("de_DE.UTF-8"))
        #expect(try message(english, "ESF-CF-003") == message(overridden, "ESF-CF-003"))
    }

    @Test("the English text report is unchanged by the Slovenian texts; the Slovenian one shows them")
    func textReports() throws {
        // the English report's bytes are those of the goldens (GoldenReportTests); here its words
        let en = try run(["check", fixture("ucne-delavnice/export.xml"), "--width", "200"], environment: locale("C"))
        #expect(en.stdout.contains("ESF-CF-001 (1 finding): The EU contribution is the operation's rate applied to its eligible total\n"))
        #expect(en.stdout.contains("375340.64 EUR  Eligible expenditure claimed"))
        let sl = try run(["check", fixture("ucne-delavnice/export.xml"), "--lang", "sl", "--width", "200"])
        #expect(sl.stdout.contains("Prispevek EU je stopnja operacije, uporabljena na skupnih upravičenih stroških"))
        #expect(sl.stdout.contains("375.340,64 EUR  Uveljavljeni upravičeni stroški"))
        #expect(!sl.stdout.contains("The EU contribution is the operation's rate"))
    }

    @Test("check --lang sl cites the legal bases in Slovenian in every format; English keeps the English citations")
    func slovenianLegalBases() throws {
        let args = ["check", fixture("scenarios/plus-2021-2027/export.xml"), "--deterministic", "--no-config"]
        let sl = try run(args + ["--lang", "sl", "--format", "json"])
        let en = try run(args + ["--lang", "en", "--format", "json"])
        let basis = { (json: String) in try findings(json).flatMap { $0["legalBasis"] as? [String] ?? [] } }
        let slBases = try basis(sl.stdout), enBases = try basis(en.stdout)
        #expect(slBases.count == enBases.count && slBases.count > 5)
        #expect(slBases.contains { $0.contains("Program evropske kohezijske politike v obdobju 2021–2027") })
        #expect(enBases.contains { $0.contains("Programme for the Implementation of the EU Cohesion Policy 2021–2027") })
        for b in slBases {
            #expect(!b.contains("Regulation") && !b.contains("Art.") && !b.contains("provisional") && !b.contains("Programme"), "\(b)")
        }
        let text = try run(args + ["--lang", "sl", "--width", "300"])
        #expect(text.stdout.contains("pravna podlaga: Učne delavnice plus, Program evropske kohezijske politike v obdobju 2021–2027 (CCI 2021SI16FFPR001): usposabljanje, ki traja 4 mes. (začasno, dokler javno povabilo ni objavljeno)"))
        let sarif = try run(args + ["--lang", "sl", "--format", "sarif"])
        #expect(sarif.stdout.contains("začasno, dokler javno povabilo ni objavljeno") && !sarif.stdout.contains("provisional until a call is published"))
        let show = try run(["rules", "show", "ESF-CF-001", "--lang", "sl"])
        #expect(show.stdout.contains("- pravna podlaga: Uredba (EU) št. 1303/2013, 120. člen (stopnje sofinanciranja); Operativni program za izvajanje evropske kohezijske politike v obdobju 2014–2020, finančni načrt"))
        let showEnglish = try run(["rules", "show", "ESF-CF-001", "--lang", "en"])
        #expect(showEnglish.stdout.contains("- legal basis: Regulation (EU) No 1303/2013, Art. 120 (co-financing rates); Operational programme 2014–2020, financing plan"))
    }

    @Test("rules doc, list and show take --lang; rules doc --lang sl is docs/rules.sl.md")
    func rulesCommands() throws {
        let doc = try run(["rules", "doc", "--lang", "sl"])
        #expect(doc.status == 0, "\(doc.stderr)")
        #expect(doc.stdout == (try String(contentsOfFile: packageRoot.appendingPathComponent("docs/rules.sl.md").path, encoding: .utf8)))
        let english = try run(["rules", "doc"], environment: locale("C"))
        #expect(english.stdout == (try String(contentsOfFile: packageRoot.appendingPathComponent("docs/rules.md").path, encoding: .utf8)))
        let list = try run(["rules", "list", "--pack", "ucne-delavnice", "--lang", "sl"])
        #expect(list.stdout.contains("ucne-delavnice 0.1.0 — ZRSZ Učne delavnice (OP 2014–2020, prednostna os 9)"))
        #expect(list.stdout.contains("Usposabljanje traja največ 6 mes."))
        let show = try run(["rules", "show", "UDP-TR-001", "--pack", "ucne-delavnice-plus", "--lang", "sl"])
        #expect(show.stdout.contains("**Usposabljanje traja največ 4 mes.**"))
        #expect(show.stdout.contains("- sporočilo: usposabljanje udeleženca {participant_id}: {start} – {end} (mesecev: {months})"))
        #expect(show.stdout.contains("- kako popraviti: Popravite datum konca (največ dan pred istim datumom čez 4 mes.) ali število mesecev"))
        let showEnglish = try run(["rules", "show", "UDP-TR-001", "--pack", "ucne-delavnice-plus"], environment: locale("C"))
        #expect(showEnglish.stdout.contains("**The training lasts at most 4 months**"))
    }
}
