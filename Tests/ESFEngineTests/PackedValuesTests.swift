import ESFCore
@testable import ESFEngine
import ESFExpr
import Testing

/// The engine's packed per-key state gives back exactly the values it was given.
struct PackedValuesTests {
    /// Every case and the edges of each packing: texts of 0–8 bytes in the word, longer ones and
    /// non-ASCII ones in the arena, decimals at the edges of 64 bits and of the scale, dates before 1970.
    static let values: [Value] = [
        .null, .bool(true), .bool(false), .int(0), .int(-1), .int(.max), .int(.min), .days(-3), .days(400),
        .date(CivilDate(dayNumber: 0)), .date(CivilDate(dayNumber: -719_468)), .date(CivilDate(dayNumber: 2_932_896)),
        .decimal(ExactDecimal(units: 336_000, scale: 2)), .decimal(ExactDecimal(units: -1, scale: 24)),
        .decimal(ExactDecimal(units: Int128(Int64.max), scale: 0)), .decimal(ExactDecimal(units: Int128(Int64.min), scale: 3)),
        .decimal(ExactDecimal(units: Int128(Int64.max) + 1, scale: 2)), .decimal(ExactDecimal(units: -(Int128(1) << 100), scale: 7)),
        .decimal(ExactDecimal(units: 5, scale: 0)), .decimal(ExactDecimal(units: 50, scale: 1)),
        .string(""), .string("F"), .string("EAST"), .string("12345678"), .string("UD-000001"), .string("X-0000001-training"),
        .string("Žiga"), .string("čšž€𝄞"), .string("e\u{301}"), .string("\u{E9}"), .string(String(repeating: "ab", count: 300)),
        .list([.string("ltu24"), .string("roma")]), .list([]), .record(entity: 2, values: [.int(1), .null]),
        // lists of texts are packed in the arena (the empty text, one element, non-ASCII, long ones);
        // a text with the separator byte and a list of anything else are kept whole
        .list([.string("")]), .list([.string(""), .string("")]), .list([.string("a")]), .list([.string("čšž"), .string("e\u{301}")]),
        .list([.string(String(repeating: "x", count: 40)), .string("roma")]), .list([.string("a\u{1F}b")]),
        .list([.string("a"), .int(1)]), .list([.list([.string("a")])]),
        // the edges of a 32-bit word: numbers past it go to the wide words, texts past four bytes to
        // the arena, whose length prefix takes a second byte from 128 bytes on
        .int(Int64(Int32.max)), .int(Int64(Int32.max) + 1), .int(Int64(Int32.min)), .int(Int64(Int32.min) - 1),
        .days(Int64(Int32.max) + 1), .days(.min), .date(CivilDate(dayNumber: Int(Int32.max) + 1)),
        .decimal(ExactDecimal(units: Int128(Int32.max), scale: 2)), .decimal(ExactDecimal(units: Int128(Int32.max) + 1, scale: 2)),
        .decimal(ExactDecimal(units: Int128(Int32.min) - 1, scale: 24)), .decimal(ExactDecimal(units: 7, scale: 24)),
        .string("ABCD"), .string("ABCDE"), .string("žž"), .string("žžž"),
        .string(String(repeating: "y", count: 127)), .string(String(repeating: "y", count: 128)),
        .string(String(repeating: "z", count: 16_384)), .list([.string(String(repeating: "q", count: 126))]),
    ]

    @Test func everyValueComesBackTheSameCase() {
        var packed = PackedValues()
        for v in Self.values { packed.append(v) }
        #expect(packed.count == Self.values.count)
        for (i, v) in Self.values.enumerated() {
            let back = packed[i]
            #expect(back == v, "slot \(i)")
            // the same case and the same text, not only an equal value (5 and 5.0, é and e + ´)
            #expect(String(reflecting: back) == String(reflecting: v), "slot \(i)")
        }
    }

    @Test func holdsIsValueEquality() {
        var packed = PackedValues()
        for v in Self.values { packed.append(v) }
        for i in Self.values.indices {
            for v in Self.values {
                #expect(packed.holds(i, v) == (Self.values[i] == v), "slot \(i) against \(v)")
            }
        }
    }

