#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ESFCore

/// Opening input files: only regular files are read.
///
/// A FIFO blocks `open` until a writer comes, a character device such as `/dev/zero`
/// never ends, a socket cannot be opened at all: none of them is an export. Every
/// reader opens its files through here, so such a path is refused (exit 3) before it
/// can block or grow without bound. Symbolic links are followed: a link to a regular
/// file is read, a link to `/dev/zero` is refused.
package enum InputFile {
    /// What a path is, following symbolic links.
    package enum Kind: Equatable {
        case regular
        case missing
        case directory
        /// A FIFO, device, socket…: named for messages (`a FIFO (named pipe)`).
        case other(String)
    }

    /// What `path` is (stat, following symbolic links).
    package static func kind(_ path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        return kind(mode: info.st_mode)
    }

    /// What a `stat` mode says a path is.
    package static func kind(mode: mode_t) -> Kind {
        switch mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFIFO: return .other("a FIFO (named pipe)")
        case S_IFCHR: return .other("a character device")
        case S_IFBLK: return .other("a block device")
        case S_IFSOCK: return .other("a socket")
        default: return .other("not a regular file")
        }
    }

    /// The error for a path that exists but is not a regular file.
    package static func notRegular(_ path: String, _ what: String) -> InputError {
        InputError(location: SourceLocation(file: path),
                   message: "\(what), not a regular file: esfcheck reads only regular files (refused before opening, so nothing blocks or grows without end); copy the data into a file and check that")
    }

    /// Throws unless `path` is a regular file (or a link to one).
    package static func requireRegular(_ path: String, what: String = "the file") throws(InputError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw InputError(location: SourceLocation(file: path), message: "cannot open \(what): \(String(cString: strerror(errno)))")
        }
        switch kind(mode: info.st_mode) {
        case .regular: return
        case .missing: throw InputError(location: SourceLocation(file: path), message: "cannot open \(what)")
        case .directory: throw notRegular(path, "a folder")
        case .other(let what): throw notRegular(path, what)
        }
    }

    /// Opens a regular file for reading; refuses anything else before opening it.
    ///
    /// Opened with `O_NONBLOCK`, so that a path swapped for a FIFO after the check still
    /// cannot block, and checked again on the descriptor (regular files ignore the flag).
    /// The caller owns the descriptor.
    package static func openRegular(_ path: String, what: String = "the file") throws(InputError) -> Int32 {
        try requireRegular(path, what: what)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            throw InputError(location: SourceLocation(file: path), message: "cannot open \(what): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
            let k = kind(mode: info.st_mode)
            close(fd)
            if case .other(let name) = k { throw notRegular(path, name) }
            throw notRegular(path, "not a regular file")
        }
        return fd
    }
}
