import ESFCore
import ESFExpr
import Testing

@Suite("Type checking and binding")
struct TypeCheckTests {
    // MARK: well-typed expressions

    @Test("well-typed expressions get the right static type", arguments: [
        ("birth_date + days(1)", TM.participant, ExprType.date),
        ("days(1) + birth_date", TM.participant, .date),
        ("birth_date - days(2) * 3", TM.participant, .date),
        ("end - start", TM.employment, .int),
        ("education_isced + 1", TM.participant, .int),
        ("education_isced * 2 - 1", TM.participant, .int),
        ("education_isced / 2", TM.participant, .decimal),
        ("education_isced + 0.5", TM.participant, .decimal),
        ("eligible * operation.eu_rate", TM.expenditure, .decimal),
        ("extension_end ?? end", TM.employment, .date),
        ("round(eligible, 2)", TM.expenditure, .decimal),
        ("abs(-1)", TM.expenditure, .int),
        ("abs(eligible)", TM.expenditure, .decimal),
        ("min(1, 2.5)", TM.expenditure, .decimal),
        ("max(start, end)", TM.employment, .date),
        ("age_at(birth_date, 2020-01-01)", TM.participant, .int),
        ("months_between(start, end)", TM.employment, .int),
        ("period_end(start, params.extension_months)", TM.employment, .date),
        ("year(birth_date)", TM.participant, .int),
        ("len(criteria)", TM.participant, .int),
        ("len(id)", TM.participant, .int),
        ("klasius_band(\"12001\")", TM.participant, .string),
        ("isced_band(education_isced)", TM.participant, .string),
        ("emso_birth_date(emso)", TM.participant, .date),
        ("emso_valid(emso, true)", TM.participant, .bool),
        ("\"ltu24\" in criteria", TM.participant, .bool),
        ("education_isced in [0, 1, 2]", TM.participant, .bool),
        ("report_type == \"final\" ? 1 : 0.5", TM.operation, .decimal),
        ("birth_date == null", TM.participant, .bool),
        ("null", TM.participant, .null),
        ("[1, 2.5]", TM.participant, .list(.decimal)),
        ("params.max_rate", nil, .decimal),
        ("params.scheme", nil, .string),
        ("lookup(participant, participant_id).birth_date", TM.expenditure, .date),
        ("exists(participant, participant_id)", TM.expenditure, .bool),
        ("count(participant)", nil, .int),
        ("sum(expenditure.eligible)", nil, .decimal),
        ("min(participant.birth_date)", nil, .date),
        ("max(employment.weekly_hours)", nil, .int),
        ("count_distinct(employment.participant_id)", nil, .int),
    ] as [(String, Int?, ExprType)])
    func types(source: String, scope: Int?, type: ExprType) throws {
        let bound = try compiled(source, scope: scope)
        #expect(bound.type == type)
    }

    @Test("a personal-data field is marked as such")
    func personalField() throws {
        #expect(try compiled("emso", scope: TM.participant).personal)
        #expect(try !compiled("id", scope: TM.participant).personal)
    }

    @Test("an int result is accepted where a decimal is expected; null is accepted anywhere")
    func expectingWidens() throws {
        _ = try compiled("education_isced", scope: TM.participant, expecting: .decimal)
        _ = try compiled("null", scope: TM.participant, expecting: .bool)
    }

    @Test("usage records the entities, own fields and aggregates an expression reads")
    func usage() throws {
        let compiler = TM.compiler()
        guard case .success(let (_, usage)) = compiler.compile(
            "training.end < start and participant.birth_date < end and end > start", scope: TM.employment) else {
            Issue.record("did not compile"); return
        }
        #expect(usage.entities == [TM.training, TM.employment, TM.participant])
        #expect(usage.ownFields == ["start", "end"])
        #expect(usage.aggregates.isEmpty)
        #expect(!usage.aggregated)
    }

    // MARK: errors

