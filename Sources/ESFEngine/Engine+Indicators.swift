import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// Indicators: pack indicators evaluated after the stream.
extension Engine {
    /// Evaluates one indicator after the stream. Its aggregates read the first record of each record
    /// key only (`AggregateSpec.firstOfKey`). A value that cannot be computed (no data) is shown as
    /// "not computed" with a note naming the missing data.
    func indicator(_ pack: String, _ def: IndicatorDefinition) -> IndicatorValue {
        evaluator.params = def.params
        var failure: String?
        var value: Value
        do { value = try evaluator.evaluate(def.value) } catch {
            value = .null
            failure = error.message
        }
        // an indicator whose value derives from personal data (not a count) is masked like it
        if def.value.personal && !options.showPersonalData && !value.isNull { value = .string(Masking.mask(value.description)) }
        var target: Value?
        if let t = def.target { target = (try? evaluator.evaluate(t)) ?? .null }
        var met: Bool?
        if let target, !value.isNull, !target.isNull, let c = try? Evaluator.compare(value, target) { met = c >= 0 }
        let language = options.language
        let notComputed = language == .sl ? "ni izračunano" : "not computed"
        var note: String?
        if value.isNull {
            let missing = language == .sl ? "manjkajo podatki, ki jih bere" : "the data it reads are missing"
            note = "\(notComputed): \(failure ?? def.unavailable?.text(language) ?? missing)"
        }
        return IndicatorValue(pack: pack, id: def.id, title: def.title.text(language), unit: def.unit,
                              value: value.isNull ? nil : value.description,
                              display: value.isNull ? notComputed : Engine.display(value, unit: def.unit, language: language),
                              target: target.flatMap { $0.isNull ? nil : $0.description },
                              targetDisplay: target.flatMap { $0.isNull ? nil : Engine.display($0, unit: def.unit, language: language) },
                              met: met, note: note)
    }

    /// An indicator value as a person reads it: a share as a percentage with two decimals (`39.02 %`),
    /// the format rule messages use for rates (`{round(eu_rate * 100, 2)} %`).
    /// In Slovenian with the decimal comma and grouped thousands (`12,50 %`, `1.234,00 EUR`).
    static func display(_ v: Value, unit: String, language: Language = .en) -> String {
        guard let d = Evaluator.decimal(v) else { return v.isNull ? (language == .sl ? "ni izračunano" : "not computed") : v.description }
        switch unit {
        case "share": return ((try? d.multiplied(by: ExactDecimal(100))) ?? d).rounded(2).formatted(minimumScale: 2, language: language) + " %"
        case "amount": return d.rounded(2).formatted(minimumScale: 2, language: language) + " EUR"
        case "ratio": return d.rounded(4).formatted(language: language)
        default: return d.formatted(language: language)
        }
    }
}
