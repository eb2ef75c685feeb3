import ESFCore
import ESFExpr
import ESFRules
import Foundation
import Testing

@Suite("Indicator definitions: labels in words, notes, one participant count")
struct IndicatorDefinitionTests {
    func loadPack(indicators: String) throws -> (RuleSet?, [Diagnostic]) {
        let dir = try temporaryPack(["pack.yaml": packYAML + "indicators:\n" + indicators])
        let sink = DiagnosticSink()
        let set = PackLoader.load(directories: [dir], modelDirectories: [repositoryRules + "/models"], sink: sink)
        return (set, sink.diagnostics)
    }

    @Test("built-in indicator titles show parameter values in words, never parameter names")
    func titlesInWords() throws {
        let set = try builtInPacks()
        let all = set.packs.flatMap { p in p.indicators.map { (p.id, $0) } }
        #expect(all.count >= 20)
        for (pack, i) in all {
            for title in [i.title.en, i.title.text(.sl)] {
                #expect(!title.contains("{") && !title.contains("params") && !title.contains("_"), "\(pack) \(i.id): \(title)")
            }
        }
        let ltu = try #require(set.packs.first { $0.id == "ucne-delavnice" }?.indicators.first { $0.id == "ltu_share" })
        #expect(ltu.title.en.contains("registered unemployed for at least 24 months"))
        #expect(ltu.title.text(.sl).contains("v evidenci brezposelnih najmanj 24 mes."))
        let older = try #require(set.packs.first { $0.id == "ucne-delavnice" }?.indicators.first { $0.id == "over_50_share" })
        #expect(older.title.en.hasPrefix("Older than 50 at entry"))
        #expect(older.title.text(.sl).hasPrefix("Starejši od 50 let ob vstopu"))
    }

    @Test("every built-in share says its base in its title and names the missing data for when it cannot be computed")
    func sharesStateBaseAndNote() throws {
        for pack in try builtInPacks().packs {
            for i in pack.indicators where i.unit == "share" {
                #expect(i.title.en.contains("share of"), "\(pack.id) \(i.id): \(i.title.en)")
                #expect(i.title.text(.sl).lowercased().contains("delež"), "\(pack.id) \(i.id): \(i.title.text(.sl))")
                #expect(i.unavailable?.en.isEmpty == false, "\(pack.id) \(i.id) has no note for a value it cannot compute")
            }
            // the EU share is a percentage like every other share
            if let eu = pack.indicators.first(where: { $0.id == "eu_share" }) { #expect(eu.unit == "share") }
        }
    }

    @Test("an indicator's aggregates are its own call sites, reading each participant id once; the rules' are not")
    func indicatorCallSites() throws {
        let set = try builtInPacks()
        let ruleSites = Set(set.rules.flatMap(\.usage.aggregates))
        #expect(!ruleSites.isEmpty)
        for id in ruleSites { #expect(!set.aggregates[id].firstOfKey, "\(set.aggregates[id].text)") }
        let indicatorSites = set.aggregates.filter(\.firstOfKey)
        // count_distinct(participant.id) is written by UD-IND-001 and by the indicators: two call sites
        #expect(indicatorSites.contains { $0.text == "count_distinct(participant.id)" })
        #expect(set.aggregates.contains { $0.text == "count_distinct(participant.id)" && !$0.firstOfKey })
    }

    @Test("an indicator title and note interpolate {params.NAME}; an unknown parameter or a record value is an error")
    func interpolation() throws {
        let (set, diagnostics) = try loadPack(indicators: """
          - { id: a, title: "Within {params.months} months", value: "count(participant) > 0 ? 1 / count(participant) : null", unit: share, unavailable: "no participant in {params.months} months" }

        """)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let i = try #require(set?.packs.first?.indicators.first)
        #expect(i.title.en == "Within 6 months")
        #expect(i.unavailable?.en == "no participant in 6 months")
        let (bad, errors) = try loadPack(indicators: """
          - { id: b, title: "Within {params.nope} months", value: "count(participant)" }
          - { id: c, title: "Of {id}", value: "count(participant)" }

        """)
        #expect(bad == nil)
        #expect(errors.map(\.code).sorted() == ["text.placeholder", "text.unknown_parameter"])
    }
}
