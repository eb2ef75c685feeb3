/// An exact base-10 number: `units × 10^-scale`, with a 128-bit integer mantissa.
///
/// Money and rates are never binary floating point. Addition, subtraction and
/// multiplication are exact; division keeps `ExactDecimal.divisionScale`
/// fractional digits (rounded half away from zero), and only `rounded(_:)`
/// rounds otherwise. Overflow is reported, never wrapped.
public struct ExactDecimal: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The mantissa.
    public let units: Int128
    /// The number of fractional digits (0...maxScale).
    public let scale: Int

    /// The largest scale kept; products beyond it are rounded half away from zero.
    public static let maxScale = 24
    /// Fractional digits kept by division (SPEC §4: at least 12).
    public static let divisionScale = 16

    /// Errors of decimal arithmetic.
    public enum ArithmeticError: Error, Sendable, Equatable {
        case overflow
        case divisionByZero
    }

    /// Creates a decimal from its mantissa and scale.
    public init(units: Int128, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// Creates a decimal from an integer.
    public init(_ value: Int) {
        self.units = Int128(value)
        self.scale = 0
    }

    /// Parses `-?digits(.digits)?` exactly; returns nil for anything else.
    public init?(parsing text: Substring) {
        self.init(utf8: Array(text.utf8)[...])
    }

    /// Parses `-?digits(.digits)?` from UTF-8 bytes; nil for anything else.
    public init?(utf8 bytes: ArraySlice<UInt8>) {
        guard let parsed = bytes.withUnsafeBufferPointer({ ExactDecimal(utf8: $0) }) else { return nil }
        self = parsed
    }

    /// Parses `-?digits(.digits)?` from UTF-8 bytes in place (a reader's buffer); nil for anything else.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var i = bytes.startIndex
        var negative = false
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var units: Int128 = 0
        var scale = 0
        var digits = 0
        var seenPoint = false
        var fractionDigits = 0
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else if b >= 48 && b <= 57 {
                let (m, o1) = units.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int128(b - 48))
                if o1 || o2 { return nil }
                units = a
                digits += 1
                if seenPoint { fractionDigits += 1 }
            } else {
                return nil
            }
            i += 1
        }
        if digits == 0 || (seenPoint && fractionDigits == 0) || fractionDigits > Self.maxScale { return nil }
        if seenPoint && digits == fractionDigits { return nil }  // ".5" is not accepted
        scale = fractionDigits
        self.units = negative ? -units : units
        self.scale = scale
    }

    private static func pow10(_ n: Int) -> Int128 {
        var r: Int128 = 1
        for _ in 0..<n { r *= 10 }
        return r
    }

    /// 10^n, reporting overflow instead of trapping (Int128 holds up to 10^38).
    private static func checkedPow10(_ n: Int) throws(ArithmeticError) -> Int128 {
        guard n <= 38 else { throw .overflow }
        return pow10(n)
    }

    /// Rescales to a larger scale exactly.
    private func widened(to newScale: Int) throws(ArithmeticError) -> Int128 {
        if newScale == scale { return units }
        let (r, o) = try units.multipliedReportingOverflow(by: Self.checkedPow10(newScale - scale))
        if o { throw .overflow }
        return r
    }

    /// Sum.
    public func adding(_ other: ExactDecimal) throws(ArithmeticError) -> ExactDecimal {
        let s = Swift.max(scale, other.scale)
        let (r, o) = try widened(to: s).addingReportingOverflow(other.widened(to: s))
        if o { throw .overflow }
        return ExactDecimal(units: r, scale: s)
    }

    /// Difference.
    public func subtracting(_ other: ExactDecimal) throws(ArithmeticError) -> ExactDecimal {
        try adding(other.negated())
    }

    /// Negation.
    public func negated() -> ExactDecimal { ExactDecimal(units: -units, scale: scale) }

    /// Absolute value.
    public var magnitude: ExactDecimal { units < 0 ? negated() : self }

    /// Product (exact up to `maxScale` fractional digits).
    public func multiplied(by other: ExactDecimal) throws(ArithmeticError) -> ExactDecimal {
        let (r, o) = units.multipliedReportingOverflow(by: other.units)
        if o { throw .overflow }
        let product = ExactDecimal(units: r, scale: scale + other.scale)
        return product.scale > Self.maxScale ? product.rounded(Self.maxScale) : product
    }

    /// Quotient with `divisionScale` fractional digits, rounded half away from zero.
    public func divided(by other: ExactDecimal) throws(ArithmeticError) -> ExactDecimal {
        if other.units == 0 { throw .divisionByZero }
        if units == 0 { return ExactDecimal(0) }
        // self/other = (u1/10^s1)/(u2/10^s2); want q with scale d:
        // q = u1 * 10^(d + s2 - s1) / u2
        let d = Self.divisionScale
        let shift = d + other.scale - scale
        var numerator = units
        var denominator = other.units
        if shift >= 0 {
            let (n, o) = try numerator.multipliedReportingOverflow(by: Self.checkedPow10(shift))
            if o { throw .overflow }
            numerator = n
        } else {
            let (n, o) = try denominator.multipliedReportingOverflow(by: Self.checkedPow10(-shift))
            if o { throw .overflow }
            denominator = n
        }
        var (q, r) = numerator.quotientAndRemainder(dividingBy: denominator)
        // half away from zero: |2r| >= |denominator|
        let twiceR = r.magnitude * 2
        if twiceR >= denominator.magnitude {
            q += ((numerator < 0) != (denominator < 0)) ? -1 : 1
        }
        r = 0
        return ExactDecimal(units: q, scale: d).normalized()
    }

    /// Rounds to `places` fractional digits, half away from zero (the one rounding rule).
    public func rounded(_ places: Int) -> ExactDecimal {
        let places = Swift.max(0, places)
        if places >= scale { return self }
        let divisor = Self.pow10(scale - places)
        var (q, r) = units.quotientAndRemainder(dividingBy: divisor)
        if r.magnitude * 2 >= divisor.magnitude {
            q += units < 0 ? -1 : 1
        }
        return ExactDecimal(units: q, scale: places)
    }

    /// Rounds toward negative infinity to an integer.
    public func floor() -> Int128 {
        let divisor = Self.pow10(scale)
        let (q, r) = units.quotientAndRemainder(dividingBy: divisor)
        return (r < 0) ? q - 1 : q
    }

    /// Drops trailing fractional zeros.
    public func normalized() -> ExactDecimal {
        var u = units
        var s = scale
        while s > 0 && u % 10 == 0 {
            u /= 10
            s -= 1
        }
        return ExactDecimal(units: u, scale: s)
    }

    public static func == (a: ExactDecimal, b: ExactDecimal) -> Bool { compare(a, b) == 0 }
    public static func < (a: ExactDecimal, b: ExactDecimal) -> Bool { compare(a, b) < 0 }

    public func hash(into hasher: inout Hasher) {
        let n = normalized()
        hasher.combine(n.units)
        hasher.combine(n.scale)
    }

    private static func compare(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
        if a.scale == b.scale { return a.units == b.units ? 0 : (a.units < b.units ? -1 : 1) }
        let s = Swift.max(a.scale, b.scale)
        if let x = try? a.widened(to: s), let y = try? b.widened(to: s) { return x == y ? 0 : (x < y ? -1 : 1) }
        // Widening overflowed (a huge value): compare the integer parts (truncated toward zero, which
        // keeps the order), then the fractions, which always widen (below 10^maxScale in magnitude).
        let (qa, ra) = a.units.quotientAndRemainder(dividingBy: pow10(a.scale))
        let (qb, rb) = b.units.quotientAndRemainder(dividingBy: pow10(b.scale))
        if qa != qb { return qa < qb ? -1 : 1 }
        let fa = ra * pow10(s - a.scale), fb = rb * pow10(s - b.scale)
        return fa == fb ? 0 : (fa < fb ? -1 : 1)
    }

    /// Plain notation with at least `minimumScale` fractional digits (no exponent, no grouping).
    public func formatted(minimumScale: Int = 0) -> String {
        var value = self
        if value.scale < minimumScale, let u = try? value.widened(to: minimumScale) {
            value = ExactDecimal(units: u, scale: minimumScale)
        }
        let negative = value.units < 0
        var digits = String(value.units.magnitude)
        if value.scale > 0 {
            if digits.count <= value.scale {
                digits = String(repeating: "0", count: value.scale - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -value.scale))
        }
        return negative ? "-" + digits : digits
    }

    /// The canonical text: trailing zeros kept as written, as a report shows it.
    public var description: String { formatted() }
}
