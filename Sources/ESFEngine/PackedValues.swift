#if canImport(Glibc)
import Glibc
#endif
import ESFCore

/// A growing list of `Value`s kept as fixed-width slots instead of 48-byte enum cases: a tag byte
/// and a 32-bit word per value (a date as its day number, an integer, an amount as its scaled
/// mantissa, a text of up to four bytes in the word itself, a longer text in a shared byte arena, a
/// list of texts — a participant's set of codes — in the arena too). A number past 32 bits takes a
/// 64-bit word of a side list (`wide`), and anything no word holds exactly (a mantissa beyond 64
/// bits, any other list, a record) is kept whole in another. Reading a slot gives back a value equal
/// to the one appended, of the same case.
///
/// The per-key state the engine keeps until the end of the stream (joined-mode context projections,
/// aggregates' kept records, key values) is stored this way: about 5 bytes a slot for dates, codes,
/// counts and amounts up to 21 million euros, plus a text's bytes, instead of 48. Tags and words are
/// `BlockArray`s: they grow without copying and hold no doubling slack.
struct PackedValues {
    private var tags = BlockArray<UInt8>()
    private var words = BlockArray<UInt32>()
    /// The words of numbers past 32 bits (an integer, a day count or an amount's mantissa).
    private var wide = BlockArray<UInt64>()
    /// The bytes of texts longer than four bytes, each after its length.
    private var arena = ByteArena()
    /// The values no word holds exactly.
    private var spill: [Value] = []

    private static let null: UInt8 = 0, falseTag: UInt8 = 1, trueTag: UInt8 = 2, int: UInt8 = 3, date: UInt8 = 4,
                        days: UInt8 = 5, arenaText: UInt8 = 6, spilled: UInt8 = 7, textList: UInt8 = 8,
                        wideInt: UInt8 = 9, wideDays: UInt8 = 10, wideDate: UInt8 = 11
    /// Ends each text of a packed list of texts (a text holding this byte is not packed so).
    private static let unitSeparator: UInt8 = 0x1F
    /// A decimal of scale s whose mantissa fits 32 bits: tag `decimal + s` (scales 0...maxScale).
    private static let decimal: UInt8 = 16
    /// A decimal of scale s whose mantissa fits 64 bits, in `wide`: tag `wideDecimal + s`.
    private static let wideDecimal: UInt8 = 64
    /// A text of n bytes (0...4) held in the word: tag `shortText + n`.
    private static let shortText: UInt8 = 96

    var count: Int { tags.count }

