import ESFCore
import ESFExpr
import Testing

/// The small model the expression tests compile against (SPEC §3.1, trimmed).
enum TM {
    static let operation = 0, participant = 1, employment = 2, training = 3, expenditure = 4

    static func entity(_ name: String, parent: String?, _ cardinality: Cardinality, key: String?, _ fields: [FieldModel]) -> EntityModel {
        EntityModel(name: name, parent: parent, cardinality: cardinality, keyField: key, keySuffix: key == nil ? name : nil,
                    xmlElement: name, xmlWrapper: nil, csvFile: nil, fields: fields)
    }

    static let model = DataModel(
        id: "test", version: "1", title: "expression test model", namespace: nil,
        entities: [
            entity("operation", parent: nil, .one, key: "id", [
                FieldModel(name: "id", type: .string, required: true),
                FieldModel(name: "eu_rate", type: .decimal),
                FieldModel(name: "total_eligible", type: .decimal),
                FieldModel(name: "report_type", type: .code(["interim", "final"])),
            ]),
            entity("participant", parent: nil, .many, key: "id", [
                FieldModel(name: "id", type: .string, required: true),
                FieldModel(name: "birth_date", type: .date),
                FieldModel(name: "criteria", type: .codeSet(["ltu24", "basic_education", "over55"])),
                FieldModel(name: "education_isced", type: .int),
                FieldModel(name: "emso", type: .string, personal: true),
            ]),
            entity("employment", parent: "participant", .many, key: "id", [
                FieldModel(name: "participant_id", type: .string, implicit: true),
                FieldModel(name: "id", type: .string, required: true),
                FieldModel(name: "start", type: .date),
                FieldModel(name: "end", type: .date),
                FieldModel(name: "extension_end", type: .date),
                FieldModel(name: "weekly_hours", type: .int),
            ]),
            entity("training", parent: "participant", .optional, key: nil, [
                FieldModel(name: "participant_id", type: .string, implicit: true),
                FieldModel(name: "start", type: .date),
                FieldModel(name: "end", type: .date),
            ]),
            entity("expenditure", parent: nil, .many, key: "id", [
                FieldModel(name: "id", type: .string, required: true),
                FieldModel(name: "participant_id", type: .string),
                FieldModel(name: "eligible", type: .decimal),
                FieldModel(name: "category", type: .code(["unit_cost_training", "employment_subsidy", "staff", "indirect", "other"])),
            ]),
        ],
        root: 0)

    static let params: [ParameterDecl] = [
        ParameterDecl(name: "extension_months", type: .int, value: .int(6)),
        ParameterDecl(name: "max_rate", type: .decimal, value: .decimal(dec("0.80"))),
        ParameterDecl(name: "scheme", type: .string, value: .string("ucne-delavnice")),
    ]

    static func compiler() -> ExprCompiler { ExprCompiler(model: model, params: params) }
}

func dec(_ s: String) -> ExactDecimal { ExactDecimal(parsing: Substring(s))! }
func date(_ s: String) -> CivilDate { CivilDate(iso: Substring(s))! }

/// Compiles `source`, recording a test failure (and throwing) when it does not compile.
func compiled(_ source: String, scope: Int?, compiler: ExprCompiler = TM.compiler(), expecting: ExprType? = nil,
              sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> BoundExpr {
    switch compiler.compile(source, scope: scope, expecting: expecting) {
    case .success(let (bound, _)): return bound
    case .failure(let errors):
        Issue.record("'\(source)' did not compile: \(errors.all.map(\.message))", sourceLocation: sourceLocation)
        throw errors
    }
}

/// The errors of a source that must not compile (empty when it compiled, which fails the caller's expectations).
func compileErrors(_ source: String, scope: Int?, expecting: ExprType? = nil) -> [ExprError] {
    switch TM.compiler().compile(source, scope: scope, expecting: expecting) {
    case .success: return []
    case .failure(let errors): return errors.all
    }
}

/// The syntax error of `source`, or nil when it parses.
func parseError(_ source: String) -> ExprError? {
    do { _ = try Parser.parse(source); return nil } catch { return error }
}
