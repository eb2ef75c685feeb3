import ESFCore
import Foundation

/// The JSON report (`docs/report.schema.json`): sorted keys, so the output is stable.
public struct JSONReporter: Reporter {
    public init() {}
    public func render(_ report: Report) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report), let text = String(data: data, encoding: .utf8) else {
            return "{\"error\": \"the report could not be encoded\"}\n"
        }
        return text + "\n"
    }
}
