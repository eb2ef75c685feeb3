import Foundation
import Hummingbird

/// The private folder of one request's upload: created with mode 0700 under the server's temporary
/// folder, holding the body and the uploaded files, and removed with everything in it once the answer
/// is made (also after an error or a time-out). Nothing else of a request is written to disk.
final class UploadFolder: Sendable {
    let path: String

    /// Creates a fresh folder (`mkdtemp`: a new name, mode 0700) under `root`.
    init(under root: String) throws(Problem) {
        var template = Array((root as NSString).appendingPathComponent("esfcheck-serve-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw Problem(.internalServerError, "internal", "Internal error", detail: "the server could not make a temporary folder for the upload") }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes the folder and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Streams `body` into a new file of the folder; 413 past `limit` bytes (the rest is not read).
    func receive(_ body: RequestBody, as name: String, limit: Int) async throws(Problem) -> String {
        let file = (path as NSString).appendingPathComponent(name)
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Problem(.internalServerError, "internal", "Internal error", detail: "the server could not store the upload") }
        defer { close(fd) }
        var total = 0
        do {
            for try await buffer in body {
                total += buffer.readableBytes
                if total > limit { throw Problem.tooLarge(limit) }
                let ok = buffer.withUnsafeReadableBytes { raw -> Bool in
                    var p = raw.baseAddress
                    var left = raw.count
                    while left > 0, let q = p {
                        let n = write(fd, q, left)
                        if n < 0 { if errno == EINTR { continue } else { return false } }
                        p = q + n
                        left -= n
                    }
                    return true
                }
                guard ok else { throw Problem(.internalServerError, "internal", "Internal error", detail: "the server could not store the upload") }
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.badRequest("the request body could not be read to its end")
        }
        return file
    }

    /// Writes bytes to a new file of the folder (a part of a multipart upload).
    func store(_ data: Data, as relative: String) throws(Problem) -> String {
        let file = (path as NSString).appendingPathComponent(relative)
        guard FileManager.default.createFile(atPath: file, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw Problem(.internalServerError, "internal", "Internal error", detail: "the server could not store the upload")
        }
        return file
    }

    /// Makes a sub-folder (mode 0700).
    func folder(_ name: String) throws(Problem) -> String {
        let dir = (path as NSString).appendingPathComponent(name)
        guard mkdir(dir, 0o700) == 0 else { throw Problem(.internalServerError, "internal", "Internal error", detail: "the server could not store the upload") }
        return dir
    }
}

extension Problem {
    static func tooLarge(_ limit: Int) -> Problem {
        Problem(.contentTooLarge, "too-large", "Upload too large", detail: "the request body is larger than this server's limit of \(limit) bytes")
    }
}

/// The name of an uploaded file, checked: a plain file name (no folder, no `..`, no control character,
/// at most 255 bytes, not hidden), so that it can name a file of the upload folder and nothing else.
enum UploadName {
    static func check(_ name: String) throws(Problem) -> String {
        let shown = QueryParameters.shown(Substring(name))
        guard !name.isEmpty else { throw .badRequest("an uploaded file has an empty filename") }
        guard name.utf8.count <= 255 else { throw .badRequest("the filename '\(shown)' is longer than 255 bytes") }
        guard !name.contains("/"), !name.contains("\\") else {
            throw .badRequest("the filename '\(shown)' names a folder; give the file's name only")
        }
        guard !name.contains(".."), !name.hasPrefix(".") else {
            throw .badRequest("the filename '\(shown)' is not a plain file name (it starts with '.' or holds '..')")
        }
        // format characters too (U+202E RIGHT-TO-LEFT OVERRIDE would make `export‮lmx.csv` read as another name)
        guard !name.unicodeScalars.contains(where: { [.control, .format].contains($0.properties.generalCategory) || $0 == "\u{FFFD}" }) else {
            throw .badRequest("the filename '\(shown)' holds a control or format character, or bytes that are not UTF-8")
        }
        return name
    }
}
