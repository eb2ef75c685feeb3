#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ESFCore

/// The dialect of a delimited text file: which byte separates cells and which quotes them.
public struct CSVDialect: Sendable, Hashable {
    /// The cell separator (`,` in the canonical bundle, `;` in many legacy exports).
    public var delimiter: UInt8
    /// The quote character; a quote inside a quoted cell is written twice.
    public var quote: UInt8

    /// Creates a dialect; delimiter and quote must differ and be neither CR, LF nor NUL.
    public init(delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\"")) {
        self.delimiter = delimiter
        self.quote = quote
    }

    /// RFC 4180: comma and double quote.
    public static let canonical = CSVDialect()
}

/// A recoverable defect in one cell of a row (the row is still returned).
public struct CSVIssue: Sendable, Hashable {
    /// What is wrong with the cell.
    public enum Kind: Sendable, Hashable {
        /// `"ab"c`: text after a closing quote.
        case textAfterQuote
        /// `ab"c`: a quote inside a cell that does not start with one.
        case quoteInUnquotedField
        /// A NUL byte in the cell.
        case nulByte
    }

    /// What is wrong.
    public var kind: Kind
    /// The 0-based cell index in the row.
    public var field: Int
    /// Where the offending byte is: physical line and 1-based character column.
    public var line: Int
    /// The 1-based character column of the offending byte.
    public var column: Int

    /// Creates an issue.
    public init(kind: Kind, field: Int, line: Int, column: Int) {
        self.kind = kind
        self.field = field
        self.line = line
        self.column = column
    }
}

/// The file (or bytes) a `CSVReader` reads, and its chunk buffer.
///
/// A class so that the descriptor is closed and the buffers freed exactly once;
/// its hot fields are `let`s, so reading them costs no exclusivity check.
final class CSVInput {
    let fd: Int32
    let memory: [UInt8]?
    var memoryOffset = 0
    /// The chunk buffer, owned by this object (allocated in init, freed in deinit). With a
    /// code page it holds the decoded UTF-8 of the bytes last read into `raw`.
    let buffer: UnsafeMutablePointer<UInt8>
    let capacity: Int
    /// The single-byte code page the file is decoded from, nil for UTF-8.
    let codePage: CodePage?
    /// The undecoded bytes of a code-page file (a third of `capacity`: a byte decodes to at most 3).
    let raw: UnsafeMutablePointer<UInt8>?
    let rawCapacity: Int
    /// The file offset of `raw[0]` plus the bytes already decoded: the next byte's offset.
    var rawOffset = 0
    /// Byte classes: `special` ends a plain run outside quotes, `quotedSpecial` inside quotes.
    let special: UnsafeMutablePointer<Bool>
    let quotedSpecial: UnsafeMutablePointer<Bool>
    /// The delimiter and the quote repeated in every byte of a word, for `PlainRun`.
    let delimiterWord: UInt64
    let quoteWord: UInt64
    /// The cells of a row that could not be sliced in place from `buffer` (a `""` escape, text
    /// after a closing quote, a row across two chunks), copied one after the other. Grows as
    /// needed, at most to the longest row allowed (`CSVReader.maxRowBytes`).
    private(set) var row: UnsafeMutablePointer<UInt8>
    private(set) var rowCapacity = 256
    /// The bytes of `row` in use.
    var rowCount = 0
    /// The SHA-256 of the bytes read (the file's bytes, before any decoding), fed chunk by chunk.
    let digest = InputDigest()

