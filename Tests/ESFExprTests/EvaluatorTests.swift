import ESFCore
import ESFExpr
import Testing

/// Records in model field order (see `TM.model`).
enum Rec {
    static func operation(euRate: String? = "0.80", total: String? = "8500000.00", reportType: String? = "final") -> [Value] {
        [.string("UD-2020"), euRate.map { .decimal(dec($0)) } ?? .null, total.map { .decimal(dec($0)) } ?? .null,
         reportType.map(Value.string) ?? .null]
    }

    static func participant(id: String = "UD-000001", birth: String? = "1970-05-12", criteria: [String]? = ["ltu24", "basic_education"],
                            isced: Int64? = 2, emso: String? = "0101006500006") -> [Value] {
        [.string(id), birth.map { .date(date($0)) } ?? .null, criteria.map { .list($0.map(Value.string)) } ?? .null,
         isced.map(Value.int) ?? .null, emso.map(Value.string) ?? .null]
    }

    static func employment(start: String? = "2020-09-01", end: String? = "2021-02-28", extensionEnd: String? = nil, hours: Int64? = 40) -> [Value] {
        [.string("UD-000001"), .string("UD-000001-E1"), start.map { .date(date($0)) } ?? .null, end.map { .date(date($0)) } ?? .null,
         extensionEnd.map { .date(date($0)) } ?? .null, hours.map(Value.int) ?? .null]
    }

    static func expenditure(participantID: String? = "UD-000001", eligible: String? = "3360.00", category: String? = "staff") -> [Value] {
        [.string("X-000001"), participantID.map(Value.string) ?? .null, eligible.map { .decimal(dec($0)) } ?? .null,
         category.map(Value.string) ?? .null]
    }
}

/// Compiles `source` in `scope` and evaluates it with the given current records.
func evaluate(_ source: String, scope: Int? = TM.participant, records: [Int: [Value]] = [:], budget: Int = Evaluator.defaultBudget,
              state: (any EvaluationState)? = nil, compiler: ExprCompiler = TM.compiler(),
              sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Value {
    let bound = try compiled(source, scope: scope, compiler: compiler, sourceLocation: sourceLocation)
    var ev = Evaluator(params: TM.params.map(\.value), entityCount: TM.model.entities.count, state: state, budget: budget)
    ev.aggregates = compiler.aggregates
    ev.records[TM.operation] = Rec.operation()
    ev.records[TM.participant] = Rec.participant()
    for (entity, values) in records { ev.records[entity] = values }
    // every expression test is also a differential test: the compiled form gives the same value or error
    var fast = ev
    let stub = state as? StubState
    let asked = stub?.asked
    let lowered = CompiledExpression(bound, params: ev.params, aggregates: compiler.aggregates, budget: budget)
    let compiledOutcome = outcome { () throws(EvalError) -> Value in try fast.evaluate(lowered) }
    if let asked { stub?.asked = asked }
    var value = Value.null
    var failure: EvalError?
    do throws(EvalError) { value = try ev.evaluate(bound) } catch { failure = error }
    #expect(compiledOutcome == failure.map { "error \($0.code): \($0.message)" } ?? "value \(value) (\(ExprType(of: value)))",
            "compiled '\(source)'", sourceLocation: sourceLocation)
    if let failure { throw failure }
    return value
}

/// The value (with its type) or the error of an evaluation, comparable across evaluators.
func outcome(_ body: () throws(EvalError) -> Value) -> String {
    do throws(EvalError) {
        let v = try body()
        return "value \(v) (\(ExprType(of: v)))"
    } catch {
        return "error \(error.code): \(error.message)"
    }
}

/// The code of the run-time error `source` raises.
func evalErrorCode(_ source: String, scope: Int? = TM.participant, records: [Int: [Value]] = [:], budget: Int = Evaluator.defaultBudget,
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String? {
    let error = #expect(throws: EvalError.self, sourceLocation: sourceLocation) {
        _ = try evaluate(source, scope: scope, records: records, budget: budget, sourceLocation: sourceLocation)
    }
    return error?.code
}

