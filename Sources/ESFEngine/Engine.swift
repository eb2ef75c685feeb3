import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// Options of one check run.
public struct EngineOptions: Sendable {
    /// Reveal personal data (EMŠO, names) in messages and explanations.
    public var showPersonalData = false
    /// List at most this many findings, the most severe (`--max-findings`); counts, coverage and
    /// the verdict stay those of all findings. Only this many (twice, at most) are kept (in the temporary
    /// file while the run reads).
    public var maxFindings = 100_000
    /// Cost budget of one evaluation.
    public var budget = Evaluator.defaultBudget
    /// Measure the time each rule takes (`--timings`); off, nothing is measured.
    public var timings = false
    /// The language of rule messages and their values (`--lang`): English by default.
    public var language: Language = .en
    /// The state written once and read back once or rarely (deferred records, the places of `unique`
    /// keys and `no_overlap` intervals, the logs of the keys only `unique` reads) goes to a temporary
    /// file in chunks of this many bytes (`SpillFile`); 0 keeps it in memory.
    public var spillChunkBytes = 1 << 18
    /// The bits of a `UniqueLog`'s tags: 16; fewer in tests, so that candidates are common.
    var uniqueTagBits = 16

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
    /// With `EngineOptions.timings`: per rule (in rule-set order), the nanoseconds spent evaluating it,
    /// and how often it was evaluated (every record it was run on, applicable or not).
    public var ruleNanos: [UInt64] = []
    public var ruleRuns: [Int] = []
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
    /// Per entity: assumed complete by a rule already evaluated (a later record of it is out of order).
    /// Flags by entity, not sets: read once per record.
    var sealed: [Bool]
    /// Per entity: whether its records' `relies` are already in `sealed`.
    var sealedBy: [Bool]
    var outOfOrder: [Bool]
    var relationRules: [[Int]]
    var aggregateRules: [Int] = []
    /// Fields of each entity read as context by some rule (kept per key in joined mode).
    var contextFields: [Set<Int>]
    var lookupEntities: [Bool]
    /// Entities whose whole records are looked up; for the others only their keys are kept.
    var recordLookupEntities: [Bool]
    let childEntities: [[Int]]
    let grouped: Bool
    /// Per entity: whether its parent's key field is personal data (then masked where it is shown).
    let parentKeyIsPersonal: [Bool]

    /// Per entity: its own-record rules, which the reading thread of a two-thread run may evaluate
    /// (`PreEvaluator`); per rule: its slot in its records' `preOutcomes`, -1 for none.
    var preSlots: [[Int]] = []
    var preSlot: [Int] = []

    /// Per rule: its `when` and expression assert lowered to typed closures, parameters folded
    /// (the tree evaluator explains the rules that fail).
    /// Referred to without reference counting (`ExpressionRef`); `compiledExpressions` holds them.
    let compiledWhen: [ExpressionRef?]
    let compiledAssert: [ExpressionRef?]
    let compiledExpressions: [CompiledExpression]
    /// Per rule: a number for its parameter values, the same for rules whose values are equal (a pack's
    /// rules), so that the evaluator's are set only when they change (`useParams`).
    let paramsTags: [Int]