    init(fd: Int32, memory: [UInt8]?, capacity: Int, dialect: CSVDialect, codePage: CodePage? = nil) {
        self.fd = fd
        self.memory = memory
        self.codePage = codePage
        if codePage != nil {
            // At least 3 raw bytes, so that a BOM at the start is seen whole.
            rawCapacity = max(3, capacity / 3)
            raw = .allocate(capacity: rawCapacity)
            self.capacity = max(4, capacity, 3 * rawCapacity)
        } else {
            rawCapacity = 0
            raw = nil
            self.capacity = max(4, capacity)
        }
        buffer = .allocate(capacity: self.capacity)
        row = .allocate(capacity: rowCapacity)
        delimiterWord = PlainRun.ones &* UInt64(dialect.delimiter)
        quoteWord = PlainRun.ones &* UInt64(dialect.quote)
        special = .allocate(capacity: 256)
        quotedSpecial = .allocate(capacity: 256)
        for b in 0..<256 {
            special[b] = b >= 0x80
            quotedSpecial[b] = b >= 0x80
        }
        for b in [dialect.delimiter, dialect.quote, 0x0A, 0x0D, 0x00] { special[Int(b)] = true }
        for b in [dialect.quote, 0x0A, 0x00] { quotedSpecial[Int(b)] = true }
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
        row.deallocate()
        raw?.deallocate()
        special.deallocate()
        quotedSpecial.deallocate()
    }

    /// Appends `count` bytes at `start` to `row`, growing it when full.
    @inline(__always)
    func appendToRow(_ start: UnsafePointer<UInt8>, count: Int) {
        if rowCount + count > rowCapacity {
            var grown = rowCapacity * 2
            while grown < rowCount + count { grown *= 2 }
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            bigger.update(from: row, count: rowCount)
            row.deallocate()
            row = bigger
            rowCapacity = grown
        }
        (row + rowCount).update(from: start, count: count)
        rowCount += count
    }
}

/// Finding the end of a run of plain bytes eight bytes at a time (SWAR: a 64-bit word holds
/// eight bytes, and a few integer operations flag each byte that equals a given one).
///
/// `(v - 0x01…01) & ~v & 0x80…80` sets the high bit of the lowest zero byte of `v` exactly
/// (bytes above it may be flagged falsely through the borrow, so only the lowest flag counts);
/// `v ^ c…c` is zero where `v` holds `c`. Bytes from 0x80 up (UTF-8 sequences) are flagged by
/// their high bit. The lowest flag of the OR of all the masks is therefore the first special byte.
enum PlainRun {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080
    private static let lineFeed = ones &* 0x0A
    private static let carriageReturn = ones &* 0x0D

    /// The high bit of the lowest byte of `v` that is zero (and maybe of higher ones).
    @inline(__always)
    static func zeros(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }

    /// Outside quotes: the delimiter, the quote, LF, CR, NUL and every byte from 0x80.
    @inline(__always)
    static func unquoted(_ w: UInt64, delimiter: UInt64, quote: UInt64) -> UInt64 {
        (w & highs) | zeros(w) | zeros(w ^ delimiter) | zeros(w ^ quote) | zeros(w ^ lineFeed) | zeros(w ^ carriageReturn)
    }

    /// Inside quotes: the quote, LF, NUL and every byte from 0x80 (CR is text there).
    @inline(__always)
    static func quoted(_ w: UInt64, quote: UInt64) -> UInt64 {
        (w & highs) | zeros(w) | zeros(w ^ quote) | zeros(w ^ lineFeed)
    }

    /// The index of the first byte at or after `i` (and before `n`) that `mask` flags, or that
    /// `table` marks in the last few bytes; `n` when there is none.
    @inline(__always)
    static func end(_ p: UnsafeBufferPointer<UInt8>, from i: Int, _ n: Int, table: UnsafeMutablePointer<Bool>,
                    mask: (UInt64) -> UInt64) -> Int {
        var i = i
        if let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i &+ 8 <= n {
                let flags = mask(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                if flags != 0 { return i &+ (flags.trailingZeroBitCount >> 3) }
                i &+= 8
            }
        }
        while i < n && !table[Int(p[i])] { i += 1 }
        return i
    }
}

/// A streaming, byte-level RFC 4180 reader.
///
/// Reads the file in large chunks (never the whole file), handles quoted cells
/// with `""` escapes and embedded newlines, CRLF and LF (and lone CR) line
/// endings, and skips a UTF-8 BOM at the start. The whole byte stream is
/// validated as strict UTF-8 (delimiters, quotes and newlines are ASCII, so this
/// is the same as validating every cell). A Windows-1250 or ISO-8859-2 file is
/// decoded to UTF-8 chunk by chunk as it is read (`CodePage`), so cells, columns
/// and everything after are the same as for UTF-8; a byte that is not text in
/// its encoding stops reading with its line, column and byte offset. For each row it tracks the physical
/// line where the row starts, and for each cell its line and 1-based character
/// column. A value type so that its state needs no runtime exclusivity checks;
/// do not copy a reader that is in use (copies share the file position).
public struct CSVReader {
    /// The path shown in errors and locations.
    public let path: String
    /// Delimiter and quote.
    public let dialect: CSVDialect
    /// The encoding the file is read in (`auto` already decided).
    public let encoding: TextEncoding

