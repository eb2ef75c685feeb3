import ESFCore
import ESFEngine
import ESFReports
import ESFRules
import Foundation
import Testing

/// The repository's Rules/ folder, found from this file.
let repositoryRules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Rules").path

func temporaryPack(_ files: [String: String]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-pack-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return dir.path
}

let packYAML = """
id: test-pack
title: Test
version: 1.0.0
model: esf-operation-v1
parameters:
  tolerance: 0.01
  months: 6

"""

func load(_ ruleFile: String) throws -> (RuleSet?, [Diagnostic], String) {
    let dir = try temporaryPack(["pack.yaml": packYAML, "rules.yaml": ruleFile])
    let sink = DiagnosticSink()
    let set = PackLoader.load(directories: [dir], modelDirectories: [repositoryRules + "/models"], sink: sink)
    return (set, sink.diagnostics, dir)
}

@Suite("Rule files")
struct RuleFileTests {
    @Test("every problem of a rule file is reported at once, each with file:line:column and a stable code")
    func allDiagnosticsAtOnce() throws {
        let (set, diagnostics, _) = try load("""
        - id: T-001
          title: unknown field
          severity: error
          scope: participant
          assert: birth_dat <= entry_date
          message: "x"
        - id: T-002
          title: type mismatch
          severity: error
          scope: participant.employment
          assert: start + 1 > end
          message: "x"
        - id: T-003
          title: unknown function and key
          severity: error
          scope: expenditure
          asert: true
          assert: frobnicate(eligible)
          message: "x"
        - id: T-004
          title: arity
          severity: error
          scope: participant.training
          assert: period_end(start) >= end
          message: "x {nope}"
        - id: T-005
          title: bad severity and scope
          severity: critical
          scope: participant.employer
          assert: true
          message: "x"
        """)
        #expect(set == nil)
        let found = diagnostics.map { "\($0.line):\($0.column) \($0.code)" }
        #expect(found.contains("5:11 expr.unknown_field"))
        #expect(found.contains("11:11 expr.type_mismatch"))
        #expect(found.contains("17:3 rule.unknown_key"))
        #expect(found.contains("18:11 expr.unknown_function"))
        #expect(found.contains("24:11 expr.arity"))
        #expect(found.contains("25:16 expr.unknown_field"))
        #expect(found.contains("28:13 rule.unknown_severity"))
        #expect(found.contains("29:10 rule.unknown_scope"))
        #expect(diagnostics.allSatisfy { $0.file.hasSuffix("rules.yaml") })
        #expect(diagnostics.count == 8)
    }

    @Test("a YAML syntax error is reported with its position")
    func yamlSyntax() throws {
        let (set, diagnostics, _) = try load("- id: T-001\n  title: [unclosed\n  severity: error\n")
        #expect(set == nil)
        let d = try #require(diagnostics.first)
        #expect(d.code == "yaml.syntax")
        #expect(d.line >= 2)
    }

