/// How a mapping profile writes numbers: the decimal separator and an optional thousands separator.
///
/// Grouping is strict, so that a value written in another locale is rejected
/// instead of being read as a different number (ESF-DOMAIN §4.3, "1.450"): with
/// `,` as decimal separator and `.` between thousands, `3.360,00` is 3360.00,
/// while `1.2.3`, `12,3,4`, `1.23,4,5`, `1234.567,00` and `3,360.00` are all
/// unparseable. The first group has 1–3 digits, every later group exactly 3,
/// and the fraction has no separators.
public struct NumberFormat: Sendable, Hashable {
    /// `.` or `,`.
    public var decimalSeparator: UInt8
    /// The byte between groups of three digits (`.`, `,`, space or `'`), or nil when none is written.
    public var thousandsSeparator: UInt8?

    /// Creates a format; the two separators must differ.
    public init(decimalSeparator: UInt8 = UInt8(ascii: "."), thousandsSeparator: UInt8? = nil) {
        self.decimalSeparator = decimalSeparator
        self.thousandsSeparator = thousandsSeparator
    }

    /// The canonical format: `.` as decimal separator, no grouping.
    public static let canonical = NumberFormat()

    /// Whether this is the canonical format, parsed exactly as `ExactDecimal(utf8:)`.
    public var isCanonical: Bool { decimalSeparator == UInt8(ascii: ".") && thousandsSeparator == nil }

    /// Parses a decimal (`-?` digits, optional grouping, optional fraction); nil for anything else.
    public func parseDecimal(_ bytes: ArraySlice<UInt8>) -> ExactDecimal? {
        bytes.withUnsafeBufferPointer { parseDecimal($0) }
    }

    /// Parses a decimal from bytes in place (a reader's buffer); nil for anything else.
    public func parseDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> ExactDecimal? {
        if isCanonical { return ExactDecimal(utf8: bytes) }
        guard let (units, scale) = parseNumber(bytes, allowFraction: true, maxDigits: 38) else { return nil }
        return ExactDecimal(units: units, scale: scale)
    }

    /// Parses a whole number (`-?` digits with optional grouping, at most 18 digits); nil for anything else.
    public func parseInt(_ bytes: ArraySlice<UInt8>) -> Int64? {
        bytes.withUnsafeBufferPointer { parseInt($0) }
    }

    /// Parses a whole number from bytes in place (a reader's buffer); nil for anything else.
    public func parseInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let (units, _) = parseNumber(bytes, allowFraction: false, maxDigits: 18) else { return nil }
        return Int64(units)
    }

    private func parseNumber(_ bytes: UnsafeBufferPointer<UInt8>, allowFraction: Bool, maxDigits: Int) -> (Int128, Int)? {
        var i = bytes.startIndex
        var negative = false
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") || (allowFraction && bytes[i] == UInt8(ascii: "+")) {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var units: Int128 = 0
        var digits = 0
        var groupDigits = 0
        var grouped = false
        var inFraction = false
        var fractionDigits = 0
        while i < bytes.endIndex {
            let b = bytes[i]
            if b >= 48 && b <= 57 {
                let (m, o1) = units.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int128(b - 48))
                if o1 || o2 { return nil }
                units = a
                digits += 1
                if inFraction { fractionDigits += 1 } else { groupDigits += 1 }
            } else if !inFraction, let t = thousandsSeparator, b == t {
                // 1–3 digits before the first separator, exactly 3 between two.
                if groupDigits == 0 || groupDigits > 3 || (grouped && groupDigits != 3) { return nil }
                grouped = true
                groupDigits = 0
            } else if b == decimalSeparator, allowFraction, !inFraction {
                if groupDigits == 0 || (grouped && groupDigits != 3) { return nil }
                inFraction = true
            } else {
                return nil
            }
            i += 1
        }
        if digits == 0 || digits > maxDigits { return nil }
        if inFraction {
            if fractionDigits == 0 || fractionDigits > ExactDecimal.maxScale { return nil }
        } else if grouped && groupDigits != 3 {
            return nil
        }
        return (negative ? -units : units, fractionDigits)
    }

    /// What the format accepts, for messages: `a decimal number with ',' as decimal separator and '.' between thousands`.
    public func expectation(decimal: Bool) -> String {
        if isCanonical { return FieldParser.expectation(for: decimal ? .decimal : .int) }
        var s = decimal ? "a decimal number with '\(Character(Unicode.Scalar(decimalSeparator)))' as decimal separator"
                        : "a whole number"
        if let t = thousandsSeparator {
            s += (decimal ? " and" : " with") + " '\(Character(Unicode.Scalar(t)))' between thousands"
        }
        return s
    }
}

