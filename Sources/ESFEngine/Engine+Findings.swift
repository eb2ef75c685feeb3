import Crypto
import ESFCore
import ESFExpr
import ESFRules
import Foundation

/// Findings: rule evaluation outcomes turned into findings with their location, message and fingerprint; their order.
extension Engine {
    /// Evaluates rule `i` in the evaluator's current context.
    func check(_ i: Int, key: String, participantID: String?, location: SourceLocation?) {
        check(i, key: { key }, participantID: { participantID }, location: { location })
    }

    /// Evaluates rule `i`; the record's key, participant id and location, and where its fields are (its CSV
    /// columns, its XML paths under a profile), are read only for a finding (hot path).
    func check(_ i: Int, key: () -> String, participantID: () -> String?, location: () -> SourceLocation?,
               fields: () -> FieldPlaces = { FieldPlaces() }) {
        let started = options.timings ? DispatchTime.now().uptimeNanoseconds : 0
        defer {
            if options.timings {
                ruleNanos[i] &+= DispatchTime.now().uptimeNanoseconds &- started
                ruleRuns[i] += 1
            }
        }
        // hot path: read the rule's fields in place (binding `rules[i]` would copy the whole rule)
        useParams(i)
        coverage[i].evaluated += 1
        if !aggregates.failures.isEmpty {
            for id in rules[i].usage.aggregates {
                if let failure = aggregates.failures[id] {
                    runtimeFailure(i, key: key(), participantID: participantID(), location: location(), message: failure)
                    return
                }
            }
        }
        // every rule checked here has an expression assertion (relations have no scope and go to `relate`)
        guard let a = compiledAssert[i] else { return }
        do {
            switch try evaluator.outcome(when: compiledWhen[i], assert: a) {
            case .passed:
                coverage[i].passed += 1
            case .notApplicable:
                coverage[i].notApplicable += 1
            case .failed:
                coverage[i].failed += 1
                // only a failed rule is evaluated again, by the tree evaluator, for its explanation
                var tracer = evaluator
                tracer.trace = []
                _ = try? tracer.evaluate(a.expression.source)
                emit(i, key: key(), participantID: participantID(), location: location(), fields: fields(), explain: tracer.trace ?? [], occurrence: nil)
            }
        } catch {
            runtimeFailure(i, key: key(), participantID: participantID(), location: location(), message: error.message, code: error.code)
        }
    }

    /// Gives the evaluator rule `i`'s parameter values, unless it holds them already.
    @inline(__always)
    func useParams(_ i: Int) {
        evaluator.use(params: rules[i].params, tag: paramsTags[i])
    }

    /// A rule's outcome, as coverage counts it: not applicable when its `when` is not true or its
    /// assertion is unknown (null), else passed or failed. Also the reading thread's (`PreEvaluator`).
    enum RuleOutcome { case passed, notApplicable, failed }

    /// A rule that could not be evaluated: `ESFCHECK-RT-001`, or `ESFCHECK-LIM-001` when it stopped at its
    /// cost budget (SPEC §2: the budget is a limit that stops evaluation). Fatal either way.
    func runtimeFailure(_ i: Int, key: String, participantID: String?, location: SourceLocation?, message: String, code: String? = nil) {
        let rule = rules[i]
        coverage[i].errors += 1
        let reserved: ReservedMessage = code == "budget"
            ? .ruleOverBudget(rule: rule.id, key: key, reason: message)
            : .ruleFailed(rule: rule.id, key: key, reason: message)
        add(Finding(reserved: reserved, recordKey: key, participantID: participantID, entity: rule.scopeName, location: location,
                    pack: rule.pack, legalBasis: rule.legalBasis(in: options.language), expression: rule.assertText, rulePlace: "\(Checker.displayPath(rule.file)):\(rule.line)",
                    language: options.language),
            field: rule.id)
    }

    /// Where the fields of a record are in its input (`Record.fieldColumns`, `Record.fieldXPaths`).
    struct FieldPlaces {
        var columns: [Int32]?
        var xpaths: [String]?
    }

