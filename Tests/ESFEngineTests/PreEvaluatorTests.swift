import ESFCore
@testable import ESFEngine
import Testing

/// The reading thread's evaluation of own-record rules (`PreEvaluator`) changes no finding and no count.
struct PreEvaluatorTests {
    @Test("own-record rules are those reading nothing but their record, the root and parameters")
    func ownRecordRules() throws {
        let set = try samplePacks()
        let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: true)
        let own = Set(engine.preSlots.flatMap { $0 }.map { set.rules[$0].id })
        // the record alone, or with the operation (root) and parameters
        for id in ["ESF-PD-001", "ESF-PD-002", "UD-TG-003", "UD-TR-002", "UD-EM-003", "ESF-EL-001", "ESF-CF-004", "UD-TR-007"] {
            #expect(own.contains(id), "\(id)")
        }
        // context of another record, a look-up, an aggregate, a relation, an aggregate rule
        for id in ["UD-TR-005", "UD-EM-001", "UD-TR-003", "ESF-REF-003", "UD-CL-001", "UD-CL-003", "ESF-EL-004", "UD-EM-005", "ESF-CF-005"] {
            #expect(!own.contains(id), "\(id)")
        }
        #expect(PreEvaluator(engine: engine) != nil)
    }

    @Test("outcomes found on the reading thread give the same findings and counts, both paths, mutated samples",
          arguments: [0, 1, 2, 3] as [UInt64])
    func sameReport(seed: UInt64) throws {
        let set = try samplePacks()
        let base = try sampleEvents(set.model)
        let (events, _) = seed == 0 ? (base, 0) : mutated(base, model: set.model, seed: seed)
        for (grouped, stream) in [(true, events), (false, joined(events, set))] {
            let plain = run(set, stream, grouped: grouped)
            let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: grouped)
            let pre = try #require(PreEvaluator(engine: engine))
            var outcomes: [UInt64] = []
            for (n, event) in stream.enumerated() {
                var prepared = event
                // as the pipeline does while the engine is behind: some records only, never the root's
                // (it is seen all the same: rules reading the operation must see it)
                pre.prepare(&prepared, evaluate: n % 4 != 0)
                if case .record(let r) = prepared, r.preOutcomes != 0 { outcomes.append(r.preOutcomes) }
                engine.consume(prepared)
            }
            let helped = engine.finish(path: "memory", files: [])
            #expect(said(helped) == said(plain))
            #expect(helped.coverage == plain.coverage)
            #expect(helped.severityCounts == plain.severityCounts)
            // the reading thread did decide rules: most records carry outcomes, passed ones among them
            #expect(outcomes.count > stream.count / 3)
            #expect(outcomes.contains { o in (0..<PreEvaluator.maxSlots).contains { (o >> UInt64(2 * $0)) & 3 == PreEvaluator.passed } })
            if seed != 0 {
                // a mutated sample fails some own-record rules: those are evaluated again by the engine
                #expect(outcomes.contains { o in (0..<PreEvaluator.maxSlots).contains { (o >> UInt64(2 * $0)) & 3 == PreEvaluator.evaluateAgain } })
            }
        }
    }
}
