import ESFCore
@testable import ESFEngine
import ESFInputs
import Foundation
import Synchronization
import Testing

/// A reader of made-up events: `count` records of entity 0, a group end after every fifth, then
/// `error` if given. It counts what it has handed over (read from any thread once `read` is done).
final class CountingSource: RecordSource, Sendable {
    let count: Int
    let error: InputError?
    let delivered = Mutex(0)
    init(count: Int, error: InputError? = nil) {
        self.count = count
        self.error = error
    }

    var displayPath: String { "made-up" }
    var files: [String] { [] }
    var progress: ReadProgress? {
        get { nil }
        set {}
    }

    static func event(_ i: Int) -> InputEvent {
        i % 6 == 5 ? .groupEnd : .record(Record(entity: 0, values: [.int(Int64(i))], location: SourceLocation(file: "made-up", line: i + 1)))
    }

    func read(entityOrder: [Int], _ sink: EventSink) throws {
        for i in 0..<count {
            try sink(Self.event(i))
            delivered.withLock { $0 += 1 }
        }
        if let error { throw error }
    }
}

/// What an event is, for comparing streams: its kind and its line.
func describe(_ event: InputEvent) -> String {
    switch event {
    case .record(let r): return "record \(r.location.line ?? 0)"
    case .groupEnd: return "end"
    case .problem(let p): return "problem \(p.location.line ?? 0)"
    case .rejected(_, let location): return "rejected \(location.line ?? 0)"
    }
}

/// Reading on a thread of its own (`ReadPipeline`): the same events in the same order, a reader's
/// error after the same events, a stopped consumer that does not hang, and every fixture's report
/// identical on one and two threads even with batches of one event and a queue of one batch.
@Suite("Reading on a thread of its own")
struct ReadPipelineTests {
    static let shapes: [ReadPipeline.Shape] = [.init(batchSize: 1, queueDepth: 1), .init(batchSize: 7, queueDepth: 2), .standard]

    @Test("events the engine is done with go back to the reading thread: at most the queue's depth, none once stopped")
    func spentEvents() {
        let queue = ReadPipeline.BatchQueue(depth: 2)
        var a = [CountingSource.event(0)], b = [CountingSource.event(1)], c = [CountingSource.event(2)]
        queue.giveBack(&a)
        queue.giveBack(&b)
        queue.giveBack(&c)
        // the queue took the first two (the caller's references with them); the third stays with the caller
        #expect(a.isEmpty && b.isEmpty)
        #expect(c.map(describe) == ["record 3"])
        let taken = [queue.takeSpent(), queue.takeSpent()].map { $0?.map(describe) }
        #expect(Set(taken.compactMap { $0 }) == [["record 1"], ["record 2"]])
        #expect(queue.takeSpent() == nil)
        queue.stop()
        queue.giveBack(&c)
        #expect(c.count == 1)
        #expect(queue.takeSpent() == nil)
    }

    @Test("every event arrives once, in order, whatever the batch and queue sizes", arguments: shapes)
    func order(shape: ReadPipeline.Shape) throws {
        var source: any RecordSource = CountingSource(count: 5_000)
        var seen: [String] = []
        try ReadPipeline.stream(&source, entityOrder: [], shape: shape) { seen.append(describe($0)) }
        #expect(seen == (0..<5_000).map { describe(CountingSource.event($0)) })
    }

