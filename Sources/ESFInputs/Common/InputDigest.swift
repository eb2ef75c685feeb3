#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import ESFCore

/// The SHA-256 of an input file, computed from the very bytes a reader reads, as it reads them.
///
/// Each reader feeds every chunk it reads from the file (before any decoding) to one
/// `InputDigest`, so the report's hashes cost no second read of the inputs. A file read
/// twice for encoding detection is hashed only in the reading pass, so every byte counts
/// exactly once. If a reader stops before the end of the file, `finish(fd:)` hashes the rest.
final class InputDigest {
    private var hasher = SHA256()
    /// The hex digest once the file was read to its end.
    private(set) var hex: String?
    /// Counts the bytes hashed (every byte of the file once), for a progress display; nil: not counted.
    var progress: ReadProgress?
    /// False: nothing is hashed (a file read again for a few cells), and `hex` stays nil.
    var hashes = true

    init() {}

    /// Hashes bytes just read from the file.
    @inline(__always)
    func update(_ bytes: UnsafeRawBufferPointer) {
        if !bytes.isEmpty {
            if hashes { hasher.update(bufferPointer: bytes) }
            progress?.add(bytes.count)
        }
    }

    /// The file was read to its end: the digest is final.
    func finalize() {
        guard hex == nil, hashes else { return }
        hex = Hex.lowercase(hasher.finalize())  // as `sha256sum` prints it
    }

    /// Hashes whatever `fd` still holds (the reader stopped early), then finalizes.
    /// Nil digest when the rest cannot be read.
    func finish(fd: Int32) {
        guard hex == nil, hashes, fd >= 0 else { return }
        let size = 1 << 16
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let n = readBytes(fd, chunk, size)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if n == 0 { break }
            update(UnsafeRawBufferPointer(start: chunk, count: n))
        }
        finalize()
    }
}

/// A source that knows the SHA-256 of the files it has read (hex, as `sha256sum` prints it).
public protocol InputDigests {
    /// The hash of `file` as read by the last `read`; nil when it was not read to its end.
    func sha256(of file: String) -> String?
}

/// `read(2)`, named apart from the readers' own `read` methods.
@inline(__always)
func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