    @Test("keys are duplicates when their texts are, quoted or not; plain scalars keep their text")
    func duplicateKeysByText() throws {
        // a plain `true` and a quoted "true" are one key to the loaders (they read keys as text)
        let (set, diagnostics, _) = try load("- id: T-001\n  title: a\n  \"title\": b\n  severity: error\n")
        #expect(set == nil)
        let d = try #require(diagnostics.first)
        #expect(d.code == "yaml.syntax")
        #expect(d.message.contains("duplicate key"))
        // scalars YAML 1.1 would type (a date, an octal-looking number, `on`) are read as written
        let (ok, problems, _) = try load("""
        - id: T-002
          title: on
          severity: error
          scope: operation
          assert: start >= 2014-01-01 and eu_rate <= 0.80
          message: "0o17 2020-08-31"
        """)
        #expect(problems.isEmpty, "\(problems)")
        let rule = try #require(ok?.rules.first)
        #expect(rule.title.text(.en) == "on")
        let parts = rule.message.template(.en).parts
        #expect(parts.count == 1)
        if case .text(let t)? = parts.first { #expect(t == "0o17 2020-08-31") } else { Issue.record("the message is one text") }
    }

    @Test("a duplicate rule id is an error")
    func duplicateID() throws {
        let rule = "- id: T-001\n  title: a\n  severity: error\n  scope: operation\n  assert: eu_rate <= 0.80\n  message: m\n"
        let (_, diagnostics, _) = try load(rule + rule)
        #expect(diagnostics.map(\.code) == ["rule.duplicate_id"])
        #expect(diagnostics.first?.line == 7)
    }

    @Test("a valid rule compiles, with severity keyed on the report type")
    func validRule() throws {
        let (set, diagnostics, _) = try load("""
        - id: T-010
          title: target
          severity: { final: review, interim: warning }
          scope: aggregate
          assert: count(participant where gender == "F") >= operation.target_participants
          message: "{count(participant where gender == \\"F\\")} women"
        """)
        #expect(diagnostics.isEmpty)
        let rule = try #require(set?.rules.first)
        #expect(rule.severity.resolve(reportType: "interim") == .warning)
        #expect(rule.severity.resolve(reportType: "final") == .review)
        #expect(rule.severity.resolve(reportType: nil) == .review)
    }
}

/// Every built-in rule, for the parameterized example test.
let builtinRuleSet: RuleSet? = {
    let root = repositoryRules
    let dirs = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
        .map { root + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0 + "/pack.yaml") }
    return PackLoader.load(directories: dirs, modelDirectories: [root + "/models"], sink: DiagnosticSink())
}()