/// A date pattern of a mapping profile: `yyyy-MM-dd`, `d.M.yyyy`, `d. M. yyyy`.
///
/// Letters: `d` (day, 1 or 2 digits), `dd` (exactly 2), `M` (month, 1 or 2 digits),
/// `MM` (exactly 2), `yyyy` (the year, 4 digits). A space matches any number of
/// spaces, none included, so `d. M. yyyy` reads `27. 2. 2020` and `27.2.2020`.
/// Any other ASCII character that is neither a letter nor a digit must appear as
/// written. Two-digit years are not supported: they are ambiguous.
public struct DatePattern: Sendable, Hashable, CustomStringConvertible {
    enum Element: Sendable, Hashable {
        case day(exact: Bool)
        case month(exact: Bool)
        case year
        case literal(UInt8)
        case spaces
    }

    /// Why a pattern is invalid, and where (a UTF-8 offset into the pattern text).
    public struct Problem: Error, Sendable, Hashable {
        /// The UTF-8 offset in the pattern of the character at fault (0 when the whole pattern is).
        public var offset: Int
        /// What is wrong and how to write it, for a diagnostic.
        public var message: String
    }

    /// The pattern as written.
    public let text: String
    let elements: [Element]

    /// Compiles `text`; throws the first problem with its offset.
    public init(_ text: String) throws(Problem) {
        let b = Array(text.utf8)
        var elements: [Element] = []
        var seen: (day: Int?, month: Int?, year: Int?) = (nil, nil, nil)
        var i = 0
        if b.isEmpty { throw Problem(offset: 0, message: "an empty date pattern; write one such as d.M.yyyy") }
        while i < b.count {
            let c = b[i]
            var run = 1
            while i + run < b.count && b[i + run] == c { run += 1 }
            switch c {
            case UInt8(ascii: "d"), UInt8(ascii: "M"):
                let isDay = c == UInt8(ascii: "d")
                let letter = isDay ? "d" : "M"
                if run > 2 {
                    throw Problem(offset: i, message: "'\(String(repeating: letter, count: run))': the \(isDay ? "day" : "month") is \(letter) (1 or 2 digits) or \(letter)\(letter) (exactly 2)")
                }
                if (isDay ? seen.day : seen.month) != nil {
                    throw Problem(offset: i, message: "the \(isDay ? "day" : "month") appears twice in the pattern")
                }
                if isDay { seen.day = i } else { seen.month = i }
                elements.append(isDay ? .day(exact: run == 2) : .month(exact: run == 2))
                if run == 1, i + 1 < b.count, Self.isFieldLetter(b[i + 1]) {
                    throw Problem(offset: i, message: "'\(letter)' (1 or 2 digits) must be followed by a separator, or the digits cannot be told apart; use \(letter)\(letter)")
                }
            case UInt8(ascii: "y"):
                if run != 4 {
                    throw Problem(offset: i, message: "the year must be written yyyy (4 digits); two-digit years are ambiguous")
                }
                if seen.year != nil { throw Problem(offset: i, message: "the year appears twice in the pattern") }
                seen.year = i
                elements.append(.year)
            case UInt8(ascii: " "):
                elements.append(.spaces)
            case UInt8(ascii: "m"):
                throw Problem(offset: i, message: "'m' is not a date field; the month is M (or MM)")
            case UInt8(ascii: "D"), UInt8(ascii: "Y"):
                throw Problem(offset: i, message: "'\(Character(Unicode.Scalar(c)))' is not a date field; write d for the day and yyyy for the year")
            default:
                if c >= 0x80 || c < 0x20 || c == 0x7F {
                    throw Problem(offset: i, message: "only ASCII separators may appear in a date pattern")
                }
                if (c >= 48 && c <= 57) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z")) || c == UInt8(ascii: "'") {
                    throw Problem(offset: i, message: "unknown pattern letter '\(Character(Unicode.Scalar(c)))' (use d, dd, M, MM, yyyy and separators)")
                }
                for _ in 0..<run { elements.append(.literal(c)) }
            }
            i += run
        }
        if seen.day == nil || seen.month == nil || seen.year == nil {
            let missing = [seen.day == nil ? "d" : nil, seen.month == nil ? "M" : nil, seen.year == nil ? "yyyy" : nil].compactMap { $0 }
            throw Problem(offset: 0, message: "a date pattern needs a day, a month and a year (missing: \(missing.joined(separator: ", ")))")
        }
        self.text = text
        self.elements = elements
    }

    private static func isFieldLetter(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "d") || c == UInt8(ascii: "M") || c == UInt8(ascii: "y")
    }

    private init(text: String, elements: [Element]) {
        self.text = text
        self.elements = elements
    }

    /// ISO `yyyy-MM-dd`, as the canonical export writes dates.
    public static let iso = DatePattern(
        text: "yyyy-MM-dd",
        elements: [.year, .literal(UInt8(ascii: "-")), .month(exact: true), .literal(UInt8(ascii: "-")), .day(exact: true)])

    /// The pattern as written.
    public var description: String { text }

    /// Parses `bytes` with this pattern: nil when they do not match or the date does not exist (31.02.2022).
    public func parse(_ bytes: ArraySlice<UInt8>) -> CivilDate? {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    /// Parses bytes in place (a reader's buffer) with this pattern; nil as for `parse(_:)` of a slice.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        var i = bytes.startIndex
        let end = bytes.endIndex
        var day = 0, month = 0, year = 0
        @inline(__always) func digits(min: Int, max: Int) -> Int? {
            var v = 0
            var n = 0
            while n < max && i < end, bytes[i] >= 48 && bytes[i] <= 57 {
                v = v * 10 + Int(bytes[i] - 48)
                n += 1
                i += 1
            }
            return n >= min ? v : nil
        }
        for element in elements {
            switch element {
            case .day(let exact):
                guard let v = digits(min: exact ? 2 : 1, max: 2) else { return nil }
                day = v
            case .month(let exact):
                guard let v = digits(min: exact ? 2 : 1, max: 2) else { return nil }
                month = v
            case .year:
                guard let v = digits(min: 4, max: 4) else { return nil }
                year = v
            case .literal(let c):
                guard i < end, bytes[i] == c else { return nil }
                i += 1
            case .spaces:
                while i < end && bytes[i] == UInt8(ascii: " ") { i += 1 }
            }
        }
        guard i == end else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }
}

/// The words a mapping profile writes for true and false (`DA`/`NE`, `1`/`0`).
public struct BooleanWords: Sendable, Hashable {
    /// The words for true, matched exactly (case included).
    public var trueWords: [String]
    /// The words for false.
    public var falseWords: [String]

    /// Creates the word lists; a word must not be in both.
    public init(trueWords: [String], falseWords: [String]) {
        self.trueWords = trueWords
        self.falseWords = falseWords
    }

    /// The canonical `true` / `false`.
    public static let canonical = BooleanWords(trueWords: ["true"], falseWords: ["false"])

    /// What is accepted, for messages: `one of DA, da, 1, NE, ne, 0`.
    public var expectation: String {
        if self == .canonical { return "true or false" }
        return "one of " + (trueWords + falseWords).joined(separator: ", ")
    }
}
