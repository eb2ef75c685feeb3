import ESFCore

/// A `unique` over keys that no other rule reads (an expenditure line's id, an EMŠO, an invoice's
/// number with its category and participant), checked without a table of the keys in memory.
///
/// Each record's key is logged in the temporary file: its 64-bit hash, its values and its record's
/// place. In memory stays only a filter of the hashes seen: per key a 16-bit tag in an open-addressing
/// table at most half full (4 to 8 bytes a key, where a symbol table took 12 to 20 with its slots,
/// hashes and counts). A key whose tag is not found was certainly not seen before: the record passes
/// at once (nearly every record). A key whose tag is found may have been seen before (it was, or
/// another key has the same tag near it: about one key in 10,000): the record is a *candidate*, and
/// its outcome waits for the end of the stream, when `settle(_:)` reads the log in order and counts
/// exactly, by the keys' values, how often each candidate's key occurred before it.
///
/// The table is doubled from the log's hashes (read back in order), not from the tags, so that a tag
/// stays 16 bits of the hash whatever the table's size. A hash that cannot be read back leaves the
/// filter without it: the temporary file's failure then fails the relation rules (`Engine.finish`),
/// so that a key missed that way never lets an export pass.
final class UniqueLog {
    /// The number of fields of the key.
    let width: Int
    /// The tags of the hashes seen, by slot (0: empty); a power of two of them, at most half full.
    private var tags: [UInt16]
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

    init(width: Int, file: SpillFile, tagBits: Int = 16) {
        self.width = width
        tags = [UInt16](repeating: 0, count: 16)
        tagShift = UInt64(64 - min(max(tagBits, 1), 16))
        hashes = SpilledArray(file: file)
        values = SpilledValues(file: file)
        places = SpilledArray(file: file)
    }

    /// The records logged so far.
    var count: Int { hashes.count }

    /// Logs the key of one record (its hash `h`, the key forms of `record`'s `fields`, its `place`):
    /// its number in the log, and whether it is a candidate (its key may have occurred before).
    func log(_ h: UInt64, _ record: [Value], _ fields: [Int], place: RecordPlace) -> (seq: Int, candidate: Bool) {
        let seq = hashes.count
        hashes.append(h)
        for f in fields { values.append(record[f].keyForm) }
        places.append(place)
        guard insert(h) else {
            candidates.insert(h)
            return (seq, true)
        }
        stored += 1
        if stored * 2 > tags.count { rebuild(count: tags.count * 2) }
        return (seq, false)
    }

    private func tag(_ h: UInt64) -> UInt16 {
        let t = UInt16(truncatingIfNeeded: h >> tagShift)
        return t == 0 ? 1 : t
    }

    /// Puts `h`'s tag in the table: true when it was not there (in the run of slots from its home to the
    /// first empty one, where every hash with that home was put), false when it was (nothing changes).
    private func insert(_ h: UInt64) -> Bool {
        let t = tag(h)
        let mask = tags.count - 1
        return tags.withUnsafeMutableBufferPointer { slots in
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let s = slots[i]
                if s == 0 {
                    slots[i] = t
                    return true
                }
                if s == t { return false }
                i = (i + 1) & mask
            }
        }
    }

    /// A table of `count` slots holding the tags of every hash logged.
    private func rebuild(count: Int) {
        // the old table freed before the new one is made (it is not read again): one at a time at the peak
        tags = []
        tags = [UInt16](repeating: 0, count: count)
        stored = 0
        var reader = hashes.sequentialReader()
        for i in 0..<hashes.count {
            // unreadable: the file's failure fails the relation rules at the end of the stream
            guard let h = reader.element(i) else { break }
            if insert(h) { stored += 1 }
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
