import ESFCore

/// Dispatches built-in scalar functions; arguments are never null here (null in → null out).
enum Builtins {
    static func call(_ fn: Builtin, _ a: [Value], regexCache: RegexCache, charge: (Int) throws(EvalError) -> Void) throws(EvalError) -> Value {
        switch fn {
        case .days, .add_months, .period_end, .months_between, .age_at, .year:
            return try DateBuiltins.call(fn, a)
        case .round, .abs, .approx, .min, .max:
            return try MoneyBuiltins.call(fn, a)
        case .len:
            if case .string(let s) = a[0] { try charge(s.utf8.count / 16); return .int(Int64(s.count)) }
            if case .list(let l) = a[0] { return .int(Int64(l.count)) }
            return .null
        case .matches, .starts_with:
            guard case .string(let s) = a[0], case .string(let p) = a[1] else { return .null }
            if fn == .starts_with {
                try charge(s.utf8.count + p.utf8.count)
                return .bool(s.hasPrefix(p))
            }
            // the pattern's length for finding or compiling it, then every matcher step
            try charge(p.utf8.count)
            let r = try regexCache.regex(p)
            return .bool(try r.matches(s, charge: charge))
        case .emso_valid, .emso_birth_date, .tax_number_valid, .registration_number_valid, .klasius_band, .isced_band:
            return DomainBuiltins.call(fn, a)
        }
    }
}

/// Civil-date functions (SPEC §4): month arithmetic clamps to the month's last day.
enum DateBuiltins {
    static func int(_ v: Value) -> Int? { if case .int(let i) = v { return Int(i) } else { return nil } }
    static func date(_ v: Value) -> CivilDate? { if case .date(let d) = v { return d } else { return nil } }

    static func call(_ fn: Builtin, _ a: [Value]) throws(EvalError) -> Value {
        func range() -> EvalError { EvalError(code: "overflow", message: "\(fn.rawValue): date out of range") }
        switch fn {
        case .days:
            guard let n = int(a[0]) else { return .null }
            return .days(Int64(n))
        case .add_months:
            guard let d = date(a[0]), let n = int(a[1]) else { return .null }
            guard n > -120_000, n < 120_000, let r = d.adding(months: n) else { throw range() }
            return .date(r)
        case .period_end:
            guard let d = date(a[0]), let n = int(a[1]) else { return .null }
            guard n > -120_000, n < 120_000, let r = d.periodEnd(months: n) else { throw range() }
            return .date(r)
        case .months_between:
            guard let x = date(a[0]), let y = date(a[1]) else { return .null }
            return .int(Int64(x.monthsUntil(y)))
        case .age_at:
            guard let x = date(a[0]), let y = date(a[1]) else { return .null }
            let m = x.monthsUntil(y)
            return .int(Int64(m >= 0 ? m / 12 : -((-m + 11) / 12)))
        case .year:
            guard let d = date(a[0]) else { return .null }
            return .int(Int64(d.components.year))
        default:
            return .null
        }
    }
}

/// Money functions: exact decimals, one rounding rule (half away from zero).
enum MoneyBuiltins {
    static func call(_ fn: Builtin, _ a: [Value]) throws(EvalError) -> Value {
        switch fn {
        case .round:
            guard let x = Evaluator.decimal(a[0]) else { return .null }
            var places = 0
            if a.count > 1 { guard case .int(let p) = a[1] else { return .null }; places = Int(p) }
            guard (0...ExactDecimal.maxScale).contains(places) else { throw EvalError(code: "range", message: "round: \(places) places is out of range 0…\(ExactDecimal.maxScale)") }
            return .decimal(x.rounded(places))
        case .abs:
            if case .int(let i) = a[0] {
                guard i != Int64.min else { throw EvalError(code: "overflow", message: "abs overflow") }
                return .int(Swift.abs(i))
            }
            guard let x = Evaluator.decimal(a[0]) else { return .null }
            return .decimal(x.magnitude)
        case .approx:
            guard let x = Evaluator.decimal(a[0]), let y = Evaluator.decimal(a[1]), let t = Evaluator.decimal(a[2]) else { return .null }
            do { return .bool(try x.subtracting(y).magnitude <= t) } catch { throw EvalError(code: "overflow", message: "approx overflow") }
        case .min, .max:
            let c = try Evaluator.compare(a[0], a[1])
            let pick = (fn == .min) == (c <= 0) ? a[0] : a[1]
            // mixed int/decimal: the result type is decimal
            if case .int(let i) = pick, Evaluator.decimal(a[0]) != nil, case .decimal = (fn == .min) == (c <= 0) ? a[1] : a[0] {
                return .decimal(ExactDecimal(Int(i)))
            }
            return pick
        default:
            return .null
        }
    }
}