    mutating func append(_ value: Value) {
        switch value {
        case .null: put(Self.null, 0)
        case .bool(let b): put(b ? Self.trueTag : Self.falseTag, 0)
        case .int(let i): putNumber(Self.int, Self.wideInt, i)
        case .days(let n): putNumber(Self.days, Self.wideDays, n)
        case .date(let d): putNumber(Self.date, Self.wideDate, Int64(d.dayNumber))
        case .decimal(let d):
            if let units = Int64(exactly: d.units), d.scale >= 0, d.scale <= ExactDecimal.maxScale {
                putNumber(Self.decimal + UInt8(d.scale), Self.wideDecimal + UInt8(d.scale), units)
            } else {
                spillValue(value)
            }
        case .string(var s):
            let n = s.utf8.count
            if n <= 4 {
                var word: UInt32 = 0
                var shift: UInt32 = 0
                for b in s.utf8 {
                    word |= UInt32(b) << shift
                    shift += 8
                }
                put(Self.shortText + UInt8(n), word)
            } else if let address = arena.startRun(length: n) {
                s.withUTF8 { arena.append($0) }
                put(Self.arenaText, UInt32(address))
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
            guard n >= 0, let start = arena.startRun(length: n) else {
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
                put(Self.textList, UInt32(start))
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
        case Self.int: return .int(Int64(Int32(bitPattern: word)))
        case Self.days: return .days(Int64(Int32(bitPattern: word)))
        case Self.date: return .date(CivilDate(dayNumber: Int(Int32(bitPattern: word))))
        case Self.wideInt: return .int(Int64(bitPattern: wide[Int(word)]))
        case Self.wideDays: return .days(Int64(bitPattern: wide[Int(word)]))
        case Self.wideDate: return .date(CivilDate(dayNumber: Int(Int64(bitPattern: wide[Int(word)]))))
        case Self.arenaText:
            return .string(arena.withRun(Int(word)) { String(decoding: $0, as: UTF8.self) })
        case Self.spilled: return spill[Int(word)]
        case Self.textList:
            // each text ends with a separator: counted first, so the list is allocated once
            return .list(arena.withRun(Int(word)) { bytes in
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
        case Self.shortText...(Self.shortText + 4):
            let n = Int(tag - Self.shortText)
            return .string(withUnsafeBytes(of: word.littleEndian) { String(decoding: $0.prefix(n), as: UTF8.self) })
        case Self.wideDecimal...(Self.wideDecimal + UInt8(ExactDecimal.maxScale)):
            return .decimal(ExactDecimal(units: Int128(Int64(bitPattern: wide[Int(word)])), scale: Int(tag - Self.wideDecimal)))
        default:
            return .decimal(ExactDecimal(units: Int128(Int32(bitPattern: word)), scale: Int(tag - Self.decimal)))
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
        // different bytes can still be canonically equivalent texts
        holdsText(i, value) || self[i] == value
    }

    /// Whether slot `i` holds a text of exactly the bytes of `value`, a text (false for anything else).
    @inline(__always)
    func holdsText(_ i: Int, _ value: Value) -> Bool {
        guard case .string(let s) = value else { return false }
        let tag = tags[i], word = words[i]
        if tag >= Self.shortText && tag <= Self.shortText + 4 {
            if s.utf8.count == Int(tag - Self.shortText) {
                var w: UInt32 = 0
                var shift: UInt32 = 0
                for b in s.utf8 {
                    w |= UInt32(b) << shift
                    shift += 8
                }
                if w == word { return true }
            }
        } else if tag == Self.arenaText {
            if arena.withRun(Int(word), { a in
                // one memcmp over a native string's bytes, not a generic walk of its UTF-8 view
                s.utf8.count == a.count && (s.utf8.withContiguousStorageIfAvailable { b in
                    a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
                } ?? s.utf8.elementsEqual(a))
            }) { return true }
        }
        return false
    }

    /// Drops every value (the storage is released).
    mutating func removeAll() {
        tags.removeAll()
        words.removeAll()
        wide.removeAll()
        arena = ByteArena()
        spill = []
    }

    @inline(__always)
    private mutating func put(_ tag: UInt8, _ word: UInt32) {
        tags.append(tag)
        words.append(word)
    }

    /// A number in the word when it fits 32 bits, else in `wide`.
    @inline(__always)
    private mutating func putNumber(_ narrow: UInt8, _ wideTag: UInt8, _ n: Int64) {
        if let small = Int32(exactly: n) {
            put(narrow, UInt32(bitPattern: small))
        } else {
            // 2^32 wide numbers would be 32 GB of them: past any memory this runs in
            precondition(wide.count < 1 << 32, "more than 2^32 wide numbers")
            put(wideTag, UInt32(truncatingIfNeeded: wide.count))
            wide.append(UInt64(bitPattern: n))
        }
    }

    private mutating func spillValue(_ value: Value) {
        precondition(spill.count < 1 << 32, "more than 2^32 values kept whole")
        put(Self.spilled, UInt32(truncatingIfNeeded: spill.count))
        spill.append(value)
    }
}

/// The bytes of packed texts, in blocks of at most 1 MB that never move once full: a run of bytes
/// (a text, a list of texts) lies in one block after its length, addressed by its block and place in
/// it, in 32 bits (4 GB of runs; past that a run is refused and its value kept whole). Growing it
/// never copies what is there (a doubling array copied its whole content, and held twice its size
/// while it did, at every doubling), and it holds at most one partly filled block.
struct ByteArena {
    static let blockBits = 20
    static let blockSize = 1 << blockBits
    private var blocks: [[UInt8]] = []

    /// Starts a run of `length` bytes, its length first (LEB128), in one block: its address, or nil
    /// when it is longer than a block (or the arena has reached 2^32 bytes of addresses).
    mutating func startRun(length: Int) -> Int? {
        var prefix = 1
        while length >> (7 * prefix) > 0 { prefix += 1 }
        let n = prefix + length
        guard n <= Self.blockSize else { return nil }
        if blocks.isEmpty || blocks[blocks.count - 1].count + n > Self.blockSize {
            guard blocks.count < 1 << (32 - Self.blockBits) else { return nil }
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
        let address = (blocks.count - 1) << Self.blockBits | blocks[blocks.count - 1].count
        var rest = length
        repeat {
            blocks[blocks.count - 1].append(UInt8(rest & 0x7F) | (rest >= 0x80 ? 0x80 : 0))
            rest >>= 7
        } while rest > 0
        return address
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

    /// The bytes of the run at address `at` (after its length).
    @inline(__always)
    func withRun<R>(_ at: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let within = at & (Self.blockSize - 1)
        return blocks[at >> Self.blockBits].withUnsafeBufferPointer { block in
            var i = within, n = 0, shift = 0
            while true {
                let b = block[i]
                n |= Int(b & 0x7F) << shift
                i += 1
                if b < 0x80 { break }
                shift += 7
            }
            return body(UnsafeBufferPointer(rebasing: block[i..<i + n]))
        }
    }
}
