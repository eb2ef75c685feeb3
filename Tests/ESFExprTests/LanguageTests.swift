import ESFCore
import Testing

@Suite("Language")
struct LanguageTests {
    @Test("the locale picks the language: LC_ALL, then LC_MESSAGES, then LANG; English otherwise", arguments: [
        ([:], Language.en),
        (["LANG": "sl_SI.UTF-8"], .sl),
        (["LANG": "sl"], .sl),
        (["LANG": "sl-SI"], .sl),
        (["LANG": "en_GB.UTF-8"], .en),
        (["LANG": "C"], .en),
        (["LC_ALL": "C", "LANG": "sl_SI.UTF-8"], .en),
        (["LC_ALL": "", "LC_MESSAGES": "sl_SI", "LANG": "en_US"], .sl),
        (["LC_MESSAGES": "de_DE", "LANG": "sl_SI"], .en),
        (["LANG": "slk_SK"], .en),
    ])
    func fromEnvironment(environment: [String: String], expected: Language) {
        #expect(Language.fromEnvironment(environment) == expected)
    }

    @Test("Slovenian amounts group thousands with a dot and use the decimal comma", arguments: [
        ("3360", 2, "3.360,00", "3360.00"),
        ("647.5", 2, "647,50", "647.50"),
        ("-1234567.891", 2, "-1.234.567,891", "-1234567.891"),
        ("100", 0, "100", "100"),
        ("0.05", 2, "0,05", "0.05"),
        ("999999", 2, "999.999,00", "999999.00"),
    ])
    func amounts(text: String, scale: Int, sl: String, en: String) throws {
        let d = try #require(ExactDecimal(parsing: Substring(text)))
        #expect(d.formatted(minimumScale: scale, language: .sl) == sl)
        #expect(d.formatted(minimumScale: scale, language: .en) == en)
    }

    @Test("Slovenian dates are written day. month. year")
    func dates() throws {
        let d = try #require(CivilDate(year: 2022, month: 3, day: 31))
        #expect(d.formatted(.sl) == "31. 3. 2022")
        #expect(d.formatted(.en) == "2022-03-31")
        #expect(Value.date(d).formatted(.sl) == "31. 3. 2022")
        #expect(Value.days(1).formatted(.sl) == "1 dan")
        #expect(Value.days(2).formatted(.sl) == "2 dneva")
        #expect(Value.days(4).formatted(.sl) == "4 dnevi")
        #expect(Value.days(30).formatted(.sl) == "30 dni")
        #expect(Value.days(101).formatted(.sl) == "101 dan")
        #expect(Value.days(30).formatted(.en) == "30 days")
    }

    @Test("a missing Slovenian text falls back to English")
    func fallback() {
        #expect(LocalizedText(en: "Training too long").text(.sl) == "Training too long")
        #expect(LocalizedText(en: "Training too long", sl: "Usposabljanje predolgo").text(.sl) == "Usposabljanje predolgo")
    }
}
