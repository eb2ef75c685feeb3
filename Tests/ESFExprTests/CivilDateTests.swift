import ESFCore
import Testing

@Suite("CivilDate")
struct CivilDateTests {
    // MARK: parsing

    @Test("real calendar dates parse", arguments: [
        ("2020-02-29", 2020, 2, 29), ("2000-02-29", 2000, 2, 29), ("2021-12-31", 2021, 12, 31),
        ("0001-01-01", 1, 1, 1), ("9999-12-31", 9999, 12, 31), ("1970-01-01", 1970, 1, 1),
    ])
    func parsesValid(text: String, year: Int, month: Int, day: Int) throws {
        let d = try #require(CivilDate(iso: Substring(text)))
        #expect(d.components == (year, month, day))
        #expect(d.description == text)
    }

    @Test("impossible or malformed dates are rejected", arguments: [
        "2022-02-31", "2021-02-29", "1900-02-29", "2021-04-31", "2021-13-01", "2021-00-10", "2021-01-00",
        "0000-01-01", "2021-1-01", "2021/01/01", "21-01-01", "2021-01-011", "", "2021-01-0x", "+021-01-01", "31.3.2022",
    ])
    func rejectsInvalid(text: String) {
        #expect(CivilDate(iso: Substring(text)) == nil)
    }

    @Test("1970-01-01 is day 0 and order follows the calendar")
    func epochAndOrder() {
        #expect(date("1970-01-01").dayNumber == 0)
        #expect(date("1969-12-31").dayNumber == -1)
        #expect(date("2021-02-28") < date("2021-03-01"))
        #expect(date("2021-03-01").dayNumber - date("2021-02-28").dayNumber == 1)
        #expect(date("2020-03-01").dayNumber - date("2020-02-28").dayNumber == 2)
    }

    @Test("leap years follow the Gregorian rule", arguments: [(2020, true), (2021, false), (2000, true), (1900, false), (2400, true)])
    func leapYears(year: Int, leap: Bool) {
        #expect(CivilDate.isLeap(year) == leap)
        #expect(CivilDate.daysInMonth(year: year, month: 2) == (leap ? 29 : 28))
    }

    // MARK: add_months

    @Test("adding months clamps to the month's last day", arguments: [
        ("2021-01-31", 1, "2021-02-28"), ("2020-01-31", 1, "2020-02-29"), ("2021-03-31", 1, "2021-04-30"),
        ("2021-01-15", 1, "2021-02-15"), ("2020-02-29", 12, "2021-02-28"), ("2020-02-29", 48, "2024-02-29"),
        ("2021-11-30", 3, "2022-02-28"), ("2021-12-31", 0, "2021-12-31"),
        ("2021-03-31", -1, "2021-02-28"), ("2020-03-31", -1, "2020-02-29"), ("2021-01-15", -1, "2020-12-15"),
        ("2021-01-31", -13, "2019-12-31"), ("2021-05-31", -3, "2021-02-28"),
    ])
    func addingMonths(start: String, months: Int, expected: String) {
        #expect(date(start).adding(months: months) == date(expected))
    }

    @Test("adding months beyond year 9999 or before year 1 gives nil")
    func addingMonthsOutOfRange() {
        #expect(date("9999-12-01").adding(months: 1) == nil)
        #expect(date("0001-01-31").adding(months: -1) == nil)
    }

    // MARK: period_end

    @Test("period_end follows the SPEC §4 examples", arguments: [
        ("2020-09-01", 6, "2021-02-28"),
        ("2020-08-31", 6, "2021-02-28"),
        ("2021-01-31", 1, "2021-02-28"),
        ("2019-09-01", 6, "2020-02-29"),
    ])
    func periodEndSpecExamples(start: String, months: Int, expected: String) {
        #expect(date(start).periodEnd(months: months) == date(expected))
    }

