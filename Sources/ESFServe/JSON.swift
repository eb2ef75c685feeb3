import Foundation

/// A small JSON value for the service's own answers (packs, rules, health), written with sorted keys.
enum JSON: Sendable {
    case string(String), int(Int), bool(Bool), array([JSON]), object([String: JSON])

    /// The value as JSON text (pretty-printed, sorted keys, slashes unescaped).
    var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension JSON: Encodable {
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .int(let i): try c.encode(i)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
