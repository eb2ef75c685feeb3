import Crypto
import ESFCore
import ESFExpr
import ESFReports
import ESFRules
import Foundation

/// Options of one check run.
public struct EngineOptions: Sendable {
    /// Reveal personal data (EMŠO, names) in messages and explanations.
    public var showPersonalData = false
    /// List at most this many findings, the most severe (`--max-findings`); counts, coverage and
    /// the verdict stay those of all findings. Only this many (twice, at most) are kept in memory.
    public var maxFindings = 100_000
    /// Cost budget of one evaluation.
    public var budget = Evaluator.defaultBudget
    public init() {}
}

/// The outcome of checking one input.
public struct InputResult: Sendable {
    public var path: String
    public var files: [String]
    public var counts: [InputCounts]
    /// The most severe findings, at most `maxFindings`, in report order.
    public var findings: [Finding]
    /// The counts of all findings, listed or not.
    public var severityCounts = SeverityCounts([])
    public var coverage: [RuleCoverage]
    /// The root record (the operation), by field name, for indicators and the report.
    public var root: [String: Value]
    public var indicators: [IndicatorValue] = []
}

/// A record waiting for evaluation until its context or aggregates are complete.
struct Snapshot {
    var rules: [Int]
    var entity: Int
    var records: [[Value]?]
    var location: SourceLocation
    var columns: [Int32]?
    var xpaths: [String]? = nil
    var key: String
    var participantID: String?
}

/// Loads nothing itself: evaluates a compiled rule set over a stream of records.
///
/// Record rules run as records arrive; rules that read aggregates, lookups or
/// records not yet complete are kept as small snapshots and run after the
/// stream, from partial aggregates kept per key (never by reading an input twice).
public final class Engine: EvaluationState {
    public let ruleSet: RuleSet
    let model: DataModel
    let rules: [CompiledRule]
    let options: EngineOptions

    // plan
    var immediateRules: [[Int]]
    var deferredRules: [[Int]]
    /// Per entity: the entities its deferred rules read as context.
    var deferredReads: [Set<Int>]
    /// Per entity: the other entities its immediate rules assume complete when its records arrive.
    var relies: [Set<Int>]
    /// Entities assumed complete by a rule already evaluated; a later record of one is out of order.
    var sealed: Set<Int> = []
    /// Per entity: whether its records' `relies` are already in `sealed`.
    var sealedBy: [Bool]
    var outOfOrder: Set<Int> = []
    var relationRules: [[Int]]
    var aggregateRules: [Int] = []
    /// Fields of each entity read as context by some rule (kept per key in joined mode).
    var contextFields: [Set<Int>]
    var lookupEntities: Set<Int> = []
    /// Entities whose whole records are looked up; for the others only their keys are kept.
    var recordLookupEntities: Set<Int> = []
    let childEntities: [[Int]]
    let grouped: Bool
    /// Per entity: whether its parent's key field is personal data (then masked where it is shown).
    let parentKeyIsPersonal: [Bool]

    // state
    var evaluator: Evaluator
    var aggregates: AggregateStore
    var findings: [Finding] = []
    var coverage: [RuleCoverage]
    var counts: [InputCounts]
    var root: [Value]?
    var rootCount = 0
    var snapshots: [Snapshot] = []
    /// Key values interned as symbols: the per-key state below is kept in arrays indexed by
    /// symbol (or by a row a symbol maps to), not in dictionaries keyed by values.
    var keys: KeySymbols
    /// Per entity: its key field, parent entity and parent id field (index and name).
    let keyFieldIndex: [Int?]
    let parentEntity: [Int?]
    let parentFieldIndex: [Int?]
    let parentFieldName: [String?]
    /// Per entity: its `participant_id` field, if any.
    let participantFieldIndex: [Int?]
    /// Per entity: the entities a joined-mode record reads as context (its parent and the parent's other children).
    let contextEntities: [[Int]]
    /// Per entity and key symbol: the row of its record in `lookupRecords` (-1: none; -2: present, record not kept).
    var lookupRows: [[Int32]]
    var lookupRecords: [[[Value]]]
    /// Joined mode: per entity and parent key symbol, the row of the values of the fields some rule reads
    /// as context (`projectedFields` order, nothing else, in the flat `projectionValues`); and the parents seen.
    var projectionRows: [[Int32]]
    var projectionValues: [[Value]]
    var projectedFields: [[Int]] = []
    var parentSeen: [Bool] = []
    /// Per 0..1 entity and parent key symbol: the epoch in which a record was seen (grouped mode: one epoch per group).
    var optionalChildSeen: [[UInt32]]
    var optionalEpoch: UInt32 = 1
    /// Relations: per rule, its first state index (one state per relation of the rule).
    var relationBase: [Int]
    /// `unique`: per relation state, the rows of the keys seen and how often each was seen.
    var uniqueIndex: [KeyIndex]
    var uniqueCounts: [[Int32]]
    /// `no_overlap`: per relation state, the intervals of each key symbol in insertion order.
    var intervalLists: [RowLists]
    var intervalBounds: [[(CivilDate, CivilDate)]]
    /// The records of the current group (grouped) or the current record's context (joined), by entity.
    var contextRecords: [[Value]?]
    let noContext: [[Value]?]
    var group: [Record] = []
    /// The counts of all findings added, also those the cap drops.
    var severityCounts = SeverityCounts([])
    /// Per-field columns of the record being checked (CSV), for finding locations.
    var currentColumns: [Int32]?
    /// Per-field XPaths of the record being checked (XML mapping profile), for finding locations.
    var currentXPaths: [String]?

