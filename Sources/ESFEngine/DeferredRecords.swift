import ESFCore
import ESFExpr
import ESFRules

/// The records that deferred rules wait on, kept until the end of the stream as little as they
/// need: of each record and of the context records it reads, only the fields its entity's deferred
/// rules read, which context records were there, and where it was read as numbers (file, line, CSV
/// record, the XPath's element indices). The record's key and participant id are made again from
/// the kept fields, and its location text when a finding is made.
///
/// Each kept record is written as bytes (`ValueBytes` for its values) into chunks of a `SpillFile`:
/// they are read once, in the order kept, when the deferred rules run, so they need not stay in
/// memory meanwhile.
struct DeferredRecords {
    /// One field of a kept record: the entity whose record holds it (the record's own, or a context
    /// record's) and its index.
    struct Slot: Hashable, Comparable {
        let entity: Int
        let field: Int
        static func < (a: Slot, b: Slot) -> Bool { (a.entity, a.field) < (b.entity, b.field) }
    }

    /// The head of one kept record, as numbers; its bytes follow it: the XPath's element indices
    /// (`numberCount` Int32s), its own fields' columns (`ownSlots` Int32s when `hasColumns`), the
    /// presence words and the values of its slots.
    private struct Kept {
        var entity: Int32
        /// Index into `files`; or, for a location kept whole (`-2 - i`), into `locations`.
        var file: Int32
        var line: Int32
        var record: Int32
        /// The XPath's shape in `shapes` (-1: none), and how many element indices follow.
        var shape: Int32
        var numberCount: Int32
        /// 1 when the record's columns follow; the record's field XPaths in `xpathLists` (-1: none).
        var hasColumns: Int32
        var xpathList: Int32
    }

    /// Per entity: the slots its deferred rules read, own fields first (empty: no deferred rules).
    let slots: [[Slot]]
    /// Per entity: how many of its slots are its own fields (those have columns).
    let ownSlots: [Int]
    /// Per entity: the entities whose records its deferred rules read.
    let reads: [Set<Int>]
    /// Per entity: its number of fields.
    let widths: [Int]
    /// The kept records' bytes.
    private var bytes: SpilledBytes
    private(set) var count = 0
    /// Per kept record, `presenceWords` words: bit k of the record's bits, the context record of
    /// entity k was there (and is one its deferred rules read).
    private let presenceWords: Int
    private var files: [String] = []
    private var locations: [SourceLocation] = []
    private var xpathLists: [[String]] = []
    /// XPaths by their shape (the path with each element index written `[]`) and numbers.
    private var shapes: [String] = []
    private var shapeIndex: [String: Int32] = [:]
    /// The shape of the last XPath kept, as bytes, and its number: consecutive records nearly always
    /// share one (`/…/participant[]/training[]`), and it is then neither made as a string nor looked up.
    private var lastShape: [UInt8] = []
    private var lastShapeNumber: Int32 = -1
    private var shapeBytes: [UInt8] = []
    /// The XPath indices of the record being kept (reused).
    private var numbers: [Int32] = []

    /// No entity with deferred rules.
    init() {
        slots = []
        ownSlots = []
        reads = []
        widths = []
        presenceWords = 0
        bytes = SpilledBytes(file: SpillFile(chunkBytes: 0))
    }