/// An engine stand-in: fixed aggregate values per key and a record index.
final class StubState: EvaluationState {
    var aggregateValues: [Int: [[Value]: Value]] = [:]
    var asked: [(Int, [Value])] = []
    var index: [Int: [Value: [Value]]] = [:]

    func aggregateValue(_ id: Int, key: [Value]) -> Value {
        asked.append((id, key))
        return aggregateValues[id]?[key] ?? .null
    }

    func lookup(_ entity: Int, key: Value) -> [Value]? { index[entity]?[key.keyForm] }

    var keptRecords: [Int: [[Value]: [[Value]]]] = [:]
    func aggregateRecords(_ id: Int, key: [Value]) -> [[Value]] { keptRecords[id]?[key] ?? [] }
}

@Suite("Evaluator")
struct EvaluatorTests {
    // MARK: three-valued logic

    @Test("and / or / not follow three-valued logic", arguments: [
        ("true and true", Value.bool(true)), ("true and false", .bool(false)),
        ("false and null", .bool(false)), ("null and false", .bool(false)),
        ("true and null", .null), ("null and true", .null), ("null and null", .null),
        ("true or null", .bool(true)), ("null or true", .bool(true)),
        ("false or null", .null), ("null or false", .null), ("null or null", .null), ("false or false", .bool(false)),
        ("not true", .bool(false)), ("not null", .null), ("!false", .bool(true)),
    ])
    func threeValuedLogic(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("a missing field makes comparisons unknown, except == null, != null and ??", arguments: [
        ("birth_date < 2000-01-01", Value.null),
        ("education_isced == 3", .null),
        ("education_isced != 3", .null),
        ("null < 1", .null),
        ("birth_date == null", .bool(true)),
        ("birth_date != null", .bool(false)),
        ("null == birth_date", .bool(true)),
        ("education_isced + 1", .null),
        ("-education_isced", .null),
        ("birth_date < 2000-01-01 or true", .bool(true)),
        ("birth_date < 2000-01-01 and false", .bool(false)),
        ("(birth_date ?? 1990-01-01) < 2000-01-01", .bool(true)),
        ("education_isced ?? 9", .int(9)),
        ("birth_date < 2000-01-01 ? \"old\" : \"young\"", .null),
        ("year(birth_date)", .null),
        ("len(emso)", .null),
        ("emso_valid(emso)", .null),
        ("\"ltu24\" in criteria", .null),
        ("max(education_isced, 3)", .null),
    ])
    func nullPropagation(source: String, expected: Value) throws {
        let missing = Rec.participant(birth: nil, criteria: nil, isced: nil, emso: nil)
        #expect(try evaluate(source, records: [TM.participant: missing]) == expected)
    }

    @Test("== null is false for a present value; ?? keeps it")
    func presentValue() throws {
        #expect(try evaluate("birth_date == null") == .bool(false))
        #expect(try evaluate("birth_date != null") == .bool(true))
        #expect(try evaluate("birth_date ?? 1990-01-01") == .date(date("1970-05-12")))
    }

    @Test("?? chains pick the first present value")
    func coalesceChain() throws {
        let e = Rec.employment(end: "2021-02-28", extensionEnd: nil)
        #expect(try evaluate("extension_end ?? end", scope: TM.employment, records: [TM.employment: e]) == .date(date("2021-02-28")))
        #expect(try evaluate("null ?? extension_end ?? start", scope: TM.employment, records: [TM.employment: e]) == .date(date("2020-09-01")))
        let x = Rec.employment(extensionEnd: "2021-08-31")
        #expect(try evaluate("extension_end ?? end", scope: TM.employment, records: [TM.employment: x]) == .date(date("2021-08-31")))
    }

    @Test("?: picks a branch, and a null condition gives null", arguments: [
        ("true ? 1 : 2", Value.int(1)), ("false ? 1 : 2", .int(2)), ("null ? 1 : 2", .null),
        ("education_isced <= 2 ? \"low\" : \"other\"", .string("low")),
        ("false ? 1 : true ? 2 : 3", .int(2)),
    ])
    func conditional(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("?: does not evaluate the branch it does not take")
    func conditionalIsLazy() throws {
        #expect(try evaluate("(true ? 1 : 1 / 0) == 1") == .bool(true))
        #expect(try evaluate("false and 1 / 0 > 0") == .bool(false))
        #expect(try evaluate("true or 1 / 0 > 0") == .bool(true))
        #expect(try evaluate("(1 ?? 1 / 0) == 1") == .bool(true))
    }

    // MARK: in

    @Test("in tests membership in sets and lists", arguments: [
        ("\"ltu24\" in criteria", Value.bool(true)),
        ("\"over55\" in criteria", .bool(false)),
        ("education_isced in [1, 2, 3]", .bool(true)),
        ("education_isced in [5, 6]", .bool(false)),
        ("2 in [1.0, 2.00]", .bool(true)),
        ("\"x\" in []", .bool(false)),
        ("null in [1, 2]", .null),
        ("\"a\" in null", .null),
        ("not \"over55\" in criteria", .bool(true)),
    ])
    func membership(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    // MARK: arithmetic and comparison

    @Test("arithmetic mixes ints and decimals exactly", arguments: [
        ("1 + 0.5", Value.decimal(dec("1.5"))),
        ("2 * 3", .int(6)),
        ("2 * 3.5", .decimal(dec("7.0"))),
        ("7 / 2", .decimal(dec("3.5"))),
        ("10 - 0.01", .decimal(dec("9.99"))),
        ("0.1 + 0.2", .decimal(dec("0.3"))),
        ("8500000.00 * 0.80", .decimal(dec("6800000.00"))),
        ("-education_isced + 1", .int(-1)),
        ("1 / 3", .decimal(dec("0.3333333333333333"))),
        ("6800000.00 / 8500000.00", .decimal(dec("0.8"))),
    ])
    func arithmetic(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("int arithmetic stays int; decimal division is a decimal")
    func resultKinds() throws {
        guard case .int = try evaluate("7 - 2 * 3") else { Issue.record("not an int"); return }
        guard case .decimal = try evaluate("4 / 2") else { Issue.record("not a decimal"); return }
    }

    @Test("comparisons across ints, decimals, dates and strings", arguments: [
        ("0.1 + 0.2 == 0.3", Value.bool(true)),
        ("1.50 == 1.5", .bool(true)),
        ("2 == 2.0", .bool(true)),
        ("2 < 2.01", .bool(true)),
        ("operation.eu_rate <= 0.80", .bool(true)),
        ("operation.eu_rate < 0.8", .bool(false)),
        ("birth_date < 1970-05-13", .bool(true)),
        ("birth_date >= 1970-05-12", .bool(true)),
        ("\"abc\" < \"abd\"", .bool(true)),
        ("id != \"UD-000001\"", .bool(false)),
        ("days(2) > days(1)", .bool(true)),
    ])
    func comparisons(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("scalar min and max", arguments: [
        ("min(1, 2)", Value.int(1)), ("max(1, 2)", .int(2)), ("min(2, 1.5)", .decimal(dec("1.5"))),
        ("max(2, 1.5)", .decimal(dec("2"))), ("min(2021-01-01, 2020-12-31)", .date(date("2020-12-31"))),
        ("max(\"a\", \"b\")", .string("b")),
    ])
    func scalarMinMax(source: String, expected: Value) throws {
        let v = try evaluate(source)
        #expect(v == expected)
        if case .decimal = expected { guard case .decimal = v else { Issue.record("\(source) is not a decimal: \(v)"); return } }
    }

    // MARK: money

    @Test("round is half away from zero", arguments: [
        ("round(2.345, 2)", "2.35"), ("round(-2.345, 2)", "-2.35"), ("round(2.344, 2)", "2.34"),
        ("round(0.005, 2)", "0.01"), ("round(2.5)", "3"), ("round(-2.5)", "-3"), ("round(1 / 3, 2)", "0.33"),
        ("round(7, 2)", "7"),
    ])
    func round(source: String, expected: String) throws {
        let v = try evaluate(source)
        #expect(v == .decimal(dec(expected)))
        #expect(v.description == expected)
    }

    @Test("round refuses a negative number of places at run time")
    func roundNegativePlaces() {
        #expect(evalErrorCode("round(2.5, 0 - 1)") == "range")
    }

    @Test("approx is abs(a - b) <= tol, inclusive", arguments: [
        ("approx(0.01, 0.02, 0.01)", true), ("approx(0.02, 0.01, 0.01)", true), ("approx(0.01, 0.021, 0.01)", false),
        ("approx(100, 100.00, 0)", true), ("approx(-0.01, 0.00, 0.01)", true), ("approx(-0.01, 0.005, 0.01)", false),
    ])
    func approx(source: String, expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("abs of ints and decimals")
    func absolute() throws {
        #expect(try evaluate("abs(-3)") == .int(3))
        #expect(try evaluate("abs(-0.01)") == .decimal(dec("0.01")))
    }

    // MARK: dates

    @Test("date functions", arguments: [
        ("add_months(2021-01-31, 1)", Value.date(date("2021-02-28"))),
        ("add_months(2020-01-31, 1)", .date(date("2020-02-29"))),
        ("add_months(2021-03-31, -1)", .date(date("2021-02-28"))),
        ("period_end(2020-09-01, 6)", .date(date("2021-02-28"))),
        ("period_end(2020-08-31, 6)", .date(date("2021-02-28"))),
        ("period_end(2021-01-31, 1)", .date(date("2021-02-28"))),
        ("period_end(2019-09-01, 6)", .date(date("2020-02-29"))),
        ("period_end(2021-03-01, params.extension_months)", .date(date("2021-08-31"))),
        ("months_between(2020-01-31, 2020-02-29)", .int(1)),
        ("months_between(2020-09-01, 2021-02-28)", .int(5)),
        ("months_between(2020-09-01, 2021-03-01)", .int(6)),
        ("months_between(2021-03-01, 2020-09-01)", .int(-6)),
        ("age_at(2000-05-12, 2018-05-12)", .int(18)),
        ("age_at(2000-05-12, 2018-05-11)", .int(17)),
        ("age_at(2000-02-29, 2018-02-28)", .int(18)),
        ("age_at(birth_date, 2025-05-11)", .int(54)),
        ("age_at(birth_date, 2025-05-12)", .int(55)),
        ("year(2020-02-29)", .int(2020)),
        ("2021-02-28 + days(1)", .date(date("2021-03-01"))),
        ("days(1) + 2020-02-28", .date(date("2020-02-29"))),
        ("2021-03-01 - days(1)", .date(date("2021-02-28"))),
        ("2020-01-01 + days(2) * 3", .date(date("2020-01-07"))),
        ("2020-01-01 + days(-1)", .date(date("2019-12-31"))),
        ("2021-03-01 - 2021-02-01", .int(28)),
        ("2020-03-01 - 2020-02-01", .int(29)),
        ("days(3) - days(1)", .days(2)),
    ])
    func dates(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("an extension that starts the day after the subsidised period (the SPEC rule UD-EM-003)")
    func extensionRule() throws {
        let assert = "extension_end <= period_end(end + days(1), params.extension_months) and end + days(1) == 2021-03-01"
        let pass = Rec.employment(end: "2021-02-28", extensionEnd: "2021-08-31")
        let fail = Rec.employment(end: "2021-02-28", extensionEnd: "2021-09-01")
        #expect(try evaluate(assert, scope: TM.employment, records: [TM.employment: pass]) == .bool(true))
        #expect(try evaluate(assert, scope: TM.employment, records: [TM.employment: fail]) == .bool(false))
    }

    @Test("date arithmetic out of the calendar's range is a run-time error, not a crash", arguments: [
        "9999-12-31 + days(1)",
        "2021-01-01 + days(9223372036854775807)",
        "2021-01-01 - days(-9223372036854775807 - 1)",
        "2021-01-01 + days(-9223372036854775807 - 1)",
        "add_months(9999-12-01, 1)",
        "add_months(2021-01-01, -9223372036854775807 - 1)",
        "period_end(2021-01-01, 200000)",
    ])
    func dateOutOfRange(source: String) {
        #expect(evalErrorCode(source) == "overflow")
    }

    // MARK: strings

    @Test("string functions", arguments: [
        ("len(\"Učne\")", Value.int(4)),
        ("len(criteria)", .int(2)),
        ("len(\"\")", .int(0)),
        ("matches(id, \"^UD-[0-9]{6}$\")", .bool(true)),
        ("matches(id, \"^UD-[0-9]{5}$\")", .bool(false)),
        ("matches(\"x UD-1 y\", \"UD-[0-9]\")", .bool(true)),
        ("starts_with(\"OP2014-2020\", \"OP2014\")", .bool(true)),
        ("starts_with(\"OP2014-2020\", \"2014\")", .bool(false)),
        ("starts_with(id, \"\")", .bool(true)),
    ])
    func strings(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("an invalid regex that only exists at run time is a run-time error")
    func invalidRuntimeRegex() {
        let p = Rec.participant(id: "UD-(")
        #expect(evalErrorCode("matches(\"x\", id)", records: [TM.participant: p]) == "regex")
    }

    // MARK: domain built-ins

    @Test("emso_valid: date, mod-11 check digit, and the check-10 case only with the flag", arguments: [
        ("emso_valid(\"0101006500006\")", true),
        ("emso_valid(\"0101006500007\")", false),
        ("emso_valid(\"1203985500004\")", true),
        ("emso_valid(\"2902000500128\")", true),
        ("emso_valid(\"3102006500006\")", false),
        ("emso_valid(\"010100650000\")", false),
        ("emso_valid(\"01010065000061\")", false),
        ("emso_valid(\"010100650000a\")", false),
        ("emso_valid(\"0101006500090\")", false),
        ("emso_valid(\"0101006500090\", false)", false),
        ("emso_valid(\"0101006500090\", true)", true),
        ("emso_valid(\"0101006500091\", true)", false),
    ])
    func emsoValid(source: String, expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("emso_birth_date decodes DDMMYYY with YYY < 800 meaning 2YYY", arguments: [
        ("emso_birth_date(\"0101006500006\")", Value.date(date("2006-01-01"))),
        ("emso_birth_date(\"1203985500004\")", .date(date("1985-03-12"))),
        ("emso_birth_date(\"2902000500128\")", .date(date("2000-02-29"))),
        ("emso_birth_date(\"3102006500006\")", .null),
        ("emso_birth_date(\"12345\")", .null),
    ])
    func emsoBirthDate(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("tax_number_valid: 8 digits, first 1–9, mod-11 with weights 8..2", arguments: [
        ("50223054", true), ("98511734", true), ("48944882", true), ("95606599", true), ("SI50223054", true),
        ("50223055", false), ("05022305", false), ("5022305", false), ("502230544", false), ("5022305X", false),
    ])
    func taxNumber(number: String, expected: Bool) throws {
        #expect(try evaluate("tax_number_valid(\"\(number)\")") == .bool(expected))
    }

    @Test("registration_number_valid: 7 or 10 digits, check digit 7 with weights 7..2", arguments: [
        ("1111116", true), ("1000004", true), ("1111116000", true), ("1111116001", true),
        ("1111115", false), ("1234560", false), ("111111", false), ("11111160", false), ("111111a", false),
    ])
    func registrationNumber(number: String, expected: Bool) throws {
        #expect(try evaluate("registration_number_valid(\"\(number)\")") == .bool(expected))
    }

    @Test("klasius_band and isced_band map to the three ESF bands", arguments: [
        ("klasius_band(\"11001\")", Value.string("0-2")), ("klasius_band(\"12001\")", .string("0-2")),
        ("klasius_band(\"10001\")", .string("0-2")), ("klasius_band(\"13001\")", .string("3-4")),
        ("klasius_band(\"15002\")", .string("3-4")), ("klasius_band(\"16001\")", .string("5-8")),
        ("klasius_band(\"18202\")", .string("5-8")), ("klasius_band(12001)", .string("0-2")),
        ("klasius_band(\"19001\")", .null), ("klasius_band(\"1200\")", .null), ("klasius_band(\"ab001\")", .null),
        ("isced_band(0)", .string("0-2")), ("isced_band(2)", .string("0-2")), ("isced_band(3)", .string("3-4")),
        ("isced_band(4)", .string("3-4")), ("isced_band(5)", .string("5-8")), ("isced_band(8)", .string("5-8")),
        ("isced_band(9)", .null), ("isced_band(-1)", .null), ("isced_band(education_isced)", .string("0-2")),
    ])
    func bands(source: String, expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    // MARK: run-time errors

    @Test("exceeding the cost budget is an EvalError")
    func budget() throws {
        #expect(evalErrorCode("1 + 2 + 3 + 4", budget: 3) == "budget")
        #expect(try evaluate("1 + 2 + 3 + 4", budget: 7) == .int(10))
        #expect(evalErrorCode("1 + 2 + 3 + 4", budget: 6) == "budget")
    }

    @Test("the budget is charged per list item tested by in and per byte matched")
    func budgetChargesWork() {
        let list = "[" + (1...50).map(String.init).joined(separator: ", ") + "]"
        #expect(evalErrorCode("51 in \(list)", budget: 60) == "budget")
        #expect(evalErrorCode("matches(\"\(String(repeating: "a", count: 200))\", \"b\")", budget: 100) == "budget")
    }

    @Test("each evaluation starts with a fresh budget")
    func budgetIsPerEvaluation() throws {
        let bound = try compiled("1 + 2", scope: nil)
        var ev = Evaluator(params: [], entityCount: TM.model.entities.count, budget: 3)
        for _ in 0..<5 { #expect(try ev.evaluate(bound) == .int(3)) }
    }

    @Test("division by zero is an EvalError", arguments: ["1 / 0", "1.5 / 0.00", "operation.total_eligible / (education_isced - 2)"])
    func divisionByZero(source: String) {
        #expect(evalErrorCode(source) == "division_by_zero")
    }

    @Test("int overflow is an EvalError, never wrapped", arguments: [
        "9223372036854775807 + 1",
        "-9223372036854775807 - 2",
        "4611686018427387904 * 2",
        "-(-9223372036854775807 - 1)",
        "abs(-9223372036854775807 - 1)",
        "days(9223372036854775807) + days(1)",
        "days(-9223372036854775807) - days(2)",
        "days(4611686018427387904) * 2",
        "-days(-9223372036854775807 - 1)",
    ])
    func intOverflow(source: String) {
        #expect(evalErrorCode(source) == "overflow")
    }

    @Test("negating a stored Int64.min is an overflow error, not a crash")
    func negateStoredMin() {
        let p = Rec.participant(isced: Int64.min)
        #expect(evalErrorCode("-education_isced", records: [TM.participant: p]) == "overflow")
    }

    @Test("decimal overflow is an EvalError")
    func decimalOverflow() {
        #expect(evalErrorCode("99999999999999999999.0 * 99999999999999999999.0") == "overflow")
    }

    @Test("the tallest expression the parser accepts compiles and evaluates without exhausting the stack", arguments: [
        " + ", " and ", " ?? ",
    ])
    func tallestExpression(op: String) throws {
        let term = op == " and " ? "education_isced == 2" : "education_isced"
        let n = Parser.maxDepth  // a chain of n terms is a tree of height n (+1 for the comparison)
        let src = Array(repeating: term, count: op == " and " ? n / 2 : n).joined(separator: op)
        let v = try evaluate(src)
        switch op {
        case " + ": #expect(v == .int(Int64(2 * n)))
        case " and ": #expect(v == .bool(true))
        default: #expect(v == .int(2))
        }
    }

    // MARK: aggregates and lookups through the engine's state

    @Test("a correlated aggregate is read for the current record's key")
    func correlatedAggregateKey() throws {
        let compiler = TM.compiler()
        let state = StubState()
        state.aggregateValues[0] = [[.string("UD-000001")]: .decimal(dec("1200.00"))]
        let src = "sum(expenditure.eligible where participant_id == participant.id and category == \"staff\")"
        #expect(try evaluate(src, state: state, compiler: compiler) == .decimal(dec("1200.00")))
        #expect(state.asked.count == 1)
        #expect(state.asked.first?.0 == 0)
        #expect(state.asked.first?.1 == [.string("UD-000001")])
        let other = Rec.participant(id: "UD-000002")
        #expect(try evaluate(src, records: [TM.participant: other], state: state, compiler: TM.compiler()) == .null)
    }

    @Test("a correlated aggregate with a range condition folds the kept records of its key")
    func residualAggregate() throws {
        let compiler = TM.compiler()
        let state = StubState()
        func employment(_ id: String, hours: Int64) -> [Value] {
            [.string("UD-000001"), .string(id), .date(date("2020-09-01")), .date(date("2021-02-28")), .null, .int(hours)]
        }
        state.keptRecords[0] = [[.string("UD-000001")]: [employment("E1", hours: 40), employment("E2", hours: 20)]]
        let src = "count(employment where participant_id == expenditure.participant_id and weekly_hours * 100 >= expenditure.eligible)"
        // 40 h → 4000 and 20 h → 2000 against the expenditure's eligible amount
        #expect(try evaluate(src, scope: TM.expenditure, records: [TM.expenditure: Rec.expenditure(eligible: "3000.00")], state: state, compiler: compiler) == .int(1))
        #expect(try evaluate(src, scope: TM.expenditure, records: [TM.expenditure: Rec.expenditure(eligible: "1000.00")], state: state, compiler: TM.compiler()) == .int(2))
        #expect(try evaluate(src, scope: TM.expenditure, records: [TM.expenditure: Rec.expenditure(participantID: "UD-000009")], state: state, compiler: TM.compiler()) == .int(0))
        #expect(compiler.aggregates.first?.residual != nil)
        #expect(compiler.aggregates.first?.innerKeyFields == [0])
    }

    @Test("an aggregate can sum a computed value per record")
    func computedSum() throws {
        let compiler = TM.compiler()
        _ = try compiled("sum(employment, weekly_hours * 2 where participant_id == participant.id) > 0", scope: TM.participant, compiler: compiler)
        let spec = try #require(compiler.aggregates.first)
        #expect(spec.value?.type == .int)
        #expect(spec.valueType == .int)
        #expect(spec.outerKey.count == 1)
        #expect(compileErrors("sum(employment, participant.birth_date)", scope: TM.participant).map(\.code) == ["expr.correlation"])
    }

    @Test("an aggregate without the engine's state is an EvalError")
    func aggregateWithoutState() {
        #expect(evalErrorCode("count(participant) > 0", scope: nil) == "state")
    }

    @Test("lookup and exists read the indexed record")
    func lookup() throws {
        let state = StubState()
        state.index[TM.participant] = [.string("UD-000001"): Rec.participant()]
        let x = [TM.expenditure: Rec.expenditure()]
        #expect(try evaluate("lookup(participant, participant_id).birth_date", scope: TM.expenditure, records: x, state: state) == .date(date("1970-05-12")))
        #expect(try evaluate("exists(participant, participant_id)", scope: TM.expenditure, records: x, state: state) == .bool(true))
        let unknown = [TM.expenditure: Rec.expenditure(participantID: "UD-999999")]
        #expect(try evaluate("exists(participant, participant_id)", scope: TM.expenditure, records: unknown, state: state) == .bool(false))
        #expect(try evaluate("lookup(participant, participant_id).birth_date", scope: TM.expenditure, records: unknown, state: state) == .null)
        let none = [TM.expenditure: Rec.expenditure(participantID: nil)]
        #expect(try evaluate("exists(participant, participant_id)", scope: TM.expenditure, records: none, state: state) == .null)
    }

    @Test("parent, sibling and root fields are read from their current records")
    func contextRecords() throws {
        let training: [Value] = [.string("UD-000001"), .date(date("2020-03-01")), .date(date("2020-08-31"))]
        let recs = [TM.employment: Rec.employment(), TM.training: training]
        #expect(try evaluate("start == training.end + days(1)", scope: TM.employment, records: recs) == .bool(true))
        #expect(try evaluate("age_at(participant.birth_date, start)", scope: TM.employment, records: recs) == .int(50))
        #expect(try evaluate("operation.report_type == \"final\"", scope: TM.employment, records: recs) == .bool(true))
        // no training record: its fields are missing
        #expect(try evaluate("training.end", scope: TM.employment, records: [TM.employment: Rec.employment()]) == .null)
    }

    // MARK: explain and masking

    @Test("explain records the value of each part once, children first, skipping literals and connectives")
    func explainTrace() throws {
        let bound = try compiled("birth_date < 2000-01-01 and age_at(birth_date, 2020-01-01) >= 18", scope: TM.participant)
        var ev = Evaluator(params: [], entityCount: TM.model.entities.count)
        ev.records[TM.participant] = Rec.participant()
        ev.trace = []
        #expect(try ev.evaluate(bound) == .bool(true))
        let trace = try #require(ev.trace)
        #expect(trace.map(\.expression) == [
            "birth_date", "birth_date < 2000-01-01", "age_at(birth_date, 2020-01-01)", "age_at(birth_date, 2020-01-01) >= 18",
        ])
        #expect(trace.map(\.value) == ["1970-05-12", "true", "49", "true"])
    }

    @Test("explain shows a missing value as such and masks personal data")
    func explainNullAndMasking() throws {
        let bound = try compiled("emso_valid(emso) and birth_date != null", scope: TM.participant)
        var ev = Evaluator(params: [], entityCount: TM.model.entities.count)
        ev.records[TM.participant] = Rec.participant(birth: nil)
        ev.trace = []
        #expect(try ev.evaluate(bound) == .bool(false))
        let trace = try #require(ev.trace)
        let shown = Dictionary(uniqueKeysWithValues: trace.map { ($0.expression, $0.value) })
        #expect(shown["emso"] == "0101******006")
        #expect(shown["birth_date"] == "null (missing)")
        #expect(!trace.contains { $0.value.contains("0101006500006") })

        ev.showPersonalData = true
        ev.trace = []
        _ = try ev.evaluate(bound)
        #expect(ev.trace?.first { $0.expression == "emso" }?.value == "0101006500006")
    }

    @Test("without a trace nothing is recorded")
    func noTraceByDefault() throws {
        let bound = try compiled("birth_date < 2000-01-01", scope: TM.participant)
        var ev = Evaluator(params: [], entityCount: TM.model.entities.count)
        ev.records[TM.participant] = Rec.participant()
        _ = try ev.evaluate(bound)
        #expect(ev.trace == nil)
    }

    @Test("a value derived from personal data is masked in --explain; booleans and missing values are not")
    func explainDerivedPersonal() throws {
        let bound = try compiled("emso_birth_date(emso) == birth_date or len(emso) < 3", scope: TM.participant)
        var ev = Evaluator(params: [], entityCount: TM.model.entities.count)
        ev.records[TM.participant] = Rec.participant()
        ev.trace = []
        #expect(try ev.evaluate(bound) == .bool(false))
        let shown = Dictionary(uniqueKeysWithValues: try #require(ev.trace).map { ($0.expression, $0.value) })
        #expect(shown["emso_birth_date(emso)"] == "2***")
        #expect(shown["emso_birth_date(emso) == birth_date"] == "false")
        #expect(shown["birth_date"] == "1970-05-12")
        #expect(shown["len(emso)"] == "***")
        #expect(!shown.values.contains { $0.contains("2006-01-01") || $0.contains("0101006500006") })
    }

    @Test("a run-time error in an expression that reads personal data quotes no value")
    func runtimeErrorMasked() throws {
        let bound = try compiled("emso_birth_date(emso) + days(9999999) > birth_date", scope: TM.participant)
        var ev = Evaluator(params: [], entityCount: TM.model.entities.count)
        ev.records[TM.participant] = Rec.participant()
        #expect(throws: EvalError.self) { try ev.evaluate(bound) }
        do { _ = try ev.evaluate(bound) } catch { #expect(!error.message.contains("2006-01-01"), "\(error.message)") }
        ev.showPersonalData = true
        do { _ = try ev.evaluate(bound) } catch { #expect(error.message.contains("2006-01-01"), "\(error.message)") }
    }

    @Test("masking keeps the first 4 and last 3 digits of an EMŠO, the first character of other text", arguments: [
        ("0101006500006", "0101******006"), ("Janez Novak", "J***"), ("Ana", "A***"), ("Jo", "***"), ("", ""),
        ("12345678", "1***"), ("1234567890", "1234***890"), ("2006-01-01", "2***"),
    ])
    func masking(raw: String, masked: String) {
        #expect(Masking.mask(raw) == masked)
    }
}