    /// Prepares a run over one input; `grouped` is true for readers that deliver parent groups (XML).
    public init(ruleSet: RuleSet, options: EngineOptions, grouped: Bool) {
        self.ruleSet = ruleSet
        self.model = ruleSet.model
        self.rules = ruleSet.rules
        self.options = options
        self.grouped = grouped
        let n = model.entities.count
        immediateRules = Array(repeating: [], count: n)
        deferredRules = Array(repeating: [], count: n)
        relationRules = Array(repeating: [], count: n)
        contextFields = Array(repeating: [], count: n)
        lookupRows = Array(repeating: [], count: n)
        lookupRecords = Array(repeating: [], count: n)
        projectionRows = Array(repeating: [], count: n)
        projectionValues = Array(repeating: [], count: n)
        optionalChildSeen = Array(repeating: [], count: n)
        contextRecords = Array(repeating: nil, count: n)
        sealedBy = Array(repeating: false, count: n)
        noContext = Array(repeating: nil, count: n)
        let m = model
        keys = KeySymbols(model: m)
        childEntities = (0..<n).map { e in (0..<n).filter { m.parentIndex(of: $0) == e } }
        keyFieldIndex = m.entities.map { ent in ent.keyField.flatMap(ent.fieldIndex) }
        parentEntity = (0..<n).map { m.parentIndex(of: $0) }
        parentFieldName = (0..<n).map { m.parentIDField(of: $0) }
        participantFieldIndex = m.entities.map { $0.fieldIndex("participant_id") }
        parentFieldIndex = (0..<n).map { e in m.parentIDField(of: e).flatMap(m.entities[e].fieldIndex) }
        let children = childEntities
        contextEntities = (0..<n).map { e in
            guard let p = m.parentIndex(of: e) else { return [] }
            return ([p] + children[p]).filter { $0 != e }
        }
        var base: [Int] = []
        var states = 0
        for rule in ruleSet.rules {
            base.append(states)
            if case .relations(let specs) = rule.assertion { states += specs.count }
        }
        relationBase = base
        uniqueIndex = Array(repeating: KeyIndex(), count: states)
        uniqueCounts = Array(repeating: [], count: states)
        intervalLists = Array(repeating: RowLists(), count: states)
        intervalBounds = Array(repeating: [], count: states)
        parentKeyIsPersonal = (0..<n).map { e in
            guard let p = m.parentIndex(of: e), let k = m.entities[p].keyField, let ki = m.entities[p].fieldIndex(k) else { return false }
            return m.entities[p].fields[ki].personal
        }
        evaluator = Evaluator(params: [], entityCount: n, budget: options.budget)
        evaluator.aggregates = ruleSet.aggregates
        evaluator.showPersonalData = options.showPersonalData
        aggregates = AggregateStore(specs: ruleSet.aggregates, entityCount: n)
        coverage = rules.map { RuleCoverage(ruleID: $0.id, pack: $0.pack) }
        counts = model.entities.map { InputCounts(entity: $0.name) }
        let order = Engine.readOrder(ruleSet: ruleSet)
        relies = Array(repeating: [], count: n)
        deferredReads = Array(repeating: [], count: n)
        func rootLevel(_ e: Int) -> Int { m.rootLevel(of: e) }
        for (i, rule) in rules.enumerated() {
            lookupEntities.formUnion(rule.usage.lookups)
            recordLookupEntities.formUnion(rule.usage.recordLookups)
            guard let scope = rule.scope else {
                if case .relations(let specs) = rule.assertion, let first = specs.first {
                    relationRules[first.entity].append(i)
                } else {
                    aggregateRules.append(i)
                }
                continue
            }
            var exprs: [BoundExpr] = []
            if let w = rule.when { exprs.append(w) }
            if case .expression(let a) = rule.assertion { exprs.append(a) }
            for case .value(let v) in rule.message.parts { exprs.append(v) }
            for (ent, f) in exprs.flatMap({ $0.contextFields() }) where ent != scope {
                contextFields[ent].insert(f)
            }
            // A rule runs as its records arrive when everything else it reads is complete by then:
            // its group's records (grouped), and every entity it reads as context, looks up or
            // aggregates, read in full before this one. Otherwise it runs after the stream.
            let complete = Engine.completeBefore(scope, grouped: grouped, order: order, model: model)
            let others = rule.usage.entities.subtracting([scope, model.root])
            let contextReady = others.allSatisfy { complete.contains($0) || (grouped && rootLevel($0) == rootLevel(scope)) }
            let needed = rule.usage.lookups.union(rule.usage.aggregates.map { ruleSet.aggregates[$0].entity })
            if contextReady && needed.isSubset(of: complete) {
                immediateRules[scope].append(i)
                relies[scope].formUnion(needed.union(others.filter { complete.contains($0) }))
            } else {
                deferredRules[scope].append(i)
                deferredReads[scope].formUnion(rule.usage.entities)
            }
        }
        for a in ruleSet.aggregates {
            for k in a.outerKey { for (ent, f) in k.contextFields() { contextFields[ent].insert(f) } }
        }
        projectedFields = contextFields.map { $0.sorted() }
        evaluator.state = self
    }

