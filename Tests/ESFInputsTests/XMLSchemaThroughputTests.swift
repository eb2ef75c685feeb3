import ESFCore
import ESFInputs
import Foundation
import Testing

/// Opt-in throughput measurement of the XML reader with and without XSD validation
/// (SPEC §7: ≥ 100 MB/s without, ≥ 60 MB/s with). Does nothing unless
/// `ESF_XSD_BENCH` is set to a number of participants; build in release:
///
///     ESF_XSD_BENCH=200000 swift test -c release -Xswiftc -enable-testing \
///         --scratch-path .build-xsd --filter XMLSchemaThroughput
///
/// The export is generated in a temporary folder by repeating the participants of
/// `Fixtures/clean/export.xml` with new ids, and removed afterwards.
@Suite("XML reader throughput")
struct XMLSchemaThroughputTests {
    // a measurement, not a check: skipped (not passed) unless asked for
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ESF_XSD_BENCH"] != nil, "set ESF_XSD_BENCH to measure"))
    func readerThroughputWithAndWithoutXSD() throws {
        let text = try #require(ProcessInfo.processInfo.environment["ESF_XSD_BENCH"])
        let count = try #require(Int(text), "ESF_XSD_BENCH must be a number of participants")
        let dir = try TempDir()
        let path = (dir.path as NSString).appendingPathComponent("big.xml")
        try generate(participants: count, to: path)
        let size = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0)
        let model = ModelFile.esfOperation
        var best: [String: Double] = [:]
        for option in [XMLSchemaOption.none, .canonical, .none, .canonical, .none, .canonical] {
            let source = XMLRecordSource(path: path, model: model, schema: option)
            try source.prepareSchema()
            var records = 0
            var problems = 0
            let elapsed = try ContinuousClock().measure {
                try source.read(entityOrder: []) { event in
                    switch event {
                    case .record: records += 1
                    case .problem: problems += 1
                    default: break
                    }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let name = "\(option)"
            best[name] = min(best[name] ?? .infinity, seconds)
            #expect(problems == 0)
            print(String(format: "xsd-bench schema=%@ %.1f MB %.2f s %.1f MB/s records=%d", name, size / 1e6, seconds, size / 1e6 / seconds, records))
        }
        for (name, seconds) in best.sorted(by: { $0.key < $1.key }) {
            print(String(format: "xsd-bench best schema=%@ %.1f MB/s", name, size / 1e6 / seconds))
        }
    }

    /// Writes an export with `participants` participants, cycling through the fixture's.
    func generate(participants: Int, to path: String) throws {
        let source = try String(contentsOfFile: ModelFile.path("Fixtures/clean/export.xml"), encoding: .utf8)
        let open = try #require(source.range(of: "  <participants>\n"))
        let close = try #require(source.range(of: "  </participants>\n"))
        let body = source[open.upperBound..<close.lowerBound]
        var blocks: [String] = []
        var current = ""
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            current += line + "\n"
            if line.hasSuffix("</participant>") || (line.hasPrefix("    <participant ") && line.hasSuffix("/>")) {
                blocks.append(current)
                current = ""
            }
        }
        let ids = try Regex("UD-0000[0-9][0-9]")
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(source[..<open.upperBound].utf8))
        var chunk = ""
        for i in 0..<participants {
            chunk += blocks[i % blocks.count].replacing(ids, with: "UD-" + String(repeating: "0", count: max(0, 7 - String(i + 1).count)) + String(i + 1))
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        chunk += "  </participants>\n</operation>\n"
        try handle.write(contentsOf: Data(chunk.utf8))
    }
}
