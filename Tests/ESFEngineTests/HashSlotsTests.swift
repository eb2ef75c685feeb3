import ESFCore
@testable import ESFEngine
import Testing

/// The slots of the engine's hash tables, allocated (small) or mapped as huge pages (2 MB and more).
struct HashSlotsTests {
    /// Both kinds of memory start empty, keep what is put, and double with every entry where a probe finds it.
    @Test(arguments: [16, HashSlots.hugePage / 4 * 2])
    func slotsKeepTheirEntriesAndDouble(count: Int) {
        let slots = HashSlots(count: count)
        #expect(slots.count == count && slots.mask == count - 1)
        #if os(Linux)
        #expect(slots.isMapped == (count * 4 >= HashSlots.hugePage))
        #endif
        #expect((0..<count).allSatisfy { slots.entry($0) == nil })
        slots.set(0, 0)
        slots.set(count - 1, Int32.max - 1)
        slots.set(count / 2, 7)
        #expect(slots.entry(0) == 0 && slots.entry(count - 1) == Int32.max - 1 && slots.entry(count / 2) == 7)
        #expect(slots.entry(1) == nil)

        // entries 0..<n with colliding hashes (every fourth the same): linear probing places each
        let n = count / 2
        func hash(_ e: Int) -> UInt64 { UInt64(e / 4) &* 0x9E37_79B9_7F4A_7C15 }
        let bigger = slots.doubled(entries: n, hash: hash)
        #expect(bigger.count == 2 * count)
        var found = 0
        for e in 0..<n {
            var i = Int(truncatingIfNeeded: hash(e)) & bigger.mask
            while let s = bigger.entry(i), s != Int32(e) { i = (i + 1) & bigger.mask }
            if bigger.entry(i) == Int32(e) { found += 1 }
        }
        #expect(found == n)
        #expect((0..<bigger.count).filter { bigger.entry($0) != nil }.count == n)
    }

    /// A symbol table that grows past 2 MB of slots (mapped as huge pages) finds every key it made,
    /// with its symbol, and none it did not.
    @Test func symbolTableGrowsIntoMappedSlots() {
        let table = SymbolTable()
        let n = 300_000  // 2^20 slots at most half full: 4 MB
        for k in 0..<n {
            #expect(table.intern(.string("UD-\(k)")) == Int32(k))
        }
        #expect(table.count == n)
        var wrong = 0
        for k in stride(from: 0, to: n, by: 7) where table.find(.string("UD-\(k)")) != Int32(k) || table.intern(.string("UD-\(k)")) != Int32(k) {
            wrong += 1
        }
        #expect(wrong == 0)
        #expect(table.find(.string("UD-\(n)")) == nil)
        #expect(table.value(of: Int32(n - 1)) == .string("UD-\(n - 1)"))
    }
}
