import ESFCore

/// Interns key values (in their key form, `Value.keyForm`) as dense integer symbols, so that
/// per-key state is kept in arrays indexed by symbol instead of dictionaries keyed by values.
/// Equality is that of `Value` (what the dictionaries keyed by `[Value]` used before).
struct SymbolTable {
    var ids: [Value: Int32] = [:]
    /// Whether the values' texts are kept by symbol (`text(of:)`): only for the tables of record keys
    /// that a finding names as the earlier record of a duplicate or overlap. A text (16 bytes; an id
    /// of up to 15 UTF-8 bytes is stored inline, a longer one shares the dictionary key's storage),
    /// not a `Value`, which is three times the size.
    var keepsValues = false
    private(set) var texts: [String] = []

    var count: Int { ids.count }

    /// The symbol of `value` (a key form), created on first sight; one hash either way.
    mutating func intern(_ value: Value) -> Int32 {
        let next = Int32(truncatingIfNeeded: ids.count)
        let s = Self.read(&ids[value, default: next])
        if keepsValues && s == next && texts.count < ids.count { texts.append(value.isNull ? "" : value.description) }
        return s
    }

    /// The symbol of `value` (a key form) if it was seen.
    func find(_ value: Value) -> Int32? { ids[value] }

    /// The text of the value (a key form) of a symbol of a table that keeps its values; "" for null.
    func text(of s: Int32) -> String? { s >= 0 && Int(s) < texts.count ? texts[Int(s)] : nil }

    private static func read(_ id: inout Int32) -> Int32 { id }
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
struct KeyIndex {
    /// One-field keys: the row of each symbol, -1 when it has none.
    var dense: [Int32] = []
    var packed: [SymbolKey: Int32] = [:]
    private(set) var rows: Int32 = 0

    /// The row of a one-field key, created when `create`; nil when absent.
    mutating func row(_ s: Int32, create: Bool) -> Int32? {
        let i = Int(s)
        if i < dense.count, dense[i] >= 0 { return dense[i] }
        guard create else { return nil }
        if i >= dense.count { dense.append(contentsOf: repeatElement(-1, count: i + 1 - dense.count)) }
        dense[i] = rows
        rows += 1
        return dense[i]
    }

    func row(_ s: Int32) -> Int32? {
        let i = Int(s)
        return i < dense.count && dense[i] >= 0 ? dense[i] : nil
    }

    mutating func row(_ k: SymbolKey, create: Bool) -> Int32? {
        if let r = packed[k] { return r }
        guard create else { return nil }
        packed[k] = rows
        rows += 1
        return rows - 1
    }
}

/// Lists of items per row, kept in insertion order in flat arrays (no array per key).
struct RowLists {
    var head: [Int32] = []
    var tail: [Int32] = []
    var next: [Int32] = []

    /// Links item `item` (the next item number, `next.count`) at the end of `row`'s list.
    mutating func append(row: Int32) {
        let item = Int32(truncatingIfNeeded: next.count)
        let r = Int(row)
        if r >= head.count {
            head.append(contentsOf: repeatElement(-1, count: r + 1 - head.count))
            tail.append(contentsOf: repeatElement(-1, count: r + 1 - tail.count))
        }
        next.append(-1)
        if tail[r] >= 0 { next[Int(tail[r])] = item } else { head[r] = item }
        tail[r] = item
    }

    /// The first item of `row`, -1 when it has none.
    func first(_ row: Int32) -> Int32 { Int(row) < head.count ? head[Int(row)] : -1 }
}

/// The key symbols of a run: one table per key domain. Fields whose values are compared as
/// keys with each other share a domain: the keys of parent entities and the parent ids of their
/// children (one domain, as the set of parent keys was one); every other field has its own.
struct KeySymbols {
    var tables: [SymbolTable]
    /// Per entity and field: its domain.
    let domain: [[Int]]
    /// Symbols of the fields of the record being accepted, valid where `stamp` is `generation`.
    private var cache: [Int32]
    private var stamp: [UInt32]
    private var generation: UInt32 = 0

    static let parents = 0

    init(model: DataModel) {
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
        domain = domains
        tables = Array(repeating: SymbolTable(), count: next)
        let width = model.entities.map(\.fields.count).max() ?? 0
        cache = Array(repeating: 0, count: width)
        stamp = Array(repeating: 0, count: width)
    }

    /// Starts a new record: forgets the symbols of the previous one.
    mutating func beginRecord() {
        generation &+= 1
        if generation == 0 {
            for i in stamp.indices { stamp[i] = 0 }
            generation = 1
        }
    }

    /// The symbol of field `f` of the record being accepted (entity `e`, its values `values`).
    mutating func symbol(_ e: Int, _ f: Int, _ values: [Value]) -> Int32 {
        if stamp[f] == generation { return cache[f] }
        let s = tables[domain[e][f]].intern(values[f].keyForm)
        cache[f] = s
        stamp[f] = generation
        return s
    }

    /// Keeps the texts of the values of field `f` of entity `e` (and of its domain) by symbol, for
    /// `text(_:_:_:)`. Before any symbol of the domain is made.
    mutating func keepValues(_ e: Int, _ f: Int) { tables[domain[e][f]].keepsValues = true }

    /// The text of the key-form value of symbol `s` of field `f` of entity `e` ("" for null), when its
    /// domain keeps them.
    func text(_ e: Int, _ f: Int, _ s: Int32) -> String? { tables[domain[e][f]].text(of: s) }

    /// The symbol of a key-form value for field `f` of entity `e`, if it was ever seen.
    func find(_ e: Int, _ f: Int, _ value: Value) -> Int32? { tables[domain[e][f]].find(value) }
}

extension Array {
    /// Grows the array with `fill` so that index `i` exists.
    @inline(__always)
    mutating func ensureIndex(_ i: Int, _ fill: Element) {
        if i >= count { append(contentsOf: repeatElement(fill, count: i + 1 - count)) }
    }
}
