import ESFCore
import Testing

@Suite("Invisible characters (ESFCore)")
struct VisibleTextTests {
    @Test("controls, zero-width and bidirectional characters are invisible; letters, spaces and NBSP are not", arguments: [
        ("\u{0}", true), ("\t", true), ("\n", true), ("\u{7F}", true), ("\u{85}", true), ("\u{AD}", true), ("\u{61C}", true),
        ("\u{200B}", true), ("\u{200D}", true), ("\u{200E}", true), ("\u{2028}", true), ("\u{202E}", true), ("\u{2060}", true),
        ("\u{2066}", true), ("\u{2069}", true), ("\u{FEFF}", true),
        (" ", false), ("a", false), ("Ž", false), ("\u{A0}", false), ("\u{2010}", false), ("\u{301}", false), ("€", false),
    ] as [(Unicode.Scalar, Bool)])
    func classification(scalar: Unicode.Scalar, invisible: Bool) {
        #expect(InvisibleCharacters.isInvisible(scalar) == invisible)
    }

    @Test("the first invisible character of UTF-8 bytes, with its position in characters")
    func first() throws {
        #expect(InvisibleCharacters.first(inUTF8: Array("P001".utf8)) == nil)
        #expect(InvisibleCharacters.first(inUTF8: Array("Šifra žaba".utf8)) == nil)
        let hit = try #require(InvisibleCharacters.first(inUTF8: Array("Ž\u{200B}P\u{202E}".utf8)))
        #expect(hit.scalar == "\u{200B}" && hit.position == 2)
        #expect(InvisibleCharacters.first(inUTF8: Array("a\tb".utf8))?.position == 2)
    }

    @Test("escaping writes \\u{…} in upper-case hex and leaves everything else")
    func escaping() {
        #expect(InvisibleCharacters.escaped("P\u{200B}001 \u{202E}cba\tž") == "P\\u{200B}001 \\u{202E}cba\\u{9}ž")
        #expect(InvisibleCharacters.escaped("plain Ž") == "plain Ž")
        #expect(InvisibleCharacters.describe("\u{200B}") == "U+200B ZERO WIDTH SPACE")
        #expect(InvisibleCharacters.describe("\t") == "U+0009 (a control character)")
    }

    @Test("input errors and diagnostics are printed with invisible characters escaped")
    func errorDescriptions() {
        let e = InputError(location: SourceLocation(file: "a\u{202E}b.csv", line: 1), message: "bad \u{200B}")
        #expect(e.description == "a\\u{202E}b.csv:1: bad \\u{200B}")
    }
}
