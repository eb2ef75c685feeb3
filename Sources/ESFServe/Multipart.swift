import Foundation

/// A strict `multipart/form-data` reader (RFC 7578) for uploads: every part must be a file of the form
/// field `file` with a plain file name; anything else is a 400. The body is read from a file (mapped,
/// not copied into memory) and each part's content is handed over as a range of it.
enum Multipart {
    /// One uploaded file: its name as the client sent it (checked by `UploadName`) and where its bytes are.
    struct Part {
        var filename: String
        var range: Range<Int>
    }

    /// The largest header block of one part.
    static let maxHeaderBytes = 8 << 10

    /// The boundary of a `multipart/form-data; boundary=…` content type (RFC 2046: 1 to 70 characters).
    static func boundary(contentType: String) throws(Problem) -> String {
        let params = Self.parameters(contentType.split(separator: ";", maxSplits: 1).dropFirst().first.map(String.init) ?? "")
        guard let boundary = params["boundary"], (1...70).contains(boundary.utf8.count),
              boundary.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .badRequest("a multipart/form-data upload needs a boundary of 1 to 70 printable ASCII characters in its Content-Type")
        }
        return boundary
    }

    /// The parts of `body`; at most `maxParts` of them.
    static func parts(of body: Data, boundary: String, maxParts: Int) throws(Problem) -> [Part] {
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        let result = body.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<[Part], Problem> in
            do throws(Problem) {
                return .success(try parts(of: raw.bindMemory(to: UInt8.self), dashBoundary: dashBoundary, delimiter: delimiter, boundary: boundary, maxParts: maxParts))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func parts(of b: UnsafeBufferPointer<UInt8>, dashBoundary: [UInt8], delimiter: [UInt8], boundary: String, maxParts: Int) throws(Problem) -> [Part] {
            // the first boundary: at the very start, or after a preamble that ends with CRLF
            var pos: Int
            if b.starts(with: dashBoundary) {
                pos = dashBoundary.count
            } else if let i = find(delimiter, in: b, from: 0) {
                pos = i + delimiter.count
            } else {
                throw .badRequest("the multipart body holds no boundary line --\(boundary)")
            }
            var parts: [Part] = []
            while true {
                // after a boundary: `--` ends the body, else optional blanks and CRLF start a part
                if pos + 1 < b.count, b[pos] == 0x2D, b[pos + 1] == 0x2D { break }
                while pos < b.count, b[pos] == 0x20 || b[pos] == 0x09 { pos += 1 }
                guard pos + 1 < b.count, b[pos] == 0x0D, b[pos + 1] == 0x0A else {
                    throw .badRequest("the multipart body is malformed: a boundary line is not followed by CRLF (or the body ends without the closing boundary)")
                }
                pos += 2
                guard let headerEnd = find(Array("\r\n\r\n".utf8), in: b, from: pos), headerEnd - pos <= maxHeaderBytes else {
                    // a part with no header at all starts right away with CRLF
                    if pos + 1 < b.count, b[pos] == 0x0D, b[pos + 1] == 0x0A {
                        throw .badRequest("a multipart part has no Content-Disposition header")
                    }
                    throw .badRequest("the multipart body is malformed: a part's headers do not end (or exceed \(maxHeaderBytes) bytes)")
                }
                let headers = String(decoding: UnsafeBufferPointer(rebasing: b[pos..<headerEnd]), as: UTF8.self)
                let filename = try Self.filename(headers: headers)
                let start = headerEnd + 4
                guard let end = find(delimiter, in: b, from: start) else {
                    throw .badRequest("the multipart body is malformed: it ends without the closing boundary --\(boundary)--")
                }
                parts.append(Part(filename: filename, range: start..<end))
                if parts.count > maxParts { throw .badRequest("the upload holds more than \(maxParts) files") }
                pos = end + delimiter.count
            }
            guard !parts.isEmpty else { throw .badRequest("the multipart upload holds no file") }
            return parts
    }

    /// The file name of a part from its headers; the part must be `Content-Disposition: form-data;
    /// name="file"; filename="…"`.
    static func filename(headers: String) throws(Problem) -> String {
        var disposition: String?
        for line in headers.split(separator: "\r\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else {
                throw .badRequest("a multipart part has a malformed header line")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-disposition" {
                if disposition != nil { throw .badRequest("a multipart part has two Content-Disposition headers") }
                disposition = value
            }
        }
        guard let disposition else { throw .badRequest("a multipart part has no Content-Disposition header") }
        let kind = disposition.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard kind == "form-data" else { throw .badRequest("a multipart part is not form-data (Content-Disposition: \(QueryParameters.shown(Substring(disposition))))") }
        let params = parameters(disposition.split(separator: ";", maxSplits: 1).dropFirst().first.map(String.init) ?? "")
        guard params["name"] == "file" else {
            throw .badRequest("every part of the upload must be a file of the form field 'file' (found the field '\(QueryParameters.shown(Substring(params["name"] ?? "")))')")
        }
        guard let filename = params["filename"] else { throw .badRequest("a part of the field 'file' has no filename") }
        return filename
    }

    /// `; a=b; c="d e"` → [a: b, c: d e] (names lower-cased; quoted strings unescaped).
    static func parameters(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var chars = Substring(text)
        while !chars.isEmpty {
            chars = chars.drop { $0 == ";" || $0 == " " || $0 == "\t" }
            guard let eq = chars.firstIndex(of: "=") else { break }
            let name = chars[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            chars = chars[chars.index(after: eq)...].drop { $0 == " " || $0 == "\t" }
            var value = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                var escaped = false
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if escaped { value.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { value.append(c) }
                }
                chars = chars.drop { $0 != ";" }
            } else {
                let end = chars.firstIndex(of: ";") ?? chars.endIndex
                value = chars[..<end].trimmingCharacters(in: .whitespaces)
                chars = chars[end...]
            }
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count, let base = haystack.baseAddress else { return nil }
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
            let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, needle, needle.count) == 0 { return at }
            i = at + 1
        }
        return nil
    }
}
