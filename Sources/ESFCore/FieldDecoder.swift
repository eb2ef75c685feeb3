/// The one parser of canonical field text (`YYYY-MM-DD` dates, `.` decimals, `true`/`false`, codes):
/// every reader, the rule examples and pack parameters go through it (`FieldParser.parse` is this).
///
/// Built once per field: codes are matched as bytes against prebuilt `Value`s (no allocation),
/// dates (`CivilDate(isoBytes:)`) and numbers are parsed in place. Non-ASCII codes and code sets are
/// compared as Strings, because String equality follows Unicode canonical equivalence (`é` written
/// as one or two scalars is one code); a test checks that the byte path and the String path of
/// codes agree on every input.
public struct FieldDecoder: Sendable {
    private enum Kind {
        case string, date, decimal, int, bool, code, codeSet
    }

    public let type: FieldType
    private let kind: Kind
    /// For codes and code sets: each allowed code as bytes, with its prebuilt value.
    private let codes: [(bytes: [UInt8], value: Value)]
    private let anyCode: Bool
    /// Whether every allowed code is ASCII, so that byte equality is String equality.
    private let asciiCodes: Bool

    public init(_ type: FieldType) {
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
    public func parse(_ bytes: ArraySlice<UInt8>) -> Value? {
        bytes.withUnsafeBufferPointer { parse($0) }
    }

    /// The value of bytes in place (a reader's buffer): `.null` when empty, nil when not parseable.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        if bytes.isEmpty { return .null }
        if kind == .decimal { return ExactDecimal(utf8: bytes).map(Value.decimal) }
        switch parseFast(bytes) {
        case .value(let v): return v
        case .invalid: return nil
        case .unsure: return FieldDecoder.parseCodesAsStrings(bytes, as: type)
        }
    }

    /// Codes and code sets compared as Strings (canonical equivalence): the path of non-ASCII codes,
    /// and the reference the byte path of ASCII codes is tested against.
    static func parseCodesAsStrings(_ bytes: some Collection<UInt8>, as type: FieldType) -> Value? {
        if bytes.isEmpty { return .null }
        switch type {
        case .code(let allowed):
            guard let s = String(validating: bytes, as: UTF8.self), allowed.isEmpty || allowed.contains(s) else { return nil }
            return .string(s)
        case .codeSet(let allowed):
            guard let s = String(validating: bytes, as: UTF8.self) else { return nil }
            var items: [Value] = []
            for part in s.split(separator: " ", omittingEmptySubsequences: true) {
                let code = String(part)
                if !allowed.isEmpty && !allowed.contains(code) { return nil }
                if !items.contains(.string(code)) { items.append(.string(code)) }
            }
            return .list(items)
        default:
            return nil
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

    /// Strict `YYYY-MM-DD` with a real calendar date.
    private func parseDate(_ b: UnsafeBufferPointer<UInt8>) -> Value? { CivilDate(isoBytes: b).map(Value.date) }

    /// `-?[0-9]{1,18}`.
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
