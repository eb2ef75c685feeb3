import ESFCore
import ESFEngine
import ESFInputs
import ESFRules
import Foundation
import Testing

/// The repository root, found from this file.
private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

private func operationModel() throws -> DataModel {
    let sink = DiagnosticSink()
    let model = ModelLoader.load(path: repositoryRules + "/models/esf-operation-v1.yaml", displayPath: "esf-operation-v1.yaml", sink: sink)
    #expect(sink.diagnostics.isEmpty)
    return try #require(model)
}

/// Loads profile text written to a temporary file; returns the profile and every diagnostic.
private func loadProfile(_ text: String) throws -> (MappingProfile?, [Diagnostic]) {
    let dir = try temporaryPack(["profile.yaml": text])
    let sink = DiagnosticSink()
    let profile = ProfileLoader.load(path: dir + "/profile.yaml", displayPath: "profile.yaml", model: try operationModel(), sink: sink)
    return (profile, sink.diagnostics)
}

private func shippedProfile(_ name: String) throws -> MappingProfile {
    let sink = DiagnosticSink()
    let path = try #require(ProfileLoader.resolve(name, rulesDirectories: [repositoryRules]))
    let profile = ProfileLoader.load(path: path, displayPath: name, model: try operationModel(), sink: sink)
    #expect(sink.diagnostics.map(\.description) == [])
    return try #require(profile)
}

