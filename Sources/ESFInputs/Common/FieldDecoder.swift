import ESFCore

/// Parses one field's bytes into a `Value`, with exactly the results of `FieldParser.parse`.
///
/// Why it exists: the readers parse every cell of millions of rows, and
/// `FieldParser` (in another module, not inlinable) makes a new `String` for
/// every code and goes through generic String APIs. This decoder is built once
/// per field: codes are matched as bytes against prebuilt `Value`s (no
/// allocation), dates and numbers are parsed in place. Anything it is not sure
/// about — non-ASCII codes and code sets, where String comparison follows
/// Unicode canonical equivalence — is handed to `FieldParser.parse`, so the two
/// never disagree (a differential test checks this).
struct FieldDecoder {
    private enum Kind {
        case string, date, decimal, int, bool, code, codeSet
    }

    let type: FieldType
    private let kind: Kind
    /// For codes and code sets: each allowed code as bytes, with its prebuilt value.
    private let codes: [(bytes: [UInt8], value: Value)]
    private let anyCode: Bool
    /// Whether every allowed code is ASCII, so that byte equality is String equality.
    private let asciiCodes: Bool

    init(_ type: FieldType) {
        self.type = type
        var allowedCodes: [String] = []
        switch type {
        case .string: kind = .string; codes = []; anyCode = false
        case .date: kind = .date; codes = []; anyCode = false
        case .decimal: kind = .decimal; codes = []; anyCode = false
        case .int: kind = .int; codes = []; anyCode = false
        case .bool: kind = .bool; codes = []; anyCode = false
        case .code(let allowed):
            kind = .code
            codes = allowed.map { (Array($0.utf8), Value.string($0)) }
            anyCode = allowed.isEmpty
            allowedCodes = allowed
        case .codeSet(let allowed):
            kind = .codeSet
            codes = allowed.map { (Array($0.utf8), Value.string($0)) }
            anyCode = allowed.isEmpty
            allowedCodes = allowed
        }
        asciiCodes = allowedCodes.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
    }

    /// The value of `bytes`: `.null` when empty, nil when not parseable as the field's type.
    func parse(_ bytes: ArraySlice<UInt8>) -> Value? {
        if bytes.isEmpty { return .null }
        if kind == .decimal { return ExactDecimal(utf8: bytes).map(Value.decimal) }
        switch bytes.withUnsafeBufferPointer({ parseFast($0) }) {
        case .value(let v): return v
        case .invalid: return nil
        case .unsure: return FieldParser.parse(bytes, as: type)
        }
    }

    private enum Fast {
        case value(Value)
        case invalid
        /// Only `FieldParser` can say.
        case unsure
    }

    @inline(__always)
    private func fast(_ v: Value?) -> Fast { v.map(Fast.value) ?? .invalid }

    private func parseFast(_ b: UnsafeBufferPointer<UInt8>) -> Fast {
        switch kind {
        case .string:
            if isASCII(b) { return .value(.string(String(decoding: b, as: UTF8.self))) }
            return fast(String(validating: b, as: UTF8.self).map(Value.string))
        case .date:
            return fast(parseDate(b))
        case .int:
            return fast(parseInt(b))
        case .bool:
            if equals(b, "true") { return .value(.bool(true)) }
            if equals(b, "false") { return .value(.bool(false)) }
            return .invalid
        case .code:
            guard asciiCodes, isASCII(b) else { return .unsure }
            if let v = code(b) { return .value(v) }
            if anyCode { return .value(.string(String(decoding: b, as: UTF8.self))) }
            return .invalid
        case .codeSet:
            guard asciiCodes, isASCII(b) else { return .unsure }
            return fast(parseCodeSet(b))
        case .decimal:
            return .unsure
        }
    }

    @inline(__always)
    private func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in b where c >= 0x80 { return false }
        return true
    }

    @inline(__always)
    private func equals(_ b: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        guard b.count == text.utf8CodeUnitCount else { return false }
        let t = text.utf8Start
        for i in 0..<b.count where b[i] != t[i] { return false }
        return true
    }

    private func code(_ b: UnsafeBufferPointer<UInt8>) -> Value? {
        for c in codes where c.bytes.count == b.count {
            var same = true
            for i in 0..<b.count where c.bytes[i] != b[i] {
                same = false
                break
            }
            if same { return c.value }
        }
        return nil
    }

    /// Strict `YYYY-MM-DD` with a real calendar date, as `CivilDate(isoUTF8:)`.
    private func parseDate(_ b: UnsafeBufferPointer<UInt8>) -> Value? {
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let y = number(0, 4), let m = number(5, 2), let d = number(8, 2),
              let date = CivilDate(year: y, month: m, day: d) else { return nil }
        return .date(date)
    }

    /// `-?[0-9]{1,18}`, as `FieldParser`.
    private func parseInt(_ b: UnsafeBufferPointer<UInt8>) -> Value? {
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        if i == b.count || b.count - i > 18 { return nil }
        var v: Int64 = 0
        while i < b.count {
            let c = b[i]
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
            i += 1
        }
        return .int(negative ? -v : v)
    }

    /// Space-separated codes, duplicates dropped, order kept (ASCII input only).
    private func parseCodeSet(_ b: UnsafeBufferPointer<UInt8>) -> Value? {
        var items: [Value] = []
        var start = 0
        var i = 0
        while i <= b.count {
            if i == b.count || b[i] == UInt8(ascii: " ") {
                if i > start {
                    let part = UnsafeBufferPointer(rebasing: b[start..<i])
                    let value: Value
                    if let known = code(part) {
                        value = known
                    } else if anyCode {
                        value = .string(String(decoding: part, as: UTF8.self))
                    } else {
                        return nil
                    }
                    if !items.contains(value) { items.append(value) }
                }
                start = i + 1
            }
            i += 1
        }
        return .list(items)
    }
}
