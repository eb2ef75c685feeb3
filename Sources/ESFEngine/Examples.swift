import ESFCore
import ESFExpr
import ESFRules

/// The outcome of one rule example.
public struct ExampleOutcome: Sendable {
    public var ruleID: String
    public var example: RuleExample
    public var passed: Bool
    /// What went wrong when the example did not behave as declared.
    public var problem: String?
    /// True for the second run of an inherited rule's example, with the inheriting pack's own
    /// parameters (the first run uses the base pack's, for which the example was written).
    public var withPackParameters: Bool = false
}

/// Runs rules' own pass/fail examples through the real engine (SwiftLint-style: examples are tests and docs),
/// on both of its paths: grouped, as an XML export delivers records, and joined, as a CSV bundle does.
///
/// An inherited rule (a pack that `extends:` another) runs each example twice: with the base pack's
/// parameters, for which it was written, and with the inheriting pack's own parameters, so that an
/// example a child parameter breaks shows. An example that cannot hold under a child's parameters
/// (a 6-month period under `subsidy_months: 12`) says so with `base_params_only: true` in its mapping
/// and runs with the base parameters only (docs/rules-notes.md).
public enum ExampleRunner {
    /// The key of an example mapping that limits it to the base pack's parameters.
    public static let baseParamsOnlyKey = "base_params_only"

    /// Runs every example of every rule of `ruleSet`.
    public static func run(_ ruleSet: RuleSet) -> [ExampleOutcome] {
        var out: [ExampleOutcome] = []
        for pack in ruleSet.packs {
            for rule in pack.rules {
                for ex in rule.examples {
                    out.append(run(rule, ex, in: ruleSet, pack: pack, params: rule.exampleParams ?? rule.params))
                    if let base = rule.exampleParams, base != rule.params, !isBaseParamsOnly(ex) {
                        var o = run(rule, ex, in: ruleSet, pack: pack, params: rule.params)
                        o.withPackParameters = true
                        if let p = o.problem { o.problem = "with the parameters of pack \(pack.id) (inherited example): \(p)" }
                        out.append(o)
                    }
                }
            }
        }
        return out
    }

    /// True when an example carries `base_params_only: true`.
    public static func isBaseParamsOnly(_ example: RuleExample) -> Bool {
        guard case .map(let m, _) = example.data, case .scalar(let v)? = m[baseParamsOnlyKey] else { return false }
        return v == "true"
    }