    // state
    var evaluator: Evaluator
    var aggregates: AggregateStore
    /// The findings made so far, in the temporary file until `finish` (a placeholder store until the
    /// file is made in `init`).
    var findingStore = FindingStore(file: SpillFile(chunkBytes: 0))
    /// The rules some of whose findings could not be read back from the temporary file.
    var findingsLost: Set<String> = []
    var coverage: [RuleCoverage]
    var counts: [InputCounts]
    var root: [Value]?
    var rootCount = 0
    /// The records deferred rules run on after the stream, as the fields they read.
    var deferred = DeferredRecords()
    /// The temporary file of the state kept out of memory (`deferred`, `uniqueFirst`, `intervalPlaces`,
    /// the key values of the domains only `unique` reads).
    let spill: SpillFile
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
    /// Per entity read by an indicator whose records stand for a participant (a parent entity: its key;
    /// a record at most once per parent: its parent's id), the field whose repeats indicators skip,
    /// so that a participant id counts once, with its first record; and the key symbols seen.
    /// Other records (employments, expenditure lines) each count.
    let firstOfKeyField: [Int?]
    var firstOfKeySeen: [BitBlocks]
    /// Per entity: the entities a joined-mode record reads as context (its parent and the parent's other children).
    let contextEntities: [[Int]]
    /// Per entity some rule looks up (`exists`, `lookup`): the key symbols seen (a bit each); and for
    /// the entities whose records a `lookup` reads, per key symbol the row of its record in
    /// `lookupRecords` (-1: none).
    var lookupSeen: [BitBlocks]
    var lookupRows: [BlockArray<Int32>]
    var lookupRecords: [[[Value]]]
    /// Joined mode: per entity and parent key symbol, the row of the values of the fields some rule reads
    /// as context (`projectedFields` order, nothing else, in `projectionValues`, in the temporary file
    /// past its last chunk: read back in about the order written when children come in their parents'
    /// order); and the parents seen.
    var projectionRows: [KeyIndex]
    var projectionValues: [SpilledRows]
    /// The projections that could not be read back (their records' rules fail at the end of the stream).
    var projectionsLost = 0
    var projectedFields: [[Int]] = []
    /// Per parent entity whose key field some rule reads as context: that field, kept out of its
    /// projection (it is the parents' symbol table's value of the row's key, kept there anyway: 16
    /// bytes a participant), except for the rows whose own key is spelled otherwise than that value
    /// (another spelling of it was seen first), kept whole in `projectionKeyExceptions`.
    var projectedKey: [Int?] = []
    var projectionKeyExceptions: [[Int32: Value]] = []
    var parentSeen = BitBlocks()
    /// Per 0..1 entity and parent key symbol: whether a record was seen (a bit; grouped mode clears a group's bits when it ends).
    var optionalChildSeen: [BitBlocks]
    /// Grouped mode: the (entity, parent symbol) marks made in the current group, cleared when it ends.
    var optionalSeenInGroup: [(entity: Int, parent: Int)] = []
    /// Relations: per rule, its first state index (one state per relation of the rule), and its number of relations.
    var relationBase: [Int]
    var relationCounts: [Int]
    /// Per relation state: what the hot path reads of its spec, its filter and bounds lowered.
    var relationPlans: [RelationPlan] = []
    /// `unique`: per relation state, the rows of the keys seen and how often each was seen.
    var uniqueIndex: [KeyIndex]
    var uniqueCounts: [OccurrenceCounts]
    /// `unique` over keys no other rule reads (one field of a domain only `unique` reads, or several
    /// fields): per relation state, the log of its keys and the filter of their hashes; nil for the
    /// others (`uniqueIndex`, `uniqueCounts`, `uniqueFirst`).
    var uniqueLogs: [UniqueLog?] = []
    /// The relations whose outcome waits for the end of the stream (`UniqueLog`), with the findings
    /// they make if they fail, in the temporary file; per rule, the records waiting so.
    var pendingItems: SpilledArray<PendingItem>
    var pendingFindings: FindingStore
    var pendingRecords: [Int]
    /// `no_overlap`: per relation state, the intervals of each key symbol in insertion order, and per
    /// item its bounds (two 32-bit day numbers in a word), in the temporary file past their last chunk:
    /// a key's intervals are read when another of its intervals comes, nearly always right after them
    /// (still in memory), one `pread` each otherwise.
    var intervalLists: [RowLists]
    var intervalBounds: [SpilledArray<UInt64>]
    /// The records a relation finding names as the earlier one, as a few numbers each, in the
    /// temporary file (read only for a finding): per `unique` state and row, the key's first record;
    /// per `no_overlap` state and item, its record.
    var uniqueFirst: [SpilledArray<RecordPlace>]
    var intervalPlaces: [SpilledArray<RecordPlace>]
    /// The files of those records (an export's one file, a bundle's few), and their keys.
    var placeFiles: [String] = []
    var placeKeys: SpilledValues
    /// The records accepted so far; the number of the key of the record being accepted once
    /// kept (for its places in several relations), valid while `accepted` is the first number.
    var accepted = 0
    var placeKeyOfRecord: (record: Int, key: Int64) = (-1, -1)
    /// The records of the current group (grouped) or the current record's context (joined), by entity.
    var contextRecords: [[Value]?]
    let noContext: [[Value]?]
    var group: [Record] = []
    /// The counts of all findings added, also those the cap drops.
    var severityCounts = SeverityCounts([])
    /// With `options.timings`: per rule, the nanoseconds spent in it and the records it ran on.
    var ruleNanos: [UInt64]
    var ruleRuns: [Int]

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
        lookupSeen = Array(repeating: BitBlocks(), count: n)
        lookupRows = Array(repeating: BlockArray(), count: n)
        lookupRecords = Array(repeating: [], count: n)
        // one per entity (classes: `Array(repeating:)` would share one)
        projectionRows = (0..<n).map { _ in KeyIndex() }
        optionalChildSeen = Array(repeating: BitBlocks(), count: n)
        contextRecords = Array(repeating: nil, count: n)
        sealedBy = Array(repeating: false, count: n)
        sealed = Array(repeating: false, count: n)
        outOfOrder = Array(repeating: false, count: n)
        lookupEntities = Array(repeating: false, count: n)
        recordLookupEntities = Array(repeating: false, count: n)
        noContext = Array(repeating: nil, count: n)
        let m = model
        // an aggregate's correlated fields share a key domain (`participant_id == participant.id`)
        var linked: [(Int, Int, Int, Int)] = []
        for spec in ruleSet.aggregates {
            for (k, outer) in spec.outerKey.enumerated() where k < spec.innerKeyFields.count {
                if case .field(.entity(let e), let f) = outer.kind { linked.append((spec.entity, spec.innerKeyFields[k], e, f)) }
            }
        }
        keys = KeySymbols(model: m, linked: linked)
        childEntities = (0..<n).map { e in (0..<n).filter { m.parentIndex(of: $0) == e } }
        keyFieldIndex = m.entities.map { ent in ent.keyField.flatMap(ent.fieldIndex) }
        parentEntity = (0..<n).map { m.parentIndex(of: $0) }
        parentFieldName = (0..<n).map { m.parentIDField(of: $0) }
        participantFieldIndex = m.entities.map { $0.fieldIndex("participant_id") }
        parentFieldIndex = (0..<n).map { e in m.parentIDField(of: e).flatMap(m.entities[e].fieldIndex) }
        let children = childEntities
        let indicatorEntities = Set(ruleSet.aggregates.filter(\.firstOfKey).map(\.entity))
        let keyFields = keyFieldIndex, parentFields = parentFieldIndex
        firstOfKeyField = (0..<n).map { e in
            guard indicatorEntities.contains(e), e != m.root else { return nil }
            if m.entities[e].keySuffix != nil { return parentFields[e] }
            return children[e].isEmpty ? nil : keyFields[e]
        }
        firstOfKeySeen = Array(repeating: BitBlocks(), count: n)
        contextEntities = (0..<n).map { e in
            guard let p = m.parentIndex(of: e) else { return [] }
            return ([p] + children[p]).filter { $0 != e }
        }
        var base: [Int] = []
        var relationCounts: [Int] = []
        var states = 0
        for rule in ruleSet.rules {
            base.append(states)
            if case .relations(let specs) = rule.assertion { states += specs.count }
            relationCounts.append(states - base[base.count - 1])
        }
        relationBase = base
        self.relationCounts = relationCounts
        // one per relation (classes: `Array(repeating:)` would share one)
        uniqueIndex = (0..<states).map { _ in KeyIndex() }
        uniqueCounts = Array(repeating: OccurrenceCounts(), count: states)
        intervalLists = (0..<states).map { _ in RowLists() }
        let spill = SpillFile(chunkBytes: options.spillChunkBytes)
        self.spill = spill
        intervalBounds = (0..<states).map { _ in SpilledArray(file: spill) }
        projectionValues = (0..<n).map { _ in SpilledRows(file: spill) }
        findingStore = FindingStore(file: spill)
        uniqueFirst = (0..<states).map { _ in SpilledArray(file: spill) }
        pendingItems = SpilledArray(file: spill)
        pendingFindings = FindingStore(file: spill)
        pendingRecords = Array(repeating: 0, count: ruleSet.rules.count)
        placeKeys = SpilledValues(file: spill)
        intervalPlaces = (0..<states).map { _ in SpilledArray(file: spill) }
        parentKeyIsPersonal = (0..<n).map { e in
            guard let p = m.parentIndex(of: e), let k = m.entities[p].keyField, let ki = m.entities[p].fieldIndex(k) else { return false }
            return m.entities[p].fields[ki].personal
        }
        evaluator = Evaluator(params: [], entityCount: n, budget: options.budget)
        evaluator.aggregates = ruleSet.aggregates
        evaluator.showPersonalData = options.showPersonalData
        evaluator.language = options.language
        let specs = ruleSet.aggregates, budget = options.budget
        var owner: [CompiledExpression] = []
        compiledWhen = ruleSet.rules.map { rule in
            rule.when.map { .keeping(CompiledExpression($0, params: rule.params, aggregates: specs, budget: budget), in: &owner) }
        }
        var tagger = ParamsTags()
        paramsTags = ruleSet.rules.map { tagger.tag($0.params) }
        compiledAssert = ruleSet.rules.map { rule in
            guard case .expression(let a) = rule.assertion else { return nil }
            return .keeping(CompiledExpression(a, params: rule.params, aggregates: specs, budget: budget), in: &owner)
        }
        compiledExpressions = owner
        relationPlans = ruleSet.rules.flatMap { rule -> [RelationPlan] in
            guard case .relations(let relations) = rule.assertion else { return [] }
            return relations.map { RelationPlan($0, params: rule.params, aggregates: specs, budget: budget) }
        }
        aggregates = AggregateStore(specs: ruleSet.aggregates, entityCount: n, budget: options.budget, file: spill,
                                    paramsTags: ruleSet.aggregates.map { tagger.tag($0.params) })
        coverage = rules.map { RuleCoverage(ruleID: $0.id, pack: $0.pack) }
        ruleNanos = Array(repeating: 0, count: options.timings ? rules.count : 0)
        ruleRuns = Array(repeating: 0, count: options.timings ? rules.count : 0)
        counts = model.entities.map { InputCounts(entity: $0.name) }
        let order = Engine.readOrder(ruleSet: ruleSet)
        relies = Array(repeating: [], count: n)
        deferredReads = Array(repeating: [], count: n)
        func rootLevel(_ e: Int) -> Int { m.rootLevel(of: e) }
        for (i, rule) in rules.enumerated() {
            for e in rule.usage.lookups where e >= 0 && e < n { lookupEntities[e] = true }
            for e in rule.usage.recordLookups where e >= 0 && e < n { recordLookupEntities[e] = true }
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
            for case .value(let v) in rule.message.all.flatMap(\.parts) { exprs.append(v) }
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
        projectedKey = (0..<n).map { e in
            guard !childEntities[e].isEmpty, let ki = keyFieldIndex[e], keys.domain[e][ki] == KeySymbols.parents,
                  contextFields[e].contains(ki) else { return nil }
            return ki
        }
        for e in 0..<n { if let ki = projectedKey[e] { projectedFields[e].removeAll { $0 == ki } } }
        projectionKeyExceptions = Array(repeating: [:], count: n)
        preSlots = PreEvaluator.slots(rules: rules, immediate: immediateRules, root: model.root)
        preSlot = PreEvaluator.slotOf(preSlots, count: rules.count)
        let recordKeyFields = (0..<n).map { e in [keyFieldIndex[e], parentFieldIndex[e], participantFieldIndex[e]].compactMap { $0 } }
        deferred = DeferredRecords(ruleSet: ruleSet, deferredRules: deferredRules, reads: deferredReads, keyFields: recordKeyFields, spill: spill)
        evaluator.state = self
        // a `unique` over a domain only `unique` reads, or over several fields, is checked by a log of
        // its keys (`UniqueLog`), not by the domain's symbols
        var uniqueFields: [(entity: Int, field: Int)] = []
        var otherFields: [(entity: Int, field: Int)] = []
        for plan in relationPlans {
            switch plan.spec {
            // several fields: a table of tuples of its own, not the fields' domains
            case .unique(let entity, let fields, _): if fields.count == 1 { uniqueFields.append((entity, fields[0])) }
            case .noOverlap(let entity, let keyField, _, _): otherFields.append((entity, keyField))
            }
        }
        for spec in ruleSet.aggregates {
            otherFields += spec.innerKeyFields.map { (spec.entity, $0) }
            for x in spec.outerKey + [spec.filter, spec.residual, spec.value].compactMap({ $0 }) {
                otherFields += x.contextFields() + x.aggregatedFields().map { (spec.entity, $0) }
            }
        }
        for e in 0..<n {
            if lookupEntities[e], let k = keyFieldIndex[e] { otherFields.append((e, k)) }
            if let f = firstOfKeyField[e] { otherFields.append((e, f)) }
        }
        let uniqueOnly = keys.uniqueOnlyDomains(of: uniqueFields, except: otherFields)
        let domains = keys.domain, tagBits = options.uniqueTagBits
        uniqueLogs = relationPlans.map { plan in
            // one field of a domain others read: its symbols (`uniqueIndex`); anything else: a log
            guard case .unique(let e, let fields, _) = plan.spec,
                  fields.count != 1 || uniqueOnly.contains(domains[e][fields[0]]) else { return nil }
            return UniqueLog(width: fields.count, file: spill, tagBits: tagBits)
        }
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
}
