import ESFCore

/// A `unique` over keys that no other rule reads (an expenditure line's id, an EMŠO, an invoice's
/// number with its category and participant), checked without a table of the keys in memory.
///
/// Each record's key is logged in the temporary file: its 64-bit hash, its values and its record's
/// place. In memory stays only a filter of the hashes seen: a cuckoo filter of 16-bit tags (Fan et al.,
/// 2014), in buckets of four tags, each tag in one of the two buckets its hash names, and the table
/// grown by half when it is 90 % full (2.2 to 3.4 bytes a key, where an open-addressing table at most
/// half full took 4 to 8, and a symbol table 12 to 20 with its slots, hashes and counts). A key whose
/// tag is in neither of its buckets was certainly not seen before: the record passes at once (nearly
/// every record). A key whose tag is found may have been seen before (it was, or another key put the
/// same tag in one of its eight slots: about one key in 8,000 when the table is full): the record is
/// a *candidate*, and its outcome waits for the end of the stream, when `settle(_:)` reads the log in
/// order and counts exactly, by the keys' values, how often each candidate's key occurred before it.
///
/// A tag moved out of a full bucket goes to its other bucket, found from the bucket it was in and the
/// tag alone, so that it stays where a look-up of its hash searches. A table that cannot take a tag
/// (a chain of moves too long) is rebuilt larger from the log's hashes (read back in order), not
/// from the tags, so that a tag stays 16 bits of the hash whatever the table's size, and no tag moved
/// out on the way is lost. A hash that cannot be read back leaves the filter without it: the
/// temporary file's failure then fails the relation rules (`Engine.finish`), so that a key missed
/// that way never lets an export pass.
final class UniqueLog {
    /// The number of fields of the key.
    let width: Int
    /// The buckets: four 16-bit tags each (0: an empty slot), any number of buckets.
    private var buckets: [UInt64]
    private var stored = 0
    /// The tag of a hash: its top `tagBits` bits (fewer in tests, to make candidates common).
    private let tagShift: UInt64
    /// Per record logged, in order: the key's hash, its values (`width` each) and the record's place.
    private var hashes: SpilledArray<UInt64>
    private var values: SpilledValues
    private var places: SpilledArray<RecordPlace>
    /// The hashes of the candidates' keys.
    private var candidates: Set<UInt64> = []
    /// `settle`: the next record of the log to count, the log's hashes read in order, and per key of a
    /// candidate's hash (by its values) how often it occurred so far and its first record.
    private var cursor = 0
    private var reader: SpilledArray<UInt64>.SequentialReader?
    private var occurrences: [[Value]: (count: Int, first: Int)] = [:]

    /// Tags moved before a table counts as full.
    private static let maxMoves = 500
    private static let lanes: UInt64 = 0x0001_0001_0001_0001
    private static let highs: UInt64 = 0x8000_8000_8000_8000

    init(width: Int, file: SpillFile, tagBits: Int = 16) {
        self.width = width
        buckets = [UInt64](repeating: 0, count: 4)
        tagShift = UInt64(64 - min(max(tagBits, 1), 16))
        hashes = SpilledArray(file: file)
        values = SpilledValues(file: file)
        places = SpilledArray(file: file)
    }

    /// The records logged so far.
    var count: Int { hashes.count }

    /// The bytes of the filter in memory.
    var filterBytes: Int { buckets.count * MemoryLayout<UInt64>.stride }

    /// Logs the key of one record (its hash `h`, the key forms of `record`'s `fields`, its `place`):
    /// its number in the log, and whether it is a candidate (its key may have occurred before).
    func log(_ h: UInt64, _ record: [Value], _ fields: [Int], place: RecordPlace) -> (seq: Int, candidate: Bool) {
        let seq = hashes.count
        hashes.append(h)
        for f in fields { values.append(record[f].keyForm) }
        places.append(place)
        let p = slots(h)
        if found(p) {
            candidates.insert(h)
            return (seq, true)
        }
        // 90 % full, or no room without too long a chain of moves: a table half as large again,
        // from the log (which holds `h`)
        if stored * 10 >= buckets.count * 4 * 9 || !insert(p, h) {
            rebuild(count: buckets.count + buckets.count / 2)
        } else {
            stored += 1
        }
        return (seq, false)
    }

    private func tag(_ h: UInt64) -> UInt64 {
        let t = h >> tagShift
        return t == 0 ? 1 : t
    }

    /// The first bucket of a hash: its low 32 bits scaled to the number of buckets.
    private func home(_ h: UInt64) -> Int {
        Int(truncatingIfNeeded: ((h & 0xFFFF_FFFF) &* UInt64(buckets.count)) >> 32)
    }

    /// The other bucket of a tag in bucket `b`: (c − b) mod n for a number c made from the tag alone,
    /// so that the other bucket's other bucket is `b` again.
    private func other(_ b: Int, _ t: UInt64) -> Int {
        let n = buckets.count
        let c = Int(truncatingIfNeeded: ((t &* 0x9E37_79B9_7F4A_7C15) >> 32) % UInt64(n))
        return c >= b ? c - b : c - b + n
    }

    /// Whether a bucket holds tag `t` (a tag in each 16-bit lane compared at once).
    @inline(__always)
    private static func holds(_ bucket: UInt64, _ t: UInt64) -> Bool {
        let x = bucket ^ (t &* lanes)
        return (x &- lanes) & ~x & highs != 0
    }

