import ESFCore
@testable import ESFEngine
import ESFRules
import Foundation
import Testing

/// The sample's records with a few records repeated, so that `unique` and `no_overlap` rules name an
/// earlier record: every expenditure line and employment of every `every`-th participant group twice.
func withRepeats(_ events: [InputEvent], _ model: DataModel, every: Int = 3) throws -> [InputEvent] {
    let expenditure = try #require(model.entityIndex("expenditure"))
    let employment = try #require(model.entityIndex("employment"))
    var out: [InputEvent] = []
    var group = 0
    for event in events {
        out.append(event)
        switch event {
        case .groupEnd: group += 1
        case .record(let r) where group % every == 0 && (r.entity == expenditure || r.entity == employment): out.append(event)
        default: break
        }
    }
    return out
}

/// A joined stream with the records of each entity in a shuffled order (the same order every run).
func shuffledWithinEntities(_ events: [InputEvent]) -> [InputEvent] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var out = events
    var start = 0
    while start < out.count {
        guard case .record(let first) = out[start] else { start += 1; continue }
        var end = start
        while end < out.count, case .record(let r) = out[end], r.entity == first.entity { end += 1 }
        // Fisher–Yates with a fixed xorshift generator
        for i in stride(from: end - 1, to: start, by: -1) {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out.swapAt(i, start + Int(state % UInt64(i - start + 1)))
        }
        start = end
    }
    return out
}

/// Runs the engine over an in-memory stream with the given spill chunk size.
func run(_ set: RuleSet, _ events: [InputEvent], grouped: Bool, spillChunkBytes: Int, uniqueTagBits: Int = 16) -> (InputResult, SpillFile) {
    var options = EngineOptions()
    options.spillChunkBytes = spillChunkBytes
    options.uniqueTagBits = uniqueTagBits
    let engine = Engine(ruleSet: set, options: options, grouped: grouped)
    for e in events { engine.consume(e) }
    return (engine.finish(path: "memory", files: []), engine.spill)
}

@Suite("State kept in a temporary file")
struct SpillTests {
    @Test("findings, locations and related locations are the same whether the kept state stays in memory or goes to a temporary file in chunks of any size",
          arguments: [1, 64, 4096])
    func sameFindings(chunk: Int) throws {
        let set = try samplePacks()
        let events = try withRepeats(try sampleEvents(set.model), set.model)
        // grouped; joined with children in their parents' order; joined with each file's rows shuffled
        // (kept rows and parents' projections then read back out of order)
        for (grouped, shuffled) in [(true, false), (false, false), (false, true)] {
            let stream = grouped ? events : shuffled ? shuffledWithinEntities(joined(events, set)) : joined(events, set)
            let (inMemory, memoryFile) = run(set, stream, grouped: grouped, spillChunkBytes: 0)
            let (spilled, file) = run(set, stream, grouped: grouped, spillChunkBytes: chunk)
            #expect(memoryFile.bytesWritten == 0)
            #expect(file.bytesWritten > 0)
            #expect(file.failure == nil)
            // the repeats are found and name their earlier record
            let related = inMemory.findings.filter { $0.relatedLocations?.isEmpty == false }
            #expect(related.count >= 4)
            #expect(spilled.findings == inMemory.findings)
            #expect(spilled.coverage == inMemory.coverage)
            #expect(spilled.severityCounts == inMemory.severityCounts)
        }
    }