@Suite("Mapping profiles")
struct ProfileTests {
    @Test("the shipped profiles load without a diagnostic")
    func shippedProfilesAreValid() throws {
        #expect(ProfileLoader.shippedProfiles(rulesDirectory: repositoryRules).map { ($0 as NSString).lastPathComponent }
                == ["canonical.yaml", "si-legacy-csv.yaml", "si-legacy-xml.yaml"])
        let canonical = try shippedProfile("canonical")
        var builtIn = MappingProfile.canonical(for: try operationModel())
        builtIn.title = canonical.title
        builtIn.source = canonical.source
        #expect(canonical == builtIn)
        let si = try shippedProfile("si-legacy-csv")
        #expect(si.encoding == .windows1250)
        #expect(si.delimiter == UInt8(ascii: ";"))
        #expect(si.numbers == NumberFormat(decimalSeparator: UInt8(ascii: ","), thousandsSeparator: UInt8(ascii: ".")))
        #expect(si.dateFormats.map(\.text) == ["d.M.yyyy", "d. M. yyyy"])
        #expect(si.booleans == BooleanWords(trueWords: ["DA", "da", "1"], falseWords: ["NE", "ne", "0"]))
        #expect(si.entities.map(\.file) == ["operacija.csv", "izvajalci.csv", "udelezenci.csv", "usposabljanja.csv",
                                            "zaposlitve.csv", "spremljanje.csv", "izdatki.csv"])
        let participant = try #require(si.binding(for: "participant"))
        #expect(participant.columns?.contains(ColumnBinding(header: "EMŠO", field: "emso")) == true)
        #expect(participant.codes["labour_status"]?.first == CodeTranslation("brezposeln", "unemployed"))
        #expect(participant.codes["region"] == [CodeTranslation("V", "EAST"), CodeTranslation("Z", "WEST")])
    }

    @Test("every problem of a profile is reported at once, each with file:line:column and a stable code")
    func allDiagnosticsAtOnce() throws {
        let (profile, diagnostics) = try loadProfile("""
        id: broken
        format: csv
        encoding: cp1252
        delimiter: ";;"
        decimal_separator: ","
        thousands_separator: ","
        date_formats: [d.M.yyyy, dd.mm.yyyy, d.M.yy]
        booleans: { true: [DA], false: [NE, DA] }
        extra_column: ignore
        entities:
          participant:
            file: udelezenci.csv
            columns:
              Šifra: id
              EMŠO: emzo
            codes:
              region: { V: EAST, Z: WESTERN }
              birth_date: { x: y }
          provider:
            columns:
              Šifra: id
              Udeleženec: participant_id
          participants:
            file: x.csv
          employment:
            file: zaposlitve.csv
            columns:
              Šifra zaposlitve: id
            colums: {}
        quote: "'"
        """)
        #expect(profile == nil)
        #expect(diagnostics.map { "\($0.line):\($0.column) \($0.code)" } == [
            "9:1 profile.unknown_key",
            "3:11 profile.unknown_encoding",
            "4:12 profile.invalid_delimiter",
            "6:22 profile.invalid_separator",
            "7:29 profile.invalid_date_format",
            "7:42 profile.invalid_date_format",
            "8:37 profile.invalid_boolean",
            "15:13 profile.unknown_field",
            "17:29 profile.unknown_code",
            "18:7 profile.not_a_code",
            "22:19 profile.no_implicit_field",
            "23:3 profile.unknown_entity",
            "29:5 profile.unknown_key",
            "27:5 profile.missing_column",
            "10:1 profile.missing_root",
        ])
        #expect(diagnostics.allSatisfy { $0.file == "profile.yaml" })
        let messages = diagnostics.map(\.message)
        #expect(messages.contains("unknown encoding 'cp1252' (auto, utf-8, windows-1250, iso-8859-2)"))
        #expect(messages.contains("date pattern 'dd.mm.yyyy': 'm' is not a date field; the month is M (or MM)"))
        #expect(messages.contains("participant.region: 'WESTERN' is not one of its codes (EAST, WEST)"))
        #expect(messages.contains { $0.hasPrefix("entity participant has no field 'emzo'") })
        #expect(messages.contains("entity employment: no column is bound to participant_id (the id of its participant); no employment row can be read without it"))
        #expect(messages.contains { $0.hasPrefix("entity provider is not nested in participant, so it has no implicit field 'participant_id'") })
    }

    @Test("a YAML syntax error is reported with its position")
    func yamlSyntax() throws {
        let (profile, diagnostics) = try loadProfile("id: x\nentities:\n  operation: { file: [unclosed\n")
        #expect(profile == nil)
        let d = try #require(diagnostics.first)
        #expect(d.code == "yaml.syntax")
        #expect(d.line >= 3)
    }

    @Test("more problems: model, format, separators, booleans, files and types")
    func moreDiagnostics() throws {
        let (_, diagnostics) = try loadProfile("""
        id: [x]
        model: esf-operation-v2
        format: xlsx
        delimiter: "\\n"
        quote: ab
        decimal_separator: ";"
        thousands_separator: "_"
        booleans: { true: [], yes: [J] }
        extra_columns: warn
        date_formats: {}
        entities:
          operation: { file: ../operation.csv, columns: [id] }
          provider: { file: operation.csv }
          expenditure:
            codes:
              category: [staff]
              vat: { x: "0" }
              nothing: {}
        """)
        #expect(diagnostics.map { "\($0.line):\($0.column) \($0.code)" } == [
            "1:5 profile.type",
            "2:8 profile.model_mismatch",
            "3:9 profile.unknown_format",
            "4:12 profile.invalid_delimiter",
            "5:8 profile.invalid_quote",
            "6:20 profile.invalid_separator",
            "7:22 profile.invalid_separator",
            "10:15 profile.type",
            "8:23 profile.unknown_key",
            "8:19 profile.type",
            "8:11 profile.missing",
            "9:16 profile.invalid_value",
            "12:22 profile.invalid_file",
            "12:49 profile.type",
            "13:21 profile.duplicate_file",
            "16:17 profile.type",
            "17:7 profile.not_a_code",
            "18:7 profile.unknown_field",
        ])
    }

    @Test func namesResolveToShippedProfiles() throws {
        let si = try #require(ProfileLoader.resolve("si-legacy-csv", rulesDirectories: ["/nonexistent", repositoryRules]))
        #expect(si.hasSuffix("Rules/profiles/si-legacy-csv.yaml"))
        #expect(ProfileLoader.resolve("si-legacy-csv.yaml", rulesDirectories: [repositoryRules]) == si)
        #expect(ProfileLoader.resolve(si, rulesDirectories: []) == si)
        #expect(ProfileLoader.resolve("no-such-profile", rulesDirectories: [repositoryRules]) == nil)
        #expect(ProfileLoader.resolve("dir/no-such.yaml", rulesDirectories: [repositoryRules]) == nil)
    }

    /// Every record of a source, as entity name and values in model order.
    private func records(_ source: CSVBundleRecordSource, model: DataModel) throws -> [String] {
        var out: [String] = []
        var problems: [String] = []
        try source.read(entityOrder: []) { event in
            switch event {
            case .record(let r):
                // `description` shows a decimal's scale, so 3360.00 and 3360.0 differ here too.
                out.append(model.entities[r.entity].name + " " + r.values.map { v in
                    if case .list(let items) = v { return "[" + items.map(\.description).joined(separator: " ") + "]" }
                    return v.isNull ? "∅" : v.description
                }.joined(separator: " | "))
            case .problem(let p): problems.append(p.message)
            default: break
            }
        }
        #expect(problems == [])
        return out
    }

    @Test("the Slovenian sample read with si-legacy-csv gives the canonical sample's records, in order")
    func slovenianSampleEqualsCanonical() throws {
        let model = try operationModel()
        let canonical = try records(CSVBundleRecordSource(directory: repositoryRoot + "/Fixtures/ucne-delavnice/csv", model: model), model: model)
        let siSource = CSVBundleRecordSource(directory: repositoryRoot + "/Fixtures/ucne-delavnice-si", model: model,
                                             profile: try shippedProfile("si-legacy-csv"))
        let slovenian = try records(siSource, model: model)
        #expect(canonical.count == 211)
        #expect(slovenian.count == canonical.count)
        for (a, b) in zip(slovenian, canonical) where a != b { Issue.record("\(a)\n  ≠ \(b)") }
        // One extra column per file, skipped; every file read as Windows-1250.
        #expect(siSource.ignoredColumns.map(\.header) == ["Skrbnik operacije", "Naslov", "Občina stalnega prebivališča", "Delovno področje",
                                                         "Delovno mesto", "Opomba", "Opis"])
        #expect(Set(siSource.fileEncodings.map(\.encoding)) == [.windows1250])
        // With `auto`, the files are recognised as Windows-1250 and read the same.
        var auto = try shippedProfile("si-legacy-csv")
        auto.encoding = .auto
        let autoSource = CSVBundleRecordSource(directory: repositoryRoot + "/Fixtures/ucne-delavnice-si", model: model, profile: auto)
        #expect(try records(autoSource, model: model) == canonical)
        #expect(Set(autoSource.fileEncodings.map(\.encoding)) == [.windows1250])
    }

    @Test("the canonical profile reads the canonical sample as no profile does")
    func canonicalProfileEqualsNoProfile() throws {
        let model = try operationModel()
        let dir = repositoryRoot + "/Fixtures/ucne-delavnice/csv"
        let plain = try records(CSVBundleRecordSource(directory: dir, model: model), model: model)
        let profiled = try records(CSVBundleRecordSource(directory: dir, model: model, profile: try shippedProfile("canonical")), model: model)
        #expect(profiled == plain)
    }

    @Test("the Slovenian sample gives the expected findings of the canonical sample")
    func slovenianSampleFindings() throws {
        let packs = PackLoader.headers(under: repositoryRules).filter { ["esf-2014-2020", "ucne-delavnice"].contains($0.id) }
        #expect(packs.count == 2)
        let ruleSet = try Checker.loadRuleSet(packs, rulePaths: [])
        let expected = try String(contentsOfFile: repositoryRoot + "/Fixtures/ucne-delavnice-si/expected-findings.tsv", encoding: .utf8)
        #expect(expected == (try String(contentsOfFile: repositoryRoot + "/Fixtures/ucne-delavnice/expected-findings.tsv", encoding: .utf8)))
        let wanted = expected.split(separator: "\n").dropFirst().map(String.init).sorted()
        for (dir, profile) in [("Fixtures/ucne-delavnice-si", try shippedProfile("si-legacy-csv")), ("Fixtures/ucne-delavnice/csv", nil)] {
            let source = CSVBundleRecordSource(directory: repositoryRoot + "/" + dir, model: ruleSet.model, profile: profile)
            let engine = Engine(ruleSet: ruleSet, options: EngineOptions(), grouped: false)
            try source.read(entityOrder: Engine.readOrder(ruleSet: ruleSet)) { engine.consume($0) }
            let result = engine.finish(path: source.displayPath, files: source.files)
            // (rule id, record key, severity): the severity column is the Python oracle's
            let found = result.findings.map { "\($0.ruleID)\t\($0.recordKey)\t\($0.severity.rawValue)" }.sorted()
            #expect(found == wanted, "\(dir)")
        }
    }
}