    @Test func symbolTableKeepsTextsPackedAndCanonical() {
        let table = SymbolTable()
        let a = table.intern(.string("X-0000001-training"))
        let b = table.intern(.string("e\u{301}"))
        #expect(table.intern(.string("X-0000001-training")) == a)
        // canonically equivalent texts are one key, as `Value`'s equality has it
        #expect(table.intern(.string("\u{E9}")) == b)
        #expect(table.text(of: a) == "X-0000001-training")
        #expect(table.text(of: b) == "e\u{301}")
    }

    /// An aggregate's correlated fields share a key domain (one symbol for one key, whichever field it
    /// was seen in), a parent's key and its children's parent ids share theirs, and any other field
    /// keeps its own.
    @Test func linkedFieldsShareADomain() throws {
        let set = try samplePacks()
        let model = set.model
        func field(_ entity: String, _ name: String) throws -> (Int, Int) {
            let e = try #require(model.entityIndex(entity))
            return (e, try #require(model.entities[e].fieldIndex(name)))
        }
        let participant = try field("participant", "id"), training = try field("training", "participant_id")
        let expenditure = try field("expenditure", "participant_id"), emso = try field("participant", "emso")
        let invoice = try field("expenditure", "invoice_number")
        let apart = KeySymbols(model: model)
        let linked = KeySymbols(model: model, linked: [(expenditure.0, expenditure.1, participant.0, participant.1)])
        for keys in [apart, linked] {
            #expect(keys.domain[participant.0][participant.1] == KeySymbols.parents)
            #expect(keys.domain[training.0][training.1] == KeySymbols.parents)
            #expect(keys.domain[emso.0][emso.1] != keys.domain[invoice.0][invoice.1])
            #expect(keys.tables.count == Set(keys.domain.flatMap { $0 }).count)
        }
        #expect(apart.domain[expenditure.0][expenditure.1] != KeySymbols.parents)
        #expect(linked.domain[expenditure.0][expenditure.1] == KeySymbols.parents)
        #expect(linked.tables.count == apart.tables.count - 1)
        // one symbol for one key, interned through either field
        linked.beginRecord()
        let s = linked.symbol(participant.0, participant.1, Array(filled: .null, count: participant.1) + [.string("UD-0001")])
        #expect(linked.find(expenditure.0, expenditure.1, .string("UD-0001")) == s)
        #expect(apart.find(expenditure.0, expenditure.1, .string("UD-0001")) == nil)
        // the built-in packs link the expenditure's participant id through their aggregates
        let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: false)
        #expect(engine.keys.domain[expenditure.0][expenditure.1] == KeySymbols.parents)
    }

    @Test func xpathShapesComeBackExactly() throws {
        let paths = ["/operation", "/operation/participants/participant[412]/training", "/a[1]/b[0]/c[2147483647]",
                     "/a[01]/b", "/a[x]/b[3]", "/a[2147483648]", "/a[-1]", "/a[", "/a[]", "/ž[7]/@x", "/a[1][2]"]
        var numbers: [Int32] = []
        for p in paths {
            guard let (shape, indices) = DeferredRecords.shape(of: p) else {
                // only a path that already holds `[]` is not shaped
                #expect(p.contains("[]"), "\(p)")
                continue
            }
            let start = numbers.count
            numbers.append(contentsOf: indices)
            #expect(DeferredRecords.xpath(shape, numbers, from: start) == p)
        }
        #expect(try #require(DeferredRecords.shape(of: "/o/p[12]/t[3]")).0 == "/o/p[]/t[]")
    }

    /// A block array reads back what was written across its blocks, fills with `ensureIndex`, and a copy does not see the original's later writes (nor it the copy's).
    @Test func blockArrayAcrossBlocksAndCopies() {
        let n = BlockArray<UInt32>.blockSize * 3 + 17
        var a = BlockArray<UInt32>()
        for i in 0..<n { a.append(UInt32(i) &* 2_654_435_761) }
        #expect(a.count == n)
        #expect((0..<n).allSatisfy { a[$0] == UInt32($0) &* 2_654_435_761 })
        var b = a
        b[5] = 1
        a[BlockArray<UInt32>.blockSize + 1] = 2
        #expect(a[5] == 5 &* 2_654_435_761 && b[5] == 1)
        #expect(b[BlockArray<UInt32>.blockSize + 1] == UInt32(BlockArray<UInt32>.blockSize + 1) &* 2_654_435_761)
        b.append(9)
        #expect(a.count == n && b.count == n + 1 && b[n] == 9)
        var c = BlockArray<Int32>()
        c.ensureIndex(3, -1)
        #expect(c.count == 4 && c.indices.allSatisfy { c[$0] == -1 })
        c[2] = 7
        c.ensureIndex(BlockArray<Int32>.blockSize + 40, -2)
        #expect(c.count == BlockArray<Int32>.blockSize + 41 && c[2] == 7 && c[3] == -1 && c[4] == -2 && c[BlockArray<Int32>.blockSize + 40] == -2)
        c.ensureIndex(10, 5)
        #expect(c.count == BlockArray<Int32>.blockSize + 41 && c[10] == -2)
        let filled = BlockArray<UInt8>(repeating: 3, count: 70_000)
        #expect(filled.count == 70_000 && filled[69_999] == 3 && filled[0] == 3)
        c.removeAll()
        #expect(c.isEmpty)
    }