    @Test("a reader's error arrives after every event read before it, as on one thread", arguments: shapes)
    func readerError(shape: ReadPipeline.Shape) {
        let failure = InputError(location: SourceLocation(file: "made-up", line: 1_001), message: "malformed")
        var source: any RecordSource = CountingSource(count: 1_000, error: failure)
        var seen = 0
        #expect(throws: failure) {
            try ReadPipeline.stream(&source, entityOrder: [], shape: shape) { _ in seen += 1 }
        }
        #expect(seen == 1_000)
    }

    struct Enough: Error, Equatable {}

    @Test("an error of the consumer stops the reader (no hang) and is the one thrown", arguments: shapes)
    func consumerStops(shape: ReadPipeline.Shape) {
        let counting = CountingSource(count: 1_000_000)
        var source: any RecordSource = counting
        var seen = 0
        #expect(throws: Enough()) {
            try ReadPipeline.stream(&source, entityOrder: [], shape: shape) { _ in
                seen += 1
                if seen == 100 { throw Enough() }
            }
        }
        // the reader stopped within the queue's reach of the consumer, long before its end
        let delivered = counting.delivered.withLock { $0 }
        #expect(delivered <= 100 + shape.batchSize * (shape.queueDepth + 2))
    }

    @Test("the progress counter follows the reader's bytes on the calling thread")
    func progress() throws {
        var request = CheckRequest()
        request.inputs = [repositoryRoot + "/Fixtures/ucne-delavnice/csv"]
        request.threads = 2
        request.pipelineShape = .init(batchSize: 3, queueDepth: 1)
        var heard: [CheckProgress] = []
        _ = try Checker.check(request, progress: { heard.append($0) })
        let last = try #require(heard.last)
        #expect(last.done && last.bytesRead == last.bytesTotal && last.bytesRead > 0)
        #expect(zip(heard, heard.dropFirst()).allSatisfy { $0.bytesRead <= $1.bytesRead && $0.records <= $1.records })
    }

    /// Every fixture input: the sample, the clean operation, the scenarios (both forms), the Slovenian
    /// layouts with their profiles, and the workbooks.
    struct FixtureInput: Sendable, CustomTestStringConvertible {
        var input: String
        var profile: String?
        var testDescription: String { String(input.dropFirst(repositoryRoot.count + 1)) }
    }

    static let fixtureInputs: [FixtureInput] = {
        let root = repositoryRoot + "/Fixtures"
        var inputs: [FixtureInput] = []
        let scenarios = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/scenarios")) ?? []).sorted()
        for folder in ["ucne-delavnice", "clean"] + scenarios.map({ "scenarios/" + $0 })
        where FileManager.default.fileExists(atPath: "\(root)/\(folder)/export.xml") {
            inputs.append(FixtureInput(input: "\(root)/\(folder)/export.xml"))
            inputs.append(FixtureInput(input: "\(root)/\(folder)/csv"))
        }
        inputs.append(FixtureInput(input: "\(root)/ucne-delavnice-si", profile: "si-legacy-csv"))
        inputs.append(FixtureInput(input: "\(root)/ucne-delavnice-si-xml/export.xml", profile: "si-legacy-xml"))
        inputs.append(FixtureInput(input: "\(root)/xlsx/ucne-delavnice.xlsx"))
        inputs.append(FixtureInput(input: "\(root)/xlsx/ucne-delavnice-si.xlsx", profile: "\(root)/xlsx/si-legacy-xlsx.yaml"))
        return inputs
    }()

    /// A report as JSON (keys sorted), to compare two runs.
    static func json(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    @Test("the fixtures are all there: the sample, the clean operation and every scenario in both forms, four more")
    func fixturesFound() {
        #expect(Self.fixtureInputs.count >= 24)
    }

    @Test("every fixture: the same report on one thread and on two with batches of one event and a queue of one batch, own-record rules evaluated on the reading thread or not",
          arguments: fixtureInputs)
    func fixture(_ fixture: FixtureInput) throws {
        var request = CheckRequest()
        request.inputs = [fixture.input]
        request.profile = fixture.profile
        request.deterministic = true
        request.threads = 1
        let one = try Self.json(Checker.check(request))
        request.threads = 2
        request.pipelineShape = ReadPipeline.Shape(batchSize: 1, queueDepth: 1)
        #expect(try Self.json(Checker.check(request)) == one)
        // every record's own-record rules evaluated on the reading thread
        request.pipelineShape = ReadPipeline.Shape(batchSize: 2, queueDepth: 1, prepareWhenWaiting: 0)
        #expect(try Self.json(Checker.check(request)) == one)
    }

    @Test("a malformed input stops the run at the same place with the same error on two threads", arguments: ["xml", "csv"])
    func malformed(form: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-threads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input: String
        if form == "xml" {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let text = try String(contentsOfFile: repositoryRoot + "/Fixtures/clean/export.xml", encoding: .utf8)
            // a broken tag about two thirds into the file
            let at = text.index(text.startIndex, offsetBy: text.count * 2 / 3)
            let cut = text[at...].firstIndex(of: "<") ?? at
            try (text[..<cut] + "<<broken" + text[cut...]).write(to: dir.appendingPathComponent("export.xml"), atomically: true, encoding: .utf8)
            input = dir.appendingPathComponent("export.xml").path
        } else {
            try FileManager.default.copyItem(atPath: repositoryRoot + "/Fixtures/clean/csv", toPath: dir.path)
            let file = dir.appendingPathComponent("expenditures.csv")
            var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
            lines[lines.count / 2] += ",\"unterminated"
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            input = dir.path
        }
        var request = CheckRequest()
        request.inputs = [input]
        request.deterministic = true
        func failure(threads: Int) -> String? {
            request.threads = threads
            request.pipelineShape = .init(batchSize: 2, queueDepth: 1)
            do {
                _ = try Checker.check(request)
                return nil
            } catch {
                return "\(error.exitCode) \(error.description)"
            }
        }
        let one = try #require(failure(threads: 1))
        #expect(one.hasPrefix("3 "), "\(one)")
        #expect(failure(threads: 2) == one)
    }
}

extension ReadPipeline.Shape: CustomTestStringConvertible {
    public var testDescription: String { "batches of \(batchSize), \(queueDepth) waiting" }
}
