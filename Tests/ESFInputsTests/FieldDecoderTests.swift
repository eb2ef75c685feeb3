@testable import ESFCore
import Testing
import TestSupport

/// `FieldDecoder` is the one parser of canonical field text; its byte path for ASCII codes must agree
/// with the String comparison (canonical equivalence) that non-ASCII codes take.
@Suite("Field decoder")
struct FieldDecoderTests {
    static let types: [FieldType] = [
        .string, .date, .decimal, .int, .bool,
        .code(["F", "M", "X"]), .code([]), .code(["é", "\u{212A}"]),
        .codeSet(["ltu24", "basic_education", "over55"]), .codeSet([]), .codeSet(["Ž", "e\u{301}"]),
    ]

    static let samples: [String] = [
        "", " ", "  ", "F", "M", "X", "f", "FF", "é", "e\u{301}", "K", "\u{212A}", "Ž",
        "ltu24", "ltu24 basic_education", "ltu24  ltu24", " over55 ", "ltu24 foo", "ltu24\u{301} x",
        "2020-02-29", "2021-02-29", "1985-02-30", "0000-01-01", "9999-12-31", "2020-1-01", "2020/01/01", "２020-01-01",
        "0", "-0", "-", "+1", "123456789012345678", "1234567890123456789", "-123456789012345678", "12a", "1.0",
        "1.5", "-0.50", ".5", "5.", "1.2.3", "1,50", "3360.00", "+2",
        "true", "false", "True", "1", "yes", "truex",
        "a\r\nb", "tab\there", "\u{0}", "日本語",
    ]

    @Test("what each type accepts and what it gives", arguments: [
        (FieldType.date, "2020-02-29", Value.date(CivilDate(year: 2020, month: 2, day: 29)!)),
        (.date, "2021-02-29", nil), (.date, "2020-1-01", nil), (.date, "２020-01-01", nil), (.date, "", .null),
        (.int, "-123456789012345678", .int(-123_456_789_012_345_678)), (.int, "1234567890123456789", nil),
        (.int, "+1", nil), (.int, "-", nil), (.int, "1.0", nil), (.int, "-0", .int(0)),
        (.decimal, "3360.00", .decimal(ExactDecimal(units: 336_000, scale: 2))), (.decimal, "1,50", nil), (.decimal, "1.2.3", nil),
        (.bool, "true", .bool(true)), (.bool, "True", nil), (.bool, "1", nil),
        (.code(["F", "M"]), "F", .string("F")), (.code(["F", "M"]), "f", nil), (.code([]), "anything", .string("anything")),
        (.code(["é"]), "e\u{301}", .string("e\u{301}")), (.code(["F"]), "\u{FF}", nil),
        (.codeSet(["ltu24", "over55"]), "ltu24  ltu24 over55", .list([.string("ltu24"), .string("over55")])),
        (.codeSet(["ltu24"]), "ltu24 foo", nil),
        (.string, "日本語", .string("日本語")),
    ] as [(FieldType, String, Value?)])
    func accepts(type: FieldType, text: String, expected: Value?) {
        #expect(FieldDecoder(type).parse(Array(text.utf8)[...]) == expected)
        #expect(FieldParser.parse(Array(text.utf8)[...], as: type) == expected)
    }

    @Test("invalid UTF-8 is never a string or a code", arguments: [FieldType.string, .code([]), .codeSet([])])
    func invalidUTF8(type: FieldType) {
        for bytes: [UInt8] in [[0xFF], [0xC3], [0x61, 0x80], [0xED, 0xA0, 0x80]] {
            #expect(FieldDecoder(type).parse(bytes[...]) == nil)
        }
    }

    @Test("codes: the byte path agrees with the String path", arguments: types.filter {
        if case .code = $0 { return true }
        if case .codeSet = $0 { return true }
        return false
    })
    func codesAgree(type: FieldType) {
        let decoder = FieldDecoder(type)
        var inputs: [[UInt8]] = Self.samples.map { Array($0.utf8) }
        inputs += [[0xFF], [0xC3], [0x61, 0x80], [0xED, 0xA0, 0x80]]
        var generator = SplitMix(seed: 42)
        let alphabet = Array("0123456789-. FMXltu24basic_educationover55truefalseé\u{301}".utf8) + [0x00, 0xC3, 0xFF]
        for _ in 0..<3000 {
            let length = Int(generator.next() % 14)
            inputs.append((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        }
        for bytes in inputs {
            let expected = FieldDecoder.parseCodesAsStrings(bytes[...], as: type)
            let actual = decoder.parse(bytes[...])
            #expect(actual == expected, "\(type) \(bytes)")
        }
    }
}