    /// Physical line (1-based) where the current row starts.
    public private(set) var line = 0
    /// 1-based index of the current row in the file (the header row is 1).
    public private(set) var rowIndex = 0
    /// Whether the current row is an empty line (no character, no quote).
    public private(set) var isBlankLine = false
    /// Recoverable defects in cells of the current row.
    public private(set) var issues: [CSVIssue] = []

    /// The default of `maxRowBytes`: 16 MiB.
    public static let defaultMaxRowBytes = 16 << 20
    /// The longest row, in bytes of UTF-8 (after decoding a code page), line breaks inside
    /// quoted cells included. A longer row stops reading with its file and line: it is checked
    /// chunk by chunk, so memory stays within this limit plus one chunk whatever the file holds
    /// (a 300 MB line, a file with no line break at all).
    public var maxRowBytes = CSVReader.defaultMaxRowBytes
    /// Whether the bytes read are hashed for `sha256()` (the default). A reader that reads a file a
    /// second time, for a few cells, turns it off before its first `next()`; `sha256()` is then nil.
    public var hashing: Bool {
        get { input.digest.hashes }
        nonmutating set { input.digest.hashes = newValue }
    }
    /// Where the current row starts, as a byte offset in the file (for `seek(toRowAt:line:)`); nil
    /// when the file is decoded from a code page (its offsets are then of the decoded text).
    public var rowOffset: Int? { input.codePage == nil ? rowStartOffset : nil }