    @Test("unknown names, wrong arity and type mismatches carry their code and the offending range", arguments: [
        ("birth_dat < 2000-01-01", TM.participant, "expr.unknown_field", 0, 9),
        ("1 < participant.nope", TM.employment, "expr.unknown_field", 4, 20),
        ("participant_id == nope.id", TM.employment, "expr.unknown_field", 18, 22),
        ("1 + params.nope", TM.participant, "expr.unknown_parameter", 4, 15),
        ("params", TM.participant, "expr.syntax", 0, 6),
        ("employment == null", TM.participant, "expr.syntax", 0, 10),
        ("1 + foo(1)", TM.participant, "expr.unknown_function", 4, 10),
        ("days(1, 2)", TM.participant, "expr.arity", 0, 10),
        ("add_months(birth_date)", TM.participant, "expr.arity", 0, 22),
        ("round()", TM.participant, "expr.arity", 0, 7),
        ("min(1, 2, 3)", TM.participant, "expr.arity", 0, 12),
        ("len(id, id)", TM.participant, "expr.arity", 0, 11),
        ("birth_date + 1 > birth_date", TM.participant, "expr.type_mismatch", 0, 14),
        ("id < 1", TM.participant, "expr.type_mismatch", 0, 6),
        ("true < false", TM.participant, "expr.type_mismatch", 0, 12),
        ("education_isced and true", TM.participant, "expr.type_mismatch", 0, 24),
        ("true or 1", TM.participant, "expr.type_mismatch", 0, 9),
        ("not education_isced", TM.participant, "expr.type_mismatch", 0, 19),
        ("-id == null", TM.participant, "expr.type_mismatch", 0, 3),
        ("birth_date == \"2000-01-01\"", TM.participant, "expr.type_mismatch", 0, 26),
        ("id ? 1 : 2", TM.participant, "expr.type_mismatch", 0, 2),
        ("birth_date < 2000-01-01 ? 1 : \"x\"", TM.participant, "expr.type_mismatch", 0, 33),
        ("\"x\" in id", TM.participant, "expr.type_mismatch", 0, 9),
        ("1 in criteria", TM.participant, "expr.type_mismatch", 0, 13),
        ("education_isced ?? \"none\"", TM.participant, "expr.type_mismatch", 0, 25),
        ("[1, \"a\"] == null", TM.participant, "expr.type_mismatch", 4, 7),
        ("add_months(birth_date, \"1\") > birth_date", TM.participant, "expr.type_mismatch", 23, 26),
        ("year(id) > 2000", TM.participant, "expr.type_mismatch", 5, 7),
        ("emso_valid(emso, 1)", TM.participant, "expr.type_mismatch", 17, 18),
        ("matches(id, \"[\")", TM.participant, "expr.invalid_regex", 12, 15),
        ("starts_with(id where true, \"x\")", TM.participant, "expr.syntax", 12, 14),
        ("id.length > 1", TM.participant, "expr.type_mismatch", 0, 9),
        ("lookup(participant) == null", TM.expenditure, "expr.arity", 0, 19),
        ("unique(participant.id)", nil, "expr.relation_position", 0, 22),
    ] as [(String, Int?, String, Int, Int)])
    func errors(source: String, scope: Int?, code: String, start: Int, end: Int) throws {
        let errors = compileErrors(source, scope: scope)
        let e = try #require(errors.first, "'\(source)' compiled")
        #expect(errors.count == 1)
        #expect(e.code == code, "\(e.message)")
        #expect(e.range == SourceRange(start, end), "\(e.message)")
    }

    @Test("a result of the wrong type for the rule's position is reported over the whole expression")
    func expectingMismatch() throws {
        let e = try #require(compileErrors(" education_isced + 1", scope: TM.participant, expecting: .bool).first)
        #expect(e.code == "expr.type_mismatch")
        #expect(e.range == SourceRange(1, 20))
    }

    @Test("every problem of one expression is reported at once")
    func allErrorsAtOnce() {
        let errors = compileErrors("foo < 1 and bar > 2", scope: TM.participant)
        #expect(errors.map(\.code) == ["expr.unknown_field", "expr.unknown_field"])
        #expect(errors.map(\.range.start) == [0, 12])
    }

    @Test("a syntax error comes out of compile as one error")
    func syntaxErrorThroughCompile() {
        let errors = compileErrors("birth_date <", scope: TM.participant)
        #expect(errors.map(\.code) == ["expr.syntax"])
        #expect(errors.first?.range == SourceRange(12, 12))
    }

    // MARK: scopes

    @Test("records readable from a scope: own, ancestors, 0..1 siblings and the root", arguments: [
        ("training.end >= end", TM.employment),
        ("participant.birth_date < start", TM.employment),
        ("participant.birth_date < start", TM.training),
        ("employment.start < participant.birth_date", TM.employment),
        ("operation.eu_rate <= 0.85", TM.expenditure),
        ("operation.eu_rate <= 0.85", TM.employment),
        ("operation.eu_rate <= 0.85", nil),
        ("training.start != null", TM.participant),
        ("participant_id == participant.id", TM.training),
    ] as [(String, Int?)])
    func readableScopes(source: String, scope: Int?) throws {
        _ = try compiled(source, scope: scope, expecting: .bool)
    }