    /// The order in which a bundle should read its entity files: parents first, and the
    /// records a rule reads as context before the records it checks, where possible.
    public static func readOrder(ruleSet: RuleSet) -> [Int] {
        let model = ruleSet.model
        var deps = Array(repeating: Set<Int>(), count: model.entities.count)
        for e in model.entities.indices { if let p = model.parentIndex(of: e) { deps[e].insert(p) } }
        for e in model.entities.indices where e != model.root { deps[e].insert(model.root) }
        for rule in ruleSet.rules {
            guard let s = rule.scope else { continue }
            let reads = rule.usage.entities.union(rule.usage.lookups).union(rule.usage.aggregates.map { ruleSet.aggregates[$0].entity })
            for o in reads where o != s && model.parentIndex(of: o) != s { deps[s].insert(o) }
        }
        var order: [Int] = []
        var placed = Set<Int>()
        while order.count < model.entities.count {
            let ready = model.entities.indices.filter { !placed.contains($0) && deps[$0].isSubset(of: placed) }
            // on a cycle, fall back to model order (those rules are deferred)
            let next = ready.first ?? model.entities.indices.first { !placed.contains($0) }!
            order.append(next)
            placed.insert(next)
        }
        return order
    }

    /// The entities whose records have all arrived before the first record of `scope`: earlier
    /// files of a bundle, or, in an XML document, the lists before `scope`'s list in the canonical
    /// order the schema fixes (providers, participants with their nested records, expenditures).
    static func completeBefore(_ scope: Int, grouped: Bool, order: [Int], model: DataModel) -> Set<Int> {
        var done: Set<Int> = [model.root]
        if grouped {
            let top = model.rootLevel(of: scope)
            for e in model.entities.indices where e != model.root && model.rootLevel(of: e) < top { done.insert(e) }
        } else {
            for e in order.prefix(while: { $0 != scope }) { done.insert(e) }
        }
        done.remove(scope)
        return done
    }

    // MARK: - EvaluationState

    public func aggregateValue(_ id: Int, key: [Value]) -> Value { aggregates.value(id, key: key, keys: keys) }

    public func aggregateRecords(_ id: Int, key: [Value]) -> [[Value]] { aggregates.records(id, key: key, keys: keys) }

    public func lookup(_ entity: Int, key: Value) -> [Value]? {
        guard let ki = keyFieldIndex[entity], let s = keys.find(entity, ki, key.keyForm), Int(s) < lookupRows[entity].count else { return nil }
        let row = lookupRows[entity][Int(s)]
        if row == -2 { return [] }
        return row >= 0 ? lookupRecords[entity][Int(row)] : nil
    }

    // MARK: - Streaming

    /// Consumes one event from a reader.
    public func consume(_ event: InputEvent) {
        switch event {
        case .record(let r):
            counts[r.entity].read += 1
            accept(r)
        case .groupEnd:
            flushGroup()
        case .problem(let p):
            let entityName = p.entity.map { model.entities[$0].name } ?? "input"
            var message = p.message
            var recordKey = p.recordKey ?? ""
            var location = p.location
            if !options.showPersonalData {
                // raw input quoted in the message that may be personal data (docs/inputs.md, "Personal data")
                for text in p.personalText where !text.isEmpty {
                    message = message.replacingOccurrences(of: "'\(text)'", with: "'\(Masking.mask(text))'")
                    if recordKey == text { recordKey = Masking.mask(text) }
                    if location.field == text { location.field = Masking.mask(text) }
                }
                // a personal key (the record's own, or its parent's in `<parent id>/training`) wherever the message names it
                if let e = p.entity, !recordKey.isEmpty {
                    let key = model.entities[e]
                    var personalKey: String?
                    if let k = key.keyField, let ki = key.fieldIndex(k), key.fields[ki].personal {
                        personalKey = recordKey
                    } else if key.keyField == nil, parentKeyIsPersonal[e], let slash = recordKey.lastIndex(of: "/") {
                        personalKey = String(recordKey[..<slash])
                    }
                    if let personalKey, !personalKey.isEmpty {
                        message = message.replacingOccurrences(of: personalKey, with: Masking.mask(personalKey))
                        recordKey = recordKey.replacingOccurrences(of: personalKey, with: Masking.mask(personalKey))
                    }
                }
            }
            add(Finding(ruleID: p.ruleID, severity: .fatal, message: message, recordKey: recordKey,
                        entity: entityName, location: location, title: Engine.reservedTitles[p.ruleID],
                        help: Engine.reservedHelp[p.ruleID]), field: p.location.field)
        case .rejected(let e, _):
            counts[e].read += 1
            counts[e].rejected += 1
        }
    }

    func recordKey(_ entity: Int, _ values: [Value]) -> String {
        // hot path: the entity is read in place (binding `model.entities[entity]` would copy it)
        if let i = keyFieldIndex[entity] { return values[i].isNull ? "" : shown(model.entities[entity].fields[i], values[i]) }
        if let pid = parentID(entity, values) { return "\(pid)/\(model.entities[entity].keySuffix ?? model.entities[entity].name)" }
        return model.entities[entity].name
    }

    func parentID(_ entity: Int, _ values: [Value]) -> String? {
        guard let i = parentFieldIndex[entity], !values[i].isNull else { return nil }
        // the parent's key field decides whether it is personal (SPEC §6: personal data is never a key)
        if parentKeyIsPersonal[entity] && !options.showPersonalData { return Masking.mask(values[i].description) }
        return values[i].description
    }