    @Test("every case of a value comes back from its bytes as the same case and content")
    func valueBytesRoundTrip() {
        let values: [Value] = [
            .null, .bool(true), .bool(false), .int(0), .int(.min), .int(.max), .days(-3), .days(183),
            .date(CivilDate(dayNumber: 0)), .date(CivilDate(dayNumber: -719_162)), .date(CivilDate(dayNumber: 20_000)),
            .decimal(ExactDecimal(units: 336_000, scale: 2)), .decimal(ExactDecimal(units: -1, scale: 24)),
            .decimal(ExactDecimal(units: Int128(Int64.max) * 1_000_003, scale: 3)),
            .decimal(ExactDecimal(units: Int128.min + 1, scale: 0)),
            .string(""), .string("UD-0000001"), .string("Učne delavnice 🎓"), .string("e\u{301}"), .string(String(repeating: "x", count: 70_000)),
            .list([]), .list([.string("ltu24"), .string("u\u{1F}v"), .int(3)]), .list([.list([.null])]),
            .record(entity: 4, values: [.string("a"), .decimal(ExactDecimal(units: 5, scale: 1)), .null]),
        ]
        var bytes: [UInt8] = []
        for v in values { ValueBytes.write(v, &bytes) }
        var back: [Value] = []
        bytes.withUnsafeBytes { p in
            var at = 0
            while at < p.count { back.append(ValueBytes.read(p, &at)) }
        }
        #expect(back.count == values.count)
        for (a, b) in zip(values, back) {
            // the same case and the same text, not only equal values (`Value` equality mixes int and decimal)
            #expect(String(reflecting: a) == String(reflecting: b))
        }
    }

    @Test("a spilled array gives back every element, from memory and from the file; fills gaps")
    func spilledArray() {
        for chunk in [0, 8, 40, 1 << 16] {
            let file = SpillFile(chunkBytes: chunk)
            var array = SpilledArray<RecordPlace>(file: file)
            for i in 0..<1_000 where i % 7 != 3 {
                array.set(i, RecordPlace(key: Int64(i), file: 0, line: Int32(i * 2), record: Int32(i + 1)), fill: .none)
            }
            #expect(array.count == 1_000)
            for i in 0..<1_000 {
                let p = array.element(i)
                #expect(p?.key == (i % 7 == 3 ? -1 : Int64(i)))
                #expect(p?.line == (i % 7 == 3 ? 0 : Int32(i * 2)))
            }
            #expect(array.element(1_000) == nil)
            #expect(array.element(-1) == nil)
            #expect((file.bytesWritten > 0) == (chunk > 0 && chunk < 1_000 * 16))
        }
    }

