#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The start tags of records found by their line, for the raw values of findings without parsing
/// the document a second time (`XMLRecordSource.rawValues`).
///
/// A finding's record is known by its XPath and by the line where its start tag begins. Finding
/// that line takes one scan for line feeds (memchr speed, not a parse); the record's start tag is
/// then read from that line and its attribute taken as libxml2 gives it (entity and character
/// references replaced, white space normalised as XML 1.0 §3.3.3 says for CDATA attributes).
///
/// The line alone identifies the record only when nothing else can be mistaken for it, so a
/// record is answered here only when, on its line, outside any tag there is nothing but white
/// space, no comment, processing instruction or CDATA section starts, and exactly one start tag
/// has the record element's (local) name. Anything else — a line that starts inside a tag (the
/// line of a start tag that spans lines and is not where it begins), two same-named elements on
/// one line (a file written on one line), an entity this reader does not replace, a file not in
/// UTF-8, a carriage return that is not part of CR LF before the record's line (libxml2 counts
/// line feeds only) — leaves the record to the full pass, which finds it by its XPath.
struct XMLStartTags {
    /// The largest line (and start tag) looked at: past it, the full pass answers.
    static let maxLineBytes = 1 << 20

    /// Per wanted line, the start tag of the one element named as asked on it: the bytes from `<`
    /// to `>`. Lines without a unique such tag are absent; nil when the file cannot be read this
    /// way at all (not UTF-8, unreadable, a lone carriage return before a wanted line).
    static func find(path: String, wanted: [Int: [UInt8]]) -> [Int: [UInt8]]? {
        // a regular file only (a path swapped for a FIFO since the first read cannot block here)
        guard let fd = try? InputFile.openRegular(path) else { return nil }
        defer { close(fd) }
        guard isUTF8(fd), let starts = lineStarts(fd, lines: wanted.keys.sorted()) else { return nil }
        var tags: [Int: [UInt8]] = [:]
        for (line, name) in wanted {
            guard let offset = starts[line], let tag = startTag(fd, at: offset, named: name) else { continue }
            tags[line] = tag
        }
        return tags
    }

