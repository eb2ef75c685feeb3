import Foundation
import Testing

@Suite("--timings")
struct TimingsTests {
    @Test("--timings writes phases and every rule's time to standard error and leaves the report as it is")
    func timingsOnStandardError() throws {
        let input = fixture("ucne-delavnice/csv")
        let plain = try run(["check", input, "--deterministic", "--format", "json"])
        let timed = try run(["check", input, "--deterministic", "--format", "json", "--timings"])
        #expect(plain.status == 1)
        #expect(timed.status == plain.status)
        #expect(timed.stdout == plain.stdout)
        #expect(!plain.stderr.contains("timings:"))
        let lines = timed.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("timings: 1 input, ") == true)
        for phase in ["reading and parsing the input", "consuming records", "end of stream", "loading packs"] {
            #expect(lines.contains { $0.hasPrefix("  " + phase) }, "no phase \(phase)")
        }
        // one line per rule of the report's coverage, with its evaluations as the coverage counts them
        let report = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        let coverage = try #require(report["coverage"] as? [[String: Any]])
        #expect(coverage.count == 43)
        for rule in coverage {
            let id = try #require(rule["ruleID"] as? String)
            let evaluated = try #require(rule["evaluated"] as? Int)
            let row = lines.first { $0.hasPrefix("  \(id) ") }
            let fields = row?.split(separator: " ").map(String.init) ?? []
            #expect(fields.count == 6, "no timing row for \(id)")  // id, evaluations, ms, µs each, share, %
            #expect(fields.dropFirst().first == String(evaluated), "\(id): evaluations")
        }
    }
}
