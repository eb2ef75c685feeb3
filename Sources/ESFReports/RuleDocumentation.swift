import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// The rule catalogue generated from the packs (`esfcheck rules doc`, `docs/rules.md`; in Slovenian
/// `esfcheck rules doc --lang sl`, `docs/rules.sl.md`).
public enum RuleDocumentation {
    /// Markdown for every pack of `set`: parameters, rules with their legal basis and examples, indicators,
    /// the rules' and packs' texts and the catalogue's own words in `language`.
    public static func markdown(_ set: RuleSet, language: Language = .en) -> String {
        let w = CatalogueWords(language)
        var out = "# \(w.catalogue)\n\n\(w.generated)\n"
        for pack in set.packs {
            out += "\n## \(w.pack) `\(pack.id)` \(pack.version)\(pack.provisional ? " (\(w.provisional))" : "")\n\n\(pack.title.text(language)).\n"
            if !pack.selector.isEmpty {
                out += "\n\(w.chosenFor) " + pack.selector.sorted { $0.key < $1.key }.map { "`\($0.key)` = `\($0.value)`" }.joined(separator: w.and) + ".\n"
            }
            if let from = pack.validFrom, let to = pack.validTo { out += w.valid(from.formatted(language), to.formatted(language)) + "\n" }
            out += "\n| \(w.parameterColumns) |\n|---|---|---|\n"
            for p in pack.parameters.sorted(by: { $0.name < $1.name }) { out += "| `\(p.name)` | \(p.type) | `\(p.value)` |\n" }
            out += "\n| \(w.ruleColumns) |\n|---|---|---|---|\n"
            let rules = pack.rules.sorted { $0.id < $1.id }
            for r in rules { out += "| [\(r.id)](#\(anchor(r.id))) | \(r.severity) | \(r.scopeName) | \(escape(r.title.text(language))) |\n" }
            for r in rules { out += rule(r, language: language) }
            if !pack.indicators.isEmpty {
                out += "\n### \(w.indicatorsOf) `\(pack.id)`\n\n| \(w.indicatorColumns) |\n|---|---|---|---|---|\n"
                for i in pack.indicators {
                    out += "| `\(i.id)` | \(escape(i.title.text(language))) | `\(escape(i.value.text))` | \(i.target.map { "`\(escape($0.text))`" } ?? "") | \(i.unit) |\n"
                }
            }
        }
        out += reservedFindings(language: language)
        return out
    }

    /// The reserved findings (`ESFCHECK-*`) of the catalogue, which no pack rule produces.
    public static func reservedFindings(language: Language = .en) -> String {
        let w = CatalogueWords(language)
        var out = "\n## \(w.reserved)\n\n\(w.reservedIntro)\n\n"
        out += "| \(w.reservedColumns) |\n|---|---|---|---|\n"
        for r in ReservedFinding.allCases { out += "| \(r.id) | \(escape(r.title)) | \(escape(r.meaning)) | \(escape(r.help)) |\n" }
        return out
    }

    /// The documentation of one rule (`esfcheck rules show ID`), its texts in `language`.
    public static func rule(_ r: CompiledRule, language: Language = .en) -> String {
        let w = CatalogueWords(language)
        var out = "\n### \(r.id)\n\n**\(r.title.text(language))**\n\n"
        out += "- \(w.severity): \(r.severity)\n- \(w.scope): `\(r.scopeName)`\n- \(w.packLabel): `\(r.pack)`\n"
        if let when = r.whenText { out += "- \(w.when): `\(oneLine(when))`\n" }
        out += "- \(w.assert): `\(oneLine(r.assertText))`\n- \(w.message): \(oneLine(r.message.template(language).source))\n"
        if !r.legalBasis.isEmpty { out += "- \(w.legalBasis): " + r.legalBasis(in: language).joined(separator: "; ") + "\n" }
        if let h = r.help?.text(language) { out += "- \(w.howToFix): \(h)\n" }
        let pass = r.examples.filter(\.shouldPass), fail = r.examples.filter { !$0.shouldPass }
        if !pass.isEmpty { out += "- \(w.passes): " + pass.map { "`\(render($0.data))`" }.joined(separator: ", ") + "\n" }
        if !fail.isEmpty { out += "- \(w.fails): " + fail.map { "`\(render($0.data))`" }.joined(separator: ", ") + "\n" }
        return out
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ").replacingOccurrences(of: "|", with: "\\|")
    }

    static func escape(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    static func anchor(_ id: String) -> String { id.lowercased() }

    /// Example data in YAML flow style.
    static func render(_ d: ExampleData) -> String {
        switch d {
        case .null: return "null"
        case .scalar(let s): return s
        case .list(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .map(let m, let order): return "{ " + order.map { "\($0): \(render(m[$0] ?? .null))" }.joined(separator: ", ") + " }"
        }
    }
}

/// The catalogue's own words in one language.
struct CatalogueWords {
    var catalogue = "Rule catalogue"
    var generated = "Generated from the rule packs by `esfcheck rules doc`; do not edit by hand.\nRule ids are stable: reports, waivers and baselines refer to them."
    var pack = "Pack"
    var provisional = "provisional"
    var chosenFor = "Chosen for exports with"
    var and = " and "
    var parameterColumns = "parameter | type | default"
    var ruleColumns = "id | severity | scope | title"
    var indicatorsOf = "Indicators of"
    var indicatorColumns = "id | title | value | target | unit"
    var reserved = "Reserved findings"
    var reservedIntro = "Findings of esfcheck itself, not of a pack. Those about the export are fatal, so an export with one never passes; those about a waiver file (ESFCHECK-WV-*) are warnings."
    var reservedColumns = "id | title | when | how to fix"
    var severity = "severity", scope = "scope", packLabel = "pack", when = "when", assert = "assert", message = "message"
    var legalBasis = "legal basis", howToFix = "how to fix", passes = "passes", fails = "fails"
    var valid: (String, String) -> String = { "Valid from \($0) to \($1)." }

    init(_ language: Language) {
        guard language == .sl else { return }
        catalogue = "Katalog pravil"
        generated = "Ustvarjeno iz paketov pravil z ukazom `esfcheck rules doc --lang sl`; ne urejajte ročno.\nOznake pravil so stalne: nanje se sklicujejo poročila, izjeme in izhodišča (baseline)."
        pack = "Paket"
        provisional = "začasno"
        chosenFor = "Izbran za izvoze z"
        and = " in "
        parameterColumns = "parameter | tip | privzeto"
        ruleColumns = "oznaka | resnost | obseg | naslov"
        indicatorsOf = "Kazalniki paketa"
        indicatorColumns = "oznaka | naslov | vrednost | cilj | enota"
        reserved = "Rezervirane ugotovitve"
        reservedIntro = "Ugotovitve samega orodja esfcheck, ne paketa. Tiste o izvozu so usodne (fatal), zato izvoz z njimi nikoli ne uspe; tiste o datoteki izjem (ESFCHECK-WV-*) so opozorila."
        reservedColumns = "oznaka | naslov | kdaj | kako popraviti"
        severity = "resnost"
        scope = "obseg"
        packLabel = "paket"
        when = "kdaj"
        assert = "trditev"
        message = "sporočilo"
        legalBasis = "pravna podlaga"
        howToFix = "kako popraviti"
        passes = "uspešni primeri"
        fails = "neuspešni primeri"
        valid = { "Velja od \($0) do \($1)." }
    }
}
