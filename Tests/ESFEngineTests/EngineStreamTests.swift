import ESFCore
@testable import ESFEngine
import ESFInputs
import ESFRules
import Foundation
import Testing
import TestSupport

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The built-in packs of the 2014–2020 sample.
func samplePacks() throws -> RuleSet {
    let sink = DiagnosticSink()
    let set = PackLoader.load(directories: ["esf-2014-2020", "ucne-delavnice"].map { repositoryRoot + "/Rules/" + $0 },
                              modelDirectories: [repositoryRoot + "/Rules/models"], sink: sink)
    #expect(sink.diagnostics.map(\.description) == [])
    return try #require(set)
}

/// The sample export's records, read once into memory, in document order with its group ends.
func sampleEvents(_ model: DataModel) throws -> [InputEvent] {
    var events: [InputEvent] = []
    try XMLRecordSource(path: repositoryRoot + "/Fixtures/ucne-delavnice/export.xml", model: model, schema: .none)
        .read(entityOrder: []) { events.append($0) }
    return events
}

/// The sample's events with one field of the first record of `entity` set to `value`, and that record as changed.
func sampleEvents(_ model: DataModel, setting field: String, of entity: String, to value: Value) throws -> (events: [InputEvent], changed: Record) {
    var events = try sampleEvents(model)
    let e = try #require(model.entityIndex(entity))
    let f = try #require(model.entities[e].fieldIndex(field))
    let at = try #require(events.firstIndex { if case .record(let r) = $0 { r.entity == e } else { false } })
    guard case .record(var r) = events[at] else { preconditionFailure("the index found is a record's") }
    r.values[f] = value
    events[at] = .record(r)
    return (events, r)
}

/// The same records as a CSV bundle delivers them: one entity after another in the bundle's read order, no groups.
func joined(_ events: [InputEvent], _ set: RuleSet) -> [InputEvent] {
    var records: [Record] = []
    for event in events { if case .record(let r) = event { records.append(r) } }
    var out: [InputEvent] = []
    for e in Engine.readOrder(ruleSet: set) {
        for r in records where r.entity == e { out.append(.record(r)) }
    }
    return out
}

/// Runs the engine over an in-memory stream.
func run(_ set: RuleSet, _ events: [InputEvent], grouped: Bool) -> InputResult {
    let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: grouped)
    for e in events { engine.consume(e) }
    return engine.finish(path: "memory", files: [])
}

/// One finding as a line of text, without where it was read (the two paths locate records differently).
func line(_ f: Finding) -> String {
    let parts: [String] = [f.ruleID, f.recordKey, f.severity.rawValue, f.message, f.fingerprint]
    return parts.joined(separator: "\t")
}

/// What a run's findings say.
func said(_ r: InputResult) -> [String] { r.findings.map(line) }


/// Changes one field in about `rate` of the records, never a key or a parent id (the XML form
/// cannot express an orphan): dates move, amounts change by a cent or double, flags flip, values go missing.
func mutated(_ events: [InputEvent], model: DataModel, seed: UInt64, rate: Double = 0.08) -> (events: [InputEvent], changes: Int) {
    var rng = SplitMix(seed: seed)
    var changes = 0
    var out: [InputEvent] = []
    for event in events {
        guard case .record(var r) = event, Double.random(in: 0..<1, using: &rng) < rate else {
            out.append(event)
            continue
        }
        let entity = model.entities[r.entity]
        var fixed: Set<Int> = []
        if let k = entity.keyField, let i = entity.fieldIndex(k) { fixed.insert(i) }
        if let p = model.parentIDField(of: r.entity), let i = entity.fieldIndex(p) { fixed.insert(i) }
        let candidates: [Int] = r.values.indices.filter { !fixed.contains($0) }
        guard let i = candidates.randomElement(using: &rng) else {
            out.append(event)
            continue
        }
        let before = r.values[i]
        let dice = Int.random(in: 0..<4, using: &rng)
        var after = Value.null
        if dice != 0 {
            switch before {
            case .date(let d):
                after = .date(d.adding(days: Int.random(in: -40...40, using: &rng)))
            case .decimal(let d):
                let changed: ExactDecimal? = dice == 1 ? try? d.adding(ExactDecimal(units: 1, scale: 2)) : try? d.multiplied(by: ExactDecimal(2))
                after = .decimal(changed ?? d)
            case .int(let n):
                after = .int(n + Int64.random(in: -3...3, using: &rng))
            case .bool(let b):
                after = .bool(!b)
            default:
                after = .null
            }
        }
        r.values[i] = after
        if after != before { changes += 1 }
        out.append(.record(r))
    }
    return (out, changes)
}

@Suite("Engine over in-memory record streams")
struct EngineStreamTests {
    @Test("the sample's findings are the oracle's (rule, record, severity), from records held in memory")
    func sampleMatchesOracle() throws {
        let set = try samplePacks()
        let result = run(set, try sampleEvents(set.model), grouped: true)
        let text = try String(contentsOfFile: repositoryRoot + "/Fixtures/ucne-delavnice/expected-findings.tsv", encoding: .utf8)
        let expected: [String] = text.split(separator: "\n").dropFirst().map(String.init).sorted()
        let found: [String] = result.findings.map { f in [f.ruleID, f.recordKey, f.severity.rawValue].joined(separator: "\t") }.sorted()
        #expect(expected.count > 5)
        #expect(found == expected)
    }