    /// A field's value as outputs show it: masked when the field is personal, unless personal data is shown.
    func shown(_ field: FieldModel, _ value: Value) -> String {
        guard !value.isNull else { return "(missing)" }
        return field.personal && !options.showPersonalData ? Masking.mask(value.description) : value.description
    }

    /// The participant id of a record: its own id for a root child with children, else its parent's.
    func participantID(_ entity: Int, _ values: [Value]) -> String? {
        if let p = parentID(entity, values) { return p }
        if !childEntities[entity].isEmpty { return recordKey(entity, values) }
        if let i = participantFieldIndex[entity], !values[i].isNull { return shown(model.entities[entity].fields[i], values[i]) }
        return nil
    }

    func accept(_ r: Record) {
        let e = r.entity
        keys.beginRecord()
        if sealed.contains(e), !outOfOrder.contains(e) {
            // a rule already ran on the assumption that these records were complete: fail closed
            outOfOrder.insert(e)
            add(Finding(ruleID: ReservedRule.schema, severity: .fatal,
                        message: "\(model.entities[e].name) records arrive after records that are checked against them: the export is not in the canonical order, so some rules saw an incomplete \(model.entities[e].name) list",
                        recordKey: recordKey(e, r.values), entity: model.entities[e].name, location: r.location,
                        title: Engine.reservedTitles[ReservedRule.schema], help: "write the lists in the order of the schema (esfcheck schema)"), field: nil)
        }
        if e == model.root {
            rootCount += 1
            if rootCount > 1 {
                add(Finding(ruleID: ReservedRule.schema, severity: .fatal, message: "a second \(model.entities[e].name) record: an export holds exactly one",
                            recordKey: recordKey(e, r.values), entity: model.entities[e].name, location: r.location), field: nil)
                counts[e].rejected += 1
                return
            }
            root = r.values
            evaluator.records[e] = r.values
        }
        // joined mode: a nested row whose parent is not in the export is rejected, not evaluated
        if !grouped, let p = parentEntity[e], let pf = parentFieldName[e], let pfi = parentFieldIndex[e] {
            let s = Int(keys.symbol(e, pfi, r.values))
            if s >= parentSeen.count || !parentSeen[s] {
                add(Finding(ruleID: ReservedRule.orphan, severity: .fatal,
                            message: "\(model.entities[e].name) \(recordKey(e, r.values)): \(pf) '\(parentID(e, r.values) ?? r.values[pfi].description)' matches no \(model.entities[p].name)",
                            recordKey: recordKey(e, r.values), entity: model.entities[e].name, location: r.location(ofField: pfi, named: pf),
                            title: Engine.reservedTitles[ReservedRule.orphan], help: Engine.reservedHelp[ReservedRule.orphan]), field: pf)
                counts[e].rejected += 1
                return
            }
        }
        counts[e].evaluated += 1
        aggregates.feed(entity: e, values: r.values, evaluator: &evaluator, keys: &keys)
        if lookupEntities.contains(e), let ki = keyFieldIndex[e], !r.values[ki].isNull {
            let s = Int(keys.symbol(e, ki, r.values))
            lookupRows[e].ensureIndex(s, -1)
            if lookupRows[e][s] == -1 {
                if recordLookupEntities.contains(e) {
                    lookupRows[e][s] = Int32(truncatingIfNeeded: lookupRecords[e].count)
                    lookupRecords[e].append(r.values)
                } else {
                    lookupRows[e][s] = -2
                }
            }
        }
        for i in relationRules[e] { relate(i, r) }
        if grouped {
            if !childEntities[e].isEmpty {
                flushGroup()
                group = [r]
            } else if parentEntity[e] != nil {
                if group.isEmpty {
                    // a nested record outside its parent: evaluated alone
                    evaluateRecord(r, context: noContext)
                } else {
                    checkMultiplicity(r)
                    group.append(r)
                }
            } else {
                evaluateRecord(r, context: noContext)
            }
            return
        }
        // joined mode: remember parents and context projections, then evaluate
        if !childEntities[e].isEmpty, let ki = keyFieldIndex[e] {
            let s = Int(keys.symbol(e, ki, r.values))
            parentSeen.ensureIndex(s, false)
            parentSeen[s] = true
        }
        let context = contextEntities[e]
        for c in contextRecords.indices where contextRecords[c] != nil && !context.contains(c) { contextRecords[c] = nil }
        if let pfi = parentFieldIndex[e] {
            let pkey = Int(keys.symbol(e, pfi, r.values))
            checkMultiplicity(r)
            for c in context {
                // the buffer is filled in place: the evaluator's reference to it is dropped first
                evaluator.records[c] = nil
                guard pkey < projectionRows[c].count, projectionRows[c][pkey] >= 0 else {
                    contextRecords[c] = nil
                    continue
                }
                let fields = projectedFields[c]
                let base = Int(projectionRows[c][pkey]) * fields.count
                if contextRecords[c] == nil { contextRecords[c] = Array(repeating: Value.null, count: model.entities[c].fields.count) }
                for (slot, f) in fields.enumerated() { contextRecords[c]?[f] = projectionValues[c][base + slot] }
            }
        }
        if !contextFields[e].isEmpty {
            let key: Int
            if !childEntities[e].isEmpty, let ki = keyFieldIndex[e] {
                key = Int(keys.symbol(e, ki, r.values))
            } else if let pfi = parentFieldIndex[e] {
                key = Int(keys.symbol(e, pfi, r.values))
            } else {
                key = Int(keys.tables[KeySymbols.parents].intern(.null))
            }
            projectionRows[e].ensureIndex(key, -1)
            if projectionRows[e][key] < 0 {
                let fields = projectedFields[e]
                projectionRows[e][key] = Int32(truncatingIfNeeded: fields.isEmpty ? 0 : projectionValues[e].count / fields.count)
                for f in fields { projectionValues[e].append(r.values[f]) }
            }
        }
        evaluateRecord(r, context: contextRecords)
    }