/// Reads `xml` with the XML profile `profile` (both written to a temporary folder); returns the events as text.
private func readXML(profile: String, xml: String) throws -> (records: [Record], problems: [InputProblem], events: [String]) {
    let dir = try temporaryPack(["profile.yaml": profile, "export.xml": xml])
    let sink = DiagnosticSink()
    let model = try operationModel()
    let loaded = ProfileLoader.load(path: dir + "/profile.yaml", displayPath: "profile.yaml", model: model, sink: sink)
    #expect(sink.diagnostics.map(\.description) == [])
    let source = XMLRecordSource(path: dir + "/export.xml", model: model, schema: .none, profile: try #require(loaded))
    var records: [Record] = []
    var problems: [InputProblem] = []
    var events: [String] = []
    try source.read(entityOrder: []) { event in
        switch event {
        case .record(let r):
            records.append(r)
            events.append("record " + model.entities[r.entity].name)
        case .problem(let p):
            // Completeness (a list the small export leaves out) has its own tests.
            if p.message.hasPrefix("the export lists no ") { return }
            problems.append(p)
            events.append("problem " + p.ruleID)
        case .groupEnd:
            events.append("groupEnd")
        case .rejected:
            events.append("rejected")
        }
    }
    return (records, problems, events)
}

private let xmlProfileText = """
id: test-xml
format: xml
namespace: urn:test
decimal_separator: ","
thousands_separator: "."
date_formats: [d.M.yyyy]
booleans: { true: [DA], false: [NE] }
entities:
  operation:
    element: operacija
    fields: { id: "@sifra", title: naziv, total_eligible: financiranje/@skupaj }
  participant:
    element: udelezenec
    wrapper: udelezenci
    fields: { id: "@sifra", emso: emso, birth_date: datum_rojstva, region: regija/@oznaka, labour_status: status }
    codes: { region: { V: EAST }, labour_status: { brezposeln: unemployed } }
  employment:
    element: zaposlitev
    fields: { id: "@sifra", disabled_part_time: invalid, monthly_subsidy: "@subvencija" }
"""

@Suite("XML mapping profiles")
struct XMLProfileTests {
    @Test("the three XPath forms are parsed, anything else is refused")
    func xpathForms() {
        #expect(XMLFieldPath("@sifra") == .attribute("sifra"))
        #expect(XMLFieldPath("datum_rojstva") == .childText("datum_rojstva"))
        #expect(XMLFieldPath("financiranje/@eu") == .childAttribute("financiranje", "eu"))
        for bad in ["", "@", "a/b", "a/b/@c", "//a", "a[1]", "text()", "a/text()", "@a/b", "../a", "a/@", "1a"] {
            #expect(XMLFieldPath(bad) == nil, "\(bad)")
        }
        #expect(XMLFieldPath("financiranje/@eu")?.description == "financiranje/@eu")
    }

    @Test("attributes, child text and child attributes are read, decoded by the profile, with the profile's XPaths")
    func readsAllForms() throws {
        let (records, problems, events) = try readXML(profile: xmlProfileText, xml: """
        <?xml version="1.0"?>
        <operacija xmlns="urn:test" sifra="OP-1">
          <naziv>Učne delavnice</naziv>
          <financiranje skupaj="389.764,37"/>
          <udelezenci>
            <udelezenec sifra="UD-1">
              <emso> 1205972505034 </emso>
              <datum_rojstva>12.5.1970</datum_rojstva>
              <regija oznaka="V"/>
              <status>brezposeln</status>
              <zaposlitev sifra="E1" subvencija="1.740,50"><invalid>DA</invalid></zaposlitev>
            </udelezenec>
            <udelezenec sifra="UD-2"><datum_rojstva>31.2.1970</datum_rojstva></udelezenec>
          </udelezenci>
        </operacija>
        """)
        #expect(events == ["record operation", "record participant", "record employment", "groupEnd",
                           "problem ESFCHECK-IN-001", "record participant", "groupEnd"])
        let model = try operationModel()
        func value(_ r: Record, _ field: String) -> String {
            r.values[model.entities[r.entity].fieldIndex(field)!].description
        }
        #expect(value(records[0], "id") == "OP-1")
        #expect(value(records[0], "title") == "Učne delavnice")
        #expect(value(records[0], "total_eligible") == "389764.37")
        #expect(value(records[1], "emso") == "1205972505034")
        #expect(value(records[1], "birth_date") == "1970-05-12")
        #expect(value(records[1], "region") == "EAST")
        #expect(value(records[1], "labour_status") == "unemployed")
        #expect(value(records[2], "participant_id") == "UD-1")
        #expect(value(records[2], "disabled_part_time") == "true")
        #expect(value(records[2], "monthly_subsidy") == "1740.50")
        #expect(records[1].location.xpath == "/operacija/udelezenci/udelezenec[1]")
        #expect(records[1].location(ofField: model.entities[1].fieldIndex("region") ?? 0, named: "region").xpath != nil)
        let p = try #require(problems.first)
        #expect(p.message == "participant UD-2: birth_date '31.2.1970' is not a date (d.M.yyyy)")
        #expect(p.location.xpath == "/operacija/udelezenci/udelezenec[2]/datum_rojstva")
        #expect(p.recordKey == "UD-2")
    }

    @Test("unknown elements and attributes are ESFCHECK-XSD-001 problems unless the profile says extra: ignore")
    func extraElements() throws {
        let xml = """
        <operacija xmlns="urn:test" sifra="OP-1" x="1">
          <opomba>note</opomba>
          <udelezenci><udelezenec sifra="UD-1"><emso a="b">1</emso></udelezenec></udelezenci>
        </operacija>
        """
        let strict = try readXML(profile: xmlProfileText, xml: xml)
        #expect(strict.problems.map(\.ruleID) == ["ESFCHECK-XSD-001", "ESFCHECK-XSD-001", "ESFCHECK-XSD-001"])
        #expect(strict.problems.map { $0.location.xpath ?? "" }.sorted()
                == ["/operacija/@x", "/operacija/opomba", "/operacija/udelezenci/udelezenec[1]/emso/@a"])
        #expect(strict.records.count == 2)
        let lenient = try readXML(profile: xmlProfileText + "\nextra: ignore\n", xml: xml)
        #expect(lenient.problems.isEmpty)
        #expect(lenient.records.count == 2)
    }

    @Test("a field element after the nested records is a problem, and the record still comes before its nested ones")
    func fieldAfterNested() throws {
        let (records, problems, events) = try readXML(profile: xmlProfileText, xml: """
        <operacija xmlns="urn:test" sifra="OP-1"><udelezenci/><naziv>late</naziv></operacija>
        """)
        #expect(events == ["record operation", "problem ESFCHECK-XSD-001"])
        #expect(records[0].values[1].isNull)
        #expect(problems[0].message.contains("comes after the nested records"))
    }

    @Test("XML profile mistakes are reported at once with file:line:column")
    func loaderDiagnostics() throws {
        let (profile, diagnostics) = try loadProfile("""
        id: broken-xml
        format: xml
        xsd: missing.xsd
        entities:
          operation:
            element: operacija
            file: operacija.csv
            fields:
              id: "@sifra"
              title: naziv/text()
              nope: x
              programme: "@sifra"
          participant:
            element: "a b"
            fields: { emso: emso }
          training:
            fields: { participant_id: x }
        """)
        #expect(profile == nil)
        #expect(diagnostics.map { "\($0.line):\($0.column) \($0.code)" } == [
            "3:6 profile.xsd_missing",
            "7:5 profile.unknown_key",
            "10:14 profile.unsupported_xpath",
            "11:7 profile.unknown_field",
            "12:18 profile.duplicate_binding",
            "14:14 profile.invalid_element",
            "13:3 profile.missing_column",
            "17:15 profile.implicit_field",
        ])
        #expect(diagnostics.allSatisfy { $0.file == "profile.yaml" })
        let messages = diagnostics.map(\.message)
        #expect(messages.contains { $0.hasPrefix("entity operation: unsupported XPath 'naziv/text()' for title") })
        #expect(messages.contains("entity operation: '@sifra' is already bound to id"))
        #expect(messages.contains { $0.hasPrefix("xsd file 'missing.xsd' not found") })
    }

    @Test("an XML profile may name its own XSD, relative to the profile file")
    func xsdRelativeToProfile() throws {
        let dir = try temporaryPack(["p.yaml": "id: p\nformat: xml\nxsd: own.xsd\nentities:\n  operation: { element: op }\n", "own.xsd": "<x/>"])
        let sink = DiagnosticSink()
        let profile = ProfileLoader.load(path: dir + "/p.yaml", displayPath: "p.yaml", model: try operationModel(), sink: sink)
        #expect(sink.diagnostics.isEmpty)
        #expect(profile?.xsd == dir + "/own.xsd")
        #expect(profile?.extraColumns == .error)
        let none = try loadProfile("id: p\nformat: xml\nentities:\n  operation: { element: op }\n")
        #expect(none.0?.xsd == nil)
    }
}