    /// Runs one example of `rule` (of `pack`) with the parameter values `params`.
    public static func run(_ rule: CompiledRule, _ example: RuleExample, in ruleSet: RuleSet, pack: Pack, params: [Value]) -> ExampleOutcome {
        var single = pack
        var rule = rule
        rule.params = params
        single.rules = [rule]
        var example = example
        if case .map(var m, var order) = example.data, m[baseParamsOnlyKey] != nil {
            m[baseParamsOnlyKey] = nil
            order.removeAll { $0 == baseParamsOnlyKey }
            example.data = .map(m, order: order)
        }
        let set = RuleSet(model: ruleSet.model, packs: [single], aggregates: ruleSet.aggregates)
        let model = set.model
        func outcome(_ ok: Bool, _ problem: String?) -> ExampleOutcome {
            ExampleOutcome(ruleID: rule.id, example: example, passed: ok, problem: problem)
        }
        guard case .map(let data, let order) = example.data else { return outcome(false, "an example is a mapping of fields (or of entities to records)") }
        var events: [InputEvent] = []
        var problems: [String] = []
        func record(_ entity: Int, _ d: ExampleData, defaults: [String: String]) -> Record? {
            guard case .map(let fields, _) = d else { problems.append("\(model.entities[entity].name): expected a mapping of fields"); return nil }
            return makeRecord(entity, fields, defaults: defaults, model: model, problems: &problems, location: example)
        }
        let rootName = model.entities[model.root].name
        var rootFields: [String: ExampleData] = [:]
        if case .map(let m, _)? = data[rootName] { rootFields = m }
        if let scope = rule.scope, scope == model.root {
            for (k, v) in data where k != rootName { rootFields[k] = v }
        }
        guard let root = makeRecord(model.root, rootFields, defaults: ["id": "EXAMPLE"], model: model, problems: &problems, location: example) else {
            return outcome(false, problems.joined(separator: "; "))
        }
        events.append(.record(root))
        // records go out in the canonical order (each top-level list in model order, nested
        // records inside their parent's group), as a reader of a valid export delivers them
        var byTop: [Int: [InputEvent]] = [:]
        var scoped: Set<Int> = [model.root]
        if let scope = rule.scope, scope != model.root {
            // own fields at the top level; other entities as context records
            var own: [String: ExampleData] = [:]
            for k in order where model.entityIndex(k) == nil { own[k] = data[k] }
            var chain: [Int] = []
            var p = model.parentIndex(of: scope)
            while let q = p { chain.insert(q, at: 0); p = model.parentIndex(of: q) }
            var group: [InputEvent] = []
            var parentID = "P-EXAMPLE"
            for anc in chain {
                let given = data[model.entities[anc].name] ?? .map([:], order: [])
                guard let r = record(anc, given, defaults: ["id": parentID]) else { break }
                if let k = model.entities[anc].keyField, let ki = model.entities[anc].fieldIndex(k) { parentID = r.values[ki].description }
                group.append(.record(r))
            }
            var defaults: [String: String] = [:]
            if let parentField = model.parentIDField(of: scope) { defaults[parentField] = parentID }
            if let k = model.entities[scope].keyField { defaults[k] = chain.isEmpty ? parentID : "R-EXAMPLE" }
            guard let r = makeRecord(scope, own, defaults: defaults, model: model, problems: &problems, location: example) else {
                return outcome(false, problems.joined(separator: "; "))
            }
            if chain.isEmpty, let k = model.entities[scope].keyField, let ki = model.entities[scope].fieldIndex(k) { parentID = r.values[ki].description }
            // siblings (or, for a top-level scope, its children) given as one mapping are context records of the group
            var context: [InputEvent] = []
            for k in order {
                guard let e = model.entityIndex(k), !chain.contains(e), e != scope, model.parentIndex(of: e) != nil,
                      case .map = data[k]!, let c = record(e, data[k]!, defaults: [model.parentIDField(of: e) ?? "": parentID]) else { continue }
                scoped.insert(e)
                context.append(.record(c))
            }
            group += chain.isEmpty ? [.record(r)] + context : context + [.record(r)]
            byTop[model.rootLevel(of: scope), default: []] += group + [.groupEnd]
            scoped.formUnion(chain)
            scoped.insert(scope)
        }
        // lists of records (of any entity) feed aggregates, relations and lookups
        for (e, ent) in model.entities.enumerated() where !scoped.contains(e) {
            guard let d = data[ent.name] else { continue }
            for item in items(d) {
                guard let r = record(e, item, defaults: [:]) else { continue }
                byTop[model.rootLevel(of: e), default: []].append(.record(r))
                if model.parentIndex(of: e) == nil { byTop[e, default: []].append(.groupEnd) }
            }
        }
        for top in model.entities.indices where top != model.root { events += byTop[top] ?? [] }
        if !problems.isEmpty { return outcome(false, problems.joined(separator: "; ")) }
        // the grouped path (XML: parent groups in document order) and the joined path (a CSV bundle:
        // one entity's file after another, in the bundle's read order) must agree
        let records = events.compactMap { event -> Record? in if case .record(let r) = event { return r } else { return nil } }
        var joinedRecords = records
        // a nested record whose parent the example leaves out has it implied (only its id), as nesting implies it in XML
        var present = Set<String>()
        for r in records {
            if let k = model.entities[r.entity].keyField, let ki = model.entities[r.entity].fieldIndex(k) { present.insert("\(r.entity)/\(r.values[ki])") }
        }
        for r in records {
            guard let p = model.parentIndex(of: r.entity), let pf = model.parentIDField(of: r.entity),
                  let pfi = model.entities[r.entity].fieldIndex(pf), !r.values[pfi].isNull,
                  let k = model.entities[p].keyField, let ki = model.entities[p].fieldIndex(k),
                  present.insert("\(p)/\(r.values[pfi])").inserted else { continue }
            var values = Array(repeating: Value.null, count: model.entities[p].fields.count)
            values[ki] = r.values[pfi]
            joinedRecords.append(Record(entity: p, values: values, location: r.location))
        }
        let joined = Engine.readOrder(ruleSet: set).flatMap { e in joinedRecords.filter { $0.entity == e }.map(InputEvent.record) }
        var verdicts: [String] = []
        for (path, grouped, stream) in [("grouped (XML)", true, events), ("joined (CSV)", false, joined)] {
            let engine = Engine(ruleSet: set, options: EngineOptions(), grouped: grouped)
            for e in stream { engine.consume(e) }
            let result = engine.finish(path: example.file, files: [])
            let own = result.findings.filter { $0.ruleID == rule.id }
            if let f = result.findings.first(where: { $0.severity == .fatal }) {
                verdicts.append("the example could not be evaluated on the \(path) path: \(f.message)")
            } else if example.shouldPass, let f = own.first {
                verdicts.append("a pass example produced on the \(path) path: \(f.message)")
            } else if !example.shouldPass, own.isEmpty {
                verdicts.append("a fail example produced no finding on the \(path) path")
            }
        }
        return verdicts.isEmpty ? outcome(true, nil) : outcome(false, verdicts.joined(separator: "; "))
    }

    static func items(_ d: ExampleData) -> [ExampleData] {
        if case .list(let l) = d { return l }
        return [d]
    }

    static func makeRecord(_ entity: Int, _ fields: [String: ExampleData], defaults: [String: String], model: DataModel,
                           problems: inout [String], location: RuleExample) -> Record? {
        let ent = model.entities[entity]
        var values = Array(repeating: Value.null, count: ent.fields.count)
        for (name, text) in defaults { if let i = ent.fieldIndex(name) { values[i] = .string(text) } }
        for (name, d) in fields {
            guard let i = ent.fieldIndex(name) else {
                problems.append("unknown field '\(name)' of \(ent.name) in an example at \(location.file):\(location.line)")
                continue
            }
            let text: String
            switch d {
            case .null: values[i] = .null; continue
            case .scalar(let s): text = s
            case .list(let l): text = l.compactMap { if case .scalar(let s) = $0 { return s } else { return nil } }.joined(separator: " ")
            case .map: problems.append("\(ent.name).\(name) must be a value in the example at \(location.file):\(location.line)"); continue
            }
            guard let v = FieldParser.parse(Array(text.utf8)[...], as: ent.fields[i].type) else {
                problems.append("\(ent.name).\(name): '\(text)' is not \(FieldParser.expectation(for: ent.fields[i].type)) (example at \(location.file):\(location.line))")
                continue
            }
            values[i] = v
        }
        return Record(entity: entity, values: values, location: SourceLocation(file: location.file, line: location.line, column: location.column))
    }
}