    /// ESFCHECK-IN-003: more than one record of a 0..1 nested entity for one parent.
    func checkMultiplicity(_ r: Record) {
        let e = r.entity
        guard model.entities[e].cardinality != .many, let pid = parentID(e, r.values), let pfi = parentFieldIndex[e] else { return }
        // the raw parent id, not its shown (possibly masked) form
        let parent = Int(keys.symbol(e, pfi, r.values))
        optionalChildSeen[e].ensureIndex(parent, 0)
        if optionalChildSeen[e][parent] == optionalEpoch {
            add(Finding(ruleID: ReservedRule.multiple, severity: .fatal,
                        message: "\(model.parentIndex(of: e).map { model.entities[$0].name } ?? "parent") \(pid) has more than one \(model.entities[e].name)",
                        recordKey: recordKey(e, r.values), participantID: pid, entity: model.entities[e].name, location: r.location,
                        title: Engine.reservedTitles[ReservedRule.multiple], help: Engine.reservedHelp[ReservedRule.multiple]), field: nil)
        } else {
            optionalChildSeen[e][parent] = optionalEpoch
        }
    }

    func flushGroup() {
        guard !group.isEmpty else { return }
        for e in contextRecords.indices { contextRecords[e] = nil }
        for r in group where model.entities[r.entity].cardinality != .many || !childEntities[r.entity].isEmpty {
            if contextRecords[r.entity] == nil { contextRecords[r.entity] = r.values }
        }
        for r in group {
            // the group's context with the record itself in its entity's place
            evaluateRecord(r, context: contextRecords)
        }
        for e in contextRecords.indices { contextRecords[e] = nil }
        group = []
        // a parent group is complete: its 0..1 children cannot repeat any more (a new epoch)
        optionalEpoch &+= 1
        if optionalEpoch == 0 {
            for e in optionalChildSeen.indices { optionalChildSeen[e] = [] }
            optionalEpoch = 1
        }
    }

    func setContext(_ context: [[Value]?], own: Int, values: [Value]) {
        for e in evaluator.records.indices where e != model.root { evaluator.records[e] = context[e] }
        evaluator.records[own] = values
    }

    func evaluateRecord(_ r: Record, context: [[Value]?]) {
        let e = r.entity
        let imm = immediateRules[e], def = deferredRules[e]
        guard !imm.isEmpty || !def.isEmpty else { return }
        currentColumns = r.fieldColumns
        currentXPaths = r.fieldXPaths
        defer {
            currentColumns = nil
            currentXPaths = nil
        }
        if !imm.isEmpty {
            if !sealedBy[e] {
                sealed.formUnion(relies[e])
                sealedBy[e] = true
            }
            setContext(context, own: e, values: r.values)
            for i in imm { check(i, key: { recordKey(e, r.values) }, participantID: { participantID(e, r.values) }, location: r.location) }
        }
        if !def.isEmpty {
            // keep only the records the deferred rules read, until the end of the stream
            var records = Array(repeating: [Value]?.none, count: model.entities.count)
            for k in context.indices where context[k] != nil && deferredReads[e].contains(k) { records[k] = context[k] }
            records[e] = r.values
            snapshots.append(Snapshot(rules: def, entity: e, records: records, location: r.location, columns: r.fieldColumns, xpaths: r.fieldXPaths,
                                      key: recordKey(e, r.values), participantID: participantID(e, r.values)))
        }
    }

    /// Evaluates rule `i` in the evaluator's current context.
    func check(_ i: Int, key: String, participantID: String?, location: SourceLocation?) {
        check(i, key: { key }, participantID: { participantID }, location: location)
    }

    /// Evaluates rule `i`; the record's key and participant id are made only for a finding (hot path).
    func check(_ i: Int, key: () -> String, participantID: () -> String?, location: SourceLocation?) {
        // hot path: read the rule's fields in place (binding `rules[i]` would copy the whole rule)
        evaluator.params = rules[i].params
        coverage[i].evaluated += 1
        if !aggregates.failures.isEmpty {
            for id in rules[i].usage.aggregates {
                if let failure = aggregates.failures[id] {
                    runtimeFailure(i, key: key(), participantID: participantID(), location: location, message: failure)
                    return
                }
            }
        }
        do {
            if let w = rules[i].when, Evaluator.truth(try evaluator.evaluate(w)) != true {
                coverage[i].notApplicable += 1
                return
            }
            guard case .expression(let a) = rules[i].assertion else { return }
            switch Evaluator.truth(try evaluator.evaluate(a)) {
            case true?:
                coverage[i].passed += 1
            case nil:
                coverage[i].notApplicable += 1
            case false?:
                coverage[i].failed += 1
                var tracer = evaluator
                tracer.trace = []
                _ = try? tracer.evaluate(a)
                emit(i, key: key(), participantID: participantID(), location: location, explain: tracer.trace ?? [], occurrence: nil)
            }
        } catch {
            runtimeFailure(i, key: key(), participantID: participantID(), location: location, message: error.message, code: error.code)
        }
    }

