import ESFCore
import ESFExpr
import ESFRules
import Foundation
import Testing

/// Loads `ruleFile` beside a pack.yaml whose title is `packTitle` (YAML), with the test pack's parameters.
func loadBilingual(_ ruleFile: String, packTitle: String = "Test") throws -> (RuleSet?, [Diagnostic]) {
    let pack = packYAML.replacingOccurrences(of: "title: Test\n", with: "title: \(packTitle)\n")
    let dir = try temporaryPack(["pack.yaml": pack, "rules.yaml": ruleFile])
    let sink = DiagnosticSink()
    let set = PackLoader.load(directories: [dir], modelDirectories: [repositoryRules + "/models"], sink: sink)
    return (set, sink.diagnostics)
}

/// A rule of the test pack with the given title, message and help (YAML values).
func bilingualRule(title: String = "Training too long", message: String = "\"training {start} – {end}\"",
                   help: String? = nil) -> String {
    """
    - id: T-BI-001
      title: \(title)
      severity: error
      scope: participant.training
      assert: end <= period_end(start, params.months)
      message: \(message)
    \(help.map { "  help: \($0)\n" } ?? "")
    """
}

/// The literal words of a Slovenian text: field names and other identifiers (`eu_contribution`,
/// `follow_up.employed_day30`) and placeholders left out, lower-cased.
func slovenianWords(_ text: String) -> [String] {
    let withoutPlaceholders = text.replacingOccurrences(of: #"\{[^}]*\}"#, with: " ", options: .regularExpression)
    return withoutPlaceholders.split { !$0.isLetter && $0 != "_" && $0 != "." }
        .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
        .filter { !$0.contains("_") && !$0.contains(".") && !$0.isEmpty }
        .map { $0.lowercased() }
}

@Suite("Bilingual rule texts")
struct BilingualTextTests {
    @Test("every built-in rule, indicator and pack has an English and a Slovenian title, message and help")
    func builtInComplete() throws {
        let set = try builtInPacks()
        #expect(PackLoader.translationGaps(set) == [])
        #expect(set.rules.count > 80 && set.packs.flatMap(\.indicators).count > 20)
        for rule in set.rules {
            #expect(rule.title.en != rule.title.sl, "\(rule.id): the Slovenian title is the English one")
            #expect(rule.message.sl?.source != rule.message.en.source, "\(rule.id): the Slovenian message is the English one")
        }
    }

    @Test("the English and Slovenian messages of every built-in rule show the same values")
    func builtInPlaceholders() throws {
        let set = try builtInPacks()
        for rule in set.rules {
            let sl = try #require(rule.message.sl, "\(rule.id) has no Slovenian message")
            #expect(rule.message.en.placeholderShapes == sl.placeholderShapes, "\(rule.id): \(rule.message.en.placeholders) / \(sl.placeholders)")
            #expect(!sl.placeholders.isEmpty || rule.message.en.placeholders.isEmpty)
        }
    }

    @Test("the check of the built-in texts fails on a pack that lacks a language (a loader-level proof)")
    func gapsFound() throws {
        let (set, diagnostics) = try loadBilingual(bilingualRule(title: "Training too long",
                                                                message: "{ en: \"training {start}\" }",
                                                                help: "{ sl: \"Popravite datum\" }"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let gaps = PackLoader.translationGaps(try #require(set))
        #expect(gaps == ["pack test-pack: the title has no sl text", "T-BI-001: the title has no sl text",
                         "T-BI-001: the help has no en text", "T-BI-001: the message has no sl text"])
        let (complete, _) = try loadBilingual(bilingualRule(title: "{ en: Training too long, sl: Predolgo usposabljanje }",
                                                            message: "{ en: \"training {start}\", sl: \"usposabljanje {start}\" }"),
                                              packTitle: "{ en: Test, sl: Preizkus }")
        #expect(PackLoader.translationGaps(try #require(complete)) == [])
    }

    @Test("a plain string is English and shows in Slovenian too")
    func stringForm() throws {
        let (set, diagnostics) = try loadBilingual(bilingualRule(help: "\"Shorten it to {params.months} months\""))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let rule = try #require(set?.rules.first)
        #expect(rule.title.written == [.en] && rule.title.text(.sl) == "Training too long")
        #expect(rule.help?.text(.sl) == "Shorten it to 6 months")
        #expect(rule.message.written == [.en] && rule.message.template(.sl).source == "training {start} – {end}")
        #expect(set?.packs.first?.title.text(.sl) == "Test")
    }

    @Test("a map gives both languages; {params.NAME} is written as each language writes numbers")
    func mapForm() throws {
        let (set, diagnostics) = try loadBilingual("""
        - id: T-BI-002
          title: { en: "Within {params.tolerance}", sl: "Znotraj {params.tolerance}" }
          severity: error
          scope: operation
          assert: eu_contribution <= total_eligible
          message:
            en: "operation {id}: EU {eu_contribution} above {total_eligible}"
            sl: "operacija {id}: prispevek EU {eu_contribution} nad {total_eligible}"
          help:
            sl: "Popravite prispevek EU"
            en: "Correct the EU contribution"
        """, packTitle: "{ en: Test, sl: Preizkus }")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let rule = try #require(set?.rules.first)
        #expect(rule.title.text(.en) == "Within 0.01" && rule.title.text(.sl) == "Znotraj 0,01")
        #expect(rule.help?.text(.en) == "Correct the EU contribution" && rule.help?.text(.sl) == "Popravite prispevek EU")
        #expect(rule.message.written == [.en, .sl])
        #expect(rule.message.template(.sl).source == "operacija {id}: prispevek EU {eu_contribution} nad {total_eligible}")
        #expect(rule.slTextTemplates == ["Znotraj {params.tolerance}", "Popravite prispevek EU"])
        #expect(set?.packs.first?.title == LocalizedText(en: "Test", sl: "Preizkus"))
    }

    @Test("every built-in legal basis is written as { en: …, sl: … }; the Slovenian cites as Slovenian legal texts do")
    func builtInLegalBases() throws {
        let set = try builtInPacks()
        var count = 0
        for rule in set.rules {
            for basis in rule.legalBasis {
                // the map form everywhere, also for a line already in Slovenian (the same text twice)
                #expect(basis.written == [.en, .sl], "\(rule.id): '\(basis.en)' is not written in both languages")
                let sl = basis.text(.sl)
                for english in ["Regulation", "Reg.", "Art.", "Annex", "Programme", "programme", "provisional", "point"] {
                    #expect(!sl.contains(english), "\(rule.id): '\(english)' in '\(sl)'")
                }
                if basis.en.contains("Regulation") || basis.en.contains("Reg. ") {
                    #expect(sl.contains("Uredba (EU)") || sl.contains("Uredbi (EU)"), "\(rule.id): \(sl)")
                }
                count += 1
            }
        }
        #expect(count > 80)
        let all = Set(set.rules.flatMap(\.legalBasis))
        #expect(all.contains(LocalizedText(en: "Regulation (EU) No 1303/2013, Art. 120 (co-financing rates)",
                                           sl: "Uredba (EU) št. 1303/2013, 120. člen (stopnje sofinanciranja)")))
        #expect(all.contains(LocalizedText(en: "Regulation (EU) 2021/1060, Art. 64(1)(c)", sl: "Uredba (EU) 2021/1060, točka (c) prvega odstavka 64. člena")))
        #expect(all.contains(LocalizedText(en: "Operational programme 2014–2020, financing plan",
                                           sl: "Operativni program za izvajanje evropske kohezijske politike v obdobju 2014–2020, finančni načrt")))
        let udp = try #require(set.rules.first { $0.id == "UDP-TR-001" })
        #expect(udp.legalBasis(in: .sl) == ["Učne delavnice plus, Program evropske kohezijske politike v obdobju 2021–2027 (CCI 2021SI16FFPR001): "
                                            + "usposabljanje, ki traja 4 mes. (začasno, dokler javno povabilo ni objavljeno)"])
    }

    @Test("a legal basis takes a string (English, shown in both) or { en: …, sl: … }, {params.NAME} as each language writes it")
    func legalBasisForms() throws {
        let (set, diagnostics) = try loadBilingual("""
        - id: T-BI-003
          title: { en: Within, sl: Znotraj }
          severity: error
          scope: operation
          assert: eu_contribution <= total_eligible
          message: { en: "x", sl: "y" }
          legal_basis:
            - { en: "Regulation, tolerance {params.tolerance}", sl: "Uredba, odstopanje {params.tolerance}" }
            - "Javno povabilo"
        - id: T-BI-004
          title: Single
          severity: error
          scope: operation
          assert: true
          message: "x"
          legal_basis:
            sl: "Uredba (EU) 2021/1060, 112. člen"
            en: "Regulation (EU) 2021/1060, Art. 112"
        """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let rules = try #require(set?.rules)
        #expect(rules.count == 2)
        #expect(rules[0].legalBasis(in: .en) == ["Regulation, tolerance 0.01", "Javno povabilo"])
        #expect(rules[0].legalBasis(in: .sl) == ["Uredba, odstopanje 0,01", "Javno povabilo"])
        #expect(rules[0].legalBasis.map(\.written) == [[.en, .sl], [.en]])
        #expect(rules[0].slTextTemplates == ["Znotraj"], "a legal basis is not one of the texts checked for hard-coded parameters")
        #expect(rules[1].legalBasis == [LocalizedText(en: "Regulation (EU) 2021/1060, Art. 112", sl: "Uredba (EU) 2021/1060, 112. člen")])
        let gaps = PackLoader.translationGaps(try #require(set))
        #expect(gaps.contains("T-BI-003: legal basis 2 has no sl text") && !gaps.contains("T-BI-003: legal basis 1 has no sl text"))
    }

    @Test("a legal basis with an unknown language, a list or an unknown parameter is a positioned error",
          arguments: [
              ("[{ en: Regulation, de: Verordnung }]", "text.unknown_language", 7, 35),
              ("[[a, b]]", "text.invalid", 7, 17),
              ("[{ sl: [a] }]", "text.invalid", 7, 23),
              ("[{ en: ok, sl: \"{params.nope}\" }]", "text.unknown_parameter", 7, 32),
          ])
    func badLegalBases(basis: String, code: String, line: Int, column: Int) throws {
        let (set, diagnostics) = try loadBilingual(bilingualRule() + "  legal_basis: \(basis)\n")
        #expect(set == nil)
        #expect(diagnostics.map(\.code) == [code], "\(diagnostics)")
        #expect(diagnostics.first.map { "\($0.file.hasSuffix("rules.yaml")) \($0.line):\($0.column)" } == "true \(line):\(column)")
    }

    @Test("a text in Slovenian only shows in English too")
    func slovenianOnly() throws {
        let (set, diagnostics) = try loadBilingual(bilingualRule(title: "{ sl: Predolgo usposabljanje }",
                                                                message: "{ sl: \"usposabljanje {start} – {end}\" }"))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let rule = try #require(set?.rules.first)
        #expect(rule.title.written == [.sl] && rule.title.text(.en) == "Predolgo usposabljanje")
        #expect(rule.message.written == [.sl] && rule.message.template(.en).source == "usposabljanje {start} – {end}")
    }

    @Test("an unknown language, an empty map and a text that is not a string are positioned errors",
          arguments: [
              ("{ en: Training, de: Ausbildung }", "text.unknown_language", 2, 26),
              ("{}", "text.invalid", 2, 10),
              ("{ en: [a, b] }", "text.invalid", 2, 16),
              ("[a, b]", "text.invalid", 2, 10),
              ("{ en: ~ }", "text.invalid", 2, 16),
          ])
    func badTexts(title: String, code: String, line: Int, column: Int) throws {
        let (set, diagnostics) = try loadBilingual(bilingualRule(title: title))
        #expect(set == nil)
        #expect(diagnostics.map(\.code) == [code], "\(diagnostics)")
        #expect(diagnostics.first.map { "\($0.file.hasSuffix("rules.yaml")) \($0.line):\($0.column)" } == "true \(line):\(column)")
    }

    @Test("an unknown language in a pack's title or an indicator's note is an error too")
    func badPackTexts() throws {
        let (set, diagnostics) = try loadBilingual(bilingualRule(), packTitle: "{ en: Test, fr: Essai }")
        #expect(set == nil && diagnostics.map(\.code) == ["text.unknown_language"])
        let indicator = packYAML + "indicators:\n  - { id: n, title: { en: Count }, value: count(participant), unavailable: { xx: none } }\n"
        let dir = try temporaryPack(["pack.yaml": indicator, "rules.yaml": bilingualRule()])
        let sink = DiagnosticSink()
        #expect(PackLoader.load(directories: [dir], modelDirectories: [repositoryRules + "/models"], sink: sink) == nil)
        #expect(sink.diagnostics.map(\.code) == ["text.unknown_language"])
    }

    @Test("the Slovenian message is type-checked in the rule's scope, its errors at their position")
    func slovenianMessageChecked() throws {
        let (set, diagnostics) = try loadBilingual(bilingualRule(message: """

            en: "training {start}"
            sl: "usposabljanje {startt}"
        """))
        #expect(set == nil)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        #expect(diagnostics.first?.message.contains("startt") == true)
        #expect(diagnostics.first.map { "\($0.line):\($0.column)" } == "8:25")
    }

    @Test("the two messages of a rule must show the same values (in any order; a string literal's words aside)")
    func samePlaceholders() throws {
        let (_, different) = try loadBilingual(bilingualRule(message: "{ en: \"training {start} – {end}\", sl: \"usposabljanje {start}\" }"))
        #expect(different.map(\.code) == ["message.placeholders"])
        #expect(different.first?.message == "T-BI-001: the en and sl messages must show the same values (en: {start}, {end}; sl: {start})")
        #expect(different.first.map { "\($0.line):\($0.column)" } == "6:12")
        let (reordered, none) = try loadBilingual(bilingualRule(message: """
        { en: "training {start} – {end}{end > start ? \\" (late)\\" : \\"\\"}", sl: "usposabljanje do {end} od {start}{end > start ? \\" (prepozno)\\" : \\"\\"}" }
        """))
        #expect(none.isEmpty, "\(none)")
        #expect(reordered?.rules.first?.message.sl?.placeholders.count == 3)
    }

    @Test("no Slovenian title, message, help or legal basis of a built-in rule, indicator or pack has English words left")
    func noEnglishLeft() throws {
        let english: Set<String> = ["of", "the", "and", "must", "is", "not", "training", "employment", "amount", "participant",
                                    "participants", "expenditure", "subsidy", "subsidised", "provider", "employer", "eligible",
                                    "claimed", "months", "month", "operation", "share", "missing", "record", "at", "least",
                                    "regulation", "art", "annex", "programme", "decision", "support", "management",
                                    "verifications", "provisional", "until", "call", "published", "point", "structure",
                                    "data", "unit", "costs", "financing", "rates", "delivered", "per", "for", "after"]
        let set = try builtInPacks()
        var texts: [(String, String)] = []
        for pack in set.packs {
            texts.append(("pack \(pack.id)", pack.title.text(.sl)))
            for i in pack.indicators { texts += [("\(i.id)", i.title.text(.sl)), ("\(i.id)", i.unavailable?.text(.sl) ?? "")] }
        }
        for rule in set.rules {
            texts += [(rule.id, rule.title.text(.sl)), (rule.id, rule.help?.text(.sl) ?? "")]
            texts += rule.legalBasis(in: .sl).map { (rule.id, $0) }
            for case .text(let t) in rule.message.template(.sl).parts { texts.append((rule.id, t)) }
        }
        for (what, text) in texts {
            let left = slovenianWords(text).filter(english.contains)
            #expect(left.isEmpty, "\(what): English words \(left) in '\(text)'")
            #expect(!text.contains(" of participant"), "\(what): \(text)")
        }
        #expect(texts.count > 400)
        #expect(slovenianWords("Popravite eu_contribution in follow_up.employed_day30 {participant}") == ["popravite", "in"])
    }

    @Test("no Slovenian title, help or message of a built-in rule hard-codes a number that is one of its pack's parameters")
    func slovenianNoHardCodedParameter() throws {
        let set = try builtInPacks()
        for pack in set.packs {
            let values = pack.parameters.compactMap { p in numericValue(p.value).map { (p.name, $0) } }
            for rule in pack.rules {
                var texts = rule.slTextTemplates
                for case .text(let t) in rule.message.template(.sl).parts { texts.append(t) }
                for text in texts {
                    let stripped = text.replacingOccurrences(of: #"\{[^}]*\}"#, with: " ", options: .regularExpression)
                    for number in numberTokens(stripped) {
                        for (name, value) in values where number == value {
                            Issue.record("\(rule.id): '\(text)' hard-codes \(number), the value of parameter \(name): write {params.\(name)}")
                        }
                    }
                }
            }
        }
    }

    @Test("the Slovenian texts of Učne delavnice plus take their durations from its parameters, in Slovenian notation")
    func slovenianParameters() throws {
        let set = try builtInPacks()
        let rule = { (id: String) in try #require(set.rules.first { $0.id == id }) }
        #expect(try rule("UDP-TR-001").title.text(.sl) == "Usposabljanje traja največ 4 mes.")
        #expect(try rule("UD-TR-001").title.text(.sl) == "Usposabljanje traja največ 6 mes.")
        #expect(try rule("UD-EM-004").help?.text(.sl).hasPrefix("Izplačajte 740,00 × ure / 40 na mesec") == true)
        #expect(try rule("UD-EM-004").help?.text(.en).hasPrefix("Pay 740.00 × hours / 40 a month") == true)
    }
}
