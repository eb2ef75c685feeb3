import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// Streaming: records as they arrive, grouped or joined, and the end of the stream.
extension Engine {
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
            var message = p.reason.text(options.language)
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
            add(Finding(ruleID: p.kind.id, severity: p.kind.severity, message: message, recordKey: recordKey,
                        entity: entityName, location: location, title: p.kind.title(options.language),
                        help: p.reason.help(language: options.language)), field: p.location.field)
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
        accepted += 1
        if sealed[e], !outOfOrder[e] {
            // a rule already ran on the assumption that these records were complete: fail closed
            outOfOrder[e] = true
            add(Finding(reserved: .outOfOrder(entity: model.entities[e].name),
                        recordKey: recordKey(e, r.values), entity: model.entities[e].name, location: r.location, language: options.language), field: nil)
        }
        if e == model.root {
            rootCount += 1
            if rootCount > 1 {
                add(Finding(reserved: .secondRoot(entity: model.entities[e].name),
                            recordKey: recordKey(e, r.values), entity: model.entities[e].name, location: r.location, language: options.language), field: nil)
                counts[e].rejected += 1
                return
            }
            root = r.values
            evaluator.records[e] = r.values
        }
        // joined mode: a nested row whose parent is not in the export is rejected, not evaluated
        if !grouped, let p = parentEntity[e], let pf = parentFieldName[e], let pfi = parentFieldIndex[e] {
            let s = Int(keys.symbol(e, pfi, r.values))
            if !parentSeen.contains(s) {
                add(Finding(reserved: .orphan(entity: model.entities[e].name, key: recordKey(e, r.values), field: pf,
                                              parentID: parentID(e, r.values) ?? r.values[pfi].description, parent: model.entities[p].name),
                            recordKey: recordKey(e, r.values), entity: model.entities[e].name, location: r.location(ofField: pfi, named: pf), language: options.language), field: pf)
                counts[e].rejected += 1
                return
            }
        }
        counts[e].evaluated += 1
        // indicators read the first record of each record key: a repeated participant id counts once
        var repeatOfKey = false
        if let f = firstOfKeyField[e], !r.values[f].isNull {
            let s = Int(keys.symbol(e, f, r.values))
            repeatOfKey = !firstOfKeySeen[e].insert(s)
        }
        aggregates.feed(entity: e, values: r.values, evaluator: &evaluator, keys: keys, repeatOfKey: repeatOfKey, preFilters: r.preFilters)
        if lookupEntities[e], let ki = keyFieldIndex[e], !r.values[ki].isNull {
            let s = Int(keys.symbol(e, ki, r.values))
            // the first record of a key is the one looked up
            if lookupSeen[e].insert(s), recordLookupEntities[e] {
                lookupRows[e].ensureIndex(s, -1)
                lookupRows[e][s] = Int32(truncatingIfNeeded: lookupRecords[e].count)
                lookupRecords[e].append(r.values)
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
            parentSeen.insert(s)
        }
        let context = contextEntities[e]
        for c in contextRecords.indices where contextRecords[c] != nil && !context.contains(c) { contextRecords[c] = nil }
        if let pfi = parentFieldIndex[e] {
            let pkey = Int(keys.symbol(e, pfi, r.values))
            checkMultiplicity(r)
            for c in context {
                // the buffer is filled in place: the evaluator's reference to it is dropped first
                evaluator.records[c] = nil
                guard let prow = projectionRows[c].row(Int32(truncatingIfNeeded: pkey)) else {
                    contextRecords[c] = nil
                    continue
                }
                let fields = projectedFields[c]
                if contextRecords[c] == nil { contextRecords[c] = Array(filled: Value.null, count: model.entities[c].fields.count) }
                if !projectionValues[c].read(Int(prow), into: &contextRecords[c]!, at: fields) {
                    // the record's rules run without the parent's values, and fail at the end of the stream
                    projectionsLost += 1
                    for f in fields { contextRecords[c]![f] = .null }
                }
                if let ki = projectedKey[c] {
                    let parents = keys.tables[KeySymbols.parents]
                    contextRecords[c]![ki] = projectionKeyExceptions[c][prow] ?? parents.value(of: Int32(truncatingIfNeeded: pkey)) ?? .null
                }
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
            // a new row (numbered as the projections so far): the record's projected fields
            let known = projectionRows[e].rows
            if projectionRows[e].row(Int32(truncatingIfNeeded: key), create: true) == known {
                projectionValues[e].append(r.values, at: projectedFields[e])
                // the key field from the parents' table, unless this record spells its key otherwise
                if let ki = projectedKey[e], !keys.tables[KeySymbols.parents].holdsText(Int32(truncatingIfNeeded: key), r.values[ki]) {
                    projectionKeyExceptions[e][known] = r.values[ki]
                }
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
        if !optionalChildSeen[e].insert(parent) {
            add(Finding(reserved: .multiple(parent: model.parentIndex(of: e).map { model.entities[$0].name } ?? "parent", parentID: pid,
                                            entity: model.entities[e].name),
                        recordKey: recordKey(e, r.values), participantID: pid, entity: model.entities[e].name, location: r.location, language: options.language), field: nil)
        } else if grouped {
            optionalSeenInGroup.append((e, parent))
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
        // a parent group is complete: its 0..1 children cannot repeat any more (their marks cleared)
        for (e, parent) in optionalSeenInGroup { optionalChildSeen[e].remove(parent) }
        optionalSeenInGroup.removeAll(keepingCapacity: true)
    }

    func setContext(_ context: [[Value]?], own: Int, values: [Value]) {
        for e in evaluator.records.indices where e != model.root { evaluator.records[e] = context[e] }
        evaluator.records[own] = values
    }

    func evaluateRecord(_ r: Record, context: [[Value]?]) {
        let e = r.entity
        let imm = immediateRules[e], def = deferredRules[e]
        guard !imm.isEmpty || !def.isEmpty else { return }
        if !imm.isEmpty {
            if !sealedBy[e] {
                for s in relies[e] { sealed[s] = true }
                sealedBy[e] = true
            }
            // rules whose outcome the reading thread found (passed, not applicable) are only counted;
            // the others are evaluated here, in the same order, in the record's context (set once, when needed)
            let pre = r.preOutcomes
            var contextSet = false
            for i in imm {
                if pre != 0, preSlot[i] >= 0 {
                    switch PreEvaluator.code(pre, slot: preSlot[i]) {
                    case PreEvaluator.passed:
                        coverage[i].evaluated += 1
                        coverage[i].passed += 1
                        continue
                    case PreEvaluator.notApplicable:
                        coverage[i].evaluated += 1
                        coverage[i].notApplicable += 1
                        continue
                    default: break
                    }
                }
                if !contextSet {
                    setContext(context, own: e, values: r.values)
                    contextSet = true
                }
                check(i, key: { recordKey(e, r.values) }, participantID: { participantID(e, r.values) }, location: { r.location },
                      fields: { FieldPlaces(columns: r.fieldColumns, xpaths: r.fieldXPaths) })
            }
        }
        if !def.isEmpty {
            // keep only the fields the deferred rules read, until the end of the stream
            deferred.append(r, context: context)
        }
    }

    // MARK: - End of stream

    /// Completes the run: deferred and aggregate rules, then sorts findings deterministically.
    public func finish(path: String, files: [String]) -> InputResult {
        flushGroup()
        // every key is logged: the candidates of `unique` are settled
        let unsettled = settleRelations()
        let rootKey = root.map { recordKey(model.root, $0) } ?? ""
        if rootCount == 0 {
            add(Finding(reserved: .noRoot(entity: model.entities[model.root].name),
                        recordKey: "", entity: model.entities[model.root].name, location: SourceLocation(file: path), language: options.language), field: nil)
        }
        // the kept records read back in the order kept; the evaluator's record buffers and the columns
        // are refilled in place, record after record
        var reader = deferred.reader()
        var columns: [Int32]?
        while let kept = reader.next(into: &evaluator.records, columns: &columns) {
            evaluator.records[model.root] = root
            let e = kept.entity
            // the key, participant id and location are made only for a finding, from the record as kept
            for i in deferredRules[e] {
                check(i, key: { recordKey(e, evaluator.records[e] ?? []) }, participantID: { participantID(e, evaluator.records[e] ?? []) },
                      location: { reader.location() }, fields: { FieldPlaces(columns: columns, xpaths: kept.xpaths) })
            }
        }
        // state that could not be read back from the temporary file fails the rules that needed it (one
        // evaluation each that failed, so that evaluated = passed + failed + not applicable + errors):
        // the run cannot pass
        var failedRules = Set<Int>()
        func fail(_ rules: [Int], _ reason: String) {
            for i in rules where failedRules.insert(i).inserted {
                coverage[i].evaluated += 1
                runtimeFailure(i, key: rootKey, participantID: nil, location: SourceLocation(file: path), message: reason)
            }
        }
        if reader.read < deferred.count {
            // kept records: their deferred rules
            fail(Set(deferredRules.joined()).sorted(),
                 "\(deferred.count - reader.read) kept records could not be read back from the temporary file (\(spill.failure ?? "unknown error"))")
        }
        if projectionsLost > 0 {
            // parents' values that records read as context: the rules of those records
            let readers = model.entities.indices.filter { !contextEntities[$0].isEmpty }
            fail(Set(readers.flatMap { immediateRules[$0] + deferredRules[$0] }).sorted(),
                 "the values of \(projectionsLost) records' parents could not be read back from the temporary file (\(spill.failure ?? "unknown error"))")
        }
        if let failure = spill.failure ?? unsettled {
            // a key's value or an earlier record's place (`unique`, `no_overlap`): the relation rules
            fail(relationCounts.indices.filter { relationCounts[$0] > 0 },
                 "a key or the place of an earlier record could not be read back from the temporary file (\(failure))")
        }
        deferred.removeAll()
        for e in evaluator.records.indices { evaluator.records[e] = nil }
        evaluator.records[model.root] = root
        let rootLocation = SourceLocation(file: path)
        for i in aggregateRules { check(i, key: rootKey, participantID: nil, location: rootLocation) }
        let indicatorValues = ruleSet.packs.flatMap { pack in pack.indicators.map { indicator(pack.id, $0) } }
        // every rule has run: the per-key state goes before the findings come back from the temporary
        // file and are sorted
        releaseKeyState()
        var listed = takeFindings()
        if !findingsLost.isEmpty {
            // their rules fail (once each, as above), and so do the built-in checks (input findings) that
            // lost findings: the run cannot pass on findings it lost, and the report says which are missing
            let reason = "some of its findings could not be read back from the temporary file (\(spill.failure ?? "bytes that are not a finding's"))"
            fail(rules.indices.filter { findingsLost.contains(rules[$0].id) }, reason)
            for id in findingsLost.sorted() where !rules.contains(where: { $0.id == id }) {
                add(Finding(reserved: .ruleFailed(rule: id, key: rootKey, reason: reason), recordKey: rootKey,
                            entity: model.entities[model.root].name, location: SourceLocation(file: path), language: options.language), field: id)
            }
            findingsLost = []
            listed += takeFindings()
        }
        let findings = Engine.mostSevere(listed, max(options.maxFindings, 1))
        listed = []
        var rootFields: [String: Value] = [:]
        if let root { for (i, f) in model.entities[model.root].fields.enumerated() { rootFields[f.name] = root[i] } }
        var result = InputResult(path: path, files: files, counts: counts, findings: findings, coverage: coverage, root: rootFields)
        result.indicators = indicatorValues
        result.severityCounts = severityCounts
        result.ruleNanos = ruleNanos
        result.ruleRuns = ruleRuns
        return result
    }

    /// Drops the per-key state once every rule has run (no record is checked after `finish`): the
    /// findings are sorted and the report made next, and at a million participants this state is
    /// hundreds of MB that would otherwise stay beside their copies until the engine goes.
    func releaseKeyState() {
        let n = model.entities.count
        keys = KeySymbols(model: model)
        aggregates = AggregateStore(specs: [], entityCount: n, budget: options.budget, file: spill, paramsTags: [])
        firstOfKeySeen = Array(repeating: BitBlocks(), count: n)
        lookupSeen = Array(repeating: BitBlocks(), count: n)
        lookupRows = Array(repeating: BlockArray(), count: n)
        lookupRecords = Array(repeating: [], count: n)
        projectionRows = (0..<n).map { _ in KeyIndex() }
        projectionValues = (0..<n).map { _ in SpilledRows(file: spill) }
        projectionKeyExceptions = Array(repeating: [:], count: n)
        parentSeen = BitBlocks()
        optionalChildSeen = Array(repeating: BitBlocks(), count: n)
        uniqueIndex = []
        uniqueCounts = []
        uniqueLogs = []
        intervalLists = []
        intervalBounds = []
        group = []
    }
}
