import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// Joins and relations: the evaluation state other records are read from (aggregates, lookups) and `unique` / `no_overlap`.
extension Engine {
    // MARK: - EvaluationState

    public func aggregateValue(_ id: Int, key: [Value]) -> Value { aggregates.value(id, key: key, keys: keys) }

    public func aggregateRecords(_ id: Int, key: [Value]) -> [[Value]] { aggregates.records(id, key: key, keys: keys) }

    public func forEachAggregateRecord(_ id: Int, key: [Value], _ body: ([Value]) throws(EvalError) -> Void) throws(EvalError) {
        try aggregates.forEachRecord(id, key: key, keys: keys, body)
    }

    public func lookup(_ entity: Int, key: Value) -> [Value]? {
        guard let ki = keyFieldIndex[entity], let s = keys.find(entity, ki, key.keyForm), lookupSeen[entity].contains(Int(s)) else { return nil }
        // present, its record not kept (only `exists` reads the entity)
        guard recordLookupEntities[entity] else { return [] }
        let row = Int(s) < lookupRows[entity].count ? lookupRows[entity][Int(s)] : -1
        return row >= 0 ? lookupRecords[entity][Int(row)] : nil
    }

    // MARK: - Relations

    /// The outcome of one relation for one record.
    enum RelationOutcome {
        case notApplicable, passed
        case failed(explain: [ExplainTerm], occurrence: Int?, earlier: RelatedLocation?)
        /// A `UniqueLog` candidate: record `seq` of its log, settled at the end of the stream; its
        /// explanation so far (the duplicate key).
        case pending(seq: Int, explain: [ExplainTerm])
    }

    func relate(_ i: Int, _ r: Record) {
        let started = options.timings ? DispatchTime.now().uptimeNanoseconds : 0
        defer {
            if options.timings {
                ruleNanos[i] &+= DispatchTime.now().uptimeNanoseconds &- started
                ruleRuns[i] += 1
            }
        }
        let count = relationCounts[i]
        guard count > 0 else { return }
        // every record looked at counts, so that evaluated = passed + failed + not applicable + errors
        coverage[i].evaluated += 1
        useParams(i)
        evaluator.aggregated = r.values
        defer { evaluator.aggregated = nil }
        // the record's key and participant id are made only for a finding (hot path)
        var applicable = false
        var failure: (explain: [ExplainTerm], occurrence: Int?, earlier: RelatedLocation?)?
        // the candidates before the first failure (rare: made only for a candidate)
        var pending: [(state: Int, seq: Int, explain: [ExplainTerm])] = []
        do {
            // every relation sees every record, so that later duplicates and overlaps are found
            for n in 0..<count {
                let state = relationBase[i] + n
                switch try relate(relationPlans[state], state: state, r) {
                case .notApplicable: break
                case .passed: applicable = true
                case .failed(let explain, let occurrence, let earlier):
                    applicable = true
                    if failure == nil { failure = (explain, occurrence, earlier) }
                case .pending(let seq, let explain):
                    applicable = true
                    if failure == nil { pending.append((state, seq, explain)) }
                }
            }
        } catch {
            runtimeFailure(i, key: recordKey(r.entity, r.values), participantID: participantID(r.entity, r.values),
                           location: r.location, message: error.message, code: error.code)
            return
        }
        guard applicable else {
            coverage[i].notApplicable += 1
            return
        }
        if !pending.isEmpty {
            // the outcome waits for `settleRelations`: the first candidate that is a repeat fails the
            // rule, else the failure after them, else it passes
            let key = recordKey(r.entity, r.values), pid = participantID(r.entity, r.values)
            for (k, p) in pending.enumerated() {
                pendingItems.append(PendingItem(rule: Int32(i), state: Int32(p.state), last: k == pending.count - 1 && failure == nil, seq: Int64(p.seq)))
                pendingFindings.append(relationFinding(i, r, key: key, participantID: pid, explain: p.explain))
            }
            if let failure {
                pendingItems.append(PendingItem(rule: Int32(i), state: -1, last: true, seq: -1))
                pendingFindings.append(relationFinding(i, r, key: key, participantID: pid, explain: failure.explain)
                    .decorated(occurrence: failure.occurrence, earlier: failure.earlier, language: options.language))
            }
            pendingRecords[i] += 1
            return
        }
        if let failure {
            coverage[i].failed += 1
            add(relationFinding(i, r, key: recordKey(r.entity, r.values), participantID: participantID(r.entity, r.values), explain: failure.explain)
                .decorated(occurrence: failure.occurrence, earlier: failure.earlier, language: options.language), field: nil)
            return
        }
        coverage[i].passed += 1
    }

