import Foundation
import ESFCore

/// Interns key values (in their key form, `Value.keyForm`) as dense integer symbols, so that
/// per-key state is kept in arrays indexed by symbol instead of dictionaries keyed by values.
/// Equality is that of `Value` (canonically equivalent strings are one key, as in a `Dictionary`).
///
/// An open-addressing table with its own hash, not a `Dictionary<Value, Int32>`: a text key (the
/// common case: ids, invoice numbers) is hashed over its UTF-8 bytes without a seeded `Hasher`, and a
/// resize re-places the symbols by their kept hashes without hashing a key again. The values are
/// kept by symbol, packed (`PackedValues`: a text's bytes, not a 48-byte `Value`), to compare a key
/// with exactly; `text(of:)` gives one back as text (a finding names an earlier record by the text
/// kept with its place, `Engine.placeKeys`, not by its symbol).
///
/// A class: a look-up reads the table's arrays in place (a struct read out of the domains' array
/// was copied, its six arrays retained and released, per look-up).
final class SymbolTable {
    /// Symbol per slot; at most half full.
    private var slots = HashSlots(count: 16)
    /// By symbol: the low 32 bits of its hash (all a slot index uses below 2^32 slots, and a cheap
    /// first test of a probe: 4 bytes a key, not 8), and its value.
    private var hashes = BlockArray<UInt32>()
    private var values = PackedValues()

    var count: Int { hashes.count }

    init() {}

    /// The symbol of `value` (a key form), created on first sight; one hash either way.
    func intern(_ value: Value) -> Int32 {
        let h = Self.hash(value)
        let (i, found) = probe(value, h)
        if let found { return found }
        let symbol = Int32(truncatingIfNeeded: hashes.count)
        slots.set(i, symbol)
        hashes.append(UInt32(truncatingIfNeeded: h))
        values.append(value)
        if hashes.count * 2 > slots.count { grow() }
        return symbol
    }

    /// The symbol of `value` (a key form) if it was seen.
    @inline(__always)
    func find(_ value: Value) -> Int32? {
        probe(value, Self.hash(value)).symbol
    }

    /// Linear probing from the value's home slot: its symbol when present, else the empty slot that
    /// ends the run (where it would go). The table is never full (at most half), so the loop ends.
    @inline(__always)
    private func probe(_ value: Value, _ h: UInt64) -> (slot: Int, symbol: Int32?) {
        let mask = slots.mask
        var i = Int(truncatingIfNeeded: h) & mask
        while let s = slots.entry(i) {
            if hashes[Int(s)] == UInt32(truncatingIfNeeded: h) && holds(Int(s), value) { return (i, s) }
            i = (i + 1) & mask
        }
        return (i, nil)
    }

    /// Whether symbol `s` stands for `value`.
    @inline(__always)
    private func holds(_ s: Int, _ value: Value) -> Bool {
        values.holds(s, value)
    }

    /// The value (a key form) of a symbol.
    func value(of s: Int32) -> Value? {
        guard s >= 0, Int(s) < count else { return nil }
        return values[Int(s)]
    }

    /// Whether symbol `s`'s value is a text of exactly the bytes of `value` (in memory; false otherwise).
    func holdsText(_ s: Int32, _ value: Value) -> Bool {
        s >= 0 && Int(s) < values.count && values.holdsText(Int(s), value)
    }

    /// The text of the value (a key form) of a symbol; "" for null.
    func text(of s: Int32) -> String? {
        guard let v = value(of: s) else { return nil }
        return v.isNull ? "" : v.description
    }

    private func grow() {
        // the low 32 bits of a hash are all a slot index uses (below 2^32 slots)
        slots = slots.doubled(entries: hashes.count) { UInt64(hashes[$0]) }
    }