    func emit(_ i: Int, key: String, participantID: String?, location: SourceLocation?, fields: FieldPlaces = FieldPlaces(),
              explain: [ExplainTerm], occurrence: Int?) {
        let rule = rules[i]
        var loc = location
        // the fingerprint keeps the rule's first own field, whatever part failed (stable for baselines);
        // the location names the field that is wrong: the rule's `field:`, else the first field of the
        // record that the first failing part of the assertion reads
        let field = rule.scope != nil ? rule.usage.ownFields.first : nil
        if let scope = rule.scope, let name = locationField(i, scope: scope), let fi = model.entities[scope].fieldIndex(name) {
            if let l = location {
                let record = Record(entity: scope, values: [], location: l, fieldColumns: fields.columns, fieldXPaths: fields.xpaths)
                loc = record.location(ofField: fi, named: name)
            }
        }
        add(Finding(ruleID: rule.id, severity: rule.severity.resolve(reportType: reportType), message: render(rule.message.template(options.language)),
                    recordKey: key, participantID: participantID, entity: rule.scopeName, location: loc, pack: rule.pack,
                    title: rule.title.text(options.language), legalBasis: rule.legalBasis(in: options.language), help: rule.help?.text(options.language),
                    expression: rule.assertText,
                    explain: explain, occurrence: occurrence), field: field)
    }

    /// The field a finding of rule `i` points at in the current context: the rule's `field:`, else the
    /// first field of the scope record read by the first part of the assertion that is false (as
    /// `blamedFields` reads it); nil (the record itself) when that part reads no field of the record
    /// (`follow_up.employed_day30 != null`).
    func locationField(_ i: Int, scope: Int) -> String? {
        if let declared = rules[i].locationField { return declared }
        guard case .expression(let a) = rules[i].assertion else { return rules[i].usage.ownFields.first }
        let parts = a.conjuncts
        if parts.count == 1 {
            // one part: the first field of the record it reads (not a field only the `when` reads)
            return blamedFields(a, scope: scope).first.map { model.entities[scope].fields[$0].name }
        }
        for part in parts where Evaluator.truth((try? evaluator.evaluate(part)) ?? .null) == false {
            return blamedFields(part, scope: scope).first.map { model.entities[scope].fields[$0].name }
        }
        return nil
    }

    /// The fields of the scope record that a part of an assertion reads, in reading order, as a finding
    /// blames them: like `contextFields()`, except that `a ?? b` reads `a` when it gave the value, else
    /// `b` first (`extension_end ?? end` without an extension blames `end`, not the absent
    /// `extension_end`), `c ? t : f` the branch taken before its condition, and an aggregate the
    /// record's fields its conditions compare (`start <= expenditure.incurred_on`), not those of its key.
    func blamedFields(_ e: BoundExpr, scope: Int) -> [Int] {
        switch e.kind {
        case .field(.entity(let entity), let f):
            return entity == scope ? [f] : []
        case .binary(.coalesce, let a, let b):
            // `x ?? false` with x missing: the fields of x still (after those of the default)
            return ((try? evaluator.evaluate(a)) ?? .null).isNull ? blamedFields(b, scope: scope) + blamedFields(a, scope: scope) : blamedFields(a, scope: scope)
        case .conditional(let c, let t, let f):
            switch Evaluator.truth((try? evaluator.evaluate(c)) ?? .null) {
            case true?: return blamedFields(t, scope: scope) + blamedFields(c, scope: scope)
            case false?: return blamedFields(f, scope: scope) + blamedFields(c, scope: scope)
            case nil: return blamedFields(c, scope: scope) + blamedFields(t, scope: scope) + blamedFields(f, scope: scope)
            }
        case .aggregate(let i) where i < ruleSet.aggregates.count:
            // `count(training where participant_id == expenditure.participant_id and start <= expenditure.incurred_on …)`
            // blames the record's fields its conditions compare (the date that falls outside), not the
            // key that only selects the records (`sum(expenditure … where participant_id == participant.id)`
            // blames no field of the participant: the location is the record itself)
            return ruleSet.aggregates[i].residual.map { blamedFields($0, scope: scope) } ?? []
        default:
            return e.kind.children.flatMap { blamedFields($0, scope: scope) }
        }
    }