    /// Settles the relations that waited for the end of the stream (`pendingItems`), in the order they
    /// were made: per record, its first candidate whose key occurred before it (`UniqueLog.settle`)
    /// fails the rule with its occurrence and the key's first record; else its definite failure, if
    /// any; else the rule passes. A record whose candidates cannot be settled (the temporary file
    /// failed) counts as an error, so that the coverage adds up, and the reason is returned: `finish`
    /// then fails the relation rules, so that the run cannot pass.
    func settleRelations() -> String? {
        guard pendingItems.count > 0 else { return nil }
        var items = pendingItems.sequentialReader()
        var k = 0
        var chosen: Finding?
        var unsettled = false, unsettledAny = false
        var settled = Array(repeating: 0, count: rules.count)
        var lost = false
        let whole = pendingFindings.forEach(untilFailure: true) { base in
            guard !lost, let item = items.element(k) else {
                lost = true
                return
            }
            k += 1
            let i = Int(item.rule)
            // the record's first failing item decides
            if chosen == nil {
                if item.state < 0 {
                    chosen = base
                } else if let log = uniqueLogs[Int(item.state)], let (n, first) = log.settle(Int(item.seq)) {
                    if n > 1 {
                        var earlier: RelatedLocation?
                        if case .unique(let entity, let fields, _) = relationPlans[Int(item.state)].spec, let p = log.place(first) {
                            earlier = firstRecorded(p, entity: entity, fields: fields)
                        }
                        chosen = base.decorated(occurrence: n, earlier: earlier, language: options.language)
                    }
                } else {
                    unsettled = true
                    unsettledAny = true
                }
            }
            guard item.last else { return }
            settled[i] += 1
            if unsettled {
                coverage[i].errors += 1
            } else if let chosen {
                coverage[i].failed += 1
                add(chosen, field: nil)
            } else {
                coverage[i].passed += 1
            }
            chosen = nil
            unsettled = false
        }
        // records whose items could not be read back, or not settled: errors
        var failed = !whole || lost
        for i in rules.indices where settled[i] < pendingRecords[i] {
            coverage[i].errors += pendingRecords[i] - settled[i]
            failed = true
        }
        pendingItems = SpilledArray(file: spill)
        pendingFindings = FindingStore(file: spill)
        pendingRecords = Array(repeating: 0, count: rules.count)
        guard failed || unsettledAny else { return nil }
        return spill.failure ?? "the records waiting on a repeated key came back incomplete"
    }

    /// Checks one relation for one record and records the record for later ones.
    func relate(_ plan: RelationPlan, state: Int, _ r: Record) throws(EvalError) -> RelationOutcome {
        switch plan.spec {
        case .unique(_, let fields, _):
            if let filter = plan.filter, try evaluator.truth(filter) != true { return .notApplicable }
            // `duplicate = emso = 0101******006`: masked by the field the value came from
            func duplicate() -> [ExplainTerm] {
                fields.map { f in
                    let field = model.entities[r.entity].fields[f]
                    return ExplainTerm(expression: "duplicate", value: "\(field.name) = \(shown(field, r.values[f]))")
                }
            }
            if let log = uniqueLogs[state] {
                let (seq, candidate) = log.log(UniqueLog.hash(r.values, fields), r.values, fields, place: place(r))
                return candidate ? .pending(seq: seq, explain: duplicate()) : .passed
            }
            let row = Int(uniqueIndex[state].row(keys.symbol(r.entity, fields[0], r.values), create: true) ?? 0)
            let n = uniqueCounts[state].increment(row)
            guard n > 1 else {
                uniqueFirst[state].set(row, place(r), fill: RecordPlace.none)
                return .passed
            }
            let first = uniqueFirst[state].element(row) ?? RecordPlace.none
            return .failed(explain: duplicate(), occurrence: n, earlier: firstRecorded(first, entity: r.entity, fields: fields))
        case .noOverlap(_, let keyField, let startExpr, let endExpr):
            guard let start = plan.start, let end = plan.end, case .date(let s) = try evaluator.evaluate(start),
                  case .date(let e) = try evaluator.evaluate(end) else {
                return .notApplicable
            }
            let k = keys.symbol(r.entity, keyField, r.values)
            var clash: (CivilDate, CivilDate)?
            var clashPlace = RecordPlace.none
            var item = intervalLists[state].first(k)
            while item >= 0 {
                guard let bounds = intervalBounds[state].element(Int(item)) else {
                    throw EvalError(code: "state", message: "an earlier interval could not be read back from the temporary file (\(spill.failure ?? "unknown error"))")
                }
                let earlier = (CivilDate(dayNumber: Int(Int32(truncatingIfNeeded: bounds >> 32))), CivilDate(dayNumber: Int(Int32(truncatingIfNeeded: bounds))))
                if earlier.0 <= e && s <= earlier.1 {
                    clash = earlier
                    clashPlace = intervalPlaces[state].element(Int(item)) ?? RecordPlace.none
                    break
                }
                item = intervalLists[state].next(item)
            }
            // day numbers in 32 bits (±5.8 million years); a date past them is not kept as an interval
            // (the two bounds would not come back) and fails the rule as an error instead
            guard let s32 = Int32(exactly: s.dayNumber), let e32 = Int32(exactly: e.dayNumber) else {
                throw EvalError(code: "range", message: "a date of the interval \(s) – \(e) is out of the range of dates compared")
            }
            intervalLists[state].append(row: k)
            intervalBounds[state].append(UInt64(UInt32(bitPattern: s32)) << 32 | UInt64(UInt32(bitPattern: e32)))
            intervalPlaces[state].append(place(r))
            guard let clash else { return .passed }
            func bound(_ d: CivilDate, _ expr: BoundExpr) -> String {
                expr.personal && !options.showPersonalData ? Masking.mask(d.description) : d.formatted(options.language)
            }
            return .failed(explain: [ExplainTerm(expression: "this interval", value: "\(bound(s, startExpr)) – \(bound(e, endExpr))"),
                                     ExplainTerm(expression: "earlier interval", value: "\(bound(clash.0, startExpr)) – \(bound(clash.1, endExpr))")],
                           occurrence: nil, earlier: related(clashPlace, entity: r.entity, field: nil, role: options.language == .sl ? "prejšnji zapis:" : "the earlier one is"))
        }
    }

