#if canImport(Glibc)
import Glibc
#endif
import ESFCore

/// A growing list of `Value`s kept as fixed-width slots instead of 48-byte enum cases: a tag byte
/// and a 64-bit word per value (a date as its day number, an integer, an amount as its scaled
/// 64-bit mantissa, a text of up to eight bytes in the word itself, a longer text in a shared byte
/// arena, a list of texts — a participant's set of codes — in the arena too), with an exact fallback
/// to the value itself (a mantissa beyond 64 bits, any other list, a record) in a side array.
/// Reading a slot gives back a value equal to the one appended, of the same case.
///
/// The per-key state the engine keeps until the end of the stream (deferred records, joined-mode
/// context projections, aggregates' kept records) is stored this way: about 9 bytes a slot, plus
/// the text's bytes, instead of 48.
struct PackedValues {
    private var tags: [UInt8] = []
    private var words: [UInt64] = []
    /// The bytes of texts longer than eight bytes, one after another.
    private var arena = ByteArena()
    /// The values no word holds exactly.
    private var spill: [Value] = []

    private static let null: UInt8 = 0, falseTag: UInt8 = 1, trueTag: UInt8 = 2, int: UInt8 = 3, date: UInt8 = 4,
                        days: UInt8 = 5, arenaText: UInt8 = 6, spilled: UInt8 = 7, textList: UInt8 = 8
    /// Ends each text of a packed list of texts (a text holding this byte is not packed so).
    private static let unitSeparator: UInt8 = 0x1F
    /// A decimal of scale s: tag `decimal + s` (scales 0...maxScale).
    private static let decimal: UInt8 = 16
    /// A text of n bytes (0...8) held in the word: tag `shortText + n`.
    private static let shortText: UInt8 = 64

    var count: Int { tags.count }

    mutating func append(_ value: Value) {
        switch value {
        case .null: put(Self.null, 0)
        case .bool(let b): put(b ? Self.trueTag : Self.falseTag, 0)
        case .int(let i): put(Self.int, UInt64(bitPattern: i))
        case .days(let n): put(Self.days, UInt64(bitPattern: n))
        case .date(let d): put(Self.date, UInt64(bitPattern: Int64(d.dayNumber)))
        case .decimal(let d):
            if let units = Int64(exactly: d.units), d.scale >= 0, d.scale <= ExactDecimal.maxScale {
                put(Self.decimal + UInt8(d.scale), UInt64(bitPattern: units))
            } else {
                spillValue(value)
            }
        case .string(var s):
            let n = s.utf8.count
            if n <= 8 {
                var word: UInt64 = 0
                var shift: UInt64 = 0
                for b in s.utf8 {
                    word |= UInt64(b) << shift
                    shift += 8
                }
                put(Self.shortText + UInt8(n), word)
            } else if n < 1 << 24, let offset = arena.startRun(n) {
                s.withUTF8 { arena.append($0) }
                put(Self.arenaText, UInt64(offset) << 24 | UInt64(n))
            } else {
                spillValue(value)
            }
        case .list(let items):
            // a list of texts: each text's bytes and a unit separator, in the arena
            var n = 0
            for item in items {
                guard case .string(let t) = item else {
                    n = -1
                    break
                }
                n += t.utf8.count + 1
            }
            guard n >= 0, n < 1 << 24, let start = arena.startRun(n) else {
                spillValue(value)
                return
            }
            var packed = true
            for case .string(var t) in items where packed {
                t.withUTF8 { bytes in
                    if bytes.contains(Self.unitSeparator) { packed = false } else { arena.append(bytes) }
                }
                arena.append(Self.unitSeparator)
            }
            if packed {
                put(Self.textList, UInt64(start) << 24 | UInt64(n))
            } else {
                arena.truncate(to: start)
                spillValue(value)
            }
        case .record: spillValue(value)
        }
    }

