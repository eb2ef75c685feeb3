import ESFCore

/// Slovenian identifiers and education bands (ESF-DOMAIN §3.4, §4.3).
public enum DomainBuiltins {
    static func call(_ fn: Builtin, _ a: [Value]) -> Value {
        switch fn {
        case .emso_valid:
            guard case .string(let s) = a[0] else { return .null }
            var allow10 = false
            if a.count > 1, case .bool(let b) = a[1] { allow10 = b }
            return .bool(emsoValid(s, checkTenValid: allow10))
        case .emso_birth_date:
            guard case .string(let s) = a[0], let d = emsoBirthDate(s) else { return .null }
            return .date(d)
        case .tax_number_valid:
            guard case .string(let s) = a[0] else { return .null }
            return .bool(taxNumberValid(s))
        case .registration_number_valid:
            guard case .string(let s) = a[0] else { return .null }
            return .bool(registrationNumberValid(s))
        case .klasius_band:
            switch a[0] {
            case .string(let s): return klasiusBand(s).map(Value.string) ?? .null
            case .int(let i): return klasiusBand(String(i)).map(Value.string) ?? .null
            default: return .null
            }
        case .isced_band:
            guard case .int(let i) = a[0] else { return .null }
            return iscedBand(Int(i)).map(Value.string) ?? .null
        default:
            return .null
        }
    }

    static func digits(_ s: String, count: Int) -> [Int]? {
        let d = s.utf8.map { Int($0) - 48 }
        guard d.count == count, d.allSatisfy({ (0...9).contains($0) }) else { return nil }
        return d
    }

    /// The birth date encoded in an EMŠO (`DDMMYYY…`, YYY < 800 → 2YYY), when it is a real date.
    public static func emsoBirthDate(_ s: String) -> CivilDate? {
        guard let d = digits(s, count: 13) else { return nil }
        let day = d[0] * 10 + d[1], month = d[2] * 10 + d[3], yyy = d[4] * 100 + d[5] * 10 + d[6]
        return CivilDate(year: yyy < 800 ? 2000 + yyy : 1000 + yyy, month: month, day: day)
    }

    /// EMŠO: 13 digits, a valid date, mod-11 check digit with weights 7 6 5 4 3 2 7 6 5 4 3 2.
    /// A check value of 10 (remainder 1) is valid, as 0, only when `checkTenValid`.
    public static func emsoValid(_ s: String, checkTenValid: Bool) -> Bool {
        guard let d = digits(s, count: 13), emsoBirthDate(s) != nil else { return false }
        let weights = [7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
        let sum = zip(d, weights).reduce(0) { $0 + $1.0 * $1.1 }
        var k = 11 - sum % 11
        if k == 11 { k = 0 }
        if k == 10 {
            guard checkTenValid else { return false }
            k = 0
        }
        return d[12] == k
    }

    /// Slovenian tax number: 8 digits (optional `SI`), first digit 1–9, mod-11 check digit.
    public static func taxNumberValid(_ s: String) -> Bool {
        let t = s.hasPrefix("SI") ? String(s.dropFirst(2)) : s
        guard let d = digits(t, count: 8), d[0] != 0 else { return false }
        let sum = (0..<7).reduce(0) { $0 + (8 - $1) * d[$1] }
        var c = 11 - sum % 11
        if c == 11 { return false }
        if c == 10 { c = 0 }
        return d[7] == c
    }

    /// Business register number: 7 (or 10) digits, check digit 7 with weights 7..2.
    public static func registrationNumberValid(_ s: String) -> Bool {
        guard let d = digits(s, count: 7) ?? digits(s, count: 10) else { return false }
        let sum = (0..<6).reduce(0) { $0 + (7 - $1) * d[$1] }
        let r = (11 - sum % 11) % 11
        if r == 0 { return false }
        return d[6] == r % 10
    }

    /// The ESF education band of a KLASIUS-SRV code: 10–12 → "0-2", 13–15 → "3-4", 16–18 → "5-8".
    public static func klasiusBand(_ code: String) -> String? {
        guard code.utf8.count == 5, let level = Int(code.prefix(2)) else { return nil }
        switch level {
        case 10...12: return "0-2"
        case 13...15: return "3-4"
        case 16...18: return "5-8"
        default: return nil
        }
    }

    /// The ESF band of an ISCED 2011 level.
    public static func iscedBand(_ level: Int) -> String? {
        switch level {
        case 0...2: return "0-2"
        case 3...4: return "3-4"
        case 5...8: return "5-8"
        default: return nil
        }
    }
}
