import ESFCore
import ESFExpr
import Testing

/// The compiled form of `source`, lowered with the test parameters.
func lowered(_ source: String, scope: Int? = TM.participant, budget: Int = Evaluator.defaultBudget) throws -> CompiledExpression {
    let compiler = TM.compiler()
    let bound = try compiled(source, scope: scope, compiler: compiler)
    return CompiledExpression(bound, params: TM.params.map(\.value), aggregates: compiler.aggregates, budget: budget)
}

/// An evaluator with the default operation and participant in context, and `participant` replaced by `record`.
func context(participant record: [Value] = Rec.participant(), budget: Int = Evaluator.defaultBudget) -> Evaluator {
    var ev = Evaluator(params: TM.params.map(\.value), entityCount: TM.model.entities.count, budget: budget)
    ev.records[TM.operation] = Rec.operation()
    ev.records[TM.participant] = record
    return ev
}

// Every test of `EvaluatorTests` also compares the compiled form with the tree evaluator (see `evaluate`);
// these test what only the compiled form does.
@Suite("Compiled expressions")
struct CompiledExpressionUnitTests {
    @Test("the cost is checked statically when bounded within the budget, else counted per node", arguments: [
        ("education_isced >= 2 and emso != null", Evaluator.defaultBudget, false),
        ("education_isced in [1, 2, 3] or birth_date < 2000-01-01", Evaluator.defaultBudget, false),
        ("len(emso) > 3", Evaluator.defaultBudget, true),
        ("matches(emso, \"^[0-9]+$\")", Evaluator.defaultBudget, true),
        ("\"ltu24\" in criteria", Evaluator.defaultBudget, true),
        ("len(criteria) > 1", Evaluator.defaultBudget, false),
        // 9 nodes: within a budget of 9, not of 8
        ("education_isced + 1 + 1 + 1 > 0", 9, false),
        ("education_isced + 1 + 1 + 1 > 0", 8, true),
    ])
    func staticBudget(source: String, budget: Int, charged: Bool) throws {
        #expect(try lowered(source, budget: budget).charged == charged)
    }

    @Test("a counted evaluation stops at the budget as the tree evaluator does")
    func countedBudget() throws {
        let c = try lowered("education_isced + 1 + 1 + 1 > 0", budget: 8)
        var ev = context(budget: 8)
        #expect(throws: EvalError(code: "budget", message: "the evaluation exceeded its cost budget of 8 steps")) {
            try ev.truth(c)
        }
        var roomy = context(budget: 9)
        #expect(try roomy.truth(try lowered("education_isced + 1 + 1 + 1 > 0", budget: 9)) == true)
    }

    @Test("a value of another type than the field's is evaluated again by the tree evaluator")
    func deoptimizes() throws {
        // a text where the model has a date: the tree evaluator compares the texts
        var record = Rec.participant()
        record[1] = .string("1970-05-12")
        let c = try lowered("birth_date == birth_date")
        var ev = context(participant: record)
        #expect(try ev.truth(c) == true)
        #expect(try ev.evaluate(c) == .bool(true))
        // and its run-time errors are the tree evaluator's
        let d = try lowered("birth_date < 2000-01-01")
        var ev2 = context(participant: record)
        #expect(throws: EvalError(code: "type", message: "cannot compare 1970-05-12 with 2000-01-01")) { try ev2.truth(d) }
    }

    @Test("parameters and constant parts are folded; a constant list is a set of key forms", arguments: [
        ("education_isced in [1, 2.00, 3]", Value.bool(true)),
        ("education_isced in [1, 3, null]", .bool(false)),
        ("emso in [\"0101006500006\", \"x\"]", .bool(true)),
        ("eu_rate <= params.max_rate", .bool(true)),
        ("birth_date + days(params.extension_months * 2) > birth_date", .bool(true)),
        ("round(eu_rate * 3, 1)", .decimal(ExactDecimal(units: 24, scale: 1))),
    ])
    func folded(source: String, expected: Value) throws {
        let scope = source.contains("eu_rate") ? TM.operation : TM.participant
        let c = try lowered(source, scope: scope)
        var ev = context()
        #expect(try ev.evaluate(c) == expected)
    }

    @Test("run-time errors have the tree evaluator's messages", arguments: [
        ("education_isced * 9223372036854775807 > 0", "arithmetic overflow in 2 * 9223372036854775807"),
        ("education_isced / (education_isced - 2) > 0", "division by zero: 2 / 0"),
        ("birth_date + days(3700001) > birth_date", "date out of range: 1970-05-12 + 3700001 days"),
        ("add_months(birth_date, 200000) > birth_date", "add_months: date out of range"),
        ("round(1.5, 30) > 1", "round: 30 places is out of range 0…24"),
    ])
    func errors(source: String, message: String) throws {
        let c = try lowered(source)
        var ev = context()
        let error = #expect(throws: EvalError.self) { try ev.truth(c) }
        #expect(error?.message == message)
    }

    @Test("a run-time error in an expression reading personal data does not quote it")
    func personalError() throws {
        let c = try lowered("emso_birth_date(emso) + days(3700001) > birth_date")
        var ev = context()
        let error = #expect(throws: EvalError.self) { try ev.truth(c) }
        #expect(error?.message.contains("which reads personal data") == true)
        #expect(error?.message.contains("2006") == false)
    }

    @Test("tracing uses the tree evaluator: the parts' values are explained")
    func traced() throws {
        let c = try lowered("education_isced > 3 and birth_date < 2000-01-01")
        var ev = context()
        ev.trace = []
        #expect(try ev.truth(c) == false)
        #expect(ev.trace?.map(\.expression) == ["education_isced", "education_isced > 3", "birth_date", "birth_date < 2000-01-01"])
    }
}