    /// A hash consistent with `Value`'s equality: a text by the UTF-8 bytes of its canonical
    /// composition (an ASCII text is its own), a date by its day number, anything else by `hashValue`.
    static func hash(_ value: Value) -> UInt64 {
        switch value {
        case .string(let s):
            if let h = s.utf8.withContiguousStorageIfAvailable({ asciiHash($0) }) ?? asciiHash(Array(s.utf8)) { return h }
            return asciiHash(Array(s.precomposedStringWithCanonicalMapping.utf8), anyBytes: true) ?? 0
        case .null: return 0x9E37_79B9_7F4A_7C15
        case .date(let d): return mix(UInt64(bitPattern: Int64(d.dayNumber)) ^ 0xD1B5_4A32_D192_ED03)
        default: return mix(UInt64(bitPattern: Int64(value.hashValue)))
        }
    }

    /// FNV-1a over the bytes, finished with a 64-bit mixer; nil when a byte is not ASCII (unless `anyBytes`).
    private static func asciiHash(_ bytes: some Collection<UInt8>, anyBytes: Bool = false) -> UInt64? {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        var high: UInt8 = 0
        for b in bytes {
            high |= b
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        if high >= 0x80 && !anyBytes { return nil }
        return mix(h)
    }

    /// The finaliser of MurmurHash3 (fmix64): every input bit affects the low bits used as a slot.
    static func mix(_ x: UInt64) -> UInt64 {
        var k = x
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}

/// A key of two or more symbols, packed without an allocation up to four of them.
struct SymbolKey: Hashable {
    var a: UInt64 = 0
    var b: UInt64 = 0
    var count = 0
    /// Symbols past the fourth (rare: keys of five or more fields).
    var rest: [Int32]?

    mutating func append(_ s: Int32) {
        let bits = UInt64(UInt32(bitPattern: s))
        switch count {
        case 0: a = bits
        case 1: a |= bits << 32
        case 2: b = bits
        case 3: b |= bits << 32
        default: rest = (rest ?? []) + [s]
        }
        count += 1
    }
}

/// Maps keys (one or more symbols) to dense row numbers: a plain array for one-field keys.
///
/// A class, as `SymbolTable`: an index read out of an array of them is not copied (its arrays
/// retained and released) per look-up.
final class KeyIndex {
    /// One-field keys: the row of each symbol, -1 when it has none (empty while `identity` holds).
    var dense = BlockArray<Int32>()
    /// Keys of two to four symbols; `wide`: of five or more (rare).
    var packed = PackedKeyTable()
    var wide: [SymbolKey: Int32] = [:]
    private(set) var rows: Int32 = 0
    /// True while every key was one symbol, met in the order b, b + 1, b + 2, … from the first one, b
    /// (the common case: a `unique` over a key field no other rule interns first, the parents as their
    /// file lists them, after the operation's symbol): a key's row is then its symbol less b, and
    /// `dense` is not kept (4 bytes a key). The first key out of that order, or of several symbols,
    /// writes `dense` out and ends it.
    private(set) var identity = true
    private var base: Int32 = 0

    init() {}

    /// The row of a one-field key, created when `create`; nil when absent.
    func row(_ s: Int32, create: Bool) -> Int32? {
        if identity {
            if s >= base && s - base < rows { return s - base }
            guard create else { return nil }
            if rows == 0 && s >= 0 { base = s }
            if s >= base && s - base == rows {
                rows += 1
                return rows - 1
            }
            leaveIdentity()
        }
        let i = Int(s)
        if i < dense.count, dense[i] >= 0 { return dense[i] }
        guard create else { return nil }
        dense.ensureIndex(i, -1)
        dense[i] = rows
        rows += 1
        return dense[i]
    }

    func row(_ s: Int32) -> Int32? {
        if identity { return s >= base && s - base < rows ? s - base : nil }
        let i = Int(s)
        return i >= 0 && i < dense.count && dense[i] >= 0 ? dense[i] : nil
    }

    /// Writes out the rows so far (each its own symbol) and looks rows up in `dense` from now on.
    private func leaveIdentity() {
        identity = false
        guard rows > 0 else { return }
        dense.ensureIndex(Int(base) - 1, -1)
        for r in 0..<rows { dense.append(r) }
    }

    func row(_ k: SymbolKey, create: Bool) -> Int32? {
        if let r = row(k) { return r }
        guard create else { return nil }
        if identity { leaveIdentity() }
        // a packed key's row is its entry in the table (keys of one index have one width, so every
        // key of an index that has packed keys is packed; a mixed index keeps the others in `wide`)
        if packed.accepts(k) && packed.count == Int(rows) { packed.insert(k) } else { wide[k] = rows }
        rows += 1
        return rows - 1
    }

    /// The row of a key of two or more symbols, nil when absent.
    func row(_ k: SymbolKey) -> Int32? {
        if packed.accepts(k), let r = packed.row(k) { return r }
        return wide.isEmpty ? nil : wide[k]
    }
}

/// Keys of two to four symbols numbered in the order added: an open-addressing table over the key's
/// two packed words with its own hash (no seeded `Hasher`, no dictionary entry of a whole `SymbolKey`).
/// Every key of a table has the width of its first (one relation's or aggregate's key fields): its
/// third and fourth symbols take 4 bytes each only when it has them.
struct PackedKeyTable: ~Copyable {
    /// Entry per slot; at most half full.
    private var slots = HashSlots(count: 16)
    /// By entry (a key's number): its first two symbols, its third and its fourth.
    private var keyA = BlockArray<UInt64>()
    private var keyC = BlockArray<UInt32>()
    private var keyD = BlockArray<UInt32>()
    /// The symbols of every key (0 before the first).
    private(set) var width = 0

    var count: Int { keyA.count }

    /// Whether `k` is a key of this table's width (at most four symbols).
    func accepts(_ k: SymbolKey) -> Bool { k.rest == nil && k.count >= 2 && k.count <= 4 && (width == 0 || k.count == width) }

    /// The number of `k` (accepted), nil when absent.
    func row(_ k: SymbolKey) -> Int32? {
        probe(k).entry
    }

    /// Adds `k` (absent, accepted) as number `count`.
    mutating func insert(_ k: SymbolKey) {
        if width == 0 { width = k.count }
        let (i, _) = probe(k)
        slots.set(i, Int32(truncatingIfNeeded: keyA.count))
        keyA.append(k.a)
        if width >= 3 { keyC.append(UInt32(truncatingIfNeeded: k.b)) }
        if width == 4 { keyD.append(UInt32(truncatingIfNeeded: k.b >> 32)) }
        if keyA.count * 2 > slots.count { grow() }
    }

    /// The second word of entry `e` (as `SymbolKey.b`).
    @inline(__always)
    private func wordB(_ e: Int) -> UInt64 {
        (width >= 3 ? UInt64(keyC[e]) : 0) | (width == 4 ? UInt64(keyD[e]) << 32 : 0)
    }

    private func probe(_ k: SymbolKey) -> (slot: Int, entry: Int32?) {
        let mask = slots.mask
        var i = Int(truncatingIfNeeded: Self.hash(k.a, k.b)) & mask
        while let s = slots.entry(i) {
            let e = Int(s)
            if keyA[e] == k.a && wordB(e) == k.b { return (i, s) }
            i = (i + 1) & mask
        }
        return (i, nil)
    }

    private mutating func grow() {
        slots = slots.doubled(entries: keyA.count) { Self.hash(keyA[$0], wordB($0)) }
    }

    /// The two words mixed (MurmurHash3's finaliser over their combination).
    private static func hash(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var k = a ^ (b &* 0x9E37_79B9_7F4A_7C15)
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}

/// Lists of items per row, kept in insertion order in flat arrays (no array per key). A class, as
/// `KeyIndex`.
///
/// While each row's items come one after another (records grouped by their key: a participant's
/// trainings together, as an export lists them), the lists are runs: a row keeps its first item and
/// an item one bit, set where a run starts; the next item of an item is the one after it unless that
/// one starts a run. 4 bytes a row and a bit an item, not 8 bytes a row and 4 an item. The first item
/// of a row whose run has ended makes the links (`next`, and the `tail` of each row) out of the runs
/// and keeps them from then on.
final class RowLists {
    private var head = BlockArray<Int32>()
    private var tail = BlockArray<Int32>()
    private var nextItem = BlockArray<Int32>()
    private var runStarts = BitBlocks()
    /// True while the lists are runs.
    private(set) var runs = true
    /// While they are: the row of the last item.
    private var lastRow: Int32 = -1
    private(set) var count = 0

    init() {}

    /// Links item `item` (the next item number, `count`) at the end of `row`'s list.
    func append(row: Int32) {
        let item = Int32(truncatingIfNeeded: count)
        let r = Int(row)
        head.ensureIndex(r, -1)
        count += 1
        if runs {
            if row == lastRow { return }
            if head[r] < 0 {
                head[r] = item
                runStarts.insert(Int(item))
                lastRow = row
                return
            }
            link(upTo: Int(item))
        }
        tail.ensureIndex(r, -1)
        nextItem.append(-1)
        if tail[r] >= 0 { nextItem[Int(tail[r])] = item } else { head[r] = item }
        tail[r] = item
    }

    /// Ends the runs: the links of items `0..<items` (every item before the one being appended).
    private func link(upTo items: Int) {
        runs = false
        for i in 0..<items { nextItem.append(i + 1 < items && !runStarts.contains(i + 1) ? Int32(i + 1) : -1) }
        // a row's tail is the end of its run (each run walked once)
        tail.ensureIndex(head.count - 1, -1)
        for r in 0..<head.count where head[r] >= 0 {
            var i = head[r]
            while nextItem[Int(i)] >= 0 { i = nextItem[Int(i)] }
            tail[r] = i
        }
        runStarts = BitBlocks()
    }

    /// The first item of `row`, -1 when it has none.
    func first(_ row: Int32) -> Int32 { row >= 0 && Int(row) < head.count ? head[Int(row)] : -1 }

    /// The item after `item` in its row's list, -1 after the last.
    @inline(__always)
    func next(_ item: Int32) -> Int32 {
        guard runs else { return nextItem[Int(item)] }
        let n = Int(item) + 1
        return n < count && !runStarts.contains(n) ? Int32(n) : -1
    }
}

/// The key symbols of a run: one table per key domain. Fields whose values are compared as
/// keys with each other share a domain: the keys of parent entities and the parent ids of their
/// children (one domain, as the set of parent keys was one), and the fields an aggregate correlates
/// (`linked`); every other field has its own.
/// A class: rules and aggregates read it during evaluation by reference, not by a copy of its tables.
final class KeySymbols {
    let tables: [SymbolTable]
    /// Per entity and field: its domain.
    let domain: [[Int]]
    /// Symbols of the fields of the record being accepted, valid where `stamp` is `generation`
    /// (`width` of each, owned: allocated in init, freed in deinit; no uniqueness check per write).
    private let cache: UnsafeMutablePointer<Int32>
    private let stamp: UnsafeMutablePointer<UInt32>
    private let width: Int
    private var generation: UInt32 = 0

    static let parents = 0

    /// `linked`: pairs of fields, each as (entity, field), whose values are compared with each other as
    /// keys elsewhere (an aggregate's correlation: a field of the aggregated record and the field of
    /// the outer record it must equal, `expenditure.participant_id` and `participant.id`). They share
    /// a domain, so a key seen in both is kept once; a look-up in either finds the same symbol.
    init(model: DataModel, linked: [(Int, Int, Int, Int)] = []) {
        let n = model.entities.count
        var domains: [[Int]] = []
        var next = 1
        for e in 0..<n {
            let entity = model.entities[e]
            let hasChildren = (0..<n).contains { model.parentIndex(of: $0) == e }
            let keyIndex = entity.keyField.flatMap(entity.fieldIndex)
            let parentIndex = model.parentIDField(of: e).flatMap(entity.fieldIndex)
            var row: [Int] = []
            for f in entity.fields.indices {
                if (f == keyIndex && hasChildren) || f == parentIndex {
                    row.append(Self.parents)
                } else {
                    row.append(next)
                    next += 1
                }
            }
            domains.append(row)
        }
        // linked fields' domains joined (union-find; the smaller id is the root, so `parents` stays 0),
        // then numbered densely
        var root = Array(0..<next)
        func find(_ d: Int) -> Int {
            var d = d
            while root[d] != d {
                root[d] = root[root[d]]
                d = root[d]
            }
            return d
        }
        for (e1, f1, e2, f2) in linked where domains.indices.contains(e1) && domains[e1].indices.contains(f1)
            && domains.indices.contains(e2) && domains[e2].indices.contains(f2) {
            let a = find(domains[e1][f1]), b = find(domains[e2][f2])
            if a != b { root[max(a, b)] = min(a, b) }
        }
        var number = [Int](repeating: -1, count: next)
        var count = 0
        for d in 0..<next where number[find(d)] < 0 {
            number[find(d)] = count
            count += 1
        }
        domain = domains.map { $0.map { number[find($0)] } }
        // one table per domain (a class: `Array(repeating:)` would share one)
        tables = (0..<count).map { _ in SymbolTable() }
        width = model.entities.map(\.fields.count).max() ?? 0
        cache = .allocate(capacity: max(width, 1))
        cache.initialize(repeating: 0, count: max(width, 1))
        stamp = .allocate(capacity: max(width, 1))
        stamp.initialize(repeating: 0, count: max(width, 1))
    }

    deinit {
        cache.deallocate()
        stamp.deallocate()
    }

    /// The domains that hold a field of `candidates` and none of `others`: the domains that only
    /// `unique` reads, checked by a `UniqueLog` and never interned. The parents' domain is never one.
    func uniqueOnlyDomains(of candidates: [(entity: Int, field: Int)], except others: [(entity: Int, field: Int)]) -> Set<Int> {
        func domainOf(_ p: (entity: Int, field: Int)) -> Int? {
            domain.indices.contains(p.entity) && domain[p.entity].indices.contains(p.field) ? domain[p.entity][p.field] : nil
        }
        var excluded: Set<Int> = [Self.parents]
        for p in others { if let d = domainOf(p) { excluded.insert(d) } }
        return Set(candidates.compactMap(domainOf).filter { !excluded.contains($0) })
    }

    /// Starts a new record: forgets the symbols of the previous one.
    func beginRecord() {
        generation &+= 1
        if generation == 0 {
            stamp.update(repeating: 0, count: max(width, 1))
            generation = 1
        }
    }

    /// The symbol of field `f` of the record being accepted (entity `e`, its values `values`).
    func symbol(_ e: Int, _ f: Int, _ values: [Value]) -> Int32 {
        precondition(f >= 0 && f < width, "field index out of range")
        if stamp[f] == generation { return cache[f] }
        let s = tables[domain[e][f]].intern(values[f].keyForm)
        cache[f] = s
        stamp[f] = generation
        return s
    }

    /// The symbol of a key-form value for field `f` of entity `e`, if it was ever seen.
    func find(_ e: Int, _ f: Int, _ value: Value) -> Int32? {
        tables[domain[e][f]].find(value)
    }
}

extension Array {
    /// Grows the array with `fill` so that index `i` exists.
    @inline(__always)
    mutating func ensureIndex(_ i: Int, _ fill: Element) {
        if i >= count { append(contentsOf: repeatElement(fill, count: i + 1 - count)) }
    }
}
