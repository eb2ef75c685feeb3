/// A civil (calendar) date in the proleptic Gregorian calendar, with no time zone.
///
/// Stored as days since 1970-01-01 so that comparison and day arithmetic are
/// integer operations; conversions use Howard Hinnant's `days_from_civil`.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let dayNumber: Int

    /// Creates a date from its day number.
    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// Creates a date when year, month and day form a real calendar date.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= CivilDate.daysInMonth(year: year, month: month) else { return nil }
        self.dayNumber = CivilDate.daysFromCivil(year, month, day)
    }

    /// Parses strict ISO `YYYY-MM-DD` with a valid calendar date.
    public init?(iso text: Substring) {
        self.init(isoUTF8: Array(text.utf8)[...])
    }

    /// Parses strict ISO `YYYY-MM-DD` from UTF-8 bytes.
    public init?(isoUTF8 b: ArraySlice<UInt8>) {
        guard let date = b.withUnsafeBufferPointer({ CivilDate(isoBytes: $0) }) else { return nil }
        self = date
    }

    /// Parses strict ISO `YYYY-MM-DD` with a valid calendar date: the one ISO date parser.
    public init?(isoBytes b: UnsafeBufferPointer<UInt8>) {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), let m = num(5, 2), let d = num(8, 2) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// The number of days in a month.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Year, month and day.
    public var components: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// The date `n` days later (earlier for negative `n`).
    public func adding(days n: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + n) }

    /// The same day `n` months later, clamped to the month's last day (2021-01-31 + 1 = 2021-02-28).
    public func adding(months n: Int) -> CivilDate? {
        guard let (y, m, day) = shiftedMonth(n) else { return nil }
        return CivilDate(year: y, month: m, day: Swift.min(day, CivilDate.daysInMonth(year: y, month: m)))
    }

    /// The year and month `n` months later, with this date's day (not yet clamped).
    private func shiftedMonth(_ n: Int) -> (year: Int, month: Int, day: Int)? {
        let c = components
        let total = c.year * 12 + (c.month - 1) + n
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        guard (1...9999).contains(y) else { return nil }
        return (y, total - y * 12 + 1, c.day)
    }

    /// The last day of a period of `n` months that starts on this date (included):
    /// the day before the same date `n` months later, or that month's last day when
    /// it has no such date (2020-08-31, 6 → 2021-02-28).
    public func periodEnd(months n: Int) -> CivilDate? {
        guard let (y, m, day) = shiftedMonth(n) else { return nil }
        let last = CivilDate.daysInMonth(year: y, month: m)
        if day > last { return CivilDate(year: y, month: m, day: last) }
        return CivilDate(year: y, month: m, day: day)?.adding(days: -1)
    }

    /// The largest `n` with `self.adding(months: n) <= other` (negative when `other` is earlier).
    public func monthsUntil(_ other: CivilDate) -> Int {
        let a = components, b = other.components
        var n = (b.year - a.year) * 12 + (b.month - a.month)
        // adjust so that add_months(self, n) <= other < add_months(self, n+1)
        while let d = adding(months: n), d > other { n -= 1 }
        while let d = adding(months: n + 1), d <= other { n += 1 }
        return n
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }

    /// ISO `YYYY-MM-DD`.
    public var description: String {
        let c = components
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: Swift.max(0, w - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }
}
