import ESFCore
@testable import ESFInputs
import Testing

/// Cell references, exact numbers, date serials and date formats as Excel writes them.
@Suite("Excel values")
struct ExcelValuesTests {
    @Test("cell references: column letters and row, nothing else")
    func references() {
        #expect(ExcelValues.cellReference("C17")! == (3, 17))
        #expect(ExcelValues.cellReference("AA1")! == (27, 1))
        #expect(ExcelValues.cellReference("XFD1048576")! == (16384, 1_048_576))
        #expect(ExcelValues.cellReference("$B$2")! == (2, 2))
        for bad in ["", "17", "C", "2A", "C0", "XFE1", "A1048577", "C-1", "C 1", "ABCD1"] {
            #expect(ExcelValues.cellReference(bad) == nil, "\(bad)")
        }
        #expect(SourceLocation.columnLetters(1) == "A")
        #expect(SourceLocation.columnLetters(26) == "Z")
        #expect(SourceLocation.columnLetters(27) == "AA")
        #expect(SourceLocation.columnLetters(16384) == "XFD")
    }

    @Test("numbers: the cell text digit for digit, exponent notation converted exactly")
    func numbers() {
        let cases: [(String, String?)] = [
            ("3360", "3360"), ("3360.00", "3360.00"), ("-0.5", "-0.5"), ("1.5E-3", "0.0015"), ("3.36E+3", "3360"),
            ("1.84620E+3", "1846.20"), ("1E+20", "100000000000000000000"), ("-2.5e-1", "-0.25"), ("0.1", "0.1"),
            ("0.30000000000000004", "0.30000000000000004"), ("12345678901234567890.5", "12345678901234567890.5"),
            ("-0", "0"), ("", nil), ("1,5", nil), ("1.2.3", nil), ("E5", nil), ("1E", nil), ("1E+999", nil), ("NaN", nil),
        ]
        for (text, expected) in cases {
            #expect(ExcelValues.plainDecimal(text) == expected, "\(text)")
        }
    }

    @Test("date serials: the 1900 system with its 29 February 1900, the 1904 system, times dropped")
    func serials() {
        func day(_ s: String, _ date1904: Bool = false) -> String? { ExcelValues.date(serial: s, date1904: date1904)?.description }
        #expect(day("1") == "1900-01-01")
        #expect(day("59") == "1900-02-28")
        #expect(day("60") == nil)   // 1900-02-29 never was
        #expect(day("61") == "1900-03-01")
        #expect(day("44651") == "2022-03-31")
        #expect(day("44651.75") == "2022-03-31")
        #expect(day("0") == nil)
        #expect(day("-1") == nil)
        #expect(day("0", true) == "1904-01-01")
        #expect(day("43189", true) == "2022-03-31")
        #expect(day("2958465") == "9999-12-31")
        #expect(day("2958466") == nil)
    }

    @Test("date formats: built-in ids and custom codes with d, m, y, h or s outside quotes and brackets")
    func formats() {
        for id in [14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47] { #expect(ExcelValues.builtinDateFormats.contains(id)) }
        for id in [0, 1, 2, 4, 10, 11, 12, 49] { #expect(!ExcelValues.builtinDateFormats.contains(id)) }
        for code in ["d.m.yyyy", "yyyy-mm-dd", "[$-424]d. mmmm yyyy", "dd/mm/yy h:mm", "[h]:mm:ss"] {
            #expect(ExcelValues.isDateFormat(code), "\(code)")
        }
        for code in ["General", "0.00", "#,##0.00\\ \"din\";[Red]\\-#,##0.00", "0.00E+00", "\"days\" 0", "#,##0_);(#,##0)", "[Red]0"] {
            #expect(!ExcelValues.isDateFormat(code), "\(code)")
        }
    }
}
