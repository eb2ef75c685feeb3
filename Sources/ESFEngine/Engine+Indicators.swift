import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// Indicators: pack indicators evaluated after the stream.
extension Engine {
    /// Evaluates one indicator after the stream; a value that cannot be computed (no data) is shown as n/a.
    func indicator(_ pack: String, _ def: IndicatorDefinition) -> IndicatorValue {
        evaluator.params = def.params
        var value = (try? evaluator.evaluate(def.value)) ?? .null
        // an indicator whose value derives from personal data (not a count) is masked like it
        if def.value.personal && !options.showPersonalData && !value.isNull { value = .string(Masking.mask(value.description)) }
        var target: Value?
        if let t = def.target { target = (try? evaluator.evaluate(t)) ?? .null }
        var met: Bool?
        if let target, !value.isNull, !target.isNull, let c = try? Evaluator.compare(value, target) { met = c >= 0 }
        return IndicatorValue(pack: pack, id: def.id, title: def.title, unit: def.unit,
                              value: value.isNull ? nil : value.description, display: Engine.display(value, unit: def.unit),
                              target: target.flatMap { $0.isNull ? nil : $0.description },
                              targetDisplay: target.flatMap { $0.isNull ? nil : Engine.display($0, unit: def.unit) }, met: met)
    }

    /// An indicator value as a person reads it.
    static func display(_ v: Value, unit: String) -> String {
        guard let d = Evaluator.decimal(v) else { return v.isNull ? "n/a" : v.description }
        switch unit {
        case "share": return ((try? d.multiplied(by: ExactDecimal(100))) ?? d).rounded(1).formatted(minimumScale: 1) + " %"
        case "amount": return d.rounded(2).formatted(minimumScale: 2) + " EUR"
        case "ratio": return d.rounded(4).formatted()
        default: return d.formatted()
        }
    }
}