    /// Goes on reading at `offset`, where a row on physical line `line` starts (a `rowOffset` and the
    /// `line` of a row this file gave): the next `next()` reads that row. For a reader that looks a
    /// few cells up again, with `hashing` off (the digest would miss the bytes skipped); a file
    /// decoded from a code page, or one being hashed, throws. `rowIndex` no longer counts from the start.
    public mutating func seek(toRowAt offset: Int, line: Int) throws(InputError) {
        guard input.codePage == nil, !hashing else {
            throw InputError(location: SourceLocation(file: path, line: line),
                             message: "cannot go back to a row of a file decoded from \(encoding.displayName) or being hashed")
        }
        if let memory = input.memory {
            input.memoryOffset = min(max(0, offset), memory.count)
        } else if lseek(input.fd, off_t(offset), SEEK_SET) < 0 {
            throw InputError(location: SourceLocation(file: path, line: line),
                             message: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        chunkBase = offset
        readLimit = 16 << 10
        bufferLength = 0
        bufferPosition = 0
        atEOF = false
        startChecked = true
        currentLine = line
        lineStart = offset
        continuationsInLine = 0
        utf8Need = 0
        pendingCR = false
        state = .rowStart
        self.line = line
        isBlankLine = false
    }

    /// Counts the bytes read from the file as they are read (a progress display); nil: not counted.
    public var progress: ReadProgress? {
        get { input.digest.progress }
        nonmutating set { input.digest.progress = newValue }
    }

    // Input.
    private let input: CSVInput
    private var bufferLength = 0
    private var bufferPosition = 0
    /// Absolute file offset of `buffer[0]`.
    private var chunkBase = 0
    /// The most the next read takes (then doubled, up to the chunk size): after a `seek`, reads start
    /// at 16 KB, so that looking up one row (a finding's raw value, from the mark before it) reads
    /// about that row and not a whole chunk of 1 MB. At a million participants the 31,622 findings'
    /// look-ups read 31 GB so.
    private var readLimit = Int.max
    private var atEOF = false
    private var startChecked = false

    // Position.
    private var currentLine = 1
    private var lineStart = 0
    /// UTF-8 continuation bytes seen since `lineStart`, so columns count characters.
    private var continuationsInLine = 0
    private var utf8Need = 0
    private var utf8Low: UInt8 = 0x80
    private var utf8High: UInt8 = 0xBF
    /// Offset and column of the lead byte of the sequence being validated (reported when it fails).
    private var utf8Start = 0
    private var utf8StartColumn = 0
    private var pendingCR = false

    // Current row.
    private var state = State.rowStart
    /// Whether the current row's cells are slices of the chunk buffer (no copy), else of `input.row`.
    private var inPlace = true
    /// Where each cell's bytes start and end, in the chunk buffer or in `input.row` (`inPlace`).
    private var fieldStarts: [Int] = []
    private var fieldEnds: [Int] = []
    /// Where the current cell's bytes start, and (in place) where a quoted cell's end at its closing quote.
    private var cellStart = 0
    private var cellEnd = 0
    private var fieldColumns: [Int32] = []
    private var fieldLines: [Int] = []
    /// Absolute offset of the current row's first byte (a blank line ends right there).
    private var rowStartOffset = 0
    private var quoteLine = 0
    private var quoteColumn = 0
    private var currentFieldHasIssue = false

    private enum State: UInt8 {
        case rowStart, fieldStart, unquoted, quoted, quoteInQuoted, garbage
    }

    /// Opens a file for reading. With `encoding: .auto` the file is read once first to decide
    /// its encoding (`EncodingDetector`).
    public init(path: String, dialect: CSVDialect = .canonical, encoding: TextEncoding = .utf8, chunkSize: Int = 1 << 20) throws(InputError) {
        self.path = path
        self.dialect = dialect
        self.encoding = encoding == .auto ? try EncodingDetector.detect(path: path, chunkSize: chunkSize) : encoding
        let fd = try InputFile.openRegular(path)
        self.input = CSVInput(fd: fd, memory: nil, capacity: chunkSize, dialect: dialect, codePage: CodePage.page(for: self.encoding))
    }

    /// Reads from bytes in memory (tests, fuzzing); `chunkSize` still applies, to exercise chunk boundaries.
    public init(bytes: [UInt8], path: String = "<memory>", dialect: CSVDialect = .canonical, encoding: TextEncoding = .utf8,
                chunkSize: Int = 1 << 20) {
        self.path = path
        self.dialect = dialect
        self.encoding = encoding == .auto ? EncodingDetector.detect(bytes: bytes) : encoding
        self.input = CSVInput(fd: -1, memory: bytes, capacity: chunkSize, dialect: dialect, codePage: CodePage.page(for: self.encoding))
    }

    // MARK: - Row access

    /// The number of cells in the current row.
    public var fieldCount: Int { fieldEnds.count }

    /// The bytes of cell `i` (quotes removed, `""` unescaped): a slice of the reader's own buffer,
    /// valid until the next call to `next()` (copy it to keep it).
    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let base = inPlace ? input.buffer : input.row
        return UnsafeBufferPointer(start: base + fieldStarts[i], count: fieldEnds[i] - fieldStarts[i])
    }

    /// The 1-based character column where cell `i` starts, within its line.
    public func column(_ i: Int) -> Int { Int(fieldColumns[i]) }

    /// The columns of every cell of the current row.
    public var columns: [Int32] { fieldColumns }

    /// The physical line where cell `i` starts (differs from `line` after an embedded newline).
    public func line(ofField i: Int) -> Int { fieldLines[i] }

    /// The cell texts of the current row (the input is validated UTF-8, so nothing is lost).
    public var strings: [String] { (0..<fieldCount).map { String(decoding: field($0), as: UTF8.self) } }

    /// The SHA-256 of the file (lower-case hex, as `sha256sum` prints it), from the bytes this
    /// reader read, each hashed once as it was read (the encoding detection pass of `.auto`
    /// hashes nothing). When the reader has not reached the end of the file, the rest is read
    /// and hashed now (reading rows afterwards is then not possible). Nil when it cannot be read.
    public func sha256() -> String? {
        let input = self.input
        if let hex = input.digest.hex { return hex }
        guard input.digest.hashes else { return nil }
        if let memory = input.memory {
            memory.withUnsafeBytes { all in
                input.digest.update(UnsafeRawBufferPointer(rebasing: all[min(input.memoryOffset, all.count)...]))
            }
            input.memoryOffset = memory.count
            input.digest.finalize()
        } else {
            input.digest.finish(fd: input.fd)
        }
        return input.digest.hex
    }

    // MARK: - Reading

    /// Reads the next row; false at end of file.
    ///
    /// Throws on invalid UTF-8 (with line, column and byte offset), on an
    /// unterminated quoted cell at end of file (with the line where the quote
    /// opened), and on I/O errors.
    public mutating func next() throws(InputError) -> Bool {
        while true {
            if bufferPosition >= bufferLength {
                if atEOF { return try finishAtEOF() }
                try refill()
                if bufferLength == 0 {
                    atEOF = true
                    return try finishAtEOF()
                }
                if !startChecked {
                    startChecked = true
                    let b = input.buffer
                    if bufferLength >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
                        bufferPosition = 3
                        lineStart = 3
                    }
                }
                continue
            }
            if try scan(UnsafeBufferPointer(start: input.buffer, count: bufferLength)) { return true }
        }
    }