    /// The operation's report type, which severities such as `{ final: review, interim: warning }` depend on.
    var reportType: String? {
        guard let root, let f = model.entities[model.root].fieldIndex("report_type"), case .string(let s) = root[f] else { return nil }
        return s
    }

    /// A message with its values as `options.language` writes them: amounts with cents (`740.00`,
    /// Slovenian `740,00`), dates (`2022-03-31`, `31. 3. 2022`), `(missing)` / `(manjka)`, personal data masked.
    func render(_ template: MessageTemplate) -> String {
        let language = options.language
        var out = ""
        for part in template.parts {
            switch part {
            case .text(let t): out += t
            case .value(let b):
                let v = (try? evaluator.evaluate(b)) ?? .null
                if v.isNull {
                    out += "(\(language.missingWord))"
                } else if b.personal && !options.showPersonalData {
                    out += Masking.mask(v.description)
                } else if case .decimal(let d) = v {
                    // amounts with cents: 740.00 and 647.50, never 740 or 647.5
                    out += d.formatted(minimumScale: 2, language: language)
                } else {
                    out += v.formatted(language)
                }
            }
        }
        return out
    }

    func add(_ f: Finding, field: String?) {
        severityCounts.add(f.severity)
        var f = f
        f.fingerprint = Engine.fingerprint([f.ruleID, f.recordKey, field ?? "", f.occurrence.map(String.init) ?? ""])
        findingStore.append(f)
        // a bounded selection: past twice the cap, keep the cap's worth of the most severe
        let cap = max(options.maxFindings, 1)
        if findingStore.count >= 2 * cap {
            for kept in Engine.mostSevere(takeFindings(), cap) { findingStore.append(kept) }
        }
    }

    /// Every finding kept so far, the store emptied. Findings that cannot be read back from the
    /// temporary file are not silently dropped: their rules are remembered (`findingsLost`) and fail
    /// in `finish`, so that the run cannot pass.
    func takeFindings() -> [Finding] {
        let (all, complete) = findingStore.takeAll()
        if !complete {
            findingsLost.formUnion(findingStore.ruleIDs)
            findingStore.forgetRules()
        }
        return all
    }

    /// The `n` listed of findings already in report order (inputs one after another), kept in that order:
    /// those that decide the verdict first (with waivers or a baseline, a waived error never hides the
    /// review finding that makes the verdict review; without, every finding decides), then the most
    /// severe, ties in report order.
    static func mostSevereAcrossInputs(_ findings: [Finding], _ n: Int) -> [Finding] {
        guard findings.count > max(n, 1) else { return findings }
        let ranked = findings.indices.sorted { i, j in
            let a = findings[i], b = findings[j]
            if a.decidesVerdict != b.decidesVerdict { return a.decidesVerdict }
            return a.severity != b.severity ? a.severity > b.severity : i < j
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
        return Hex.lowercase(digest)
    }

    /// Deterministic order: by rule id, record key, occurrence, then location and message.
    static func order(_ a: Finding, _ b: Finding) -> Bool {
        if a.ruleID != b.ruleID { return a.ruleID < b.ruleID }
        if a.recordKey != b.recordKey { return a.recordKey < b.recordKey }
        if (a.occurrence ?? 0) != (b.occurrence ?? 0) { return (a.occurrence ?? 0) < (b.occurrence ?? 0) }
        if (a.location?.line ?? 0) != (b.location?.line ?? 0) { return (a.location?.line ?? 0) < (b.location?.line ?? 0) }
        return a.message < b.message
    }
}

extension Evaluator {
    /// The outcome of a rule with `when` and `assert` on the records set in this evaluator.
    mutating func outcome(when: ExpressionRef?, assert: ExpressionRef) throws(EvalError) -> Engine.RuleOutcome {
        if let when, try truth(when) != true { return .notApplicable }
        switch try truth(assert) {
        case true?: return .passed
        case nil: return .notApplicable
        case false?: return .failed
        }
    }
}