    /// The finding of relation rule `i` failing for record `r`, before its occurrence and earlier record
    /// (`Finding.decorated`); its message rendered in the context of the offending record.
    func relationFinding(_ i: Int, _ r: Record, key: String, participantID: String?, explain: [ExplainTerm]) -> Finding {
        let saved = evaluator.records
        defer { evaluator.records = saved }
        for e in evaluator.records.indices where e != model.root { evaluator.records[e] = nil }
        evaluator.records[r.entity] = r.values
        let rule = rules[i]
        return Finding(ruleID: rule.id, severity: rule.severity.resolve(reportType: reportType), message: render(rule.message.template(options.language)),
                       recordKey: key, participantID: participantID, entity: model.entities[r.entity].name, location: r.location,
                       pack: rule.pack, title: rule.title.text(options.language), legalBasis: rule.legalBasis(in: options.language), help: rule.help?.text(options.language),
                       expression: rule.assertText, explain: explain)
    }
}

extension Finding {
    /// A relation's finding with its occurrence (`unique`: in the message, and as the last term of the
    /// explanation) and the earlier record it names (`…; first recorded as participant P-0007`: the key,
    /// not the place, so that the XML and CSV forms of one export give the same messages; the place is
    /// the finding's related location).
    func decorated(occurrence: Int?, earlier: RelatedLocation?, language: Language) -> Finding {
        var f = self
        if let occurrence {
            f.message += language == .sl ? " (\(occurrence). pojavitev)" : " (occurrence \(occurrence))"
            f.explain += [ExplainTerm(expression: "occurrence", value: String(occurrence))]
            f.occurrence = occurrence
        }
        if let earlier {
            f.message += "; \(earlier.message)"
            f.relatedLocations = [earlier]
        }
        return f
    }
}

/// One relation of a rule as the hot path reads it: its spec (read once per record through this
/// reference, not copied out of the rule's assertion), and its filter and interval bounds lowered to
/// closures (`CompiledExpression`: the tree evaluator's values and errors, without a tree walk).
final class RelationPlan {
    let spec: RelationSpec
    /// Referred to without reference counting (`ExpressionRef`); `compiledExpressions` holds them.
    let filter: ExpressionRef?
    let start: ExpressionRef?
    let end: ExpressionRef?
    private let compiledExpressions: [CompiledExpression]

    init(_ spec: RelationSpec, params: [Value], aggregates: [AggregateSpec], budget: Int) {
        self.spec = spec
        var owner: [CompiledExpression] = []
        func lowered(_ e: BoundExpr) -> ExpressionRef { .keeping(CompiledExpression(e, params: params, aggregates: aggregates, budget: budget), in: &owner) }
        switch spec {
        case .unique(_, _, let filter):
            self.filter = filter.map(lowered)
            start = nil
            end = nil
        case .noOverlap(_, _, let s, let e):
            filter = nil
            start = lowered(s)
            end = lowered(e)
        }
        compiledExpressions = owner
    }
}

