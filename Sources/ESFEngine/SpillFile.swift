#if canImport(Glibc)
import Glibc
#endif
import ESFCore
import Foundation

/// A temporary file for the state a run writes once and reads back rarely or once, so that it does
/// not stay in memory for the whole stream: the records deferred rules wait on (read once, in order,
/// at the end of the stream) and the places of the first record of each `unique` key and of each
/// `no_overlap` interval (read only for a duplicate or an overlap).
///
/// The file is made in `$TMPDIR` (else `/tmp`) with `mkstemp` and unlinked at once: it has no name,
/// nothing else can open it, and it goes with the process however the run ends. State is written
/// in chunks of about `chunkBytes`; a chunk the file cannot take (no temporary directory, a full
/// disk) stays in memory, so nothing is lost. A chunk that cannot be read back is `failure`, which
/// the engine reports as a rule that could not be evaluated: the run never passes on it.
final class SpillFile {
    /// The size of a chunk written at once; 0 keeps everything in memory.
    let chunkBytes: Int
    private var fd: Int32 = -1
    private var opened = false
    private var end: Int64 = 0
    /// Bytes written to the file (for the docs' figures and tests).
    private(set) var bytesWritten: Int64 = 0
    /// The first failure to read back, as text.
    private(set) var failure: String?

    /// The directory of the file: `$TMPDIR`, else `/tmp`, unless given.
    private let directory: String?

    init(chunkBytes: Int, directory: String? = nil) {
        self.chunkBytes = max(0, chunkBytes)
        self.directory = directory
    }

