import ESFCore
import ESFEngine
import ESFInputs
import Foundation

/// Why a report (or another output) could not be written: exit code 2, with the target and the reason.
struct OutputError: Error, CustomStringConvertible {
    var target: String
    var reason: String
    var description: String { "cannot write \(target): \(reason)" }
}

/// Writes every byte of `bytes` (a `Data`, a `[UInt8]`) to a file descriptor, retrying on
/// interruption; throws the errno text.
func writeAll(_ bytes: some ContiguousBytes, to fd: Int32, target: String) throws(OutputError) {
    var failure: OutputError?
    bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        do throws(OutputError) { try writeAll(raw, to: fd, target: target) } catch { failure = error }
    }
    if let failure { throw failure }
}

/// Writes every byte of `raw` to a file descriptor, retrying on interruption; throws the errno text.
func writeAll(_ raw: UnsafeRawBufferPointer, to fd: Int32, target: String) throws(OutputError) {
    guard var p = raw.baseAddress else { return }
    var left = raw.count
    while left > 0 {
        let n = write(fd, p, left)
        if n < 0 {
            if errno == EINTR { continue }
            throw OutputError(target: target, reason: String(cString: strerror(errno)))
        }
        p += n
        left -= n
    }
}

/// A diagnostic line on stderr; a failure to write it is ignored (there is nowhere left to say so).
func printError(_ text: String) {
    try? writeAll(Data((text.hasSuffix("\n") ? text : text + "\n").utf8), to: STDERR_FILENO, target: "stderr")
}

/// Where reports go: stdout, or a regular file replaced atomically. Fail closed: a target that is one of
/// the run's inputs, a folder, a device, a FIFO or a socket is refused before anything is read, and the
/// file is written through a temporary file created exclusively beside it (`mkstemp`: `O_CREAT|O_EXCL`,
/// so a planted symlink cannot redirect it), synced, then renamed over the target.
enum Output {
    /// Refuses an output path that cannot safely receive a report; `protected` are the files the run reads.
    static func check(_ path: String, protecting protected: [String]) throws(OutputError) {
        if path.isEmpty { throw OutputError(target: "''", reason: "the output path is empty") }
        if path.hasSuffix("/") { throw OutputError(target: path, reason: "names a folder; give a file name") }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            var st = stat()
            guard stat(parent, &st) == 0 else { throw OutputError(target: path, reason: "the folder \(parent) does not exist") }
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw OutputError(target: path, reason: "\(parent) is not a folder") }
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw OutputError(target: path, reason: String(cString: strerror(errno)))
        }
        switch InputFile.kind(mode: st.st_mode) {
        case .regular, .missing: break
        case .directory: throw OutputError(target: path, reason: "is a folder; give a file name")
        case .other(let what): throw OutputError(target: path, reason: "is \(what), not a regular file (leave out --output to write to stdout)")
        }
        for file in protected {
            var other = stat()
            if stat(file, &other) == 0, other.st_dev == st.st_dev, other.st_ino == st.st_ino {
                throw OutputError(target: path, reason: "is \(Checker.displayPath(file)), a file this run reads; esfcheck never writes over its inputs")
            }
        }
    }

    /// Whether two paths name the same file (the same path, or the same existing file through links).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
        if absolute(a) == absolute(b) { return true }
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Every file under the given paths (folders searched three levels deep: a bundle, a folder of packs).
    static func files(under paths: [String], depth: Int = 3) -> [String] {
        var result: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                guard depth > 0 else { continue }
                let names = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
                result += files(under: names.map { (p as NSString).appendingPathComponent($0) }, depth: depth - 1)
            } else {
                result.append(p)
            }
        }
        return result
    }

    /// Writes `text` to stdout, or atomically to `path` (checked with `check` first).
    static func write(_ text: String, to path: String?, protecting protected: [String] = []) throws(OutputError) {
        try write(to: path, protecting: protected) { put throws(OutputError) in try put(text) }
    }

    /// Writes the pieces `produce` gives, one after another, to stdout or atomically to `path` (checked
    /// with `check` first): a large report is written as it is made, never held as one text. The
    /// pieces go out in blocks of 1 MB; to a file, nothing replaces the target unless every piece was
    /// written (a failure leaves the old file, or none).
    static func write(to path: String?, protecting protected: [String] = [],
                      _ produce: (_ put: (String) throws(OutputError) -> Void) throws(OutputError) -> Void) throws(OutputError) {
        func pieces(to fd: Int32, target: String) throws(OutputError) {
            var block: [UInt8] = []
            block.reserveCapacity(1 << 20)
            try produce { piece throws(OutputError) in
                var piece = piece
                piece.withUTF8 { block.append(contentsOf: $0) }
                if block.count >= 1 << 20 {
                    try writeAll(block, to: fd, target: target)
                    block.removeAll(keepingCapacity: true)
                }
            }
            try writeAll(block, to: fd, target: target)
        }
        guard let path else {
            try pieces(to: STDOUT_FILENO, target: "stdout")
            return
        }
        try check(path, protecting: protected)
        // a symlink at the target is followed: the file it points to is replaced, the link stays
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { dest in
            dest.hasPrefix("/") ? dest : (((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(dest))
        } ?? path
        let dir = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var template = Array(((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent(".\(name).XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw OutputError(target: path, reason: "cannot create a temporary file in \(dir.isEmpty ? "." : dir): \(String(cString: strerror(errno)))") }
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var isOpen = true
        do throws(OutputError) {
            // the mode an ordinary new file gets (mkstemp creates 0600), or the replaced file's mode
            var existing = stat()
            let mask = umask(0)
            umask(mask)
            let mode = stat(target, &existing) == 0 ? existing.st_mode & 0o7777 : 0o666 & ~mask
            fchmod(fd, mode)
            try pieces(to: fd, target: path)
            guard fsync(fd) == 0 else { throw OutputError(target: path, reason: String(cString: strerror(errno))) }
            isOpen = false
            guard close(fd) == 0 else { throw OutputError(target: path, reason: String(cString: strerror(errno))) }
        } catch {
            if isOpen { close(fd) }
            unlink(tmp)
            throw error
        }
        // rename(2) replaces the target atomically: a reader sees the old report or the new one, never half
        guard rename(tmp, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw OutputError(target: path, reason: reason)
        }
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