    /// Whether the file is UTF-8 (or ASCII): no UTF-16 or UCS-4 byte pattern, and an XML
    /// declaration, if any, naming UTF-8 or US-ASCII.
    static func isUTF8(_ fd: Int32) -> Bool {
        var head = [UInt8](repeating: 0, count: 512)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return false }
        var bytes = Array(head[..<n])
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.count >= 2, bytes[0] == 0 || bytes[1] == 0 || bytes[0] == 0xFE || bytes[0] == 0xFF { return false }
        guard bytes.starts(with: Array("<?xml".utf8)) else { return true }
        guard let end = bytes.firstRange(of: Array("?>".utf8))?.lowerBound else { return false }
        let declaration = bytes[..<end]
        guard let at = declaration.firstRange(of: Array("encoding".utf8))?.lowerBound else { return true }
        var i = at + 8
        while i < end, isXMLSpace(bytes[i]) || bytes[i] == UInt8(ascii: "=") { i += 1 }
        guard i < end, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { return false }
        let quote = bytes[i]
        guard let close = bytes[(i + 1)..<end].firstIndex(of: quote) else { return false }
        let name = String(decoding: bytes[(i + 1)..<close], as: UTF8.self).lowercased()
        return ["utf-8", "utf8", "us-ascii", "ascii"].contains(name)
    }

    /// The byte offset where each of `lines` (sorted, 1-based, counted by line feeds as libxml2
    /// counts them) starts; nil on a read error or a carriage return not followed by a line feed
    /// before the last wanted line.
    static func lineStarts(_ fd: Int32, lines: [Int]) -> [Int: Int]? {
        var starts: [Int: Int] = [:]
        var next = 0
        while next < lines.count && lines[next] <= 1 {
            if lines[next] == 1 { starts[1] = 0 }
            next += 1
        }
        guard next < lines.count else { return starts }
        let size = 1 << 22
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        defer { buffer.deallocate() }
        var line = 1
        var base = 0
        var pendingCR = false
        while next < lines.count {
            let n = read(fd, buffer, size)
            if n < 0 { return nil }
            if n == 0 { break }
            if pendingCR && buffer[0] != 0x0A { return nil }
            pendingCR = false
            // a carriage return must be followed by a line feed (CR LF); libxml2 does not count a lone one
            var p = UnsafeMutableRawPointer(buffer)
            var left = n
            while left > 0, let cr = memchr(p, 0x0D, left) {
                let k = UnsafeMutableRawPointer(buffer).distance(to: cr)
                if k + 1 == n { pendingCR = true; break }
                if buffer[k + 1] != 0x0A { return nil }
                p = cr + 1
                left = n - k - 1
            }
            p = UnsafeMutableRawPointer(buffer)
            left = n
            while left > 0, next < lines.count, let lf = memchr(p, 0x0A, left) {
                let k = UnsafeMutableRawPointer(buffer).distance(to: lf)
                line += 1
                if lines[next] == line {
                    starts[line] = base + k + 1
                    next += 1
                }
                p = lf + 1
                left = n - k - 1
            }
            base += n
        }
        return starts
    }

    /// The start tag of the one element named `name` on the line starting at `offset`, or nil.
    static func startTag(_ fd: Int32, at offset: Int, named name: [UInt8]) -> [UInt8]? {
        var window = 4096
        while window <= maxLineBytes {
            var bytes = [UInt8](repeating: 0, count: window)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            guard n > 0 else { return nil }
            bytes.removeLast(window - n)
            switch scan(bytes, named: name, complete: n < window) {
            case .found(let range): return Array(bytes[range])
            case .none: return nil
            case .needMore: window *= 4
            }
        }
        return nil
    }

    enum Scan: Equatable {
        case found(Range<Int>)
        case none
        case needMore
    }

    /// Scans one line (up to its line feed) for the start tag of `name`, then reads that tag to its
    /// `>`; `complete`: `bytes` runs to the end of the file.
    static func scan(_ bytes: [UInt8], named name: [UInt8], complete: Bool) -> Scan {
        var i = 0
        var inTag = false
        var quote: UInt8 = 0
        var tagStart = -1, tagEnd = -1
        var openTag = -1
        var count = 0
        // the line: outside tags white space only; count the start tags named `name` (a tag that
        // begins on the line is read to its end, so the counted tag's `>` is found on the way)
        while true {
            guard i < bytes.count else {
                // the line goes on past the bytes read, or the file ends (inside a tag: not read here)
                if !complete { return .needMore }
                if inTag { return .none }
                break
            }
            let b = bytes[i]
            if b == 0x0A && !inTag { break }
            if inTag {
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    quote = b
                } else if b == UInt8(ascii: ">") {
                    inTag = false
                    if openTag == tagStart { tagEnd = i + 1 }
                }
                i += 1
                continue
            }
            if isXMLSpace(b) { i += 1; continue }
            guard b == UInt8(ascii: "<"), i + 1 < bytes.count else { return complete || b != UInt8(ascii: "<") ? .none : .needMore }
            let c = bytes[i + 1]
            if c == UInt8(ascii: "!") || c == UInt8(ascii: "?") { return .none }
            inTag = true
            openTag = i
            if c == UInt8(ascii: "/") { i += 2; continue }
            var j = i + 1
            while j < bytes.count, !isXMLSpace(bytes[j]), bytes[j] != UInt8(ascii: "/"), bytes[j] != UInt8(ascii: ">") { j += 1 }
            if j == bytes.count && !complete { return .needMore }
            var local = i + 1
            if let colon = bytes[(i + 1)..<j].lastIndex(of: UInt8(ascii: ":")) { local = colon + 1 }
            if bytes[local..<j].elementsEqual(name) {
                count += 1
                tagStart = i
            }
            i = j
        }
        // the loop ends outside any tag, so the one counted tag was read to its `>`
        guard count == 1, tagEnd > tagStart else { return .none }
        return .found(tagStart..<tagEnd)
    }

    /// What a start tag holds for an attribute without a namespace prefix.
    enum Attribute: Equatable {
        /// Its value as libxml2 gives it.
        case value([UInt8])
        /// The tag has no such attribute.
        case absent
        /// A reference this reader does not replace, or a tag it does not read: ask the full pass.
        case unsupported
    }

    /// The value of attribute `name` in a start tag (`<` … `>`).
    static func attribute(_ name: [UInt8], in tag: [UInt8]) -> Attribute {
        var i = 1
        while i < tag.count, !isXMLSpace(tag[i]), tag[i] != UInt8(ascii: "/"), tag[i] != UInt8(ascii: ">") { i += 1 }
        while true {
            while i < tag.count, isXMLSpace(tag[i]) { i += 1 }
            guard i < tag.count else { return .unsupported }
            if tag[i] == UInt8(ascii: "/") || tag[i] == UInt8(ascii: ">") { return .absent }
            let nameStart = i
            while i < tag.count, !isXMLSpace(tag[i]), tag[i] != UInt8(ascii: "=") { i += 1 }
            let attributeName = tag[nameStart..<i]
            while i < tag.count, isXMLSpace(tag[i]) { i += 1 }
            guard i < tag.count, tag[i] == UInt8(ascii: "=") else { return .unsupported }
            i += 1
            while i < tag.count, isXMLSpace(tag[i]) { i += 1 }
            guard i < tag.count, tag[i] == UInt8(ascii: "\"") || tag[i] == UInt8(ascii: "'") else { return .unsupported }
            let quote = tag[i]
            guard let close = tag[(i + 1)...].firstIndex(of: quote) else { return .unsupported }
            if attributeName.elementsEqual(name) {
                return decoded(tag[(i + 1)..<close]).map(Attribute.value) ?? .unsupported
            }
            i = close + 1
        }
    }

    /// An attribute value with references replaced and white space normalised (CR LF, CR, LF and
    /// tab are each one space; a character reference stays as written); nil for an entity
    /// reference other than the five predefined ones, or a malformed reference.
    static func decoded(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            switch b {
            case 0x0D:
                out.append(0x20)
                i += (i + 1 < raw.endIndex && raw[i + 1] == 0x0A) ? 2 : 1
            case 0x0A, 0x09:
                out.append(0x20)
                i += 1
            case UInt8(ascii: "&"):
                guard let semicolon = raw[i...].firstIndex(of: UInt8(ascii: ";")) else { return nil }
                let reference = String(decoding: raw[(i + 1)..<semicolon], as: UTF8.self)
                switch reference {
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "amp": out.append(UInt8(ascii: "&"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    guard reference.hasPrefix("#") else { return nil }
                    let digits = reference.dropFirst()
                    let code = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                    guard let code, !digits.isEmpty, digits.allSatisfy({ $0.isHexDigit || $0 == "x" }),
                          let scalar = Unicode.Scalar(code), code != 0 else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
                i = semicolon + 1
            default:
                out.append(b)
                i += 1
            }
        }
        return out
    }
}
