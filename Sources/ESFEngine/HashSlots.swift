#if canImport(Glibc)
import Glibc
#endif

/// The slots of an open-addressing hash table (`SymbolTable`, `PackedKeyTable`): per slot, the number
/// of the entry it holds, or none. The count is a power of two.
///
/// A table of 2 MB or more (524,288 slots: a table past 131,072 keys, as tables are at most half full)
/// is mapped on its own and advised as huge pages (`MADV_HUGEPAGE`; Linux's transparent huge pages are
/// commonly enabled "on advice" only). Its slots are read at random, one per look-up, so with 4 KB
/// pages nearly every look-up in a table of tens of megabytes (participants, expenditure ids at a
/// million participants and more) also missed the TLB; 2 MB pages cover such a table with a few
/// dozen entries. The pages come zeroed from the kernel, so a slot holds its entry's number plus one
/// and 0 is an empty slot: nothing is written to make a new table empty. Smaller tables are allocated.
struct HashSlots: ~Copyable {
    let count: Int
    private let base: UnsafeMutablePointer<UInt32>
    /// The mapping (start and length) when the slots were mapped; nil when allocated.
    private let mapping: (start: UnsafeMutableRawPointer, length: Int)?

    /// The size from which a table is mapped as huge pages: one huge page.
    static let hugePage = 2 << 20

    /// `count` empty slots (a power of two).
    init(count: Int) {
        precondition(count > 0 && count & (count - 1) == 0, "HashSlots: the count is a power of two")
        self.count = count
        let bytes = count * MemoryLayout<UInt32>.stride
        #if canImport(Glibc)
        if bytes >= Self.hugePage {
            // one huge page more than needed, so that the slots can start on a huge page's boundary
            let length = bytes + Self.hugePage
            let start = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            if let start, start != UnsafeMutableRawPointer(bitPattern: -1) {
                let aligned = (UInt(bitPattern: start) + UInt(Self.hugePage - 1)) & ~UInt(Self.hugePage - 1)
                let first = UnsafeMutableRawPointer(bitPattern: aligned)!
                // advice only: where the kernel has no huge page to give, 4 KB pages serve as before
                _ = madvise(first, bytes, MADV_HUGEPAGE)
                base = first.bindMemory(to: UInt32.self, capacity: count)
                mapping = (start, length)
                return
            }
        }
        #endif
        base = .allocate(capacity: count)
        base.initialize(repeating: 0, count: count)
        mapping = nil
    }

    deinit {
        #if canImport(Glibc)
        if let mapping {
            munmap(mapping.start, mapping.length)
            return
        }
        #endif
        base.deallocate()
    }

    var mask: Int { count - 1 }

    /// Whether the slots were mapped on their own (and advised as huge pages), not allocated.
    var isMapped: Bool { mapping != nil }

    /// The entry in slot `i`, nil for an empty slot.
    @inline(__always)
    func entry(_ i: Int) -> Int32? {
        let word = base[i]
        return word == 0 ? nil : Int32(truncatingIfNeeded: word &- 1)
    }

    /// Puts entry `e` (0 or more) in slot `i`.
    @inline(__always)
    func set(_ i: Int, _ e: Int32) {
        base[i] = UInt32(truncatingIfNeeded: e) &+ 1
    }

    /// Twice as many slots, holding entries `0..<entries` at the slots their hashes lead to (linear probing).
    func doubled(entries: Int, hash: (Int) -> UInt64) -> HashSlots {
        let bigger = HashSlots(count: count * 2)
        let mask = bigger.mask
        for e in 0..<entries {
            var i = Int(truncatingIfNeeded: hash(e)) & mask
            while bigger.entry(i) != nil { i = (i + 1) & mask }
            bigger.set(i, Int32(truncatingIfNeeded: e))
        }
        return bigger
    }
}
