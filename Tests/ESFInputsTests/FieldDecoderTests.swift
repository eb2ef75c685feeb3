import ESFCore
@testable import ESFInputs
import Testing

/// `FieldDecoder` is an optimisation of `FieldParser.parse`: it must never give another result.
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

    @Test(arguments: types)
    func agreesWithFieldParser(type: FieldType) {
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
            let expected = FieldParser.parse(bytes[...], as: type)
            let actual = decoder.parse(bytes[...])
            #expect(actual == expected, "\(type) \(bytes)")
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
