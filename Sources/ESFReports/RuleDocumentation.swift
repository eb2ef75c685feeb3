import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// The rule catalogue generated from the packs (`esfcheck rules doc`, `docs/rules.md`).
public enum RuleDocumentation {
    /// Markdown for every pack of `set`: parameters, rules with their legal basis and examples, indicators.
    public static func markdown(_ set: RuleSet) -> String {
        var out = "# Rule catalogue\n\nGenerated from the rule packs by `esfcheck rules doc`; do not edit by hand.\n"
        out += "Rule ids are stable: reports, waivers and baselines refer to them.\n"
        for pack in set.packs {
            out += "\n## Pack `\(pack.id)` \(pack.version)\(pack.provisional ? " (provisional)" : "")\n\n\(pack.title).\n"
            if !pack.selector.isEmpty {
                out += "\nChosen for exports with " + pack.selector.sorted { $0.key < $1.key }.map { "`\($0.key)` = `\($0.value)`" }.joined(separator: " and ") + ".\n"
            }
            if let from = pack.validFrom, let to = pack.validTo { out += "Valid from \(from) to \(to).\n" }
            out += "\n| parameter | type | default |\n|---|---|---|\n"
            for p in pack.parameters.sorted(by: { $0.name < $1.name }) { out += "| `\(p.name)` | \(p.type) | `\(p.value)` |\n" }
            out += "\n| id | severity | scope | title |\n|---|---|---|---|\n"
            let rules = pack.rules.sorted { $0.id < $1.id }
            for r in rules { out += "| [\(r.id)](#\(anchor(r.id))) | \(r.severity) | \(r.scopeName) | \(escape(r.title)) |\n" }
            for r in rules { out += rule(r) }
            if !pack.indicators.isEmpty {
                out += "\n### Indicators of `\(pack.id)`\n\n| id | title | value | target | unit |\n|---|---|---|---|---|\n"
                for i in pack.indicators {
                    out += "| `\(i.id)` | \(escape(i.title)) | `\(escape(i.value.text))` | \(i.target.map { "`\(escape($0.text))`" } ?? "") | \(i.unit) |\n"
                }
            }
        }
        out += reservedFindings()
        return out
    }

    /// The reserved findings (`ESFCHECK-*`) of the catalogue, which no pack rule produces.
    public static func reservedFindings() -> String {
        var out = "\n## Reserved findings\n\nFindings of esfcheck itself, not of a pack. Those about the export are fatal, so an export with one never passes; those about a waiver file (ESFCHECK-WV-*) are warnings.\n\n"
        out += "| id | title | when | how to fix |\n|---|---|---|---|\n"
        for r in ReservedFinding.allCases { out += "| \(r.id) | \(escape(r.title)) | \(escape(r.meaning)) | \(escape(r.help)) |\n" }
        return out
    }

    /// The documentation of one rule (`esfcheck rules show ID`).
    public static func rule(_ r: CompiledRule) -> String {
        var out = "\n### \(r.id)\n\n**\(r.title)**\n\n"
        out += "- severity: \(r.severity)\n- scope: `\(r.scopeName)`\n- pack: `\(r.pack)`\n"
        if let w = r.whenText { out += "- when: `\(oneLine(w))`\n" }
        out += "- assert: `\(oneLine(r.assertText))`\n- message: \(oneLine(r.message.source))\n"
        if !r.legalBasis.isEmpty { out += "- legal basis: " + r.legalBasis.joined(separator: "; ") + "\n" }
        if let h = r.help { out += "- how to fix: \(h)\n" }
        let pass = r.examples.filter(\.shouldPass), fail = r.examples.filter { !$0.shouldPass }
        if !pass.isEmpty { out += "- passes: " + pass.map { "`\(render($0.data))`" }.joined(separator: ", ") + "\n" }
        if !fail.isEmpty { out += "- fails: " + fail.map { "`\(render($0.data))`" }.joined(separator: ", ") + "\n" }
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