    /// A rule that could not be evaluated: `ESFCHECK-RT-001`, or `ESFCHECK-LIM-001` when it stopped at its
    /// cost budget (SPEC §2: the budget is a limit that stops evaluation). Fatal either way.
    func runtimeFailure(_ i: Int, key: String, participantID: String?, location: SourceLocation?, message: String, code: String? = nil) {
        let rule = rules[i]
        coverage[i].errors += 1
        let limit = code == "budget"
        let id = limit ? ReservedRule.limit : ReservedRule.runtime
        add(Finding(ruleID: id, severity: .fatal,
                    message: "rule \(rule.id) could not be evaluated for \(key.isEmpty ? "the export" : key): \(message)",
                    recordKey: key, participantID: participantID, entity: rule.scopeName, location: location, pack: rule.pack,
                    title: Engine.reservedTitles[id], legalBasis: rule.legalBasis,
                    help: limit
                        ? "the rule \(rule.id) (\(rule.file):\(rule.line)) needs more work on this record than its cost budget allows (docs/limits.md): simplify the rule or correct the data (an overlong value); a rule that cannot finish never lets an export pass"
                        : "fix the rule \(rule.id) (\(rule.file):\(rule.line)) or the data it divides by; a rule that fails never lets an export pass",
                    expression: rule.assertText), field: rule.id)
    }

    func emit(_ i: Int, key: String, participantID: String?, location: SourceLocation?, explain: [ExplainTerm], occurrence: Int?) {
        let rule = rules[i]
        var loc = location
        // the fingerprint keeps the rule's first own field, whatever part failed (stable for baselines);
        // the location names the field that is wrong: the rule's `field:`, else the first field of the
        // record that the first failing part of the assertion reads
        let field = rule.scope != nil ? rule.usage.ownFields.first : nil
        if let scope = rule.scope, let name = locationField(i, scope: scope), let fi = model.entities[scope].fieldIndex(name) {
            if let l = location {
                let record = Record(entity: scope, values: [], location: l, fieldColumns: currentColumns, fieldXPaths: currentXPaths)
                loc = record.location(ofField: fi, named: name)
            }
        }
        add(Finding(ruleID: rule.id, severity: rule.severity.resolve(reportType: reportType), message: render(rule.message),
                    recordKey: key, participantID: participantID, entity: rule.scopeName, location: loc, pack: rule.pack,
                    title: rule.title, legalBasis: rule.legalBasis, help: rule.help, expression: rule.assertText,
                    explain: explain, occurrence: occurrence), field: field)
    }

    /// The field a finding of rule `i` points at in the current context: the rule's `field:`, else the
    /// first field of the scope record read by the first part of the assertion that is false; nil (the
    /// record itself) when that part reads no field of the record (`follow_up.employed_day30 != null`).
    func locationField(_ i: Int, scope: Int) -> String? {
        if let declared = rules[i].locationField { return declared }
        guard case .expression(let a) = rules[i].assertion else { return rules[i].usage.ownFields.first }
        let parts = a.conjuncts
        if parts.count == 1 {
            // one part: the first field of the record it reads (not a field only the `when` reads)
            return a.contextFields().first(where: { $0.entity == scope }).map { model.entities[scope].fields[$0.field].name }
        }
        for part in parts where Evaluator.truth((try? evaluator.evaluate(part)) ?? .null) == false {
            if let f = part.contextFields().first(where: { $0.entity == scope }) { return model.entities[scope].fields[f.field].name }
            return nil
        }
        return nil
    }

    /// The operation's report type, which severities such as `{ final: review, interim: warning }` depend on.
    var reportType: String? {
        guard let root, let f = model.entities[model.root].fieldIndex("report_type"), case .string(let s) = root[f] else { return nil }
        return s
    }

    func render(_ template: MessageTemplate) -> String {
        var out = ""
        for part in template.parts {
            switch part {
            case .text(let t): out += t
            case .value(let b):
                let v = (try? evaluator.evaluate(b)) ?? .null
                if v.isNull {
                    out += "(missing)"
                } else if b.personal && !options.showPersonalData {
                    out += Masking.mask(v.description)
                } else if case .decimal(let d) = v {
                    // amounts with cents: 740.00 and 647.50, never 740 or 647.5
                    out += d.formatted(minimumScale: 2)
                } else {
                    out += v.description
                }
            }
        }
        return out
    }

    func add(_ f: Finding, field: String?) {
        severityCounts.add(f.severity)
        var f = f
        f.fingerprint = Engine.fingerprint([f.ruleID, f.recordKey, field ?? "", f.occurrence.map(String.init) ?? ""])
        findings.append(f)
        // a bounded selection: past twice the cap, keep the cap's worth of the most severe
        let cap = max(options.maxFindings, 1)
        if findings.count >= 2 * cap { findings = Engine.mostSevere(findings, cap) }
    }