    /// Plans the slots of each entity's deferred rules: every field their `when`, assertion and
    /// messages read (also inside the aggregates they call: keys, conditions, values), the field a
    /// rule declares for its location, and the fields the record's key and participant id are made of.
    /// Context records are kept only for the entities in `reads` (those a deferred rule reads), and
    /// never the root's, which the end of the stream puts back whole.
    init(ruleSet: RuleSet, deferredRules: [[Int]], reads: [Set<Int>], keyFields: [[Int]], spill: SpillFile) {
        let model = ruleSet.model
        bytes = SpilledBytes(file: spill)
        widths = model.entities.map(\.fields.count)
        self.reads = reads
        presenceWords = (model.entities.count + 63) / 64
        var slots: [[Slot]] = []
        var own: [Int] = []
        for e in model.entities.indices {
            guard !deferredRules[e].isEmpty else {
                slots.append([])
                own.append(0)
                continue
            }
            var set = Set(keyFields[e].map { Slot(entity: e, field: $0) })
            var seenAggregates = Set<Int>()
            func walk(_ x: BoundExpr) {
                switch x.kind {
                case .field(.entity(let ent), let f): set.insert(Slot(entity: ent, field: f))
                case .aggregate(let id) where id < ruleSet.aggregates.count:
                    guard seenAggregates.insert(id).inserted else { return }
                    let spec = ruleSet.aggregates[id]
                    for k in spec.outerKey { walk(k) }
                    for part in [spec.filter, spec.residual, spec.value].compactMap({ $0 }) { walk(part) }
                default: break
                }
                for c in x.kind.children { walk(c) }
            }
            for i in deferredRules[e] {
                let rule = ruleSet.rules[i]
                if let w = rule.when { walk(w) }
                if case .expression(let a) = rule.assertion { walk(a) }
                for case .value(let v) in rule.message.all.flatMap(\.parts) { walk(v) }
                for id in rule.usage.aggregates where id < ruleSet.aggregates.count {
                    walk(BoundExpr(.aggregate(id), .bool, ""))
                }
                for name in [rule.locationField].compactMap({ $0 }) + rule.usage.ownFields {
                    if let f = model.entities[e].fieldIndex(name) { set.insert(Slot(entity: e, field: f)) }
                }
            }
            let wanted = set.filter { $0.entity == e || ($0.entity != model.root && reads[e].contains($0.entity)) }
            let ownFields = wanted.filter { $0.entity == e }.sorted()
            slots.append(ownFields + wanted.filter { $0.entity != e }.sorted())
            own.append(ownFields.count)
        }
        self.slots = slots
        ownSlots = own
    }

    /// Keeps record `r` with its context (the records of the other entities, by entity).
    mutating func append(_ r: Record, context: [[Value]?]) {
        let e = r.entity
        var item = Kept(entity: Int32(truncatingIfNeeded: e), file: 0, line: -1, record: -1, shape: -1, numberCount: 0,
                        hasColumns: r.fieldColumns == nil ? 0 : 1, xpathList: -1)
        if let list = r.fieldXPaths {
            if xpathLists.last != list { xpathLists.append(list) }
            item.xpathList = Int32(truncatingIfNeeded: xpathLists.count - 1)
        }
        numbers.removeAll(keepingCapacity: true)
        if !placeAsNumbers(r.location, &item) {
            item.file = -2 - Int32(truncatingIfNeeded: locations.count)
            item.shape = -1
            item.numberCount = 0
            numbers.removeAll(keepingCapacity: true)
            locations.append(r.location)
        }
        ValueBytes.put(item, &bytes.tail)
        for n in numbers { ValueBytes.put(n, &bytes.tail) }
        if let cols = r.fieldColumns {
            for s in slots[e].prefix(ownSlots[e]) { ValueBytes.put(s.field < cols.count ? cols[s.field] : 0, &bytes.tail) }
        }
        for w in 0..<presenceWords {
            var word: UInt64 = 0
            for k in (w * 64)..<min(context.count, w * 64 + 64) where context[k] != nil && reads[e].contains(k) { word |= 1 << UInt64(k % 64) }
            ValueBytes.put(word, &bytes.tail)
        }
        for s in slots[e] {
            if s.entity == e {
                ValueBytes.write(s.field < r.values.count ? r.values[s.field] : .null, &bytes.tail)
            } else if let c = context[s.entity], s.field < c.count {
                ValueBytes.write(c[s.field], &bytes.tail)
            } else {
                ValueBytes.write(.null, &bytes.tail)
            }
        }
        bytes.endRecord()
        count += 1
    }

    /// The kept records, read back once in the order kept.
    func reader() -> Reader { Reader(self) }