    @Test func sumsPastSixtyFourBitsStayExact() {
        let rows = AggregateRows()
        rows.ensureRow(0, .sum)
        // past the 32-bit mantissa of a row and back: exact either way
        rows.add(.decimal(ExactDecimal(units: Int128(Int32.max), scale: 2)), row: 0, kind: .sum)
        rows.add(.decimal(ExactDecimal(units: 1, scale: 2)), row: 0, kind: .sum)
        #expect(rows.sum(0) == ExactDecimal(units: Int128(Int32.max) + 1, scale: 2) && rows.sum(0).scale == 2)
        rows.add(.decimal(ExactDecimal(units: -(Int128(Int32.max) + 1), scale: 2)), row: 0, kind: .sum)
        #expect(rows.sum(0) == ExactDecimal(units: 0, scale: 2) && rows.wideSums.isEmpty)
        rows.add(.decimal(ExactDecimal(units: Int128(Int64.max), scale: 2)), row: 0, kind: .sum)
        #expect(rows.sum(0) == ExactDecimal(units: Int128(Int64.max), scale: 2))
        // a mantissa past 64 bits is kept whole, and a sum back within 64 bits packed again, scale kept
        rows.add(.decimal(ExactDecimal(units: 1, scale: 3)), row: 0, kind: .sum)
        #expect(rows.sum(0) == ExactDecimal(units: Int128(Int64.max) * 10 + 1, scale: 3))
        rows.add(.decimal(ExactDecimal(units: -(Int128(Int64.max) * 10), scale: 3)), row: 0, kind: .sum)
        #expect(rows.sum(0) == ExactDecimal(units: 1, scale: 3) && rows.sum(0).scale == 3)
        #expect(rows.wideSums.isEmpty)
        // a row made past the last reads as a count or sum of nothing, the rows between too
        rows.ensureRow(3, .sum)
        #expect(rows.count(.sum) == 4 && rows.value(row: 2, kind: .sum, integer: false) == AggregateAccumulator().value(kind: .sum, integer: false))
        rows.ensureRow(2, .count)
        #expect(rows.count(.count) == 3 && rows.value(row: 2, kind: .count, integer: true) == .int(0))
        rows.counts[1] = UInt32.max - 1
        #expect(rows.add(.int(1), row: 1, kind: .count) == nil && rows.value(row: 1, kind: .count, integer: true) == .int(Int64(UInt32.max)))
        // a count past 32 bits is an error of the rules reading it, never a wrapped count
        #expect(rows.add(.int(1), row: 1, kind: .count) != nil && rows.counts[1] == UInt32.max)
    }

