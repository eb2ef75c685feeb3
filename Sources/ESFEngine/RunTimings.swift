import ESFCore
import Foundation

/// Where a run's time went (`esfcheck check --timings`), as SwiftLint's `--benchmark` does for its rules:
/// the stream (reading and parsing, and the engine's consumption of each record), the end of the stream
/// (deferred and aggregate rules, indicators), and per rule the time spent evaluating it. Measuring costs
/// two clock reads per rule evaluation and per record, so it is only done when asked for.
public final class RunTimings {
    public struct Rule: Sendable {
        public var id: String
        public var evaluations = 0
        public var nanoseconds: UInt64 = 0
    }

    public var inputs = 0
    /// The whole check: pack selection and loading, every input, the raw values of the findings, the report's assembly.
    public var wall: UInt64 = 0
    /// Reading every input, records consumed by the engine included.
    public var stream: UInt64 = 0
    /// The engine's consumption of the records (rules run as records arrive, aggregates fed, state kept).
    public var consuming: UInt64 = 0
    /// The end of the streams: deferred and aggregate rules, indicators, the findings' order.
    public var finishing: UInt64 = 0
    public var rules: [Rule] = []

    public init() {}

    /// The table written to standard error: phases, then every rule by time spent, most first.
    public func render() -> String {
        func ms(_ n: UInt64) -> String { String(format: "%.1f", Double(n) / 1e6) }
        func share(_ n: UInt64, of total: UInt64) -> String { total == 0 ? "–" : String(format: "%.1f %%", Double(n) * 100 / Double(total)) }
        let reading = stream >= consuming ? stream - consuming : 0
        let ruleTotal = rules.reduce(UInt64(0)) { $0 &+ $1.nanoseconds }
        let other = wall >= stream &+ finishing ? wall - stream - finishing : 0
        var lines = ["timings: \(counted(inputs, "input")), \(ms(wall)) ms in all"]
        let phases: [(String, UInt64)] = [
            ("reading and parsing the input", reading),
            ("consuming records (rules as records arrive, aggregates, per-key state)", consuming),
            ("end of stream (deferred and aggregate rules, indicators)", finishing),
            ("loading packs, raw values of findings, assembling the report", other),
        ]
        let width = phases.map(\.0.count).max() ?? 0
        for (name, n) in phases {
            lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + leftPad(ms(n), 10) + " ms  " + leftPad(share(n, of: wall), 7))
        }
        lines.append("rules: \(ms(ruleTotal)) ms evaluating (inside the two phases above), by rule, most first")
        let idWidth = max(4, rules.map(\.id.count).max() ?? 0)
        lines.append("  " + "rule".padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  " + leftPad("evaluations", 11) + "  " + leftPad("ms", 10) + "  " + leftPad("µs each", 9) + "  " + leftPad("share", 7))
        for r in rules.sorted(by: { $0.nanoseconds != $1.nanoseconds ? $0.nanoseconds > $1.nanoseconds : $0.id < $1.id }) {
            let each = r.evaluations == 0 ? "–" : String(format: "%.2f", Double(r.nanoseconds) / 1e3 / Double(r.evaluations))
            lines.append("  " + r.id.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  " + leftPad(String(r.evaluations), 11) + "  "
                         + leftPad(ms(r.nanoseconds), 10) + "  " + leftPad(each, 9) + "  " + leftPad(share(r.nanoseconds, of: ruleTotal), 7))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func leftPad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