    @Test("period_end on the 29th, 30th and 31st: the day before, or the last day when the date does not exist", arguments: [
        // the same date exists n months later: the day before it
        ("2021-01-29", 2, "2021-03-28"), ("2020-01-29", 1, "2020-02-28"), ("2021-03-30", 1, "2021-04-29"),
        ("2021-05-31", 2, "2021-07-30"), ("2021-01-30", 12, "2022-01-29"), ("2021-03-01", 1, "2021-03-31"),
        // it does not: that month's last day
        ("2021-01-29", 1, "2021-02-28"), ("2021-01-30", 1, "2021-02-28"), ("2020-01-30", 1, "2020-02-29"),
        ("2021-03-31", 1, "2021-04-30"), ("2021-05-31", 4, "2021-09-30"), ("2021-08-31", 3, "2021-11-30"),
        ("2020-02-29", 12, "2021-02-28"), ("2020-02-29", 48, "2024-02-28"),
        // 12 months from the first of a month ends on the last day of the previous month a year later
        ("2020-01-01", 12, "2020-12-31"),
    ])
    func periodEndEdgeDays(start: String, months: Int, expected: String) {
        #expect(date(start).periodEnd(months: months) == date(expected))
    }

    @Test("period_end is never before the start for n ≥ 1, and never later than add_months")
    func periodEndBounds() throws {
        var d = date("2019-12-01")
        let stop = date("2021-03-31")
        while d <= stop {
            for n in [1, 2, 6, 12, 24] {
                let end = try #require(d.periodEnd(months: n))
                let next = try #require(d.adding(months: n))
                #expect(end >= d)
                #expect(end <= next)
                #expect(end >= next.adding(days: -1))
            }
            d = d.adding(days: 1)
        }
    }

    // MARK: months_between

    @Test("monthsUntil is the largest n with add_months(a, n) <= b", arguments: [
        ("2020-01-31", "2020-02-29", 1), ("2020-01-31", "2020-02-28", 0), ("2021-01-31", "2021-02-28", 1),
        ("2020-01-15", "2020-02-14", 0), ("2020-01-15", "2020-02-15", 1), ("2020-01-15", "2021-01-15", 12),
        ("2020-01-15", "2020-01-15", 0), ("2020-01-15", "2020-01-14", -1), ("2021-03-31", "2021-02-28", -1),
        ("2021-03-31", "2021-02-27", -2), ("2021-03-15", "2020-03-15", -12), ("2000-02-29", "2018-02-28", 216),
    ])
    func monthsUntil(a: String, b: String, expected: Int) {
        #expect(date(a).monthsUntil(date(b)) == expected)
    }

    @Test("monthsUntil agrees with its definition over a range of dates")
    func monthsUntilMatchesDefinition() throws {
        let a0 = date("2019-11-28")
        for i in stride(from: 0, to: 70, by: 1) {
            let a = a0.adding(days: i)
            for j in stride(from: -400, to: 400, by: 17) {
                let b = a.adding(days: j)
                let n = a.monthsUntil(b)
                #expect(try #require(a.adding(months: n)) <= b)
                #expect(try #require(a.adding(months: n + 1)) > b)
            }
        }
    }

    // MARK: day numbers

    @Test("day numbers and components round-trip for every day of 1999–2101")
    func dayNumberRoundTrip() throws {
        let first = date("1999-01-01"), last = date("2101-12-31")
        var previous: (year: Int, month: Int, day: Int)? = nil
        for n in first.dayNumber...last.dayNumber {
            let c = CivilDate(dayNumber: n).components
            let rebuilt = try #require(CivilDate(year: c.year, month: c.month, day: c.day))
            #expect(rebuilt.dayNumber == n)
            if let p = previous {
                // consecutive days: next day of the month, or the first of the next month/year
                let ok = (c.year == p.year && c.month == p.month && c.day == p.day + 1)
                    || (c.day == 1 && p.day == CivilDate.daysInMonth(year: p.year, month: p.month)
                        && ((c.year == p.year && c.month == p.month + 1) || (c.year == p.year + 1 && c.month == 1 && p.month == 12)))
                #expect(ok, "\(p) → \(c)")
            }
            previous = c
        }
    }

    @Test("the extremes of the supported range round-trip")
    func extremes() {
        #expect(CivilDate(dayNumber: date("0001-01-01").dayNumber).description == "0001-01-01")
        #expect(CivilDate(dayNumber: date("9999-12-31").dayNumber).description == "9999-12-31")
        #expect(date("2000-03-01").adding(days: -1) == date("2000-02-29"))
    }
}