    @Test("grouped (XML) and joined (CSV) streams of the same records give the same findings, coverage, counts and indicators",
          arguments: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as [UInt64])
    func pathsAgree(seed: UInt64) throws {
        let set = try samplePacks()
        let base = try sampleEvents(set.model)
        let (events, changes) = seed == 0 ? (base, 0) : mutated(base, model: set.model, seed: seed)
        #expect(seed == 0 || changes > 0)
        let grouped = run(set, events, grouped: true)
        let joinedResult = run(set, joined(events, set), grouped: false)
        #expect(!grouped.findings.isEmpty)
        #expect(said(grouped) == said(joinedResult))
        #expect(grouped.coverage == joinedResult.coverage)
        #expect(grouped.indicators == joinedResult.indicators)
        #expect(grouped.counts == joinedResult.counts)
        if seed != 0 {
            // the changes are seen: the changed stream does not give the sample's findings
            let original = said(run(set, base, grouped: true))
            #expect(said(grouped) != original)
        }
    }

    @Test("a record changed in memory is checked: a training that ends before it starts")
    func changedRecord() throws {
        let set = try samplePacks()
        let model = set.model
        var events = try sampleEvents(model)
        let training = try #require(model.entityIndex("training"))
        let ent = model.entities[training]
        let end = try #require(ent.fieldIndex("end"))
        let start = try #require(ent.fieldIndex("start"))
        let parent = try #require(model.parentIDField(of: training).flatMap { ent.fieldIndex($0) })
        var at: Int?
        for (i, event) in events.enumerated() {
            if case .record(let r) = event, r.entity == training, case .date = r.values[start] { at = i; break }
        }
        let index = try #require(at)
        guard case .record(var r) = events[index], case .date(let s) = r.values[start] else { Issue.record("no training with a start date"); return }
        r.values[end] = .date(s.adding(days: -1))
        events[index] = .record(r)
        let before = Set(said(run(set, try sampleEvents(model), grouped: true)))
        let after = run(set, events, grouped: true)
        let new: [Finding] = after.findings.filter { !before.contains(line($0)) }
        // the training's own rules see it, under its participant's key
        let key = r.values[parent].description
        let seen = new.contains { f in f.entity.hasSuffix("training") && f.recordKey.hasPrefix(key) }
        #expect(seen)
    }

    @Test("a participant's id is kept out of its context projection and comes back with its own spelling")
    func projectedKeyComesBackExactly() throws {
        let set = try samplePacks()
        let model = set.model
        let participant = try #require(model.entityIndex("participant"))
        let training = try #require(model.entityIndex("training"))
        let id = try #require(model.entities[participant].fieldIndex("id"))
        let parentField = try #require(model.parentIDField(of: training).flatMap { model.entities[training].fieldIndex($0) })
        var events = joined(try sampleEvents(model), set)
        // the first participant spelled decomposed; a training naming it composed comes first (an orphan,
        // but its spelling is the first the parents' table sees), its own trainings decomposed
        let first = try #require(events.firstIndex { if case .record(let r) = $0 { r.entity == participant } else { false } })
        guard case .record(var p) = events[first], case .string(let old) = p.values[id] else { Issue.record("no participant"); return }
        let decomposed = old + "e\u{301}", composed = old + "\u{E9}"
        p.values[id] = .string(decomposed)
        events[first] = .record(p)
        var trainings = 0
        for i in events.indices {
            guard case .record(var r) = events[i], r.entity == training, r.values[parentField] == .string(old) else { continue }
            r.values[parentField] = .string(decomposed)
            events[i] = .record(r)
            trainings += 1
        }
        #expect(trainings > 0)
        guard case .record(var orphan) = events.first(where: { if case .record(let r) = $0 { r.entity == training } else { false } }) else { return }
        orphan.values[parentField] = .string(composed)
        events.insert(.record(orphan), at: first)
        let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: false)
        #expect(engine.projectedKey[participant] == id)
        var seen: [String] = []
        for event in events {
            engine.consume(event)
            if case .record(let r) = event, r.entity == training, let context = engine.contextRecords[participant],
               case .string(let shown) = context[id] {
                seen.append(shown)
                // the context's id is the participant's own, byte for byte
                if case .string(let own) = r.values[parentField] { #expect(Array(shown.utf8) == Array(own.utf8)) }
            }
        }
        #expect(seen.contains { Array($0.utf8) == Array(decomposed.utf8) })
        #expect(engine.projectionKeyExceptions[participant].count == 1)
        _ = engine.finish(path: "memory", files: [])
    }

    @Test("an interval whose days pass 32 bits fails its no_overlap rule as an error, grouped and joined; the run goes on")
    func intervalPastThirtyTwoBits() throws {
        let set = try samplePacks()
        let (events, _) = try sampleEvents(set.model, setting: "start", of: "employment", to: .date(CivilDate(dayNumber: Int(Int32.min) - 5)))
        let rule = try #require(set.rules.firstIndex { $0.id == "UD-EM-005" })
        for grouped in [true, false] {
            let result = run(set, grouped ? events : joined(events, set), grouped: grouped)
            let failed = result.findings.filter { $0.ruleID == "ESFCHECK-RT-001" && $0.message.contains("UD-EM-005") }
            #expect(failed.count == 1 && failed.allSatisfy { $0.message.contains("out of the range of dates compared") }, "grouped \(grouped)")
            let c = result.coverage[rule]
            #expect(c.errors == 1 && c.evaluated == c.passed + c.failed + c.notApplicable + c.errors, "grouped \(grouped)")
        }
    }
}