    /// A hash's tag and its two buckets.
    private typealias Slots = (tag: UInt64, first: Int, second: Int)

    /// The tag of `h` and its two buckets in the table as it is (computed once for the look-up and the
    /// insertion that follows it).
    private func slots(_ h: UInt64) -> Slots {
        let t = tag(h), b = home(h)
        return (t, b, other(b, t))
    }

    /// Whether a hash's tag is in one of its two buckets.
    private func found(_ p: Slots) -> Bool {
        Self.holds(buckets[p.first], p.tag) || Self.holds(buckets[p.second], p.tag)
    }

    /// Puts tag `t` in an empty slot of bucket `b`, if it has one.
    @inline(__always)
    private func put(_ b: Int, _ t: UInt64) -> Bool {
        let word = buckets[b]
        let empty = (word &- Self.lanes) & ~word & Self.highs
        guard empty != 0 else { return false }
        // the lowest empty lane: the first set bit of `empty` is that lane's top bit
        let lane = UInt64(empty.trailingZeroBitCount - 15)
        buckets[b] = word | t << lane
        return true
    }

    /// Puts hash `h`'s tag (`p`: its tag and buckets; not in the table) in one of its buckets, moving tags to their other buckets to
    /// make room: false when no room was made within `maxMoves` moves (a tag moved out is then out of
    /// the table: the caller rebuilds it).
    private func insert(_ p: Slots, _ h: UInt64) -> Bool {
        var t = p.tag
        let first = p.first, second = p.second
        if put(first, t) || put(second, t) { return true }
        // the bucket to move a tag out of alternates with the hash's bits; the lane with the moves made
        var b = h & 1 << 32 == 0 ? first : second
        for move in 0..<Self.maxMoves {
            let shift = UInt64((move + Int(truncatingIfNeeded: h >> 33)) & 3) * 16
            let out = buckets[b] >> shift & 0xFFFF
            buckets[b] = buckets[b] & ~(0xFFFF << shift) | t << shift
            t = out
            b = other(b, t)
            if put(b, t) { return true }
        }
        return false
    }

    /// A table of at least `count` buckets holding the tags of every hash logged.
    private func rebuild(count: Int) {
        var size = max(count, 4)
        while true {
            // the old table freed before the new one is made (it is not read again): one at a time at the peak
            buckets = []
            buckets = [UInt64](repeating: 0, count: size)
            stored = 0
            var reader = hashes.sequentialReader()
            var complete = true
            for i in 0..<hashes.count {
                // unreadable: the file's failure fails the relation rules at the end of the stream
                guard let h = reader.element(i) else { break }
                let p = slots(h)
                if found(p) { continue }
                guard insert(p, h) else {
                    complete = false
                    break
                }
                stored += 1
            }
            if complete { return }
            size += size / 2
        }
    }

    /// How often the key of record `seq` (a candidate) occurred up to and including it, and the number
    /// of its first record; nil when the log cannot be read back. Asked in increasing order of `seq`
    /// (the order the candidates were logged): the log is read once, in order, and only the keys of the
    /// candidates' hashes are read and counted.
    func settle(_ seq: Int) -> (occurrence: Int, first: Int)? {
        guard seq >= cursor, seq < count else { return nil }
        if reader == nil { reader = hashes.sequentialReader() }
        var result: (occurrence: Int, first: Int)?
        while cursor <= seq {
            guard let h = reader!.element(cursor) else { return nil }
            if candidates.contains(h) {
                var key: [Value] = []
                key.reserveCapacity(width)
                for j in 0..<width {
                    guard let v = values.value(cursor * width + j) else { return nil }
                    key.append(v)
                }
                let seen = occurrences[key].map { (count: $0.count + 1, first: $0.first) } ?? (count: 1, first: cursor)
                occurrences[key] = seen
                if cursor == seq { result = (seen.count, seen.first) }
            }
            cursor += 1
        }
        return result
    }

    /// The place of record `seq`; nil when it cannot be read back.
    func place(_ seq: Int) -> RecordPlace? { places.element(seq) }

    /// A tuple's hash: its fields' key forms' hashes (`SymbolTable.hash`) combined and mixed.
    static func hash(_ record: [Value], _ fields: [Int]) -> UInt64 {
        if fields.count == 1 { return SymbolTable.hash(record[fields[0]].keyForm) }
        var h: UInt64 = 0x2545_F491_4F6C_DD1D
        for f in fields { h = (h ^ SymbolTable.hash(record[f].keyForm)) &* 0x9E37_79B9_7F4A_7C15 }
        return SymbolTable.mix(h)
    }
}

/// A relation of a record whose outcome waits for `UniqueLog.settle` (`Engine.pendingItems`), or the
/// record's first definite failure after such relations; the items of one record are consecutive, the
/// last one marked. Beside each, in `Engine.pendingFindings`, the finding it makes if it fails (a
/// candidate's without its occurrence and earlier record, which `settle` gives).
struct PendingItem {
    var rule: Int32
    /// The relation state of a candidate; -1 for a definite failure (its finding is complete).
    var state: Int32
    var last: Bool
    var seq: Int64
}