@Suite("Built-in rules")
struct BuiltinRuleTests {
    @Test("the built-in packs load without diagnostics")
    func packsLoad() throws {
        let root = repositoryRules
        let dirs = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
            .map { root + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0 + "/pack.yaml") }
        let sink = DiagnosticSink()
        let set = PackLoader.load(directories: dirs, modelDirectories: [root + "/models"], sink: sink)
        #expect(sink.diagnostics.isEmpty, "\(sink.diagnostics)")
        // 43 rules of the 2014–2020 packs, 42 of the 2021–2027 ones: the example test below runs them all
        #expect(set?.rules.count == 85)
        #expect(builtinRuleSet?.rules.count == 85)
        let ids = Set(set?.rules.map(\.id) ?? [])
        for id in ["ESF-CF-001", "ESF-CF-003", "ESF-CF-004", "ESF-EL-001", "ESF-PD-002", "ESF-PD-003",
                   "UD-TR-001", "UD-EM-002", "UD-EM-003", "UD-EM-005", "UD-IND-001", "UD-IND-002"] {
            #expect(ids.contains(id), "missing \(id)")
        }
    }

    @Test("every rule's examples behave as declared", arguments: builtinRuleSet?.rules.map(\.id) ?? [])
    func examples(ruleID: String) throws {
        let set = try #require(builtinRuleSet)
        let pack = try #require(set.packs.first { $0.rules.contains { $0.id == ruleID } })
        var single = set
        single.packs = [pack]
        single.packs[0].rules = pack.rules.filter { $0.id == ruleID }
        let rule = try #require(single.packs[0].rules.first)
        #expect(rule.examples.contains { $0.shouldPass }, "\(ruleID) has no pass example")
        #expect(rule.examples.contains { !$0.shouldPass }, "\(ruleID) has no fail example")
        for outcome in ExampleRunner.run(single) {
            #expect(outcome.passed, "\(ruleID) \(outcome.example.shouldPass ? "pass" : "fail") example at line \(outcome.example.line): \(outcome.problem ?? "")")
        }
    }

    @Test("inherited rules' examples also run with the inheriting pack's parameters, except those marked base_params_only, which fail with them")
    func inheritedExamplesRunWithChildParameters() throws {
        let set = try #require(builtinRuleSet)
        let outcomes = ExampleRunner.run(set)
        let child = outcomes.filter(\.withPackParameters)
        let inherited = set.rules.filter { $0.exampleParams != nil && $0.exampleParams != $0.params }
        // every rule of the 2021–2027 packs but their own three (ESF21-CF-002, ESF21-EL-003, UDP-TR-004)
        #expect(inherited.count == 39)
        for outcome in child {
            #expect(outcome.passed, "\(outcome.ruleID) example at line \(outcome.example.line): \(outcome.problem ?? "")")
        }
        var marked = 0
        for rule in inherited {
            #expect(child.contains { $0.ruleID == rule.id }, "\(rule.id): no example runs with its own pack's parameters")
            let pack = try #require(set.packs.first { $0.rules.contains { $0.id == rule.id } })
            for ex in rule.examples where ExampleRunner.isBaseParamsOnly(ex) {
                marked += 1
                #expect(!child.contains { $0.ruleID == rule.id && $0.example.line == ex.line && $0.example.column == ex.column })
                // the mark is true: with the child's parameters the example does not behave as declared
                #expect(!ExampleRunner.run(rule, ex, in: set, pack: pack, params: rule.params).passed, "\(rule.id) line \(ex.line) needs no base_params_only")
                #expect(ExampleRunner.run(rule, ex, in: set, pack: pack, params: rule.exampleParams ?? []).passed)
            }
        }
        #expect(marked == 9)
    }

    @Test("an example runs through both engine paths, grouped (XML) and joined (CSV), and each path's outcome is named")
    func examplesRunThroughBothPaths() throws {
        let (set, diagnostics, _) = try load("""
        - id: T-021
          title: a training ends after it starts
          severity: error
          scope: participant.training
          assert: end >= start
          message: "m"
          examples:
            pass: [ { start: 2020-01-01, end: 2020-02-01, participant: { entry_date: 2020-01-01 } } ]
            fail: [ { start: 2020-03-01, end: 2020-02-01 } ]
        - id: T-022
          title: never fails
          severity: error
          scope: participant.training
          assert: start == start or start == null
          message: "m"
          examples:
            fail: [ { start: 2020-03-01, end: 2020-02-01 } ]
        """)
        #expect(diagnostics.isEmpty)
        let loaded = try #require(set)
        let outcomes = ExampleRunner.run(loaded)
        let good = outcomes.filter { $0.ruleID == "T-021" }
        #expect(outcomes.count == 3)
        #expect(good.count == 2 && good.allSatisfy(\.passed))
        let broken = try #require(outcomes.first { $0.ruleID == "T-022" })
        let problem = broken.problem
        #expect(!broken.passed)
        #expect(problem == "a fail example produced no finding on the grouped (XML) path; a fail example produced no finding on the joined (CSV) path")
    }

    @Test("a broken rule never lets an export pass: a run-time failure is a fatal finding")
    func runtimeFailureIsFatal() throws {
        let (set, diagnostics, _) = try load("""
        - id: T-020
          title: divides by zero
          severity: info
          scope: operation
          assert: total_eligible / (eu_rate - eu_rate) > 0
          message: "m"
          examples:
            fail: [ { total_eligible: 100.00, eu_rate: 0.80 } ]
        """)
        #expect(diagnostics.isEmpty)
        let loaded = try #require(set)
        let outcome = try #require(ExampleRunner.run(loaded).first)
        #expect(!outcome.passed)
        #expect(outcome.problem?.contains("division by zero") == true)
    }
}

