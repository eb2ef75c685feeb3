#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ESFCore

/// A single-byte code page: the bytes 0x00–0x7F are ASCII, 0x80–0xFF map through a 128-entry table.
///
/// The tables are the official mappings (Unicode Consortium, `MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1250.TXT`
/// and `MAPPINGS/ISO8859/8859-2.TXT`, as Python's `cp1250` and `iso8859_2` codecs carry them).
/// Decoding goes byte by byte through a 256-entry table of UTF-8 sequences built once, so a
/// decoded file is valid UTF-8 by construction.
final class CodePage: Sendable {
    /// The encoding this page decodes.
    let encoding: TextEncoding
    /// Per byte: the length of its UTF-8 form (1–3), or 0 when the byte is not text in this page.
    private let lengths: [UInt8]
    /// Per byte: its UTF-8 form, packed first byte lowest.
    private let sequences: [UInt32]

    private init(encoding: TextEncoding, high: [UInt16], rejectC1: Bool) {
        self.encoding = encoding
        var lengths = [UInt8](repeating: 1, count: 256)
        var sequences = [UInt32](repeating: 0, count: 256)
        for b in 0..<128 { sequences[b] = UInt32(b) }
        for b in 128..<256 {
            let u = UInt32(high[b - 128])
            if u == 0 || (rejectC1 && (0x80...0x9F).contains(u)) {
                lengths[b] = 0
            } else if u < 0x800 {
                lengths[b] = 2
                sequences[b] = (0xC0 | u >> 6) | (0x80 | u & 0x3F) << 8
            } else {
                lengths[b] = 3
                sequences[b] = (0xE0 | u >> 12) | (0x80 | (u >> 6) & 0x3F) << 8 | (0x80 | u & 0x3F) << 16
            }
        }
        self.lengths = lengths
        self.sequences = sequences
    }

    /// The page of a single-byte encoding; nil for UTF-8 and `auto`.
    static func page(for encoding: TextEncoding) -> CodePage? {
        switch encoding {
        case .windows1250: return windows1250
        case .iso8859_2: return iso8859_2
        case .utf8, .auto: return nil
        }
    }

    /// Windows-1250. The bytes 0x81, 0x83, 0x88, 0x90 and 0x98 are undefined.
    static let windows1250 = CodePage(encoding: .windows1250, high: windows1250High, rejectC1: false)

    /// ISO-8859-2. Its bytes 0x80–0x9F are C1 control codes, which never appear in text:
    /// in practice they mean a Windows-1250 file declared as ISO-8859-2, so they are rejected.
    static let iso8859_2 = CodePage(encoding: .iso8859_2, high: iso8859_2High, rejectC1: true)

    /// The Unicode scalar of a byte, nil when it is not text in this page (tests, messages).
    func scalar(_ byte: UInt8) -> Unicode.Scalar? {
        if byte < 0x80 { return Unicode.Scalar(byte) }
        if lengths[Int(byte)] == 0 { return nil }
        let table = encoding == .windows1250 ? windows1250High : iso8859_2High
        return Unicode.Scalar(UInt32(table[Int(byte) - 128]))
    }

    /// Why `byte` is not text in this page, for the error message.
    func whyInvalid(_ byte: UInt8) -> String {
        let hex = "0x" + String(byte, radix: 16, uppercase: true)
        switch encoding {
        case .iso8859_2:
            return "byte \(hex) is a C1 control code in ISO-8859-2, never text (Windows-1250 uses it for letters such as Š and š)"
        default:
            return "byte \(hex) is not defined in \(encoding.displayName)"
        }
    }

    /// Decodes `count` bytes at `source` into `target`, which has room for 3 × `count` bytes.
    /// Returns the number of bytes written, or `-1 - i` when the byte at `i` is not text in this page.
    @inline(__always)
    func decode(_ source: UnsafePointer<UInt8>, count: Int, into target: UnsafeMutablePointer<UInt8>) -> Int {
        lengths.withUnsafeBufferPointer { len in
            sequences.withUnsafeBufferPointer { seq in
                var o = 0
                for i in 0..<count {
                    let b = source[i]
                    if b < 0x80 {
                        target[o] = b
                        o += 1
                        continue
                    }
                    let n = Int(len[Int(b)])
                    if n == 0 { return -1 - i }
                    let s = seq[Int(b)]
                    target[o] = UInt8(truncatingIfNeeded: s)
                    target[o + 1] = UInt8(truncatingIfNeeded: s >> 8)
                    if n == 3 { target[o + 2] = UInt8(truncatingIfNeeded: s >> 16) }
                    o += n
                }
                return o
            }
        }
    }
}

/// Windows-1250, bytes 0x80–0xFF (0 = undefined).
private let windows1250High: [UInt16] = [
        0x20AC, 0x0000, 0x201A, 0x0000, 0x201E, 0x2026, 0x2020, 0x2021,  // 0x80
        0x0000, 0x2030, 0x0160, 0x2039, 0x015A, 0x0164, 0x017D, 0x0179,  // 0x88
        0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 0x90
        0x0000, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A,  // 0x98
        0x00A0, 0x02C7, 0x02D8, 0x0141, 0x00A4, 0x0104, 0x00A6, 0x00A7,  // 0xA0
        0x00A8, 0x00A9, 0x015E, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x017B,  // 0xA8
        0x00B0, 0x00B1, 0x02DB, 0x0142, 0x00B4, 0x00B5, 0x00B6, 0x00B7,  // 0xB0
        0x00B8, 0x0105, 0x015F, 0x00BB, 0x013D, 0x02DD, 0x013E, 0x017C,  // 0xB8
        0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,  // 0xC0
        0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,  // 0xC8
        0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7,  // 0xD0
        0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,  // 0xD8
        0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7,  // 0xE0
        0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,  // 0xE8
        0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,  // 0xF0
        0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,  // 0xF8
]