    subscript(i: Int) -> Value {
        let tag = tags[i], word = words[i]
        switch tag {
        case Self.null: return .null
        case Self.falseTag: return .bool(false)
        case Self.trueTag: return .bool(true)
        case Self.int: return .int(Int64(bitPattern: word))
        case Self.days: return .days(Int64(bitPattern: word))
        case Self.date: return .date(CivilDate(dayNumber: Int(Int64(bitPattern: word))))
        case Self.arenaText:
            let offset = Int(word >> 24), n = Int(word & 0xFF_FFFF)
            return .string(arena.withBytes(offset, n) { String(decoding: $0, as: UTF8.self) })
        case Self.spilled: return spill[Int(word)]
        case Self.textList:
            let offset = Int(word >> 24), n = Int(word & 0xFF_FFFF)
            // each text ends with a separator: counted first, so the list is allocated once
            return .list(arena.withBytes(offset, n) { bytes in
                var count = 0
                for b in bytes where b == Self.unitSeparator { count += 1 }
                var items: [Value] = []
                items.reserveCapacity(count)
                var start = 0
                for i in bytes.indices where bytes[i] == Self.unitSeparator {
                    items.append(.string(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)))
                    start = i + 1
                }
                return items
            })
        case Self.shortText...(Self.shortText + 8):
            let n = Int(tag - Self.shortText)
            return .string(withUnsafeBytes(of: word.littleEndian) { String(decoding: $0.prefix(n), as: UTF8.self) })
        default:
            return .decimal(ExactDecimal(units: Int128(Int64(bitPattern: word)), scale: Int(tag - Self.decimal)))
        }
    }

    /// Slots `start..<start + fields.count` written into `record`, slot `start + k` at field `fields[k]`:
    /// one call per record, the values read in place (a `PackedValues` read out of an array of them
    /// for each value was copied, its arrays retained and released, per value).
    func unpack(from start: Int, into record: inout [Value], at fields: [Int]) {
        for (k, f) in fields.enumerated() { record[f] = self[start + k] }
    }

    /// Whether slot `i` holds a value equal to `value` (`Value`'s equality). A text is compared by its
    /// bytes in place first (equal bytes are equal texts), without making a `String`.
    @inline(__always)
    func holds(_ i: Int, _ value: Value) -> Bool {
        guard case .string(let s) = value else { return self[i] == value }
        let tag = tags[i], word = words[i]
        if tag >= Self.shortText && tag <= Self.shortText + 8 {
            if s.utf8.count == Int(tag - Self.shortText) {
                var w: UInt64 = 0
                var shift: UInt64 = 0
                for b in s.utf8 {
                    w |= UInt64(b) << shift
                    shift += 8
                }
                if w == word { return true }
            }
        } else if tag == Self.arenaText {
            let offset = Int(word >> 24), n = Int(word & 0xFF_FFFF)
            if s.utf8.count == n, arena.withBytes(offset, n, { a in
                // one memcmp over a native string's bytes, not a generic walk of its UTF-8 view
                s.utf8.withContiguousStorageIfAvailable { b in
                    n == 0 || memcmp(a.baseAddress!, b.baseAddress!, n) == 0
                } ?? s.utf8.elementsEqual(a)
            }) { return true }
        }
        // different bytes can still be canonically equivalent texts
        return self[i] == value
    }

    /// Drops every value (the storage is released).
    mutating func removeAll() {
        tags = []
        words = []
        arena = ByteArena()
        spill = []
    }

    private mutating func put(_ tag: UInt8, _ word: UInt64) {
        tags.append(tag)
        words.append(word)
    }

    private mutating func spillValue(_ value: Value) {
        put(Self.spilled, UInt64(spill.count))
        spill.append(value)
    }
}

/// The bytes of packed texts, in blocks of at most 1 MB that never move once full: a run of bytes
/// (a text, a list of texts) lies in one block, addressed by its block and place in it. Growing it
/// never copies what is there (a doubling array copied its whole content, and held twice its size
/// while it did, at every doubling), and it holds at most one partly filled block.
struct ByteArena {
    static let blockBits = 20
    static let blockSize = 1 << blockBits
    private var blocks: [[UInt8]] = []

    /// Starts a run of `n` bytes in one block: its address, or nil when it is longer than a block
    /// (or the arena has reached 2^40 bytes of addresses).
    mutating func startRun(_ n: Int) -> Int? {
        guard n <= Self.blockSize, blocks.count < 1 << (40 - Self.blockBits) else { return nil }
        if blocks.isEmpty || blocks[blocks.count - 1].count + n > Self.blockSize {
            // a full block is trimmed to its bytes when it was grown past them
            if let last = blocks.indices.last, blocks[last].capacity > blocks[last].count + 4096 {
                let full = blocks[last]
                blocks[last] = [UInt8](unsafeUninitializedCapacity: full.count) { buffer, count in
                    count = buffer.initialize(fromContentsOf: full)
                }
            }
            var block: [UInt8] = []
            // the first block grows as an array does (a small arena stays small); later ones take a block at once
            if !blocks.isEmpty { block.reserveCapacity(Self.blockSize) }
            blocks.append(block)
        }
        return (blocks.count - 1) << Self.blockBits | blocks[blocks.count - 1].count
    }

    /// Appends to the run started last.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        blocks[blocks.count - 1].append(contentsOf: bytes)
    }

    mutating func append(_ byte: UInt8) {
        blocks[blocks.count - 1].append(byte)
    }

    /// Drops the bytes of the last block from address `at` on (a run given up).
    mutating func truncate(to at: Int) {
        blocks[blocks.count - 1].removeSubrange((at & (Self.blockSize - 1))...)
    }

    /// The `n` bytes at address `at`.
    @inline(__always)
    func withBytes<R>(_ at: Int, _ n: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let within = at & (Self.blockSize - 1)
        return blocks[at >> Self.blockBits].withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[within..<within + n])) }
    }
}