@Suite("Generated rule catalogue")
struct RuleCatalogueTests {
    /// docs/rules.md (English) and docs/rules.sl.md (Slovenian) are generated from the packs; set
    /// ESFCHECK_RECORD=1 to rewrite them (the test then fails once on purpose).
    @Test("docs/rules.md and docs/rules.sl.md are in sync with the packs", arguments: [(Language.en, "rules.md"), (Language.sl, "rules.sl.md")])
    func catalogueInSync(language: Language, file: String) throws {
        let set = try #require(builtinRuleSet)
        let generated = RuleDocumentation.markdown(set, language: language)
        let path = URL(fileURLWithPath: repositoryRules).deletingLastPathComponent().appendingPathComponent("docs/\(file)")
        if ProcessInfo.processInfo.environment["ESFCHECK_RECORD"] == "1" {
            try generated.write(to: path, atomically: true, encoding: .utf8)
            Issue.record("docs/\(file) re-recorded; run the tests again without ESFCHECK_RECORD")
            return
        }
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == generated, "docs/\(file) is out of date: run `swift run esfcheck rules doc --lang \(language.rawValue) --output docs/\(file)` (or the tests with ESFCHECK_RECORD=1)")
        for id in set.rules.map(\.id) { #expect(committed.contains("### \(id)\n"), "\(id) is not documented") }
        for rule in set.rules { #expect(committed.contains("**\(rule.title.text(language))**"), "\(rule.id): its \(language.rawValue) title is not in docs/\(file)") }
    }
}

@Suite("Reserved findings catalogue")
struct ReservedFindingCatalogueTests {
    @Test("every reserved finding has a distinct ESFCHECK id, a title, a meaning and help; the rule catalogue lists each")
    func complete() throws {
        let ids = ReservedFinding.allCases.map(\.id)
        #expect(Set(ids).count == ids.count)
        for r in ReservedFinding.allCases {
            #expect(r.id.hasPrefix("ESFCHECK-"), "\(r.id)")
            #expect(ReservedFinding(id: r.id) == r)
            #expect(!r.title.isEmpty && !r.help.isEmpty && !r.meaning.isEmpty, "\(r.id)")
            // about the export: fatal; about the waiver file (ESFCHECK-WV-*): a warning
            #expect(r.severity == (r.id.hasPrefix("ESFCHECK-WV-") ? .warning : .fatal), "\(r.id)")
            #expect(r.isAboutWaivers == r.id.hasPrefix("ESFCHECK-WV-"))
        }
        #expect(ReservedFinding(id: "ESF-PD-003") == nil)
        let path = URL(fileURLWithPath: repositoryRules).deletingLastPathComponent().appendingPathComponent("docs/rules.md")
        let doc = try String(contentsOf: path, encoding: .utf8)
        let section = try #require(doc.range(of: "\n## Reserved findings\n"), "docs/rules.md has no reserved findings section")
        let rows = doc[section.upperBound...].split(separator: "\n").filter { $0.hasPrefix("| ESFCHECK-") }
        #expect(rows.map { String($0.dropFirst(2).prefix { $0 != " " }) } == ids)
        for r in ReservedFinding.allCases { #expect(doc.contains("| \(r.id) | \(r.title) |"), "\(r.id)") }
    }

    @Test("every message of the engine belongs to its kind and has help", arguments: [
        ReservedMessage.outOfOrder(entity: "provider"), .secondRoot(entity: "operation"), .noRoot(entity: "operation"),
        .orphan(entity: "training", key: "P9/training", field: "participant_id", parentID: "P9", parent: "participant"),
        .multiple(parent: "participant", parentID: "P1", entity: "training"),
        .ruleFailed(rule: "R-1", key: "", reason: "division by zero"), .ruleOverBudget(rule: "R-1", key: "P1", reason: "too long"),
    ])
    func messages(_ m: ReservedMessage) {
        #expect(!m.text.isEmpty && !m.help().isEmpty)
        let f = Finding(reserved: m, recordKey: "k", entity: "e", location: nil, rulePlace: "rules.yaml:3")
        #expect(f.ruleID == m.kind.id && f.title == m.kind.title && f.severity == .fatal && f.help != nil)
        switch m {
        case .ruleFailed, .ruleOverBudget: #expect(f.help?.contains("R-1 (rules.yaml:3)") == true, "\(f.help ?? "")")
        default: break
        }
        #expect(ReservedMessage.ruleFailed(rule: "R", key: "", reason: "x").text == "rule R could not be evaluated for the export: x")
    }

    @Test("every message of the readers is a case of the catalogue, of its kind", arguments: [
        (ReservedMessage.emptyList(entity: "provider", place: "providers.csv has only its header row"), ReservedFinding.schema),
        (.emptyFile(file: "providers.csv"), .schema),
        (.unknownColumn(file: "p.csv", column: "X", why: "not a field of provider"), .schema),
        (.repeatedColumn(file: "p.csv", column: "id"), .schema),
        (.raggedRow(file: "p.csv", line: 4, cells: 1, headerCells: 3), .unparseable),
        (.malformedCell(label: "participant P1", column: "name", defect: .textAfterQuote), .unparseable),
        (.unparseable(label: "participant P1", field: "birth_date", raw: "1985-02-30", expectation: "a date YYYY-MM-DD"), .unparseable),
        (.invisible(label: "participant P1", field: "id", raw: "P\\u{200B}1", described: "U+200B ZERO WIDTH SPACE", position: 2), .invisible),
        (.requiredMissing(label: "participant", entity: "participant", field: "id"), .schema),
        (.unknownAttribute(label: "participant P1", name: "x", entity: "participant", inProfile: true), .schema),
        (.unexpectedText(snippet: "abc", element: "participant"), .schema),
        (.rootNamespace(root: "operation", actual: nil, expected: "urn:x"), .schema),
        (.wrongRoot(found: "operacija", expected: "operation", namespace: nil), .schema),
        (.elementNamespace(element: "x", parent: "operation", actual: "urn:y", expected: "urn:x"), .schema),
        (.unknownElement(element: "x", parent: "operation", allowed: []), .schema),
        (.misplacedElement(element: "training", parent: "operation", homes: ["participant"]), .schema),
        (.fieldAfterNested(element: "udelezenec", child: "emso"), .schema),
        (.schemaValidity(text: "element 'x': This element is not expected."), .schema),
    ])
    func readerMessages(_ m: ReservedMessage, _ kind: ReservedFinding) {
        #expect(m.kind == kind)
        #expect(!m.text.isEmpty && m.help() == kind.help)
        let problem = InputProblem(m, location: SourceLocation(file: "f", line: 1))
        #expect(problem.ruleID == kind.id && problem.message == m.text)
    }

    @Test("reader texts are the ones the goldens hold")
    func readerTexts() {
        #expect(ReservedMessage.raggedRow(file: "p.csv", line: 4, cells: 1, headerCells: 3).text == "p.csv line 4: 1 cell, the header has 3; the row is not read")
        #expect(ReservedMessage.unknownElement(element: "x", parent: "operation", allowed: []).text
            == "unknown element 'x' inside operation (operation has no child elements); it was not read")
        #expect(ReservedMessage.unknownElement(element: "x", parent: "operation", allowed: ["provider", "participant"]).text
            == "unknown element 'x' inside operation (expected provider, participant); it was not read")
        #expect(ReservedMessage.rootNamespace(root: "operation", actual: nil, expected: "urn:x").text
            == "the root element 'operation' is in no namespace, expected namespace 'urn:x'; nothing in it was read (set xmlns=\"urn:x\")")
    }

    @Test("no source file spells a reserved id outside the catalogue")
    func producersUseTheCatalogue() throws {
        let root = URL(fileURLWithPath: repositoryRules).deletingLastPathComponent().appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)).compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 20)
        for file in files where file.lastPathComponent != "ReservedFinding.swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            // comments may name an id; code may not (a literal id would bypass the catalogue's title and help)
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                #expect(!line.contains("\"ESFCHECK-"), "\(file.lastPathComponent): \(line)")
            }
        }
    }
}
