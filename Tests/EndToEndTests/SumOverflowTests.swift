import Foundation
import Testing

/// A sum that leaves the exact range fails the rules that read it (`ESFCHECK-RT-001`), never a wrong,
/// clamped or silently kept sum that could let an export pass.
@Suite("aggregate sums out of range")
struct SumOverflowTests {
    @Test("two expenditure lines whose eligible amounts overflow the exact sum: ESF-CF-005 cannot be evaluated and says so", arguments: ["1", "2"])
    func eligibleSumOverflows(threads: String) throws {
        let dir = try temporaryDirectory()
        let sample = try String(contentsOf: packageRoot.appendingPathComponent("Fixtures/ucne-delavnice/export.xml"), encoding: .utf8)
        let huge = "999999999999999999999999999999999999.99"
        var xml = sample
        for line in ["eligible=\"1846.20\"", "eligible=\"1250.00\""] {
            #expect(xml.contains(line))
            xml = xml.replacingOccurrences(of: line, with: "eligible=\"\(huge)\"")
        }
        let export = dir.appendingPathComponent("export.xml")
        try xml.write(to: export, atomically: true, encoding: .utf8)
        let r = try run(["check", export.path, "--format", "json", "--deterministic", "--no-config", "--threads", threads], in: dir)
        #expect(r.status == 1, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let findings = try #require(report["findings"] as? [[String: Any]])
        let failures = findings.filter { ($0["ruleID"] as? String) == "ESFCHECK-RT-001" && (($0["message"] as? String) ?? "").contains("ESF-CF-005") }
        #expect(failures.count == 1, "\(findings.map { "\($0["ruleID"] ?? "") \($0["message"] ?? "")" })")
        #expect(failures.first.map { (($0["message"] as? String) ?? "").contains("overflow") } == true)
        #expect(!findings.contains { ($0["ruleID"] as? String) == "ESF-CF-005" }, "no verdict from a sum that is not exact")
    }
}