    @Test("records a scope cannot read directly", arguments: [
        ("employment.start == null", TM.participant, "expr.not_in_scope", 0, 16),
        ("true and employment.start == null", TM.training, "expr.not_in_scope", 9, 25),
        ("expenditure.eligible > 0", TM.participant, "expr.not_in_scope", 0, 20),
        ("participant.id == null", TM.operation, "expr.not_in_scope", 0, 14),
        ("participant.birth_date < 2000-01-01", nil, "expr.needs_aggregate", 0, 22),
        ("id == null", nil, "expr.unknown_field", 0, 2),
    ] as [(String, Int?, String, Int, Int)])
    func unreadableScopes(source: String, scope: Int?, code: String, start: Int, end: Int) throws {
        let e = try #require(compileErrors(source, scope: scope).first, "'\(source)' compiled")
        #expect(e.code == code, "\(e.message)")
        #expect(e.range == SourceRange(start, end))
    }

    // MARK: aggregates

    @Test("a correlated aggregate splits its filter into a key and a residual filter")
    func correlatedAggregate() throws {
        let compiler = TM.compiler()
        let src = "sum(expenditure.eligible where participant_id == participant.id and category == \"staff\") > 0"
        guard case .success(let (bound, usage)) = compiler.compile(src, scope: TM.participant, expecting: .bool) else {
            Issue.record("did not compile"); return
        }
        #expect(bound.type == .bool)
        let spec = try #require(compiler.aggregates.last)
        #expect(compiler.aggregates.count == 1)
        #expect(spec.kind == .sum)
        #expect(spec.entity == TM.expenditure)
        #expect(spec.field == 2)
        #expect(spec.valueType == .decimal)
        #expect(spec.innerKeyFields == [1])
        #expect(spec.outerKey.map(\.text) == ["participant.id"])
        #expect(spec.filter?.text == "category == \"staff\"")
        #expect(usage.aggregates == [0])
        #expect(usage.entities.contains(TM.participant))
    }

    @Test("the SPEC example of a correlated aggregate compiles in scope participant.training")
    func specCorrelatedExample() throws {
        let compiler = TM.compiler()
        _ = try compiled("sum(expenditure.eligible where participant_id == participant.id and category == \"unit_cost_training\") <= 3360.00",
                         scope: TM.training, compiler: compiler, expecting: .bool)
        let spec = try #require(compiler.aggregates.first)
        #expect(spec.innerKeyFields == [1])
        #expect(spec.outerKey.count == 1)
    }

    @Test("a correlation written the other way round is recognized too")
    func reversedCorrelation() throws {
        let compiler = TM.compiler()
        _ = try compiled("count(expenditure where participant.id == participant_id) > 0", scope: TM.participant, compiler: compiler)
        #expect(compiler.aggregates.first?.innerKeyFields == [1])
        #expect(compiler.aggregates.first?.filter == nil)
    }

    @Test("a filter reading only the root and parameters is not a correlation")
    func rootInFilterIsNoCorrelation() throws {
        let compiler = TM.compiler()
        _ = try compiled("count(expenditure where eligible > operation.total_eligible * params.max_rate) == 0", scope: nil, compiler: compiler)
        let spec = try #require(compiler.aggregates.first)
        #expect(spec.innerKeyFields.isEmpty)
        #expect(spec.filter != nil)
    }

    @Test("one compiler registers every aggregate call site in order")
    func registry() throws {
        let compiler = TM.compiler()
        _ = try compiled("count(participant) >= 1", scope: nil, compiler: compiler)
        _ = try compiled("sum(expenditure.eligible) <= operation.total_eligible", scope: nil, compiler: compiler)
        #expect(compiler.aggregates.map(\.kind) == [.count, .sum])
        #expect(compiler.aggregates.map(\.entity) == [TM.participant, TM.expenditure])
    }