    @Test("kept values come back by their number, from memory and from the file", arguments: [0, 1, 64, 1 << 16])
    func spilledValues(chunk: Int) {
        let file = SpillFile(chunkBytes: chunk)
        var values = SpilledValues(file: file)
        let kept: [Value] = (0..<2_000).map { i in
            i % 13 == 0 ? .null : i % 7 == 0 ? .string("") : .string("UD-\(i)-" + String(repeating: "č", count: i % 40))
        }
        for v in kept { values.append(v) }
        #expect(values.count == kept.count)
        // in another order than written, so that the cache does not answer
        for i in stride(from: 1_999, through: 0, by: -3) { #expect(values.value(i).map { String(reflecting: $0) } == String(reflecting: kept[i])) }
        for (i, v) in kept.enumerated() { #expect(values.value(i).map { String(reflecting: $0) } == String(reflecting: v)) }
        #expect(values.value(-1) == nil)
        #expect(values.value(2_000) == nil)
        // the values take some 100 KB: past every chunk size but 0
        #expect((file.bytesWritten > 0) == (chunk > 0))
    }

    @Test("kept rows come back by their number, in order, backwards, at random and between appends, from memory and from the file",
          arguments: [0, 1, 64, 4096, 1 << 16])
    func spilledRows(chunk: Int) {
        let file = SpillFile(chunkBytes: chunk)
        var rows = SpilledRows(file: file)
        // three kept fields of a five-field record: a text of any length, a date or null, an amount
        let fields = [4, 0, 2]
        func row(_ i: Int) -> [Value] {
            [i % 11 == 0 ? .null : .date(CivilDate(dayNumber: 18_000 + i)), .int(-1), .decimal(ExactDecimal(units: Int128(i) * 101, scale: 2)), .bool(true),
             .string("P-\(i)" + String(repeating: "š", count: i % 50))]
        }
        func expected(_ i: Int) -> [Value] {
            let r = row(i)
            var out = Array(repeating: Value.null, count: 5)
            for f in fields { out[f] = r[f] }
            return out
        }
        var buffer = Array(repeating: Value.null, count: 5)
        func check(_ i: Int) {
            for f in fields { buffer[f] = .string("stale") }
            #expect(rows.read(i, into: &buffer, at: fields))
            #expect(buffer.map { String(reflecting: $0) } == expected(i).map { String(reflecting: $0) }, "row \(i)")
        }
        // read while appending: the rows just written, and one far back, after each append
        for i in 0..<3_000 {
            rows.append(row(i), at: fields)
            check(i)
            if i % 7 == 0 { check(i / 2) }
        }
        #expect(rows.count == 3_000)
        for i in 0..<3_000 { check(i) }
        for i in stride(from: 2_999, through: 0, by: -1) { check(i) }
        // at random, the same rows every run (a linear congruential generator)
        var state: UInt64 = 42
        for _ in 0..<3_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            check(Int(state >> 33) % 3_000)
        }
        // children read their parents forward from the start again (another child file)
        for i in stride(from: 0, to: 3_000, by: 3) { check(i) }
        #expect(!rows.read(-1, into: &buffer, at: fields))
        #expect(!rows.read(3_000, into: &buffer, at: fields))
        #expect(file.failure == nil)
        #expect((file.bytesWritten > 0) == (chunk > 0 && chunk < 100_000))
    }

    @Test("parents' values and kept records that cannot be read back while the stream goes on fail the rules that read them: the run does not pass")
    func unreadableDuringStream() throws {
        let set = try samplePacks()
        let events = joined(try sampleEvents(set.model), set)
        var options = EngineOptions()
        options.spillChunkBytes = 64
        let engine = Engine(ruleSet: set, options: options, grouped: false)
        // the file goes once the parents are in it, before the first record that reads them
        var closed = false
        for e in events {
            if !closed, case .record(let r) = e, !engine.contextEntities[r.entity].isEmpty {
                #expect(engine.spill.bytesWritten > 0)
                engine.spill.closeForTesting()
                closed = true
            }
            engine.consume(e)
        }
        #expect(closed)
        #expect(engine.projectionsLost > 0)
        let result = engine.finish(path: "memory", files: [])
        func rule(_ f: Finding) -> String { f.message.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
        let failed = Set(result.findings.filter { $0.ruleID == ReservedFinding.runtime.rawValue }.map(rule))
        let readers = engine.model.entities.indices.filter { !engine.contextEntities[$0].isEmpty }
        let needed = Set(readers.flatMap { engine.immediateRules[$0] + engine.deferredRules[$0] }.map { engine.rules[$0].id })
        #expect(!needed.isEmpty)
        #expect(needed.isSubset(of: failed), "\(needed.subtracting(failed).sorted())")
        #expect(result.findings.contains { $0.message.contains("could not be read back from the temporary file") })
        #expect(result.severityCounts.fatal > 0)
        for c in result.coverage { #expect(c.evaluated == c.passed + c.failed + c.notApplicable + c.errors) }
    }

    @Test("a kept row that cannot be read back is refused, not made up: false, and the file's failure")
    func spilledRowsUnreadable() {
        let file = SpillFile(chunkBytes: 64)
        var rows = SpilledRows(file: file)
        for i in 0..<1_000 { rows.append([.int(Int64(i)), .string("X-\(i)")], at: [0, 1]) }
        #expect(file.bytesWritten > 0)
        file.closeForTesting()
        var buffer: [Value] = [.null, .null]
        #expect(!rows.read(0, into: &buffer, at: [0, 1]))
        #expect(buffer == [.null, .null])
        #expect(file.failure != nil)
        // the rows of the last chunk, still in memory, are still read
        #expect(rows.read(999, into: &buffer, at: [0, 1]))
        #expect(buffer == [.int(999), .string("X-999")])
    }

    @Test("findings and coverage are the same whatever the tags of the unique logs (one bit: nearly every key a candidate settled at the end)",
          arguments: [0, 64])
    func sameFindingsWhateverTags(chunk: Int) throws {
        let set = try samplePacks()
        let expenditure = try #require(set.model.entityIndex("expenditure"))
        // and every third expenditure line (a `UniqueLog`'s: its id, its invoice tuple) twice
        var events: [InputEvent] = []
        var lines = 0
        for event in try withRepeats(try sampleEvents(set.model), set.model, every: 2) {
            events.append(event)
            if case .record(let r) = event, r.entity == expenditure {
                lines += 1
                if lines % 3 == 0 { events.append(event) }
            }
        }
        for grouped in [true, false] {
            let stream = grouped ? events : joined(events, set)
            let (usual, _) = run(set, stream, grouped: grouped, spillChunkBytes: chunk)
            let (oneBit, file) = run(set, stream, grouped: grouped, spillChunkBytes: chunk, uniqueTagBits: 1)
            #expect(file.failure == nil)
            #expect(usual.findings.filter { $0.ruleID == "ESF-EL-004" && $0.occurrence == 2 && $0.relatedLocations?.isEmpty == false }.count >= 5)
            #expect(oneBit.findings == usual.findings)
            #expect(oneBit.coverage == usual.coverage)
            #expect(oneBit.severityCounts == usual.severityCounts)
        }
    }

    @Test("a symbol table finds every key again, canonically equivalent texts as one")
    func symbols() {
        let table = SymbolTable()
        let values: [Value] = (0..<3_000).map { i in
            switch i % 5 {
            case 0: return .string("X-\(i)-training")
            case 1: return .int(Int64(i) * 1_000_003)
            case 2: return .date(CivilDate(dayNumber: i))
            case 3: return .string("e\u{301}-\(i)")
            default: return .decimal(ExactDecimal(units: Int128(i), scale: 2))
            }
        }
        let symbols = values.map { table.intern($0) }
        #expect(symbols == (0..<3_000).map { Int32($0) })
        // every key found again, in another order, also when written in another canonical form
        for i in stride(from: 2_999, through: 0, by: -7) {
            #expect(table.find(values[i]) == Int32(i))
            #expect(table.intern(values[i]) == Int32(i))
        }
        #expect(table.find(.string("\u{e9}-3")) == 3)
        #expect(table.find(.string("X-3000-training")) == nil)
        #expect(table.intern(.string("X-3000-training")) == 3_000)
        #expect(table.text(of: 2_995) == "X-2995-training")
        #expect(table.text(of: 1) == "1000003")
        #expect(table.count == 3_001)
    }

    @Test("a unique log counts every key's occurrences exactly, whatever its tags, its log on disk or not",
          arguments: [0, 64, 4096], [1, 4, 16])
    func uniqueLog(chunk: Int, tagBits: Int) {
        let file = SpillFile(chunkBytes: chunk)
        // records of five fields; the key is fields 3, 0 and 4 (not in field order)
        let fields = [3, 0, 4]
        let log = UniqueLog(width: fields.count, file: file, tagBits: tagBits)
        func record(_ i: Int) -> [Value] {
            [.string(i % 3 == 0 ? "R-\(i / 3)" : "e\u{301}-\(i / 3)"), .int(99), .date(CivilDate(dayNumber: i)),
             i % 4 == 0 ? .null : .string("staff"), i % 5 == 0 ? .int(Int64(i % 7)) : .decimal(ExactDecimal(units: Int128(i % 7), scale: 0))]
        }
        // every record, then every seventh again, then one in another canonical spelling of its text
        var records = (0..<3_000).map(record) + stride(from: 0, to: 3_000, by: 7).map(record)
        var spelled = record(1)
        spelled[0] = .string("\u{e9}-0")
        records.append(spelled)
        // the expected count and first record of each key (its values' key forms: an int and a decimal
        // of one amount are one key, canonically equivalent texts are one)
        var seen: [[Value]: (count: Int, first: Int)] = [:]
        var candidates: [(seq: Int, count: Int, first: Int)] = []
        var repeats = 0
        for (n, r) in records.enumerated() {
            let (seq, candidate) = log.log(UniqueLog.hash(r, fields), r, fields, place: RecordPlace(key: -1, file: 0, line: Int32(n + 1), record: 0))
            #expect(seq == n)
            let key = fields.map { r[$0].keyForm }
            let known = seen[key].map { (count: $0.count + 1, first: $0.first) } ?? (count: 1, first: n)
            seen[key] = known
            // never a repeat missed: a key seen before is always a candidate
            if known.count > 1 {
                repeats += 1
                #expect(candidate, "record \(n) repeats record \(known.first) and is not a candidate")
            }
            if candidate { candidates.append((seq, known.count, known.first)) }
        }
        #expect(repeats > 400)
        #expect(log.count == records.count)
        for c in candidates {
            let settled = log.settle(c.seq)
            #expect(settled?.occurrence == c.count && settled?.first == c.first, "record \(c.seq): \(String(describing: settled)), expected \(c)")
        }
        #expect(log.place(candidates.last?.first ?? 0)?.line == Int32((candidates.last?.first ?? 0) + 1))
        // 16-bit tags: nearly every candidate is a repeat; one bit (every tag the same): every record one
        // of whose two buckets holds a tag is a candidate
        if tagBits == 16 { #expect(candidates.count - repeats < 20) }
        if tagBits == 1 { #expect(candidates.count - repeats > records.count / 5) }
        #expect((file.bytesWritten > 0) == (chunk > 0))
        #expect(file.failure == nil)
    }

    @Test("a unique log's filter of 200,000 keys misses no repeat, makes few candidates of new keys, and takes under 3.5 bytes a key")
    func uniqueLogFilterDensity() {
        let file = SpillFile(chunkBytes: 1 << 16)
        let log = UniqueLog(width: 1, file: file)
        var repeats = 0, falseCandidates = 0
        for i in 0..<220_000 {
            // every eleventh record repeats the key of an earlier record that was not a repeat
            var key = i
            if i % 11 == 10 {
                key = Int(truncatingIfNeeded: (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 40) % i
                if key % 11 == 10 { key -= 1 }
            }
            let r: [Value] = [.string("X-\(key)")]
            let (_, candidate) = log.log(UniqueLog.hash(r, [0]), r, [0], place: RecordPlace(key: -1, file: 0, line: 1, record: 0))
            if key != i {
                repeats += 1
                #expect(candidate, "record \(i) repeats key \(key) and is not a candidate")
            } else if candidate {
                falseCandidates += 1
            }
        }
        let keys = 220_000 - repeats
        #expect(keys == 200_000)
        // 8 slots searched, at most 90 % full: fewer than 8 × 0.9 / 65,535 of the new keys on average
        #expect(falseCandidates < 100, "\(falseCandidates) new keys were candidates")
        #expect(Double(log.filterBytes) / Double(keys) < 3.5, "\(log.filterBytes) bytes for \(keys) keys")
        #expect(file.failure == nil)
    }

    @Test("a unique log whose temporary file cannot be read back settles nothing: nil, and the file's failure")
    func uniqueLogUnreadable() {
        let file = SpillFile(chunkBytes: 64)
        let log = UniqueLog(width: 1, file: file, tagBits: 1)
        var last = 0
        for i in 0..<200 {
            let r: [Value] = [.string("K-\(i % 50)")]
            if log.log(UniqueLog.hash(r, [0]), r, [0], place: .none).candidate { last = i }
        }
        #expect(last == 199)
        file.closeForTesting()
        #expect(log.settle(last) == nil)
        #expect(file.failure != nil)
    }

    @Test("lists of items per row: runs while each row's items come together, links from the first that does not")
    func rowListsRunsThenLinks() {
        for breakAt in [-1, 0, 1, 500, 2_990] {
            let lists = RowLists()
            var expected: [Int32: [Int32]] = [:]
            var rows: [Int32] = []
            // rows 0..999 in order, three items each, then (from `breakAt`) rows met again
            for r in Int32(0)..<1_000 { rows += [r, r, r] }
            // a row met again after another one's items: the runs end there
            if breakAt >= 0 { rows.insert(Int32(breakAt / 3), at: breakAt + 4) }
            rows += [1_500, 1_500, 2_000]
            for (item, r) in rows.enumerated() {
                lists.append(row: r)
                expected[r, default: []].append(Int32(item))
            }
            #expect(lists.runs == (breakAt < 0))
            #expect(lists.count == rows.count)
            for (r, items) in expected {
                var got: [Int32] = []
                var i = lists.first(r)
                while i >= 0 { got.append(i); i = lists.next(i) }
                #expect(got == items)
            }
            #expect(lists.first(1_200) == -1 && lists.first(5_000) == -1 && lists.first(-1) == -1)
            // appending after the links keeps every list
            lists.append(row: 0)
            var last: Int32 = -1
            var i = lists.first(0)
            while i >= 0 { last = i; i = lists.next(i) }
            #expect(last == Int32(rows.count))
        }
    }

    @Test("occurrences are counted exactly past the two bits a key")
    func occurrenceCounts() {
        var counts = OccurrenceCounts()
        #expect((1...600).map { _ in counts.increment(7) } == Array(1...600))
        #expect(counts.increment(3) == 1)
        #expect(counts.increment(0) == 1)
        #expect(counts.increment(3) == 2)
        #expect(counts.increment(7) == 601)
        #expect(counts.increment(3) == 3)
        // keys far apart and across the bits' blocks
        #expect(counts.increment(5_000_000) == 1 && counts.increment(64) == 1 && counts.increment(5_000_000) == 2)
        #expect(counts.increment(63) == 1 && counts.increment(65) == 1 && counts.increment(64) == 2 && counts.increment(0) == 2)
    }

    @Test("a temporary directory that cannot be written keeps the state in memory: nothing is lost")
    func unwritableDirectory() {
        let file = SpillFile(chunkBytes: 16, directory: "/nonexistent-esfcheck-directory")
        var array = SpilledArray<RecordPlace>(file: file)
        var bytes = SpilledBytes(file: file)
        for i in 0..<100 {
            array.append(RecordPlace(key: Int64(i), file: 0, line: 0, record: 0))
            bytes.tail.append(contentsOf: repeatElement(UInt8(i), count: 10))
            bytes.endRecord()
        }
        #expect(file.bytesWritten == 0)
        #expect((0..<100).map { array.element($0)?.key } == (0..<100).map { Int64($0) })
        var all: [UInt8] = []
        var buffer: [UInt8] = []
        for c in 0..<bytes.chunkCount { all += bytes.chunk(c, buffer: &buffer) ?? [] }
        #expect(all == (0..<100).flatMap { repeatElement(UInt8($0), count: 10) })
        #expect(file.failure == nil)
    }

    @Test("kept records that cannot be read back fail their rules (fatal): the run does not pass", arguments: [16, 1])
    func unreadableFile(uniqueTagBits: Int) throws {
        let set = try samplePacks()
        let events = joined(try sampleEvents(set.model), set)
        var options = EngineOptions()
        options.spillChunkBytes = 64
        options.uniqueTagBits = uniqueTagBits
        let engine = Engine(ruleSet: set, options: options, grouped: false)
        for e in events { engine.consume(e) }
        #expect(engine.spill.bytesWritten > 0)
        engine.spill.closeForTesting()
        let result = engine.finish(path: "memory", files: [])
        let failed = result.findings.filter { $0.ruleID == ReservedFinding.runtime.rawValue }
        let deferredRules = Set(engine.deferredRules.joined())
        let relationRules = Set(engine.relationCounts.indices.filter { engine.relationCounts[$0] > 0 })
        #expect(!deferredRules.isEmpty)
        #expect(!relationRules.isEmpty)
        // every rule that needed the file fails once: the deferred ones, the relations, and the rules
        // whose findings were in it (the sample has findings: some were written before the file closed)
        // (`rule R could not be evaluated for …`)
        func rule(_ f: Finding) -> String { f.message.split(separator: " ").dropFirst().first.map(String.init) ?? "" }
        let lost = failed.filter { $0.message.contains("some of its findings could not be read back") }
        #expect(!lost.isEmpty)
        let needed = Set(deferredRules.union(relationRules).map { engine.rules[$0].id })
        #expect(needed.isSubset(of: failed.map(rule)), "\(failed.map(\.message))")
        #expect(Set(failed.map(rule)).count == failed.count)
        for f in failed {
            #expect(f.severity == .fatal)
            #expect(f.message.contains("could not be read back from the temporary file"), "\(f.message)")
        }
        #expect(engine.spill.failure != nil)
        // the coverage still adds up
        for c in result.coverage { #expect(c.evaluated == c.passed + c.failed + c.notApplicable + c.errors) }
        for i in deferredRules { #expect(result.coverage[i].errors >= 1) }
    }
}
