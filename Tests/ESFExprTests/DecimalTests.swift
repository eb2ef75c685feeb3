import ESFCore
import Testing

@Suite("ExactDecimal")
struct DecimalTests {
    // MARK: parsing

    @Test("valid decimals parse exactly", arguments: [
        ("0.80", Int128(80), 2),
        ("8500000.00", Int128(850_000_000), 2),
        ("-0.01", Int128(-1), 2),
        ("42", Int128(42), 0),
        ("+7.5", Int128(75), 1),
        ("0", Int128(0), 0),
        ("123456789012345678901234.123456", Int128("123456789012345678901234123456")!, 6),
    ])
    func parsesValid(text: String, units: Int128, scale: Int) throws {
        let d = try #require(ExactDecimal(parsing: Substring(text)))
        #expect(d.units == units)
        #expect(d.scale == scale)
    }

    @Test("malformed decimals are rejected", arguments: [
        "1.2.3", ".5", "1.", "", "-", "-.5", "1,5", "1e5", " 1", "1 ", "0x10", "1.-5", "--1", "NaN",
    ])
    func rejectsMalformed(text: String) {
        #expect(ExactDecimal(parsing: Substring(text)) == nil)
    }

    @Test("huge values whose common scale overflows 128 bits still compare exactly, fraction included")
    func hugeComparison() throws {
        // 170141183460469.3 at scale 1 and the same integer part at scale 24: widening the first overflows
        let a = try #require(ExactDecimal(parsing: "170141183460469.3"))
        let b = try #require(ExactDecimal(parsing: "170141183460469.200000000000000000000001"))
        #expect(a != b && b < a && !(a < b))
        // (values equal at both scales never overflow: the one at the larger scale fits, so both do)
        let c = try #require(ExactDecimal(parsing: "170141183460469.20000000000000000000000"))
        #expect(c < a && c < b && b < a)
        let negative = try #require(ExactDecimal(parsing: "-170141183460469.3"))
        let negativeB = try #require(ExactDecimal(parsing: "-170141183460469.200000000000000000000001"))
        #expect(negative < negativeB && negative != negativeB)
        // a larger integer part decides before the fractions (widening 470.1 to scale 24 overflows)
        let bigger = try #require(ExactDecimal(parsing: "170141183460470.1"))
        #expect(b < bigger && !(bigger < b) && a < bigger)
    }

    @Test("a mantissa beyond 128 bits is rejected, not wrapped")
    func rejectsHuge() {
        #expect(ExactDecimal(parsing: Substring(String(repeating: "9", count: 40))) == nil)
        #expect(ExactDecimal(parsing: "170141183460469231731687303715884105728") == nil)  // Int128.max + 1
        #expect(ExactDecimal(parsing: "170141183460469231731687303715884105727") != nil)  // Int128.max
    }

    @Test("more fractional digits than maxScale are rejected")
    func rejectsTooManyFractionDigits() {
        let ok = "0." + String(repeating: "1", count: ExactDecimal.maxScale)
        #expect(ExactDecimal(parsing: Substring(ok)) != nil)
        #expect(ExactDecimal(parsing: Substring(ok + "1")) == nil)
    }

    // MARK: exact arithmetic

    @Test("0.1 + 0.2 is exactly 0.3")
    func addIsExact() throws {
        let sum = try dec("0.1").adding(dec("0.2"))
        #expect(sum == dec("0.3"))
        #expect(sum.description == "0.3")
    }

    @Test("subtraction is exact and can go negative")
    func subtractIsExact() throws {
        #expect(try dec("0.3").subtracting(dec("0.1")) == dec("0.2"))
        #expect(try dec("1.00").subtracting(dec("1.01")).description == "-0.01")
    }

    @Test("8500000.00 × 0.80 = 6800000.0000 exactly")
    func multiplyIsExact() throws {
        let p = try dec("8500000.00").multiplied(by: dec("0.80"))
        #expect(p == dec("6800000"))
        #expect(p.scale == 4)
        #expect(p.description == "6800000.0000")
    }

    @Test("a product beyond maxScale is rounded half away from zero to maxScale digits")
    func productBeyondMaxScale() throws {
        let tiny = ExactDecimal(units: 5, scale: 13)  // 0.0000000000005
        let p = try tiny.multiplied(by: ExactDecimal(units: 1, scale: 12))
        #expect(p.scale == ExactDecimal.maxScale)
        #expect(p.units == 1)  // 5e-25 → 1e-24
    }

    @Test("addition overflow is reported")
    func addOverflow() {
        let big = ExactDecimal(units: Int128.max, scale: 0)
        #expect(throws: ExactDecimal.ArithmeticError.overflow) { try big.adding(ExactDecimal(1)) }
        #expect(throws: ExactDecimal.ArithmeticError.overflow) { try big.multiplied(by: ExactDecimal(2)) }
    }