    /// Closes the file, so that what is in it can no longer be read back (tests of that failure).
    func closeForTesting() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Writes `bytes` at the end of the file: their offset, or nil when no file could be made or the
    /// write failed (the caller keeps the bytes).
    func write(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard chunkBytes > 0, !bytes.isEmpty else { return nil }
        if !opened {
            opened = true
            fd = Self.makeFile(directory)
        }
        guard fd >= 0, let base = bytes.baseAddress else { return nil }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(end + Int64(done)))
            if n < 0 && errno == EINTR { continue }
            // a failed write leaves `end` where it was: the next chunk overwrites the partial bytes
            guard n > 0 else { return nil }
            done += n
        }
        let at = end
        end += Int64(bytes.count)
        bytesWritten = end
        return at
    }

    /// Reads `buffer.count` bytes at `offset`; false (and `failure` set) when they cannot be read.
    func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        guard fd >= 0 else {
            if failure == nil { failure = "the temporary file is closed" }
            return false
        }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + Int64(done)))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                if failure == nil {
                    failure = n == 0 ? "the temporary file ended early" : String(cString: strerror(errno))
                }
                return false
            }
            done += n
        }
        return true
    }

    /// A full chunk of a spilled store: `tail` written to the file (kept in memory when it cannot
    /// be), and emptied for the next chunk.
    func chunk<Element: BitwiseCopyable>(of tail: inout [Element]) -> SpilledChunk<Element> {
        let written = tail.withUnsafeBytes { write($0) }
        let chunk: SpilledChunk<Element> = written.map { .file(offset: $0, count: tail.count) } ?? .memory(tail)
        tail.removeAll(keepingCapacity: true)
        return chunk
    }

    private static func makeFile(_ directory: String?) -> Int32 {
        var dir = directory ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        if dir.isEmpty { dir = "/tmp" }
        var template = Array((dir + "/esfcheck-state-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return -1 }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        return fd
    }
}

/// Where a chunk of spilled state is: still in memory, or in the spill file.
enum SpilledChunk<Element> {
    case memory([Element])
    case file(offset: Int64, count: Int)
}

/// An append-only array of fixed-size elements whose full chunks go to a `SpillFile`; an element is
/// read back by its index (one `pread` when its chunk is in the file).
struct SpilledArray<Element: BitwiseCopyable> {
    private let file: SpillFile
    private let perChunk: Int
    private var chunks: [SpilledChunk<Element>] = []
    private var tail: [Element] = []

    init(file: SpillFile) {
        self.file = file
        perChunk = file.chunkBytes > 0 ? max(1, file.chunkBytes / max(1, MemoryLayout<Element>.stride)) : Int.max
    }

    var count: Int { chunks.count * perChunk + tail.count }

    mutating func append(_ element: Element) {
        tail.append(element)
        guard tail.count >= perChunk else { return }
        chunks.append(file.chunk(of: &tail))
    }

    /// Sets element `i` at or past the end, filling the gap with `fill` (an element already written
    /// is written once: it stays).
    mutating func set(_ i: Int, _ element: Element, fill: Element) {
        assert(i >= count, "a spilled array is written once, in order")
        guard i >= count else { return }
        while count < i { append(fill) }
        append(element)
    }

    /// Element `i`, or nil when it is past the end or cannot be read back (`file.failure`).
    func element(_ i: Int) -> Element? {
        guard i >= 0, i < count else { return nil }
        let c = i / perChunk, within = i % perChunk
        guard c < chunks.count else { return tail[within] }
        switch chunks[c] {
        case .memory(let elements): return elements[within]
        case .file(let offset, _):
            return withUnsafeTemporaryAllocation(of: Element.self, capacity: 1) { buffer in
                let stride = MemoryLayout<Element>.stride
                guard file.read(at: offset + Int64(within * stride), into: UnsafeMutableRawBufferPointer(buffer)) else { return nil }
                return buffer[0]
            }
        }
    }

    /// A reader of the elements in increasing order of index, a chunk at a time (one `pread` per
    /// chunk in the file, not one per element).
    func sequentialReader() -> SequentialReader { SequentialReader(self) }

    struct SequentialReader {
        private let array: SpilledArray
        /// The chunk read last (`Int.min`: none), and its elements when it came from the file.
        private var chunk = Int.min
        private var buffer: [Element] = []

        fileprivate init(_ array: SpilledArray) {
            self.array = array
        }

        /// Element `i`, or nil when it is past the end or cannot be read back (`file.failure`).
        mutating func element(_ i: Int) -> Element? {
            guard i >= 0, i < array.count else { return nil }
            let c = i / array.perChunk, within = i % array.perChunk
            guard c < array.chunks.count else { return array.tail[within] }
            switch array.chunks[c] {
            case .memory(let elements): return elements[within]
            case .file(let offset, let count):
                if chunk != c {
                    chunk = Int.min
                    buffer = Array(unsafeUninitializedCapacity: count) { p, n in
                        n = array.file.read(at: offset, into: UnsafeMutableRawBufferPointer(p)) ? count : 0
                    }
                    guard buffer.count == count else { return nil }
                    chunk = c
                }
                return buffer[within]
            }
        }
    }
}

/// Bytes appended record after record, whose full chunks (each of whole records) go to a
/// `SpillFile`, read back once, chunk after chunk, in the order written.
struct SpilledBytes {
    private let file: SpillFile
    private var chunks: [SpilledChunk<UInt8>] = []
    /// The chunk being filled.
    var tail: [UInt8] = []

    init(file: SpillFile) {
        self.file = file
    }

    var chunkCount: Int { chunks.count + 1 }

    /// Ends a record: a full chunk goes to the file.
    mutating func endRecord() {
        guard file.chunkBytes > 0, tail.count >= file.chunkBytes else { return }
        chunks.append(file.chunk(of: &tail))
    }

    /// Chunk `i` (the last is the tail), read into `buffer` when it is in the file; nil when it cannot
    /// be read back (`file.failure`).
    func chunk(_ i: Int, buffer: inout [UInt8]) -> [UInt8]? {
        guard i < chunks.count else { return tail }
        switch chunks[i] {
        case .memory(let bytes): return bytes
        case .file(let offset, let count):
            if buffer.count != count { buffer = [UInt8](repeating: 0, count: count) }
            guard buffer.withUnsafeMutableBytes({ file.read(at: offset, into: $0) }) else { return nil }
            return buffer
        }
    }

    mutating func removeAll() {
        chunks = []
        tail = []
    }
}

/// Values appended one by one (a symbol table's keys past its resident ones; the keys of the records
/// whose places relations keep) and read back by their number, rarely: each as its length (4 bytes) and its bytes (`ValueBytes`), in groups of 64 that
/// never straddle a chunk; the address of each group's first value is kept (8 bytes per 64 values).
/// The values read last are remembered in a small cache (a key that repeats is often repeated again
/// soon).
struct SpilledValues {
    static let group = 64
    private let file: SpillFile
    private var chunks: [SpilledChunk<UInt8>] = []
    private var tail: [UInt8] = []
    /// Per group of 64 values: its chunk (high 32 bits) and its place in the chunk.
    private var marks: [Int64] = []
    private(set) var count = 0
    /// The last values read back, by number modulo the cache's size (a class: read without copying).
    private let cache = ValueCache()

    init(file: SpillFile) {
        self.file = file
    }

    mutating func append(_ value: Value) {
        if count % Self.group == 0 {
            if file.chunkBytes > 0, tail.count >= file.chunkBytes { chunks.append(file.chunk(of: &tail)) }
            marks.append(Int64(chunks.count) << 32 | Int64(tail.count))
        }
        let at = tail.count
        ValueBytes.put(UInt32(0), &tail)
        ValueBytes.write(value, &tail)
        let n = UInt32(truncatingIfNeeded: tail.count - at - 4)
        tail.withUnsafeMutableBytes { $0.storeBytes(of: n, toByteOffset: at, as: UInt32.self) }
        count += 1
    }

    /// Value `i`; nil when it cannot be read back (`file.failure`).
    func value(_ i: Int) -> Value? {
        guard i >= 0, i < count else { return nil }
        if let hit = cache.value(i) { return hit }
        let g = i / Self.group
        let c = Int(marks[g] >> 32), start = Int(marks[g] & 0xFFFF_FFFF)
        // the group ends at the next group's mark in the same chunk, else at the chunk's end
        let nextInChunk = g + 1 < marks.count && Int(marks[g + 1] >> 32) == c
        func decode(_ p: UnsafeRawBufferPointer) -> Value? {
            var at = 0
            for _ in 0..<(i % Self.group) {
                guard at + 4 <= p.count else { return nil }
                at += 4 + Int(p.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            }
            guard at + 4 <= p.count else { return nil }
            at += 4
            return ValueBytes.read(p, &at)
        }
        let found: Value?
        switch c < chunks.count ? chunks[c] : .memory(tail) {
        case .memory(let bytes):
            let end = nextInChunk ? Int(marks[g + 1] & 0xFFFF_FFFF) : bytes.count
            found = bytes.withUnsafeBytes { decode(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
        case .file(let offset, let size):
            let end = nextInChunk ? Int(marks[g + 1] & 0xFFFF_FFFF) : size
            var bytes = [UInt8](repeating: 0, count: end - start)
            guard bytes.withUnsafeMutableBytes({ file.read(at: offset + Int64(start), into: $0) }) else { return nil }
            found = bytes.withUnsafeBytes { decode($0) }
        }
        if let found { cache.keep(found, i) }
        return found
    }
}

/// A direct-mapped cache of values by number.
final class ValueCache {
    private var numbers = [Int](repeating: -1, count: 256)
    private var values = [Value](repeating: .null, count: 256)

    func value(_ i: Int) -> Value? { numbers[i & 255] == i ? values[i & 255] : nil }

    func keep(_ v: Value, _ i: Int) {
        numbers[i & 255] = i
        values[i & 255] = v
    }
}

/// Rows of values (the same fields each) appended one after another and read back by number, mostly
/// in about the order they were written, many times over: the context projections of the parents a
/// CSV bundle's child rows read, and the records correlated aggregates keep. Each row is its length
/// (4 bytes) and its values' bytes (`ValueBytes`), in groups of 64 rows that never straddle a chunk
/// (fewer with chunks under 16 KB);
/// full chunks go to the `SpillFile`, and the address of each group's first row is kept (8 bytes per
/// 64 rows). A read from the file fetches the row's group, or the next 16 groups when it follows the
/// groups fetched last (children listed in their parents' order read their parents' rows forward),
/// and a row after the one read last is found from it, without counting from its group's start.
struct SpilledRows {
    /// Rows a group: 64, fewer with chunks under 16 KB (so that tests' tiny chunks reach the file).
    let group: Int
    /// Groups fetched at once when a read goes on from the groups fetched last.
    static let readAhead = 16
    private let file: SpillFile
    private var chunks: [SpilledChunk<UInt8>] = []
    private var tail: [UInt8] = []
    /// Per group of rows: its chunk (high 32 bits) and its place in the chunk.
    private var marks: [Int64] = []
    private(set) var count = 0
    /// The groups fetched from the file last and where the row after the one read last begins (a
    /// class: read without copying the store).
    private let window = RowWindow()

    init(file: SpillFile) {
        self.file = file
        group = file.chunkBytes == 0 ? 64 : max(1, min(64, file.chunkBytes / 256))
    }

    /// The temporary file's first failure to read back, as text.
    var failure: String? { file.failure }

    /// Appends a row: the values of `record` at `fields`, in that order.
    mutating func append(_ record: [Value], at fields: [Int]) {
        if count % group == 0 {
            if file.chunkBytes > 0, tail.count >= file.chunkBytes { chunks.append(file.chunk(of: &tail)) }
            marks.append(Int64(chunks.count) << 32 | Int64(tail.count))
        }
        let at = tail.count
        ValueBytes.put(UInt32(0), &tail)
        for f in fields { ValueBytes.write(record[f], &tail) }
        let n = UInt32(truncatingIfNeeded: tail.count - at - 4)
        tail.withUnsafeMutableBytes { $0.storeBytes(of: n, toByteOffset: at, as: UInt32.self) }
        count += 1
    }

    /// Writes row `i` into `record`, its `k`th value at `fields[k]`: false (`record` unchanged) when the
    /// row is past the end or cannot be read back (`file.failure`). Mutating only so that a store kept
    /// in an array or a class is read in place: a copy of it for the call would retain its five references.
    mutating func read(_ i: Int, into record: inout [Value], at fields: [Int]) -> Bool {
        guard i >= 0, i < count else { return false }
        let g = i / group
        let c = Int(marks[g] >> 32)
        func start(_ g: Int) -> Int { Int(marks[g] & 0xFFFF_FFFF) }
        // row `i` from bytes `p` holding chunk `c` from its place `base` on
        func decode(_ p: UnsafeRawBufferPointer, base: Int) -> Bool {
            // from the row after the one read last when it is in `i`'s group, else from the group's start
            var r = g * group, at = start(g) - base
            if window.cursorChunk == c, window.nextRow > r, window.nextRow <= i {
                r = window.nextRow
                at = window.nextAt - base
            }
            while r < i {
                guard at >= 0, at + 4 <= p.count else { return false }
                at += 4 + Int(p.loadUnaligned(fromByteOffset: at, as: UInt32.self))
                r += 1
            }
            guard at >= 0, at + 4 <= p.count else { return false }
            let n = Int(p.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            at += 4
            guard at + n <= p.count else { return false }
            for f in fields { record[f] = ValueBytes.read(p, &at) }
            window.cursorChunk = c
            window.nextRow = i + 1
            window.nextAt = at + base
            return true
        }
        switch c < chunks.count ? chunks[c] : .memory(tail) {
        case .memory(let bytes):
            return bytes.withUnsafeBytes { decode($0, base: 0) }
        case .file(let offset, let size):
            if window.fetchedChunk != c || g < window.firstGroup || g >= window.endGroup {
                // the groups after those fetched last: the next few at once, else this one
                let ahead = window.fetchedChunk == c && g == window.endGroup
                var last = g
                while ahead, last + 1 < marks.count, last + 1 < g + Self.readAhead, Int(marks[last + 1] >> 32) == c { last += 1 }
                let from = start(g)
                let to = last + 1 < marks.count && Int(marks[last + 1] >> 32) == c ? start(last + 1) : size
                window.fetchedChunk = Int.min
                window.bytes = [UInt8](unsafeUninitializedCapacity: to - from) { p, n in
                    n = file.read(at: offset + Int64(from), into: UnsafeMutableRawBufferPointer(p)) ? to - from : 0
                }
                guard window.bytes.count == to - from else { return false }
                window.fetchedChunk = c
                window.firstGroup = g
                window.endGroup = last + 1
                window.base = from
            }
            return window.bytes.withUnsafeBytes { decode($0, base: window.base) }
        }
    }
}

/// Where `SpilledRows` read last: the bytes of groups `firstGroup..<endGroup` of chunk `fetchedChunk`
/// fetched from the file (from place `base` of the chunk on), and the row after the one read last
/// with its place in its chunk, `cursorChunk`.
final class RowWindow {
    var fetchedChunk = Int.min
    var bytes: [UInt8] = []
    var firstGroup = 0, endGroup = 0, base = 0
    var cursorChunk = Int.min
    var nextRow = -1, nextAt = 0
}