/// ISO-8859-2, bytes 0x80–0xFF.
private let iso8859_2High: [UInt16] = [
        0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x0085, 0x0086, 0x0087,  // 0x80
        0x0088, 0x0089, 0x008A, 0x008B, 0x008C, 0x008D, 0x008E, 0x008F,  // 0x88
        0x0090, 0x0091, 0x0092, 0x0093, 0x0094, 0x0095, 0x0096, 0x0097,  // 0x90
        0x0098, 0x0099, 0x009A, 0x009B, 0x009C, 0x009D, 0x009E, 0x009F,  // 0x98
        0x00A0, 0x0104, 0x02D8, 0x0141, 0x00A4, 0x013D, 0x015A, 0x00A7,  // 0xA0
        0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B,  // 0xA8
        0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7,  // 0xB0
        0x00B8, 0x0161, 0x015F, 0x0165, 0x017A, 0x02DD, 0x017E, 0x017C,  // 0xB8
        0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,  // 0xC0
        0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,  // 0xC8
        0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7,  // 0xD0
        0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,  // 0xD8
        0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7,  // 0xE0
        0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,  // 0xE8
        0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,  // 0xF0
        0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,  // 0xF8
]

/// Decides the encoding of a file read with `encoding: auto` (ESF-DOMAIN §4.3).
///
/// A UTF-8 BOM means UTF-8; so does a file that is valid UTF-8 throughout (plain ASCII
/// included). Otherwise any of the bytes 0x8A, 0x8E, 0x9A, 0x9E (Š Ž š ž in
/// Windows-1250, C1 controls in ISO-8859-2) means Windows-1250; otherwise any of 0xA9,
/// 0xAE, 0xB9, 0xBE (Š Ž š ž in ISO-8859-2, © ® ą ľ in Windows-1250) means ISO-8859-2;
/// otherwise Windows-1250, the usual encoding of Slovenian Windows exports.
public enum EncodingDetector {
    /// The encoding of bytes in memory.
    public static func detect(bytes: [UInt8]) -> TextEncoding {
        var state = State()
        bytes.withUnsafeBufferPointer { state.feed($0) }
        return state.verdict
    }

    /// The encoding of a file, read in chunks (memory stays constant). Throws when it cannot be read.
    public static func detect(path: String, chunkSize: Int = 1 << 20) throws(InputError) -> TextEncoding {
        let fd = try InputFile.openRegular(path)
        defer { close(fd) }
        let size = max(16, chunkSize)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        defer { buffer.deallocate() }
        var state = State()
        while !state.decided {
            let n = read(fd, buffer, size)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(location: SourceLocation(file: path), message: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            state.feed(UnsafeBufferPointer(start: buffer, count: n))
        }
        return state.verdict
    }

    /// Streaming state: UTF-8 validity so far, and which marker bytes were seen.
    struct State {
        private var prefix: [UInt8] = []
        private var hasBOM = false
        private var validUTF8 = true
        private var need = 0
        private var low: UInt8 = 0x80
        private var high: UInt8 = 0xBF
        private var windowsMarker = false
        private var isoMarker = false

        /// Whether more bytes cannot change the verdict.
        var decided: Bool { hasBOM || (!validUTF8 && windowsMarker) }

        var verdict: TextEncoding {
            if hasBOM || (validUTF8 && need == 0) { return .utf8 }
            if windowsMarker { return .windows1250 }
            if isoMarker { return .iso8859_2 }
            return .windows1250
        }

        mutating func feed(_ p: UnsafeBufferPointer<UInt8>) {
            if prefix.count < 3 {
                prefix.append(contentsOf: p.prefix(3 - prefix.count))
                if prefix == [0xEF, 0xBB, 0xBF] {
                    hasBOM = true
                    return
                }
            }
            for b in p where b >= 0x80 || need > 0 {
                switch b {
                case 0x8A, 0x8E, 0x9A, 0x9E: windowsMarker = true
                case 0xA9, 0xAE, 0xB9, 0xBE: isoMarker = true
                default: break
                }
                guard validUTF8 else { continue }
                if need > 0 {
                    if b < low || b > high { validUTF8 = false; continue }
                    need -= 1
                    low = 0x80
                    high = 0xBF
                    continue
                }
                if let lead = UTF8Lead.bounds(b) { (need, low, high) = lead } else { validUTF8 = false }
            }
        }
    }
}

/// The well-formed UTF-8 sequences by their lead byte (Unicode Table 3-7): how many
/// continuation bytes follow and the range of the first one. Nil for a byte that cannot lead.
enum UTF8Lead {
    @inline(__always)
    static func bounds(_ lead: UInt8) -> (need: Int, low: UInt8, high: UInt8)? {
        switch lead {
        case 0xC2...0xDF: return (1, 0x80, 0xBF)
        case 0xE0: return (2, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: return (2, 0x80, 0xBF)
        case 0xED: return (2, 0x80, 0x9F)
        case 0xF0: return (3, 0x90, 0xBF)
        case 0xF1...0xF3: return (3, 0x80, 0xBF)
        case 0xF4: return (3, 0x80, 0x8F)
        default: return nil
        }
    }
}
