extension Array {
    /// `count` copies of `value`, as `Array(repeating:count:)` makes them, but allocated through the
    /// array's specialised growth path. `Array(repeating:count:)` allocates through the standard
    /// library's unspecialised `_allocateBufferUninitialized`, which looks up the storage class's
    /// generic metadata on every call: about 700 instructions on Linux, more than filling the small
    /// arrays made per record (a record's values, its columns) costs.
    @inlinable
    public init(filled value: Element, count: Int) {
        self = []
        reserveCapacity(count)
        for _ in 0..<count { append(value) }
    }
}
