import ESFCore
@testable import ESFEngine
import ESFExpr
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
            var filtered = 0
            for (n, event) in stream.enumerated() {
                var prepared = event
                // as the pipeline does while the engine is behind: some records only, never the root's
                // (it is seen all the same: rules reading the operation must see it)
                pre.prepare(&prepared, evaluate: n % 4 != 0)
                if case .record(let r) = prepared, r.preOutcomes != 0 { outcomes.append(r.preOutcomes) }
                if case .record(let r) = prepared, r.preFilters != 0 { filtered += 1 }
                engine.consume(prepared)
            }
            let helped = engine.finish(path: "memory", files: [])
            #expect(said(helped) == said(plain))
            #expect(helped.coverage == plain.coverage)
            #expect(helped.severityCounts == plain.severityCounts)
            // the reading thread did decide rules: most records carry outcomes, passed ones among them
            #expect(outcomes.count > stream.count / 3)
            // and aggregates' filters: those of the participants, follow-ups and expenditures
            #expect(filtered > 0)
            #expect(outcomes.contains { o in (0..<PreEvaluator.maxSlots).contains { (o >> UInt64(2 * $0)) & 3 == PreEvaluator.passed } })
            if seed != 0 {
                // a mutated sample fails some own-record rules: those are evaluated again by the engine
                #expect(outcomes.contains { o in (0..<PreEvaluator.maxSlots).contains { (o >> UInt64(2 * $0)) & 3 == PreEvaluator.evaluateAgain } })
            }
        }
    }

    @Test("aggregate filters that read the aggregated record alone are evaluated on the reading thread; the others are not")
    func preFilteredAggregates() throws {
        let set = try samplePacks()
        let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: true)
        let store = engine.aggregates
        let pre = store.preFiltered.flatMap { $0 }
        // the indicators' breakdowns (region, gender, follow-ups) and the correlated sums' own conditions
        #expect(pre.count >= 10)
        for id in pre {
            #expect(set.aggregates[id].filter?.readsOnlyAggregated == true, "\(set.aggregates[id].text)")
            #expect(store.preFilterSlot[id] >= 0 && store.preFilterSlot[id] < PreEvaluator.maxSlots)
        }
        for (id, spec) in set.aggregates.enumerated() where !pre.contains(id) {
            #expect(spec.filter == nil || spec.filter?.readsOnlyAggregated == false, "\(spec.text)")
        }
        // an aggregate's filter reading another record, or another aggregate, is not the aggregated record's alone
        let participant = try #require(set.model.entityIndex("participant"))
        let other = BoundExpr(.field(.entity(participant), 0), .string, "participant.id")
        let mine = BoundExpr(.field(.aggregated, 0), .string, "id")
        #expect(BoundExpr(.binary(.eq, mine, other), .bool, "id == participant.id").readsOnlyAggregated == false)
        #expect(BoundExpr(.binary(.eq, mine, mine), .bool, "id == id").readsOnlyAggregated)
    }

    @Test("an aggregate filter that stops with an error on the reading thread is evaluated again by the engine: the same failure, the same counts, both paths")
    func preFilterError() throws {
        let set = try samplePacks()
        let model = set.model
        let participant = try #require(model.entityIndex("participant"))
        let entry = try #require(model.entities[participant].fieldIndex("entry_date"))
        // `add_months(entry_date, -params.ltu_months)` leaves the calendar for a participant who entered in year 1
        let (events, r) = try sampleEvents(model, setting: "entry_date", of: "participant", to: .date(try #require(CivilDate(year: 1, month: 2, day: 1))))
        for (grouped, stream) in [(true, events), (false, joined(events, set))] {
            let plain = run(set, stream, grouped: grouped)
            let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: grouped)
            let pre = try #require(PreEvaluator(engine: engine))
            var undecided = 0
            for event in stream {
                var prepared = event
                pre.prepare(&prepared, evaluate: true)
                if case .record(let p) = prepared, p.entity == participant, p.values[entry] == r.values[entry] {
                    // the slots of the filters that failed hold no code: the engine evaluates those
                    undecided = engine.aggregates.preFiltered[participant].filter { (p.preFilters >> UInt64(2 * engine.aggregates.preFilterSlot[$0])) & 3 == 0 }.count
                }
                engine.consume(prepared)
            }
            let helped = engine.finish(path: "memory", files: [])
            #expect(undecided >= 1, "grouped \(grouped)")
            #expect(said(helped) == said(plain), "grouped \(grouped)")
            #expect(helped.coverage == plain.coverage, "grouped \(grouped)")
            #expect(plain.findings.contains { $0.ruleID == "ESFCHECK-RT-001" && $0.message.contains("add_months") }, "grouped \(grouped)")
        }
    }
}