/// How often each row (a `unique` key) was seen: a bit a key for "seen" and one for "seen twice",
/// and the rare key seen three times or more counted in a dictionary beside (a key seen again is a
/// finding, so the dictionary holds at most one entry per such finding). A byte a key before: at a
/// million participants six million keys took 6 MB.
struct OccurrenceCounts {
    private var once = BitBlocks()
    private var twice = BitBlocks()
    private var more: [Int: Int] = [:]

    /// Counts one more occurrence of `row`; how many there are now.
    mutating func increment(_ row: Int) -> Int {
        if once.insert(row) { return 1 }
        if twice.insert(row) { return 2 }
        let n = (more[row] ?? 2) + 1
        more[row] = n
        return n
    }
}

/// Where a record was read, as a few numbers: the number of its key's value in `Engine.placeKeys`
/// (its key, or its parent's id for an entity without a key; -1 when neither), an index into the
/// run's files, its line and CSV record.
struct RecordPlace {
    /// The number of the record's key value in `Engine.placeKeys` (-1: none).
    var key: Int64
    var file: Int32
    var line: Int32
    var record: Int32

    /// No record (-1 file).
    static let none = RecordPlace(key: -1, file: -1, line: 0, record: 0)
}

extension Engine {
    /// The place of record `r`. Its key (the key field's key form, or its parent id's for an entity
    /// without a key) is kept beside it in `placeKeys`, read only for a finding: a key field no other
    /// rule reads (an employment's id) is never interned.
    func place(_ r: Record) -> RecordPlace {
        let e = r.entity
        var key: Int64 = -1
        if placeKeyOfRecord.record == accepted {
            key = placeKeyOfRecord.key
        } else if let f = keyFieldIndex[e] ?? parentFieldIndex[e], f < r.values.count {
            key = Int64(placeKeys.count)
            placeKeys.append(r.values[f].keyForm)
            placeKeyOfRecord = (accepted, key)
        }
        let file: Int
        if let last = placeFiles.indices.last, placeFiles[last] == r.location.file {
            file = last
        } else if let known = placeFiles.firstIndex(of: r.location.file) {
            file = known
        } else {
            file = placeFiles.count
            placeFiles.append(r.location.file)
        }
        return RecordPlace(key: key, file: Int32(truncatingIfNeeded: file), line: Int32(clamping: r.location.line ?? 0),
                           record: Int32(clamping: r.location.record ?? 0))
    }

    /// The first record of a repeated `unique` key (place `p`, the key's `fields`) as a related location
    /// (`first recorded as expenditure X-0001`), naming the field when the key is one field.
    func firstRecorded(_ p: RecordPlace, entity: Int, fields: [Int]) -> RelatedLocation? {
        related(p, entity: entity, field: fields.count == 1 ? fields[0] : nil, role: options.language == .sl ? "prvi zapis:" : "first recorded as")
    }

    /// The earlier record of a duplicate or overlap as a related location: `first recorded as participant
    /// P-0007`, its key shown as record keys are (masked when personal); nil when its place is unknown.
    /// Slovenian names the record by its key alone (`prvi zapis: P-0007`; the entity's name is English).
    func related(_ p: RecordPlace, entity e: Int, field: Int?, role: String) -> RelatedLocation? {
        guard p.file >= 0, Int(p.file) < placeFiles.count else { return nil }
        let entity = model.entities[e]
        var key: String?
        // the text of the key, "" for null
        let text = placeKeys.value(Int(p.key)).map { $0.isNull ? "" : $0.description }
        if let ki = keyFieldIndex[e] {
            if let t = text, !t.isEmpty { key = shown(entity.fields[ki], .string(t)) }
        } else if parentFieldIndex[e] != nil, let t = text, !t.isEmpty {
            let pid = parentKeyIsPersonal[e] && !options.showPersonalData ? Masking.mask(t) : t
            key = "\(pid)/\(entity.keySuffix ?? entity.name)"
        }
        let what = options.language == .sl ? key ?? entity.name : entity.name + (key.map { " " + $0 } ?? "")
        return RelatedLocation(file: placeFiles[Int(p.file)], line: p.line > 0 ? Int(p.line) : nil,
                               record: p.record > 0 ? Int(p.record) : nil, field: field.map { entity.fields[$0].name },
                               message: "\(role) \(what)")
    }
}
