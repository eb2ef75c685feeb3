import ESFCore
import Foundation
import ZIPFoundation

/// The ZIP package of an Excel workbook, opened with ZIPFoundation and bounded by `XLSXLimits`.
///
/// Opening checks the first bytes (a legacy `.xls` or anything that is not a ZIP archive is refused
/// with a message that says what to do), the number of entries and the sizes the central directory
/// declares. `part(_:)` inflates one part into memory, counting the bytes as they come out, so a
/// header that lies about its size is stopped at the first bound it crosses.
final class XLSXPackage {
    /// The workbook's path, as given.
    let path: String
    let limits: XLSXLimits
    private let archive: Archive
    /// Entries by part name (no leading `/`).
    private var entries: [String: Entry] = [:]
    /// Bytes inflated so far, over all parts.
    private var inflatedTotal = 0

    /// Opens the workbook at `path`; throws an `InputError` naming the file when it is not a usable workbook.
    init(path: String, limits: XLSXLimits = .standard) throws(InputError) {
        self.path = path
        self.limits = limits
        try Self.checkKind(path)
        let opened: Archive
        do {
            opened = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw Self.error(path, "the workbook's ZIP archive cannot be read (its central directory is missing or damaged): save it again as an Excel workbook (.xlsx), or export each sheet as CSV")
        }
        archive = opened
        var count = 0
        var declaredTotal: UInt64 = 0
        for entry in opened {
            count += 1
            if count > limits.maxEntries {
                throw Self.error(path, "the workbook's archive has more than \(limits.maxEntries) parts (limit): it is refused, as a workbook of an operation has a few dozen")
            }
            let name = Self.normalized(entry.path)
            try checkDeclared(entry, name: name)
            declaredTotal += entry.uncompressedSize
            if declaredTotal > UInt64(limits.maxTotalBytes) {
                throw Self.error(path, "the workbook's parts declare more than \(limits.maxTotalBytes) bytes in all (limit) when inflated: it is refused unread")
            }
            // two entries of one name (`xl/./worksheets/sheet1.xml` beside `xl/worksheets/sheet1.xml`):
            // Excel and a viewer may show one, esfcheck would check the other
            guard entries[name] == nil else {
                throw Self.error(path, "the workbook's archive holds the part \(InputMessages.display(Array(name.utf8)[...])) twice: it is refused, as which copy Excel shows is not certain")
            }
            entries[name] = entry
        }
    }

    /// Refuses a legacy `.xls` (OLE2), macro-enabled or binary workbooks, and files that are not ZIP archives.
    static func checkKind(_ path: String) throws(InputError) {
        try InputFile.requireRegular(path)
        let lower = path.lowercased()
        if lower.hasSuffix(".xlsm") || lower.hasSuffix(".xlsb") {
            throw error(path, "a macro-enabled (.xlsm) or binary (.xlsb) workbook is not read: save it as an Excel workbook (.xlsx), or export each sheet as CSV")
        }
        let fd = try InputFile.openRegular(path)
        var head = [UInt8](repeating: 0, count: 8)
        let n = head.withUnsafeMutableBytes { raw in raw.baseAddress.map { readBytes(fd, $0, 8) } ?? 0 }
        close(fd)
        if n >= 8 && head == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            throw error(path, "this is an Excel 97–2003 workbook (.xls, BIFF), which esfcheck does not read: save it as an Excel workbook (.xlsx), or export each sheet as CSV")
        }
        if n < 4 || !(head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06])) {
            throw error(path, "this is not an Excel workbook: an .xlsx file is a ZIP archive (it starts with the bytes PK), this file is not one. Save it as an Excel workbook (.xlsx), or export each sheet as CSV")
        }
    }

    private func checkDeclared(_ entry: Entry, name: String) throws(InputError) {
        let size = entry.uncompressedSize
        if size > UInt64(limits.maxPartBytes) {
            throw Self.error(path, "part \(name) declares \(size) bytes when inflated, more than the limit of \(limits.maxPartBytes) bytes per part: the workbook is refused unread")
        }
        if size > UInt64(limits.ratioFloorBytes), size / max(entry.compressedSize, 1) > UInt64(limits.maxRatio) {
            throw Self.error(path, "part \(name) declares a compression ratio above \(limits.maxRatio):1 (\(entry.compressedSize) bytes inflating to \(size)), the mark of a zip bomb: the workbook is refused unread")
        }
    }

    /// Whether the package holds `part`.
    func has(_ part: String) -> Bool { entries[Self.normalized(part)] != nil }

    /// The part names, in no particular order.
    var partNames: [String] { Array(entries.keys) }

    /// Inflates `part` (nil: the package has no such part), counting each chunk against the limits.
    func part(_ part: String) throws(InputError) -> [UInt8]? {
        let name = Self.normalized(part)
        guard let entry = entries[name] else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(min(entry.uncompressedSize, UInt64(limits.maxPartBytes))))
        let limits = self.limits
        let compressed = max(Int(entry.compressedSize), 1)
        var total = inflatedTotal
        var overrun: String?
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                bytes.append(contentsOf: chunk)
                total += chunk.count
                if bytes.count > limits.maxPartBytes {
                    overrun = "part \(name) inflates to more than \(limits.maxPartBytes) bytes (limit per part), more than its header declares: the workbook is refused"
                } else if total > limits.maxTotalBytes {
                    overrun = "the workbook's parts inflate to more than \(limits.maxTotalBytes) bytes in all (limit): the workbook is refused"
                } else if bytes.count > limits.ratioFloorBytes && bytes.count / compressed > limits.maxRatio {
                    overrun = "part \(name) inflates more than \(limits.maxRatio) times its compressed size (\(compressed) bytes), the mark of a zip bomb: the workbook is refused"
                }
                if overrun != nil { throw Archive.ArchiveError.cancelledOperation }
            }
        } catch {
            if let overrun { throw Self.error(path, overrun) }
            throw Self.error(path, "part \(name) cannot be inflated (the archive is damaged or its checksum does not match): save the workbook again")
        }
        inflatedTotal = total
        return bytes
    }

    /// A part name without a leading `/`, with `.` and `..` segments resolved.
    static func normalized(_ name: String) -> String {
        var parts: [Substring] = []
        for segment in name.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(segment)
        }
        return parts.joined(separator: "/")
    }

    /// The part a relationship's `Target` names, relative to the folder of `source` (or absolute with `/`).
    static func resolve(_ target: String, from source: String) -> String {
        if target.hasPrefix("/") { return normalized(target) }
        let folder = source.split(separator: "/").dropLast().joined(separator: "/")
        return normalized(folder.isEmpty ? target : folder + "/" + target)
    }

    static func error(_ path: String, _ message: String, part: String? = nil, line: Int? = nil) -> InputError {
        InputError(location: SourceLocation(file: path, line: line), message: part.map { "\($0): " + message } ?? message)
    }
}
