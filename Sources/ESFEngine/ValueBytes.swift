import ESFCore

/// Values and plain numbers written as bytes and read back exactly: the form of the state a run
/// keeps in a `SpillFile`. Every case of `Value` comes back as the same case with the same content
/// (a text as its UTF-8 bytes, a decimal as its mantissa and scale, lists and records element by
/// element).
enum ValueBytes {
    private static let null: UInt8 = 0, falseTag: UInt8 = 1, trueTag: UInt8 = 2, int: UInt8 = 3, days: UInt8 = 4,
                        date: UInt8 = 5, decimal64: UInt8 = 6, decimal128: UInt8 = 7, string: UInt8 = 8, list: UInt8 = 9,
                        record: UInt8 = 10

    /// Appends a fixed-size value's bytes.
    @inline(__always)
    static func put<T: BitwiseCopyable>(_ value: T, _ out: inout [UInt8]) {
        // byte by byte: `append(contentsOf:)` of a buffer this small cost some 100 instructions a call
        withUnsafeBytes(of: value) { for b in $0 { out.append(b) } }
    }

    /// Reads a fixed-size value at `at` and moves past it.
    @inline(__always)
    static func get<T: BitwiseCopyable>(_ p: UnsafeRawBufferPointer, _ at: inout Int) -> T {
        let v = p.loadUnaligned(fromByteOffset: at, as: T.self)
        at += MemoryLayout<T>.size
        return v
    }

    static func write(_ value: Value, _ out: inout [UInt8]) {
        switch value {
        case .null: out.append(null)
        case .bool(let b): out.append(b ? trueTag : falseTag)
        case .int(let i):
            out.append(int)
            put(i, &out)
        case .days(let n):
            out.append(days)
            put(n, &out)
        case .date(let d):
            out.append(date)
            put(Int64(d.dayNumber), &out)
        case .decimal(let d):
            if let units = Int64(exactly: d.units) {
                out.append(decimal64)
                put(units, &out)
            } else {
                out.append(decimal128)
                put(UInt64(truncatingIfNeeded: d.units), &out)
                put(Int64(truncatingIfNeeded: d.units >> 64), &out)
            }
            put(Int32(truncatingIfNeeded: d.scale), &out)
        case .string(var s):
            out.append(string)
            s.withUTF8 { bytes in
                put(UInt32(truncatingIfNeeded: bytes.count), &out)
                out.append(contentsOf: bytes)
            }
        case .list(let items):
            out.append(list)
            put(UInt32(truncatingIfNeeded: items.count), &out)
            for item in items { write(item, &out) }
        case .record(let entity, let values):
            out.append(record)
            put(Int64(entity), &out)
            put(UInt32(truncatingIfNeeded: values.count), &out)
            for v in values { write(v, &out) }
        }
    }

    static func read(_ p: UnsafeRawBufferPointer, _ at: inout Int) -> Value {
        let tag = p[at]
        at += 1
        switch tag {
        case null: return .null
        case falseTag: return .bool(false)
        case trueTag: return .bool(true)
        case int: return .int(get(p, &at))
        case days: return .days(get(p, &at))
        case date:
            let n: Int64 = get(p, &at)
            return .date(CivilDate(dayNumber: Int(n)))
        case decimal64:
            let units: Int64 = get(p, &at)
            let scale: Int32 = get(p, &at)
            return .decimal(ExactDecimal(units: Int128(units), scale: Int(scale)))
        case decimal128:
            let low: UInt64 = get(p, &at)
            let high: Int64 = get(p, &at)
            let scale: Int32 = get(p, &at)
            return .decimal(ExactDecimal(units: Int128(high) << 64 | Int128(low), scale: Int(scale)))
        case string:
            let n = Int(get(p, &at) as UInt32)
            defer { at += n }
            return .string(String(decoding: UnsafeRawBufferPointer(rebasing: p[at..<at + n]), as: UTF8.self))
        case list:
            let n = Int(get(p, &at) as UInt32)
            var items: [Value] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(read(p, &at)) }
            return .list(items)
        default:
            let entity: Int64 = get(p, &at)
            let n = Int(get(p, &at) as UInt32)
            var values: [Value] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(read(p, &at)) }
            return .record(entity: Int(entity), values: values)
        }
    }
}