    private mutating func refill() throws(InputError) {
        chunkBase += bufferLength
        bufferPosition = 0
        bufferLength = 0
        let input = self.input
        if let page = input.codePage { return try refillDecoding(page) }
        let capacity = min(input.capacity, readLimit)
        if readLimit < input.capacity { readLimit *= 2 }
        if let memory = input.memory {
            let n = min(capacity, memory.count - input.memoryOffset)
            if n > 0 {
                memory.withUnsafeBufferPointer { src in
                    guard let s = src.baseAddress else { return }
                    input.buffer.update(from: s + input.memoryOffset, count: n)
                }
                input.memoryOffset += n
            }
            bufferLength = max(0, n)
        } else {
            // The first chunk holds at least 3 bytes when the file does, so a BOM is seen whole.
            bufferLength = try readChunk(input.fd, into: input.buffer, capacity: capacity, atLeast: startChecked ? 1 : 3)
        }
        // Hashed as read: the report's SHA-256 needs no second pass over the file.
        if bufferLength > 0 {
            input.digest.update(UnsafeRawBufferPointer(start: input.buffer, count: bufferLength))
        } else {
            input.digest.finalize()
        }
    }

    /// Reads up to `capacity` bytes, at least `atLeast` unless the file ends first; the count read.
    private func readChunk(_ fd: Int32, into buffer: UnsafeMutablePointer<UInt8>, capacity: Int, atLeast wanted: Int) throws(InputError) -> Int {
        var got = 0
        while got < wanted {
            let n = read(fd, buffer + got, capacity - got)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(location: SourceLocation(file: path, line: currentLine),
                                 message: "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            got += n
        }
        return got
    }

    /// Reads the next raw chunk of a code-page file and decodes it into the buffer.
    private mutating func refillDecoding(_ page: CodePage) throws(InputError) {
        let input = self.input
        guard let raw = input.raw else { return }
        var got = 0
        if let memory = input.memory {
            let n = min(input.rawCapacity, memory.count - input.memoryOffset)
            if n > 0 {
                memory.withUnsafeBufferPointer { src in
                    guard let s = src.baseAddress else { return }
                    raw.update(from: s + input.memoryOffset, count: n)
                }
                input.memoryOffset += n
            }
            got = max(0, n)
        } else {
            // The first chunk holds at least 3 bytes when the file does, so a BOM is seen whole.
            got = try readChunk(input.fd, into: raw, capacity: input.rawCapacity, atLeast: input.rawOffset == 0 ? 3 : 1)
        }
        // The file's own bytes are hashed, not their UTF-8 decoding.
        if got > 0 {
            input.digest.update(UnsafeRawBufferPointer(start: raw, count: got))
        } else {
            input.digest.finalize()
        }
        if input.rawOffset == 0 && got >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF {
            throw InputError(
                location: SourceLocation(file: path, line: 1, column: 1),
                message: "the file starts with a UTF-8 byte order mark, but is read as \(page.encoding.displayName): it is UTF-8; set the profile's encoding to utf-8 or auto")
        }
        let n = page.decode(raw, count: got, into: input.buffer)
        if n < 0 {
            let index = -1 - n
            throw notInEncoding(page, byte: raw[index], at: input.rawOffset + index)
        }
        input.rawOffset += got
        bufferLength = n
    }

    /// A byte that is not text in the file's code page, with its line and column found by
    /// reading the file again up to it (an error path: the hot loop keeps no line count).
    private func notInEncoding(_ page: CodePage, byte: UInt8, at offset: Int) -> InputError {
        var line = 1
        var lineStart = 0
        var previousCR = false
        func count(_ p: UnsafeBufferPointer<UInt8>, base: Int) {
            for (i, b) in p.enumerated() {
                if b == 0x0A {
                    if !previousCR { line += 1 }
                    lineStart = base + i + 1
                    previousCR = false
                } else if b == 0x0D {
                    line += 1
                    lineStart = base + i + 1
                    previousCR = true
                } else {
                    previousCR = false
                }
            }
        }
        if let memory = input.memory {
            memory.withUnsafeBufferPointer { count(UnsafeBufferPointer(rebasing: $0[0..<min(offset, $0.count)]), base: 0) }
        } else {
            let size = 1 << 16
            let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
            defer { chunk.deallocate() }
            var position = 0
            while position < offset {
                let n = pread(input.fd, chunk, min(size, offset - position), off_t(position))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                count(UnsafeBufferPointer(start: chunk, count: n), base: position)
                position += n
            }
        }
        let column = offset - lineStart + 1
        return InputError(
            location: SourceLocation(file: path, line: line, column: column),
            message: "\(page.whyInvalid(byte)), at byte offset \(offset) (line \(line), column \(column)): the file is not \(page.encoding.displayName); set the profile's encoding to the file's (utf-8, windows-1250, iso-8859-2) or to auto")
    }

    /// The 1-based character column of the byte at absolute offset `offset` on the current line.
    @inline(__always)
    private func columnAt(_ offset: Int) -> Int32 {
        Int32(truncatingIfNeeded: offset - lineStart - continuationsInLine + 1)
    }

    /// An invalid byte at `offset`, or (`inSequence`) a bad or missing continuation of the sequence at `utf8Start`.
    private func invalidUTF8(at offset: Int, inSequence: Bool = false) -> InputError {
        let column = inSequence ? utf8StartColumn : Int(columnAt(offset))
        let offset = inSequence ? utf8Start : offset
        return InputError(
            location: SourceLocation(file: path, line: currentLine, column: column),
            message: "invalid UTF-8 at byte offset \(offset) (line \(currentLine), column \(column)); the file must be UTF-8: convert it, or use a mapping profile that names its encoding")
    }

    private mutating func beginRow(at offset: Int) {
        inPlace = true
        input.rowCount = 0
        fieldStarts.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        fieldColumns.removeAll(keepingCapacity: true)
        fieldLines.removeAll(keepingCapacity: true)
        issues.removeAll(keepingCapacity: true)
        line = currentLine
        rowStartOffset = offset
        isBlankLine = false
        fieldColumns.append(columnAt(offset))
        fieldLines.append(currentLine)
        currentFieldHasIssue = false
    }

    private mutating func addIssue(_ kind: CSVIssue.Kind, at offset: Int) {
        if currentFieldHasIssue { return }
        currentFieldHasIssue = true
        issues.append(CSVIssue(kind: kind, field: fieldEnds.count, line: currentLine, column: Int(columnAt(offset))))
    }

    private mutating func finishAtEOF() throws(InputError) -> Bool {
        if utf8Need > 0 { throw invalidUTF8(at: chunkBase + bufferLength, inSequence: true) }
        switch state {
        case .rowStart:
            return false
        case .quoted:
            throw InputError(
                location: SourceLocation(file: path, line: quoteLine, column: quoteColumn),
                message: "unterminated quoted cell: the quote opened on line \(quoteLine), column \(quoteColumn) is never closed; close it, and write a quote inside a quoted cell as \"\"")
        case .fieldStart, .unquoted, .quoteInQuoted, .garbage:
            // A row that reaches the end of the file was copied at the end of its last chunk (`copyRow`).
            if state == .fieldStart { cellStart = input.rowCount }
            fieldStarts.append(cellStart)
            fieldEnds.append(input.rowCount)
            state = .rowStart
            rowIndex += 1
            return true
        }
    }

    /// Scans from `bufferPosition`; returns true when a row is complete.
    private mutating func scan(_ p: UnsafeBufferPointer<UInt8>) throws(InputError) -> Bool {
        let n = bufferLength
        var i = bufferPosition
        let delimiter = dialect.delimiter
        let quote = dialect.quote
        var segmentStart = (state == .unquoted || state == .quoted || state == .garbage) ? i : -1

        // Ends the run of cell bytes that started at `segmentStart`: in place, the cell ends there;
        // otherwise the run is copied after the row's earlier bytes.
        @inline(__always) func flush(_ end: Int) {
            if segmentStart >= 0 {
                if inPlace {
                    cellEnd = end
                } else if end > segmentStart, let base = p.baseAddress {
                    input.appendToRow(base + segmentStart, count: end - segmentStart)
                }
            }
            segmentStart = -1
        }

        // A multi-byte UTF-8 sequence split by the previous chunk boundary.
        try consumeContinuations(p, &i, n)
        if pendingCR && i < n {
            pendingCR = false
            if p[i] == 0x0A {
                i += 1
                lineStart = chunkBase + i
                continuationsInLine = 0
            }
        }

        let plain = input.special
        let quotedTable = input.quotedSpecial
        let delimiterWord = input.delimiterWord
        let quoteWord = input.quoteWord
        while i < n {
            switch state {
            case .rowStart:
                beginRow(at: chunkBase + i)
                state = .fieldStart
            case .fieldStart:
                if p[i] == quote {
                    quoteLine = currentLine
                    quoteColumn = Int(columnAt(chunkBase + i))
                    state = .quoted
                    i += 1
                    segmentStart = i
                } else {
                    state = .unquoted
                    segmentStart = i
                }
                cellStart = inPlace ? segmentStart : input.rowCount
            case .unquoted, .garbage:
                i = PlainRun.end(p, from: i, n, table: plain) { PlainRun.unquoted($0, delimiter: delimiterWord, quote: quoteWord) }
                if i == n { break }
                let b = p[i]
                if b == delimiter {
                    flush(i)
                    endField(nextStart: chunkBase + i + 1)
                    i += 1
                } else if b == 0x0A || b == 0x0D {
                    try checkRowLength(upTo: chunkBase + i)
                    flush(i)
                    endRow(terminator: b, p, at: &i)
                    bufferPosition = i
                    return true
                } else if b == quote {
                    if state == .unquoted { addIssue(.quoteInUnquotedField, at: chunkBase + i) }
                    i += 1
                } else if b == 0 {
                    addIssue(.nulByte, at: chunkBase + i)
                    i += 1
                } else {
                    try consumeMultibyte(p, &i, n)
                }
            case .quoted:
                i = PlainRun.end(p, from: i, n, table: quotedTable) { PlainRun.quoted($0, quote: quoteWord) }
                if i == n { break }
                let b = p[i]
                if b == quote {
                    flush(i)
                    state = .quoteInQuoted
                    i += 1
                } else if b == 0x0A {
                    i += 1
                    currentLine += 1
                    lineStart = chunkBase + i
                    continuationsInLine = 0
                } else if b == 0 {
                    addIssue(.nulByte, at: chunkBase + i)
                    i += 1
                } else {
                    try consumeMultibyte(p, &i, n)
                }
            case .quoteInQuoted:
                let b = p[i]
                if b == quote {
                    // `""`: the second quote starts the next literal run, so the cell is copied.
                    copyRow(p)
                    segmentStart = i
                    state = .quoted
                    i += 1
                } else if b == delimiter {
                    endField(nextStart: chunkBase + i + 1)
                    i += 1
                } else if b == 0x0A || b == 0x0D {
                    try checkRowLength(upTo: chunkBase + i)
                    endRow(terminator: b, p, at: &i)
                    bufferPosition = i
                    return true
                } else {
                    addIssue(.textAfterQuote, at: chunkBase + i)
                    copyRow(p)
                    state = .garbage
                    segmentStart = i
                }
            }
        }
        if state != .rowStart {
            try checkRowLength(upTo: chunkBase + n)
            // The row goes on in the next chunk, which replaces this one in the buffer.
            copyRow(p)
        }
        flush(n)
        bufferPosition = n
        return false
    }

    /// Throws when the current row, which has reached absolute offset `end`, is longer than `maxRowBytes`.
    @inline(__always)
    private func checkRowLength(upTo end: Int) throws(InputError) {
        if end - rowStartOffset > maxRowBytes { throw rowTooLong() }
    }

    private func rowTooLong() -> InputError {
        InputError(
            location: SourceLocation(file: path, line: line),
            message: "the row starting on line \(line) is longer than \(maxRowBytes) bytes, the limit on one CSV row (default 16 MiB); reading stopped there. No export row is that long: check that this is the right file (a line break may be missing), or raise the limit with --max-line-bytes")
    }

    /// Validates a UTF-8 sequence starting at `p[i]` (a byte ≥ 0x80) and steps over it.
    @inline(__always)
    private mutating func consumeMultibyte(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) throws(InputError) {
        let lead = p[i]
        guard let bounds = UTF8Lead.bounds(lead) else { throw invalidUTF8(at: chunkBase + i) }
        (utf8Need, utf8Low, utf8High) = bounds
        utf8Start = chunkBase + i
        utf8StartColumn = Int(columnAt(utf8Start))
        i += 1
        try consumeContinuations(p, &i, n)
    }

    /// Steps over the continuation bytes still expected of the current UTF-8 sequence
    /// (it may go on in the next chunk), checking each against its allowed range.
    @inline(__always)
    private mutating func consumeContinuations(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ n: Int) throws(InputError) {
        while utf8Need > 0 && i < n {
            let b = p[i]
            if b < utf8Low || b > utf8High { throw invalidUTF8(at: chunkBase + i, inSequence: true) }
            utf8Need -= 1
            utf8Low = 0x80
            utf8High = 0xBF
            continuationsInLine += 1
            i += 1
        }
    }

    /// Copies the current row's cells so far from the chunk buffer `p` into `input.row`, and
    /// reads the rest of the row by copying (nothing when it is copied already). An open run
    /// (`segmentStart`) stays to be flushed; a quoted cell closed at `cellEnd` is copied.
    private mutating func copyRow(_ p: UnsafeBufferPointer<UInt8>) {
        guard inPlace, let base = p.baseAddress else { return }
        inPlace = false
        let input = self.input
        input.rowCount = 0
        for k in fieldStarts.indices {
            let start = input.rowCount
            input.appendToRow(base + fieldStarts[k], count: fieldEnds[k] - fieldStarts[k])
            fieldStarts[k] = start
            fieldEnds[k] = input.rowCount
        }
        let closed = state == .quoteInQuoted ? cellEnd - cellStart : 0
        if closed > 0 { input.appendToRow(base + cellStart, count: closed) }
        cellStart = input.rowCount - closed
    }

    private mutating func endField(nextStart: Int) {
        fieldStarts.append(cellStart)
        fieldEnds.append(inPlace ? cellEnd : input.rowCount)
        fieldColumns.append(columnAt(nextStart))
        fieldLines.append(currentLine)
        currentFieldHasIssue = false
        state = .fieldStart
    }

    private mutating func endRow(terminator: UInt8, _ p: UnsafeBufferPointer<UInt8>, at i: inout Int) {
        isBlankLine = state == .unquoted && fieldEnds.isEmpty && chunkBase + i == rowStartOffset
        fieldStarts.append(cellStart)
        fieldEnds.append(inPlace ? cellEnd : input.rowCount)
        state = .rowStart
        rowIndex += 1
        i += 1
        currentLine += 1
        if terminator == 0x0D {
            if i < bufferLength {
                if p[i] == 0x0A { i += 1 }
            } else {
                pendingCR = true
            }
        }
        lineStart = chunkBase + i
        continuationsInLine = 0
    }
}
