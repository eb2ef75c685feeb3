import ESFCore

/// How Excel writes cell references, numbers, date serials and number formats, read exactly.
enum ExcelValues {
    /// `C17` → (column 3, row 17); nil for anything else (`17C`, `C0`, a column past `XFD`).
    static func cellReference(_ text: String) -> (column: Int, row: Int)? {
        var column = 0
        var row = 0
        var letters = 0
        var digits = 0
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard digits == 0, letters < 3 else { return nil }
                column = column * 26 + Int((b & 0xDF) - 64)
                letters += 1
            case UInt8(ascii: "$"):
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard letters > 0, digits < 7 else { return nil }
                row = row * 10 + Int(b - 48)
                digits += 1
            default:
                return nil
            }
        }
        guard letters > 0, digits > 0, (1...XLSXSheetLimits.maxColumns).contains(column), (1...XLSXSheetLimits.maxRows).contains(row) else { return nil }
        return (column, row)
    }

    /// A number cell's text as a plain decimal (`1.5E-3` → `0.0015`, `3.36E+3` → `3360`), digit for
    /// digit, never through `Double`; nil when the text is not a number.
    static func plainDecimal(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        var mantissa: [UInt8] = []
        var pointAt: Int?
        var exponent = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b >= 48 && b <= 57 {
                mantissa.append(b)
            } else if b == UInt8(ascii: "."), pointAt == nil {
                pointAt = mantissa.count
            } else if b == UInt8(ascii: "E") || b == UInt8(ascii: "e") {
                let rest = String(decoding: bytes[(i + 1)...], as: UTF8.self)
                guard let e = Int(rest), (-400...400).contains(e), !rest.isEmpty else { return nil }
                exponent = e
                break
            } else {
                return nil
            }
            i += 1
        }
        guard !mantissa.isEmpty else { return nil }
        // the decimal point sits after `point` digits of `mantissa`
        var point = (pointAt ?? mantissa.count) + exponent
        if point < 0 {
            mantissa.insert(contentsOf: [UInt8](repeating: 48, count: -point), at: 0)
            point = 0
        }
        if point > mantissa.count {
            mantissa.append(contentsOf: [UInt8](repeating: 48, count: point - mantissa.count))
        }
        var integer = Array(mantissa[..<point])
        let fraction = Array(mantissa[point...])
        while integer.count > 1 && integer[0] == 48 { integer.removeFirst() }
        if integer.isEmpty { integer = [48] }
        // zeros as written are kept (`2.50`, `1.84620E+3` is `1846.20`)
        var out = negative && (integer != [48] || fraction.contains { $0 != 48 }) ? "-" : ""
        out += String(decoding: integer, as: UTF8.self)
        if !fraction.isEmpty { out += "." + String(decoding: fraction, as: UTF8.self) }
        return out
    }

    /// The day of a date serial (a plain decimal; the fraction, a time of day, is dropped): in the
    /// 1900 system serial 1 is 1900-01-01 and 60 is Excel's 29 February 1900, which never was (nil);
    /// in the 1904 system serial 0 is 1904-01-01. nil for a negative serial or 0 in the 1900 system.
    static func date(serial: String, date1904: Bool) -> CivilDate? {
        guard !serial.hasPrefix("-") else { return nil }
        let whole = serial.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let days = Int(whole), days <= 2_958_465 else { return nil }   // 9999-12-31
        if date1904 {
            return CivilDate(year: 1904, month: 1, day: 1)?.adding(days: days)
        }
        guard days >= 1, days != 60 else { return nil }
        guard let base = CivilDate(year: 1899, month: 12, day: 31) else { return nil }
        return base.adding(days: days < 60 ? days : days - 1)
    }

    /// Built-in number formats that show a date or time (ECMA-376 §18.8.30).
    static let builtinDateFormats: Set<Int> = Set(14...22).union(45...47)

    /// Whether a custom format code shows a date or time: a `d`, `m`, `y`, `h` or `s` outside quoted
    /// text, `[…]` sections (colours, conditions, locales) and escaped characters.
    static func isDateFormat(_ code: String) -> Bool {
        var inQuote = false
        var inBracket = false
        var skip = false
        for c in code.lowercased() {
            if skip { skip = false; continue }
            if inQuote { if c == "\"" { inQuote = false }; continue }
            if inBracket { if c == "]" { inBracket = false }; continue }
            switch c {
            case "\"": inQuote = true
            case "[": inBracket = true
            case "\\", "_", "*": skip = true
            case "d", "m", "y", "h", "s": return true
            default: continue
            }
        }
        return false
    }
}