    /// One-symbol keys met in order keep no dense index (a key's row is its symbol); the first key
    /// out of order writes it out, and every key keeps its row, before and after; so does a first key
    /// of several symbols.
    @Test func keyIndexIdentityUntilOutOfOrder() {
        for breakAt in [0, 1, 5, 100_000, -1] {
            let index = KeyIndex()
            var expected: [Int32: Int32] = [:]
            var symbols: [Int32] = Array(0..<70_000)
            if breakAt >= 0 && breakAt < symbols.count { symbols.insert(90_000, at: breakAt) }
            symbols += [3, 12, 80_000, 69_999, 90_001, 0]
            for s in symbols {
                let r = index.row(s, create: true)
                if let known = expected[s] { #expect(r == known) } else { expected[s] = r }
            }
            // 80,000 comes out of order in every case (in the first ones, 90,000 before it)
            #expect(!index.identity)
            for (s, r) in expected { #expect(index.row(s) == r && index.row(s, create: false) == r) }
            #expect(index.row(85_000) == nil && index.row(-1) == nil)
            #expect(Set(expected.values).count == expected.count && index.rows == Int32(expected.count))
        }
        // from a first symbol past 0 (the operation's symbol before the participants'): rows from 0
        let ordered = KeyIndex()
        for s in Int32(3)..<1_003 { #expect(ordered.row(s, create: true) == s - 3) }
        #expect(ordered.identity && ordered.dense.isEmpty && ordered.row(1_002) == 999 && ordered.row(1_003) == nil)
        #expect(ordered.row(2) == nil && ordered.row(0) == nil)
        var two = SymbolKey()
        two.append(7)
        two.append(8)
        let r = ordered.row(two, create: true)
        #expect(r == 1_000 && !ordered.identity && ordered.row(two) == 1_000 && ordered.row(5) == 2 && ordered.row(1_003) == nil)
        #expect(ordered.row(2) == nil && ordered.row(1_003, create: true) == 1_001 && ordered.row(1, create: true) == 1_002)
        // a symbol before the first one ends it too
        let before = KeyIndex()
        for s in Int32(10)..<20 { _ = before.row(s, create: true) }
        #expect(before.row(4, create: true) == 10 && !before.identity && before.row(19) == 9 && before.row(4) == 10 && before.row(3) == nil)
    }

    /// Tables of one width (a relation's key fields) keep keys that differ in their third or fourth
    /// symbol apart, across growths, and take a key of another width beside them.
    @Test func packedKeysOfOneWidth() {
        for width in 2...4 {
            let index = KeyIndex()
            var expected: [SymbolKey: Int32] = [:]
            for i in 0..<20_000 {
                var k = SymbolKey()
                for p in 0..<width { k.append(Int32(p == width - 1 ? i % 97 : (i / 97 + p) % 211)) }
                let r = index.row(k, create: true)
                if let known = expected[k] { #expect(r == known) } else { expected[k] = r }
            }
            for (k, r) in expected { #expect(index.row(k) == r) }
            var other = SymbolKey()
            for p in 0..<(width == 4 ? 2 : width + 1) { other.append(Int32(p)) }
            let r = index.row(other, create: true)
            #expect(r == Int32(expected.count) && index.row(other) == r && index.packed.width == width)
        }
    }

    @Test func packedKeysFindTheirRows() {
        let index = KeyIndex()
        var keys: [SymbolKey] = []
        for i in 0..<5000 {
            var k = SymbolKey()
            for s in 0..<(2 + i % 4) { k.append(Int32((i * 7 + s * 13) % 997)) }
            keys.append(k)
        }
        var expected: [SymbolKey: Int32] = [:]
        for k in keys {
            let r = index.row(k, create: true)
            if let known = expected[k] { #expect(r == known) } else { expected[k] = r }
        }
        for (k, r) in expected { #expect(index.row(k) == r) }
        // a key of five symbols, and one of two symbols that agrees with a three-symbol key's words
        var five = SymbolKey()
        for s in 0..<5 { five.append(Int32(s)) }
        #expect(index.row(five) == nil)
        let fiveRow = index.row(five, create: true)
        #expect(index.row(five) == fiveRow)
        var two = SymbolKey(), three = SymbolKey()
        two.append(1); two.append(2)
        three.append(1); three.append(2); three.append(0)
        let a = index.row(two, create: true), b = index.row(three, create: true)
        #expect(a != b)
    }

    /// Texts and lists of texts over several of the arena's 1 MB blocks, one longer than a block,
    /// and lists given up half-way (a text holding the separator) come back exactly.
    @Test func textsAcrossArenaBlocks() {
        var packed = PackedValues()
        var values: [Value] = []
        for i in 0..<6_000 {
            let text = String(repeating: String(i % 10), count: 9 + (i * 37) % 1_500)
            switch i % 500 {
            case 7: values.append(.string(String(repeating: "ž", count: ByteArena.blockSize / 2 + 1)))
            case 8: values.append(.list([.string(text), .string("a\u{1F}b"), .string("c")]))
            case 9: values.append(.list([.string(text), .string("ltu24"), .string("")]))
            default: values.append(.string(text))
            }
        }
        for v in values { packed.append(v) }
        #expect(packed.count == values.count)
        for (i, v) in values.enumerated() {
            #expect(String(reflecting: packed[i]) == String(reflecting: v))
            #expect(packed.holds(i, v))
        }
        #expect(!packed.holds(1, values[2]))
    }
}