    /// The `n` most severe of findings already in report order (inputs one after another), kept in that order.
    static func mostSevereAcrossInputs(_ findings: [Finding], _ n: Int) -> [Finding] {
        guard findings.count > max(n, 1) else { return findings }
        let ranked = findings.indices.sorted { i, j in
            findings[i].severity != findings[j].severity ? findings[i].severity > findings[j].severity : i < j
        }
        return ranked.prefix(max(n, 1)).sorted().map { findings[$0] }
    }

    /// The `n` most severe findings (ties in report order), listed in report order.
    static func mostSevere(_ findings: [Finding], _ n: Int) -> [Finding] {
        guard findings.count > n else { return findings.sorted(by: order) }
        let kept = findings.sorted { a, b in a.severity != b.severity ? a.severity > b.severity : order(a, b) }.prefix(n)
        return kept.sorted(by: order)
    }

    static func fingerprint(_ parts: [String]) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    // MARK: - Relations

    /// The outcome of one relation for one record.
    enum RelationOutcome {
        case notApplicable, passed
        case failed(explain: [ExplainTerm], occurrence: Int?)
    }

    func relate(_ i: Int, _ r: Record) {
        guard case .relations(let specs) = rules[i].assertion else { return }
        evaluator.params = rules[i].params
        evaluator.aggregated = r.values
        defer { evaluator.aggregated = nil }
        // the record's key and participant id are made only for a finding (hot path)
        var applicable = false
        var failure: (explain: [ExplainTerm], occurrence: Int?)?
        do {
            // every relation sees every record, so that later duplicates and overlaps are found
            for (n, spec) in specs.enumerated() {
                switch try relate(spec, state: relationBase[i] + n, r) {
                case .notApplicable: break
                case .passed: applicable = true
                case .failed(let explain, let occurrence):
                    applicable = true
                    if failure == nil { failure = (explain, occurrence) }
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
        coverage[i].evaluated += 1
        if let failure {
            coverage[i].failed += 1
            emitRelation(i, r, key: recordKey(r.entity, r.values), participantID: participantID(r.entity, r.values),
                         explain: failure.explain, occurrence: failure.occurrence)
            return
        }
        coverage[i].passed += 1
    }

    /// Checks one relation for one record and records the record for later ones.
    func relate(_ spec: RelationSpec, state: Int, _ r: Record) throws(EvalError) -> RelationOutcome {
        switch spec {
        case .unique(_, let fields, let filter):
            if let filter, Evaluator.truth(try evaluator.evaluate(filter)) != true { return .notApplicable }
            let row: Int
            if fields.count == 1 {
                row = Int(uniqueIndex[state].row(keys.symbol(r.entity, fields[0], r.values), create: true) ?? 0)
            } else {
                var k = SymbolKey()
                for f in fields { k.append(keys.symbol(r.entity, f, r.values)) }
                row = Int(uniqueIndex[state].row(k, create: true) ?? 0)
            }
            uniqueCounts[state].ensureIndex(row, 0)
            uniqueCounts[state][row] += 1
            let n = Int(uniqueCounts[state][row])
            guard n > 1 else { return .passed }
            // `duplicate = emso = 0101******006`: masked by the field the value came from
            let terms = fields.map { "\(model.entities[r.entity].fields[$0].name) = \(shown(model.entities[r.entity].fields[$0], r.values[$0]))" }
            return .failed(explain: terms.map { ExplainTerm(expression: "duplicate", value: $0) } + [ExplainTerm(expression: "occurrence", value: String(n))], occurrence: n)
        case .noOverlap(_, let keyField, let startExpr, let endExpr):
            guard case .date(let s) = try evaluator.evaluate(startExpr), case .date(let e) = try evaluator.evaluate(endExpr) else {
                return .notApplicable
            }
            let k = keys.symbol(r.entity, keyField, r.values)
            var clash: (CivilDate, CivilDate)?
            var item = intervalLists[state].first(k)
            while item >= 0 {
                let earlier = intervalBounds[state][Int(item)]
                if earlier.0 <= e && s <= earlier.1 {
                    clash = earlier
                    break
                }
                item = intervalLists[state].next[Int(item)]
            }
            intervalLists[state].append(row: k)
            intervalBounds[state].append((s, e))
            guard let clash else { return .passed }
            func bound(_ d: CivilDate, _ expr: BoundExpr) -> String {
                expr.personal && !options.showPersonalData ? Masking.mask(d.description) : d.description
            }
            return .failed(explain: [ExplainTerm(expression: "this interval", value: "\(bound(s, startExpr)) – \(bound(e, endExpr))"),
                                     ExplainTerm(expression: "earlier interval", value: "\(bound(clash.0, startExpr)) – \(bound(clash.1, endExpr))")],
                           occurrence: nil)
        }
    }

    func emitRelation(_ i: Int, _ r: Record, key: String, participantID: String?, explain: [ExplainTerm], occurrence: Int?) {
        // the message is rendered in the context of the offending record
        let saved = evaluator.records
        for e in evaluator.records.indices where e != model.root { evaluator.records[e] = nil }
        evaluator.records[r.entity] = r.values
        let rule = rules[i]
        var message = render(rule.message)
        if let occurrence { message += " (occurrence \(occurrence))" }
        add(Finding(ruleID: rule.id, severity: rule.severity.resolve(reportType: reportType), message: message,
                    recordKey: key, participantID: participantID, entity: model.entities[r.entity].name, location: r.location,
                    pack: rule.pack, title: rule.title, legalBasis: rule.legalBasis, help: rule.help,
                    expression: rule.assertText, explain: explain, occurrence: occurrence), field: nil)
        evaluator.records = saved
    }

    // MARK: - End of stream

    /// Completes the run: deferred and aggregate rules, then sorts findings deterministically.
    public func finish(path: String, files: [String]) -> InputResult {
        flushGroup()
        let rootKey = root.map { recordKey(model.root, $0) } ?? ""
        if rootCount == 0 {
            add(Finding(ruleID: ReservedRule.schema, severity: .fatal, message: "the export has no \(model.entities[model.root].name) record",
                        recordKey: "", entity: model.entities[model.root].name, location: SourceLocation(file: path),
                        title: Engine.reservedTitles[ReservedRule.schema]), field: nil)
        }
        for snap in snapshots {
            evaluator.records = snap.records
            evaluator.records[model.root] = root
            currentColumns = snap.columns
            currentXPaths = snap.xpaths
            for i in snap.rules { check(i, key: snap.key, participantID: snap.participantID, location: snap.location) }
            currentColumns = nil
            currentXPaths = nil
        }
        snapshots = []
        for e in evaluator.records.indices { evaluator.records[e] = nil }
        evaluator.records[model.root] = root
        let rootLocation = SourceLocation(file: path)
        for i in aggregateRules { check(i, key: rootKey, participantID: nil, location: rootLocation) }
        findings = Engine.mostSevere(findings, max(options.maxFindings, 1))
        let indicatorValues = ruleSet.packs.flatMap { pack in pack.indicators.map { indicator(pack.id, $0) } }
        var rootFields: [String: Value] = [:]
        if let root { for (i, f) in model.entities[model.root].fields.enumerated() { rootFields[f.name] = root[i] } }
        var result = InputResult(path: path, files: files, counts: counts, findings: findings, coverage: coverage, root: rootFields)
        result.indicators = indicatorValues
        result.severityCounts = severityCounts
        return result
    }

    /// Evaluates one indicator after the stream; a value that cannot be computed (no data) is shown as n/a.
    func indicator(_ pack: String, _ def: IndicatorDefinition) -> IndicatorValue {
        evaluator.params = def.params
        var value = (try? evaluator.evaluate(def.value)) ?? .null
        // an indicator whose value derives from personal data (not a count) is masked like it
        if def.value.personal && !options.showPersonalData && !value.isNull { value = .string(Masking.mask(value.description)) }
        var target: Value?
        if let t = def.target { target = (try? evaluator.evaluate(t)) ?? .null }
        var met: Bool?
        if let target, !value.isNull, !target.isNull, let c = try? Evaluator.compare(value, target) { met = c >= 0 }
        return IndicatorValue(pack: pack, id: def.id, title: def.title, unit: def.unit,
                              value: value.isNull ? nil : value.description, display: Engine.display(value, unit: def.unit),
                              target: target.flatMap { $0.isNull ? nil : $0.description },
                              targetDisplay: target.flatMap { $0.isNull ? nil : Engine.display($0, unit: def.unit) }, met: met)
    }

    /// An indicator value as a person reads it.
    static func display(_ v: Value, unit: String) -> String {
        guard let d = Evaluator.decimal(v) else { return v.isNull ? "n/a" : v.description }
        switch unit {
        case "share": return ((try? d.multiplied(by: ExactDecimal(100))) ?? d).rounded(1).formatted(minimumScale: 1) + " %"
        case "amount": return d.rounded(2).formatted(minimumScale: 2) + " EUR"
        case "ratio": return d.rounded(4).formatted()
        default: return d.formatted()
        }
    }

    /// Deterministic order: by rule id, record key, occurrence, then location and message.
    static func order(_ a: Finding, _ b: Finding) -> Bool {
        if a.ruleID != b.ruleID { return a.ruleID < b.ruleID }
        if a.recordKey != b.recordKey { return a.recordKey < b.recordKey }
        if (a.occurrence ?? 0) != (b.occurrence ?? 0) { return (a.occurrence ?? 0) < (b.occurrence ?? 0) }
        if (a.location?.line ?? 0) != (b.location?.line ?? 0) { return (a.location?.line ?? 0) < (b.location?.line ?? 0) }
        return a.message < b.message
    }

    static let reservedTitles: [String: String] = [
        ReservedRule.schema: "The export has the structure of its schema",
        ReservedRule.unparseable: "Every value can be read as its type",
        ReservedRule.orphan: "Every nested row belongs to a participant",
        ReservedRule.multiple: "At most one training and one follow-up per participant",
        ReservedRule.invisible: "No identifier or code holds an invisible character",
        ReservedRule.limit: "The run stayed within its limits",
        ReservedRule.runtime: "Every rule could be evaluated",
    ]

    static let reservedHelp: [String: String] = [
        ReservedRule.schema: "correct the structure of the export (element and attribute names, required ids)",
        ReservedRule.unparseable: "write the value in the format its field expects (dates YYYY-MM-DD, decimals with '.', true/false)",
        ReservedRule.orphan: "add the participant or correct the participant_id of the row",
        ReservedRule.multiple: "keep one record per participant; merge or remove the others",
        ReservedRule.invisible: "remove the control, zero-width or bidirectional character (shown as \\u{…}) from the value; it is often pasted in with it",
    ]
}