    /// Reads the kept records back, one after another, into the caller's buffers.
    struct Reader {
        private let kept: DeferredRecords
        private var chunkIndex = -1
        private var chunk: [UInt8] = []
        private var buffer: [UInt8] = []
        private var position = 0
        /// The head of the current record and where its XPath indices start in `chunk`.
        private var item: Kept?
        private var numbersAt = 0
        /// How many records were read; fewer than `count` when a chunk could not be read back.
        private(set) var read = 0

        fileprivate init(_ kept: DeferredRecords) {
            self.kept = kept
        }

        /// The next kept record written into the caller's buffers, reusing them (no array allocated per
        /// record once they have their widths): `records` by entity (its own record and the context
        /// records it was kept with, the fields not kept null; every other entity's nil, the root's
        /// too) and `columns` (its own fields' columns; nil when it has none). Returns its entity and
        /// field XPaths (its location is made by `location()`, for a finding); nil after the last, or
        /// when the rest cannot be read back (`SpillFile.failure`).
        mutating func next(into records: inout [[Value]?], columns: inout [Int32]?) -> (entity: Int, xpaths: [String]?)? {
            guard read < kept.count else { return nil }
            while position >= chunk.count {
                chunkIndex += 1
                guard chunkIndex < kept.bytes.chunkCount else { return nil }
                chunk = []
                guard let next = kept.bytes.chunk(chunkIndex, buffer: &buffer) else { return nil }
                chunk = next
                position = 0
            }
            let kept = self.kept
            let widths = kept.widths
            let bytes = chunk
            var at = position
            let (item, numbersAt, xpaths) = bytes.withUnsafeBytes { p -> (Kept, Int, [String]?) in
                let item: Kept = ValueBytes.get(p, &at)
                let e = Int(item.entity)
                let numbersAt = at
                at += Int(item.numberCount) * 4
                if item.hasColumns != 0 {
                    if columns?.count == widths[e] {
                        columns!.withUnsafeMutableBufferPointer { for j in $0.indices { $0[j] = 0 } }
                    } else {
                        columns = [Int32](filled: 0, count: widths[e])
                    }
                    for s in kept.slots[e].prefix(kept.ownSlots[e]) {
                        let c: Int32 = ValueBytes.get(p, &at)
                        columns![s.field] = c
                    }
                } else {
                    columns = nil
                }
                let presenceAt = at
                at += kept.presenceWords * 8
                for k in widths.indices {
                    let present = k == e || (p.loadUnaligned(fromByteOffset: presenceAt + (k / 64) * 8, as: UInt64.self) & (1 << UInt64(k % 64))) != 0
                    guard present else {
                        records[k] = nil
                        continue
                    }
                    if records[k]?.count == widths[k] {
                        // a buffer no one else holds is cleared in place
                        records[k]!.withUnsafeMutableBufferPointer { for j in $0.indices { $0[j] = .null } }
                    } else {
                        records[k] = Array(filled: .null, count: widths[k])
                    }
                }
                for s in kept.slots[e] {
                    let v = ValueBytes.read(p, &at)
                    if records[s.entity] != nil { records[s.entity]![s.field] = v }
                }
                return (item, numbersAt, item.xpathList >= 0 ? kept.xpathLists[Int(item.xpathList)] : nil)
            }
            position = at
            self.item = item
            self.numbersAt = numbersAt
            read += 1
            return (Int(item.entity), xpaths)
        }

        /// Where the current record was read.
        func location() -> SourceLocation {
            guard let item else { return SourceLocation(file: "") }
            if item.file <= -2 { return kept.locations[Int(-2 - item.file)] }
            var l = SourceLocation(file: kept.files[Int(item.file)], line: item.line >= 0 ? Int(item.line) : nil,
                                   record: item.record >= 0 ? Int(item.record) : nil)
            if item.shape >= 0 {
                let numbers = chunk.withUnsafeBytes { p in
                    (0..<Int(item.numberCount)).map { p.loadUnaligned(fromByteOffset: numbersAt + $0 * 4, as: Int32.self) }
                }
                l.xpath = DeferredRecords.xpath(kept.shapes[Int(item.shape)], numbers, from: 0)
            }
            return l
        }
    }

