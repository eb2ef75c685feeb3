import Crypto
import Foundation
import Testing

/// The report's input hashes come from the readers' own pass over the files (issue 8, item 5);
/// they must stay the files' SHA-256, as `sha256sum` prints it, for every form of input.
@Suite("Input hashes in the report")
struct InputHashTests {
    /// path (as shown) → sha256, from a JSON report.
    func hashes(_ stdout: String) throws -> [String: String] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let inputs = try #require(report["inputs"] as? [[String: Any]])
        var out: [String: String] = [:]
        for input in inputs {
            for file in input["files"] as? [[String: Any]] ?? [] {
                if let p = file["path"] as? String, let h = file["sha256"] as? String { out[p] = h }
            }
        }
        return out
    }

    @Test("XML (with the XSD and without) and a CSV bundle: every file's sha256 is that of its bytes")
    func canonicalForms() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.copyItem(atPath: fixture("clean/export.xml"), toPath: dir.appendingPathComponent("export.xml").path)
        try FileManager.default.copyItem(atPath: fixture("clean/csv"), toPath: dir.appendingPathComponent("csv").path)
        for extra in [[], ["--schema", "none"]] {
            let r = try run(["check", "export.xml", "csv", "--format", "json"] + extra, in: dir)
            #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
            let h = try hashes(r.stdout)
            #expect(h["export.xml"] == (try sha256(dir.appendingPathComponent("export.xml"))))
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("csv").path).filter { $0.hasSuffix(".csv") }
            #expect(names.count == 7)
            for name in names {
                #expect(h["csv/\(name)"] == (try sha256(dir.appendingPathComponent("csv/\(name)"))), "\(name)")
            }
        }
    }

    @Test("a Windows-1250 bundle read with encoding: auto (read once to detect, once to check): the files' own bytes")
    func detectedCodePage() throws {
        let dir = try temporaryDirectory()
        let bundle = dir.appendingPathComponent("si")
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: fixture("ucne-delavnice-si")) where name.hasSuffix(".csv") {
            try FileManager.default.copyItem(atPath: fixture("ucne-delavnice-si/\(name)"), toPath: bundle.appendingPathComponent(name).path)
        }
        var profile = try String(contentsOfFile: packageRoot.appendingPathComponent("Rules/profiles/si-legacy-csv.yaml").path, encoding: .utf8)
        profile = profile.replacingOccurrences(of: "encoding: windows-1250", with: "encoding: auto")
        try profile.write(to: dir.appendingPathComponent("auto.yaml"), atomically: true, encoding: .utf8)
        let r = try run(["check", "si", "--profile", "auto.yaml", "--format", "json"], in: dir)
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        let h = try hashes(r.stdout)
        #expect(h.count == 7)
        for (path, hash) in h {
            #expect(hash == (try sha256(dir.appendingPathComponent(path))), "\(path)")
        }
    }
}