    @Test("aggregate misuse is rejected with its code and range", arguments: [
        // 'count(expenditure where ' is 24 bytes: the conjunct that compares with '>' starts there
        ("count(expenditure where eligible > participant.education_isced) > 0", TM.participant, "expr.correlation", 24, 62),
        ("count(expenditure where participant_id == participant.id or category == \"staff\") > 0", TM.participant, "expr.correlation", 24, 79),
        ("count(participant where count(expenditure) > 0) > 0", nil, "expr.nested_aggregate", 24, 42),
        ("sum(expenditure) > 0", nil, "expr.aggregate_target", 4, 15),
        ("sum(expenditure.category) > 0", nil, "expr.type_mismatch", 4, 24),
        ("sum(expenditure.nope) > 0", nil, "expr.unknown_field", 4, 20),
        ("count(nothing) > 0", nil, "expr.aggregate_target", 6, 13),
        ("count(participant, expenditure) > 0", nil, "expr.arity", 0, 31),
        ("min(participant.criteria) == null", nil, "expr.type_mismatch", 4, 24),
        ("count(participant where education_isced) > 0", nil, "expr.type_mismatch", 24, 39),
    ] as [(String, Int?, String, Int, Int)])
    func aggregateErrors(source: String, scope: Int?, code: String, start: Int, end: Int) throws {
        let e = try #require(compileErrors(source, scope: scope).first, "'\(source)' compiled")
        #expect(e.code == code, "\(e.message)")
        #expect(e.range == SourceRange(start, end), "\(e.message)")
    }

    // MARK: relations

    @Test("unique over one or more fields of one entity, with an optional filter")
    func uniqueRelation() throws {
        let compiler = TM.compiler()
        guard case .success(let (specs, _))? = compiler.compileRelation("unique(participant.id)"), specs.count == 1, let spec = specs.first,
              case .unique(let entity, let fields, let filter) = spec else { Issue.record("not a unique relation"); return }
        #expect(entity == TM.participant)
        #expect(fields == [0])
        #expect(filter == nil)

        guard case .success(let (specs2, _))? = compiler.compileRelation("unique(employment.participant_id, employment.start where weekly_hours > 0)"), let spec2 = specs2.first,
              case .unique(let entity2, let fields2, let filter2) = spec2 else { Issue.record("not a unique relation"); return }
        #expect(entity2 == TM.employment)
        #expect(fields2 == [0, 2])
        #expect(filter2?.type == .bool)
    }

    @Test("no_overlap binds its key and interval bounds on the related entity")
    func noOverlapRelation() throws {
        let compiler = TM.compiler()
        guard case .success(let (specs, _))? = compiler.compileRelation("no_overlap(employment by participant_id, start, extension_end ?? end)"), let spec = specs.first,
              case .noOverlap(let entity, let keyField, let start, let end) = spec else { Issue.record("not a no_overlap relation"); return }
        #expect(entity == TM.employment)
        #expect(keyField == 0)
        #expect(start.type == .date)
        #expect(end.type == .date)
        #expect(end.text == "extension_end ?? end")
    }

    @Test("relations joined by 'and' relate one entity")
    func relationConjunction() {
        guard case .success(let (specs, _))? = TM.compiler().compileRelation("unique(employment.id) and no_overlap(employment by participant_id, start, end)") else {
            Issue.record("not compiled"); return
        }
        #expect(specs.count == 2)
        #expect(specs.allSatisfy { $0.entity == TM.employment })
        guard case .failure(let errors)? = TM.compiler().compileRelation("unique(employment.id) and unique(participant.id)") else {
            Issue.record("two entities must be refused"); return
        }
        #expect(errors.all.map(\.code) == ["expr.type_mismatch"])
        #expect(errors.all.first?.range.start == 26)
    }

    @Test("an expression that is not a relation is left to compile")
    func notARelation() {
        #expect(TM.compiler().compileRelation("count(participant) > 0") == nil)
        #expect(TM.compiler().compileRelation("unique(participant.id) and true") == nil)
    }

    @Test("relation errors carry their code and range", arguments: [
        ("unique()", "expr.arity", 0, 8),
        ("unique(participant.id, employment.id)", "expr.type_mismatch", 23, 36),
        ("unique(participant.nope)", "expr.unknown_field", 7, 23),
        ("unique(participant)", "expr.aggregate_target", 7, 18),
        ("unique(participant.id where 1)", "expr.type_mismatch", 28, 29),
        ("no_overlap(employment, start, end)", "expr.arity", 0, 34),
        ("no_overlap(employment by nope, start, end)", "expr.unknown_field", 11, 21),
        ("no_overlap(employment by participant_id, weekly_hours, end)", "expr.type_mismatch", 41, 53),
        ("no_overlap(employment by participant_id, start, nope)", "expr.unknown_field", 48, 52),
    ])
    func relationErrors(source: String, code: String, start: Int, end: Int) throws {
        guard case .failure(let errors)? = TM.compiler().compileRelation(source) else {
            Issue.record("'\(source)' did not fail as a relation"); return
        }
        let e = try #require(errors.all.first)
        #expect(e.code == code, "\(e.message)")
        #expect(e.range == SourceRange(start, end), "\(e.message)")
    }
}
