/// Characters a person cannot see in a report, and their escaped form (docs/inputs.md, "Invisible characters").
///
/// An identifier or code holding one of them looks like another (`P\u{200B}001` and `P001`)
/// and so silently defeats key joins and uniqueness; a bidirectional override reorders the
/// text a viewer shows. Readers report them (`ESFCHECK-IN-004`) and reports show them escaped.
public enum InvisibleCharacters {
    /// C0 and C1 controls (tab, line feed and carriage return included), DEL, the soft hyphen,
    /// zero-width characters (U+200B–U+200D, U+2060, U+FEFF), bidirectional controls (U+061C,
    /// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the line and paragraph separators
    /// (U+2028, U+2029) and the other invisible format characters (U+180E, U+2061–U+2064,
    /// U+206A–U+206F, U+FFF9–U+FFFB).
    @inline(__always)
    public static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 || (v >= 0x7F && v <= 0x9F) { return true }
        if v < 0xAD { return false }
        switch v {
        case 0xAD, 0x061C, 0x180E, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0xFEFF, 0xFFF9...0xFFFB:
            return true
        default:
            return false
        }
    }

    /// The first invisible character of UTF-8 `bytes` and its 1-based position in characters
    /// (Unicode scalars); nil when there is none. Printable ASCII is skipped without decoding.
    public static func first(inUTF8 bytes: some Collection<UInt8>) -> (scalar: Unicode.Scalar, position: Int)? {
        var plain = true
        for b in bytes where b < 0x20 || b >= 0x7F {
            plain = false
            break
        }
        if plain { return nil }
        var position = 0
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            position += 1
            if isInvisible(scalar) { return (scalar, position) }
        }
        return nil
    }

    /// Whether `text` holds an invisible character.
    public static func contains(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isInvisible)
    }

    /// `text` with every invisible character written as `\u{200B}` (upper-case hex, as a Swift
    /// literal), so that a report shows it and a bidirectional override cannot reorder the line.
    public static func escaped(_ text: String) -> String {
        guard contains(text) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) { out += escape(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// One character as `\u{200B}`.
    public static func escape(_ s: Unicode.Scalar) -> String { "\\u{" + String(s.value, radix: 16, uppercase: true) + "}" }

    /// `U+200B ZERO WIDTH SPACE`, or `U+0009 (a control character)`.
    public static func describe(_ s: Unicode.Scalar) -> String {
        var hex = String(s.value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        if let name = s.properties.name, !name.isEmpty { return "U+\(hex) \(name)" }
        return "U+\(hex) (a control character)"
    }
}

/// Masking of personal data (EMŠO, names) in every output unless revealed (SPEC §6, docs/inputs.md "Personal data").
public enum Masking {
    /// A run of at least 10 digits (an EMŠO, a tax number) keeps its first 4 and last 3 digits
    /// (`0101******006`); any other text keeps its first character and shows `***` whatever its
    /// length (`J***` for `Janez Novak`); texts of one or two characters are `***`.
    public static func mask(_ s: String) -> String {
        let chars = Array(s)
        if chars.isEmpty { return "" }
        if chars.count >= 10, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            return String(chars.prefix(4)) + String(repeating: "*", count: chars.count - 7) + String(chars.suffix(3))
        }
        if chars.count <= 2 { return "***" }
        return String(chars[0]) + "***"
    }
}
