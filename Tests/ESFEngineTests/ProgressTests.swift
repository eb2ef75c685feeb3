import ESFCore
@testable import ESFEngine
import ESFInputs
import Foundation
import Testing

/// The progress hook of a run: what a progress display is told, for both readers.
@Suite("Progress of a run")
struct ProgressTests {
    @Test("the handler hears the start and the end of each input: every byte of its files read, every record counted", arguments: [
        "Fixtures/ucne-delavnice/export.xml", "Fixtures/ucne-delavnice/csv",
    ])
    func startAndEnd(input: String) throws {
        var request = CheckRequest()
        request.inputs = [repositoryRoot + "/" + input]
        request.deterministic = true
        var heard: [CheckProgress] = []
        let report = try Checker.check(request, progress: { heard.append($0) })
        let first = try #require(heard.first)
        let last = try #require(heard.last)
        #expect(first.bytesRead == 0 && first.records == 0 && !first.done)
        #expect(last.done && heard.filter(\.done).count == 1)
        let files = try #require(report.inputs.first?.files)
        let size = try files.reduce(0) { total, f in
            let path = f.path.hasPrefix("/") ? f.path : repositoryRoot + "/" + f.path
            return total + (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? -1)
        }
        #expect(last.bytesTotal == size && last.bytesRead == size, "\(last)")
        #expect(last.records == report.inputs.first?.records.reduce(0) { $0 + $1.read })
        #expect(last.inputCount == 1 && last.inputIndex == 0)
    }

    @Test("every CheckProgress.interval records in between, with bytes and records that only grow")
    func inBetween() throws {
        // a CSV bundle of more than two intervals of expenditure lines
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-progress-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Fixtures/clean/csv", toPath: dir.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("expenditures.csv")
        var text = try String(contentsOf: file, encoding: .utf8)
        for i in 0..<(2 * CheckProgress.interval + 10) {
            text += "Y-\(i),other,,2019-03-15,2019-03-29,10.00,8.00,2.00,0.00,true,INV-\(i)\n"
        }
        try text.write(to: file, atomically: true, encoding: .utf8)
        var request = CheckRequest()
        request.inputs = [dir.path]
        var heard: [CheckProgress] = []
        _ = try Checker.check(request, progress: { heard.append($0) })
        let between = heard.filter { !$0.done && $0.records > 0 }
        #expect(between.count >= 2)
        #expect(between.allSatisfy { $0.records % CheckProgress.interval == 0 })
        #expect(zip(heard, heard.dropFirst()).allSatisfy { $0.bytesRead <= $1.bytesRead && $0.records <= $1.records })
        #expect(between.allSatisfy { $0.bytesRead > 0 && $0.bytesRead <= $0.bytesTotal })
    }
}
