import Foundation

/// JSON as every esfcheck document writes it (reports, SARIF, baselines, error and problem documents,
/// the service's answers): pretty-printed, keys sorted so that the output is stable, slashes not escaped.
public enum StableJSON {
    /// The encoder of that form.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The value's JSON text (no final newline); nil when it cannot be encoded.
    public static func text(_ value: some Encodable) -> String? {
        (try? encoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }
}