    // MARK: division

    @Test("1 / 3 keeps at least 12 fractional digits")
    func divisionKeepsDigits() throws {
        let q = try ExactDecimal(1).divided(by: ExactDecimal(3))
        #expect(q.scale >= 12)
        #expect(q.description.hasPrefix("0.333333333333"))
        // 3 × (1/3) differs from 1 by less than 10^-12
        let diff = try ExactDecimal(1).subtracting(q.multiplied(by: ExactDecimal(3))).magnitude
        #expect(diff < dec("0.000000000001"))
    }

    @Test("2 / 3 rounds its last kept digit half away from zero")
    func divisionRoundsLastDigit() throws {
        let q = try ExactDecimal(2).divided(by: ExactDecimal(3))
        #expect(q.description == "0." + String(repeating: "6", count: ExactDecimal.divisionScale - 1) + "7")
        let n = try ExactDecimal(-2).divided(by: ExactDecimal(3))
        #expect(n == q.negated())
    }

    @Test("exact quotients come out exact", arguments: [
        ("7", "2", "3.5"), ("6800000.00", "8500000.00", "0.8"), ("-1", "4", "-0.25"), ("0.01", "0.001", "10"),
    ])
    func exactQuotients(a: String, b: String, q: String) throws {
        #expect(try dec(a).divided(by: dec(b)) == dec(q))
    }

    @Test("division by zero is an error, whatever the scale of zero")
    func divisionByZero() {
        #expect(throws: ExactDecimal.ArithmeticError.divisionByZero) { try dec("1").divided(by: dec("0")) }
        #expect(throws: ExactDecimal.ArithmeticError.divisionByZero) { try dec("1.5").divided(by: dec("0.00")) }
    }

    @Test("dividing by a value with many fractional digits reports overflow instead of trapping")
    func divisionByTinyValue() throws {
        let tiny = ExactDecimal(units: 1, scale: ExactDecimal.maxScale)  // 1e-24
        #expect(throws: ExactDecimal.ArithmeticError.overflow) { try ExactDecimal(1).divided(by: tiny) }
        #expect(try ExactDecimal(0).divided(by: tiny) == ExactDecimal(0))
    }

    // MARK: rounding

    @Test("rounding is half away from zero", arguments: [
        ("2.345", 2, "2.35"), ("-2.345", 2, "-2.35"), ("2.344", 2, "2.34"), ("-2.344", 2, "-2.34"),
        ("0.005", 2, "0.01"), ("-0.005", 2, "-0.01"), ("0.0049999", 2, "0.00"), ("2.5", 0, "3"), ("-2.5", 0, "-3"),
        ("1.5", 5, "1.5"), ("999.995", 2, "1000.00"),
    ])
    func roundsHalfAwayFromZero(value: String, places: Int, expected: String) {
        #expect(dec(value).rounded(places).description == expected)
    }

    @Test("negative places round to an integer")
    func negativePlaces() {
        #expect(dec("2.5").rounded(-3).description == "3")
    }

    @Test("floor rounds toward negative infinity")
    func floorRoundsDown() {
        #expect(dec("2.9").floor() == 2)
        #expect(dec("-2.1").floor() == -3)
        #expect(dec("-2.0").floor() == -2)
    }

    // MARK: comparison and output

    @Test("equality and order ignore the scale")
    func comparisonAcrossScales() {
        #expect(dec("1.50") == dec("1.5"))
        #expect(dec("1.50").hashValue == dec("1.5").hashValue)
        #expect(dec("1.5") < dec("1.51"))
        #expect(dec("-0.01") < dec("0"))
        #expect(dec("2") > dec("1.999999"))
        #expect(Set([dec("1.50"), dec("1.5"), dec("1.500")]).count == 1)
    }

    @Test("comparison of values too large to widen still orders by the integer part")
    func comparisonOfHugeValues() {
        let huge = ExactDecimal(units: Int128.max / 10, scale: 0)
        let small = ExactDecimal(units: 15, scale: 1)
        #expect(small < huge)
        #expect(!(huge < small))
    }

    @Test("formatted output keeps written zeros and pads to a minimum scale", arguments: [
        ("8500000.00", 0, "8500000.00"), ("0.8", 2, "0.80"), ("-0.01", 0, "-0.01"), ("0.001", 0, "0.001"),
        ("-0.001", 2, "-0.001"), ("42", 2, "42.00"), ("-5", 1, "-5.0"), ("0", 0, "0"),
    ])
    func formatted(value: String, minimumScale: Int, expected: String) {
        #expect(dec(value).formatted(minimumScale: minimumScale) == expected)
    }

    @Test("normalized drops trailing fractional zeros only")
    func normalized() {
        #expect(dec("1.500").normalized().description == "1.5")
        #expect(dec("100").normalized().description == "100")
        #expect(dec("0.000").normalized().description == "0")
    }
}
