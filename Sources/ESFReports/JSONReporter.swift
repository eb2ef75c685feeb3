import ESFCore
import Foundation

/// The JSON report (`docs/report.schema.json`): sorted keys, so the output is stable.
public struct JSONReporter: Reporter {
    public init() {}
    public func render(_ report: Report) -> String {
        guard let text = StableJSON.text(report) else {
            return "{\"error\": \"the report could not be encoded\"}\n"
        }
        return text + "\n"
    }
}