@Suite("Data model: lists that may be empty")
struct ModelMayBeEmptyTests {
    @Test("the shipped model lets employments and follow-ups be empty, and nothing else")
    func shippedModel() throws {
        let model = try operationModel()
        #expect(model.entities.filter(\.mayBeEmpty).map(\.name) == ["employment", "follow_up"])
    }

    @Test("may_be_empty is true or false, and never on the root")
    func checked() throws {
        let dir = try temporaryPack(["m.yaml": """
            id: m
            entities:
              - name: operation
                cardinality: one
                may_be_empty: true
                fields: { id: { type: string, required: true } }
              - name: item
                may_be_empty: sometimes
                fields: { id: string }
              - name: note
                may_be_empty: false
                fields: { id: string }
            """])
        let sink = DiagnosticSink()
        let model = ModelLoader.load(path: dir + "/m.yaml", displayPath: "m.yaml", sink: sink)
        #expect(sink.diagnostics.map { "\($0.code) \($0.line):\($0.column) \($0.message)" } == [
            "model.invalid 5:19 entity operation is the root (cardinality: one): an export always has exactly one, so it cannot be empty",
            "model.invalid 8:19 entity item: may_be_empty must be true or false, not 'sometimes'",
        ])
        #expect(model?.entities.map(\.mayBeEmpty) == [true, false, false])
    }
}