    /// Drops every kept record.
    mutating func removeAll() {
        bytes.removeAll()
        count = 0
        locations = []
    }

    // MARK: - Locations as numbers

    /// Writes a record's location into `item` as numbers: true when it is only a file, line, CSV record
    /// and XPath (a record's location as the readers make it), each of which fits.
    private mutating func placeAsNumbers(_ l: SourceLocation, _ item: inout Kept) -> Bool {
        guard l.column == nil, l.field == nil, l.sourceField == nil, l.rawValue == nil, l.sheet == nil, l.cell == nil else { return false }
        if let line = l.line {
            guard let n = Int32(exactly: line), n >= 0 else { return false }
            item.line = n
        }
        if let record = l.record {
            guard let n = Int32(exactly: record), n >= 0 else { return false }
            item.record = n
        }
        if var xpath = l.xpath {
            // parsed where the string lies, into buffers kept from one record to the next
            let start = numbers.count
            guard xpath.withUTF8({ Self.shape(of: $0, into: &shapeBytes, indices: &numbers) }) else { return false }
            item.numberCount = Int32(truncatingIfNeeded: numbers.count - start)
            if lastShapeNumber >= 0, shapeBytes == lastShape {
                item.shape = lastShapeNumber
            } else {
                let shape = String(decoding: shapeBytes, as: UTF8.self)
                if let known = shapeIndex[shape] {
                    item.shape = known
                } else {
                    item.shape = Int32(truncatingIfNeeded: shapes.count)
                    shapeIndex[shape] = item.shape
                    shapes.append(shape)
                }
                lastShape = shapeBytes
                lastShapeNumber = item.shape
            }
        }
        if let last = files.indices.last, files[last] == l.file {
            item.file = Int32(truncatingIfNeeded: last)
        } else if let known = files.firstIndex(of: l.file) {
            item.file = Int32(truncatingIfNeeded: known)
        } else {
            item.file = Int32(truncatingIfNeeded: files.count)
            files.append(l.file)
        }
        return true
    }

    /// `/a/b[12]/c[3]` → (`/a/b[]/c[]`, [12, 3]); nil when the path holds `[]` or an index that
    /// would not be written back the same (a leading zero, a sign, one past Int32).
    static func shape(of xpath: String) -> (String, [Int32])? {
        var shape: [UInt8] = []
        var indices: [Int32] = []
        var xpath = xpath
        guard xpath.withUTF8({ Self.shape(of: $0, into: &shape, indices: &indices) }) else { return nil }
        return (String(decoding: shape, as: UTF8.self), indices)
    }

    /// `shape(of:)` on the path's bytes: the shape into `shape` (emptied first), the indices appended
    /// to `indices`; false when the path has no shape (then `indices` may hold some of its numbers).
    static func shape(of bytes: UnsafeBufferPointer<UInt8>, into shape: inout [UInt8], indices: inout [Int32]) -> Bool {
        shape.removeAll(keepingCapacity: true)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            shape.append(b)
            i += 1
            guard b == UInt8(ascii: "[") else { continue }
            var j = i
            var n: Int64 = 0
            while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57, j - i < 10 {
                n = n * 10 + Int64(bytes[j] - 48)
                j += 1
            }
            guard j > i, j < bytes.count, bytes[j] == UInt8(ascii: "]"), bytes[i] != 48 || j == i + 1, let v = Int32(exactly: n) else {
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { return false }
                continue
            }
            indices.append(v)
            i = j
        }
        return true
    }

    /// The XPath of a shape with its numbers put back.
    static func xpath(_ shape: String, _ numbers: [Int32], from start: Int) -> String {
        var out: [UInt8] = []
        var next = start
        var previous: UInt8 = 0
        for b in shape.utf8 {
            if previous == UInt8(ascii: "[") && b == UInt8(ascii: "]") {
                out.append(contentsOf: String(numbers[next]).utf8)
                next += 1
            }
            out.append(b)
            previous = b
        }
        return String(decoding: out, as: UTF8.self)
    }
}
