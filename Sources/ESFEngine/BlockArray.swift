/// A growing array of plain values (integers, tags) kept in blocks of 65,536 elements that never
/// move once allocated: appending never copies what is there, and an array holds at most one partly
/// filled block. A doubling `Array` held up to twice its count (on average a third of its capacity
/// unused) and, while it grew, its old and new buffers at once: for the per-key state of a million
/// participants (tags, words, counts, rows: tens of millions of elements) that slack was tens of
/// megabytes at the run's peak.
///
/// The first block grows as an array does (a small array stays small); the next ones are allocated
/// whole. A value type with copy on write, as the arrays it is made of. Reading an element is a
/// shift, a mask and two array reads.
struct BlockArray<Element> {
    static var blockBits: Int { 16 }
    static var blockSize: Int { 1 << blockBits }

    private var blocks: [[Element]] = []
    private(set) var count = 0

    init() {}

    /// `count` elements of `value`.
    init(repeating value: Element, count: Int) {
        self.init()
        if count > 0 { fill(count, value) }
    }

    var isEmpty: Bool { count == 0 }
    var indices: Range<Int> { 0..<count }

    @inline(__always)
    subscript(i: Int) -> Element {
        get {
            precondition(i >= 0 && i < count, "BlockArray index out of range")
            return blocks[i >> Self.blockBits][i & (Self.blockSize - 1)]
        }
        set {
            precondition(i >= 0 && i < count, "BlockArray index out of range")
            blocks[i >> Self.blockBits][i & (Self.blockSize - 1)] = newValue
        }
    }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count & (Self.blockSize - 1) == 0 { startBlock() }
        blocks[blocks.count - 1].append(value)
        count += 1
    }

    /// Grows to `i + 1` elements, the new ones `value` (nothing when it holds that many already).
    @inline(__always)
    mutating func ensureIndex(_ i: Int, _ value: Element) {
        if i == count {
            append(value)
        } else if i > count {
            fill(i + 1, value)
        }
    }

    /// Drops every element (the blocks are released).
    mutating func removeAll() {
        blocks = []
        count = 0
    }

    /// Appends `value` up to `n` elements, a block's worth at a time.
    private mutating func fill(_ n: Int, _ value: Element) {
        while count < n {
            if count & (Self.blockSize - 1) == 0 { startBlock() }
            let k = min(n - count, Self.blockSize - (count & (Self.blockSize - 1)))
            blocks[blocks.count - 1].append(contentsOf: repeatElement(value, count: k))
            count += k
        }
    }

    @inline(never)
    private mutating func startBlock() {
        var block: [Element] = []
        // the first block grows as an array does; a later one is allocated whole
        if !blocks.isEmpty { block.reserveCapacity(Self.blockSize) }
        blocks.append(block)
    }
}

/// A growing set of small non-negative integers (symbols) as bits in a `BlockArray`: one bit a
/// symbol, not the byte of a `[Bool]`.
struct BitBlocks {
    private var words = BlockArray<UInt64>()

    init() {}

    func contains(_ i: Int) -> Bool {
        let w = i >> 6
        return w < words.count && words[w] & (1 << UInt64(i & 63)) != 0
    }

    /// Adds `i`: true when it was not there.
    @discardableResult
    mutating func insert(_ i: Int) -> Bool {
        let w = i >> 6, bit: UInt64 = 1 << UInt64(i & 63)
        words.ensureIndex(w, 0)
        let old = words[w]
        guard old & bit == 0 else { return false }
        words[w] = old | bit
        return true
    }

    mutating func remove(_ i: Int) {
        let w = i >> 6
        guard w < words.count else { return }
        words[w] &= ~(1 << UInt64(i & 63))
    }
}
