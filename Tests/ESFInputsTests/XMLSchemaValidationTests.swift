#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ESFCore
@testable import ESFInputs
import Foundation
import Testing

@Suite("XSD generation and validation")
struct XMLSchemaValidationTests {
    static let model = ModelFile.esfOperation

    // MARK: - Generation

    @Test func generatedXSDIsDeterministicAndFollowsTheModel() throws {
        let xsd = XSDGenerator.schema(for: Self.model)
        #expect(xsd == XSDGenerator.schema(for: Self.model))
        #expect(xsd.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--\n  XSD of the canonical XML form of the data model esf-operation-v1, version 1"))
        #expect(xsd.contains("targetNamespace=\"urn:esfcheck:export:1\" elementFormDefault=\"qualified\">"))
        // Wrappers in model order, optional; nested entities in model order with their cardinality.
        let order = ["name=\"operation\"", "name=\"providers\" minOccurs=\"0\"", "name=\"provider\" minOccurs=\"0\" maxOccurs=\"unbounded\"",
                     "name=\"participants\" minOccurs=\"0\"", "name=\"participant\" minOccurs=\"0\" maxOccurs=\"unbounded\"",
                     "name=\"training\" minOccurs=\"0\">", "name=\"employment\" minOccurs=\"0\" maxOccurs=\"unbounded\"",
                     "name=\"follow_up\" minOccurs=\"0\">", "name=\"expenditures\" minOccurs=\"0\"",
                     "name=\"expenditure\" minOccurs=\"0\" maxOccurs=\"unbounded\""]
        var position = xsd.startIndex
        for fragment in order {
            let found = try #require(xsd.range(of: "<xs:element " + fragment, range: position..<xsd.endIndex), "missing or out of order: \(fragment)")
            position = found.upperBound
        }
        // Fields are attributes; the implicit participant_id is not; ids are required and not empty.
        #expect(xsd.contains("<xs:attribute name=\"id\" type=\"esf:requiredString\" use=\"required\"/>"))
        #expect(xsd.contains("<xs:attribute name=\"start\" type=\"esf:optionalDate\"/>"))
        #expect(xsd.contains("<xs:attribute name=\"total_eligible\" type=\"esf:optionalDecimal\"/>"))
        #expect(xsd.contains("<xs:attribute name=\"months\" type=\"esf:optionalInt\"/>"))
        #expect(xsd.contains("<xs:attribute name=\"disabled_part_time\" type=\"esf:optionalBool\"/>"))
        #expect(xsd.contains("<xs:enumeration value=\"ESF+\"/>"))
        #expect(xsd.contains("<xs:list>"))
        #expect(!xsd.contains("\t"))
        // 2-space indentation throughout.
        for line in xsd.split(separator: "\n") {
            let indent = line.prefix { $0 == " " }.count
            #expect(indent % 2 == 0, "odd indentation: \(line)")
        }
    }

    @Test func onlyExpenditureHasAParticipantIDAttribute() throws {
        // expenditure.participant_id is an ordinary field; the nested entities' implicit one is not an attribute.
        let xsd = XSDGenerator.schema(for: Self.model)
        let expenditure = try #require(xsd.range(of: "<xs:element name=\"expenditure\""))
        let before = xsd[..<expenditure.lowerBound]
        #expect(!before.contains("name=\"participant_id\""))
        #expect(xsd[expenditure.lowerBound...].contains("<xs:attribute name=\"participant_id\" type=\"xs:string\"/>"))
    }

    @Test func generatedXSDIsAcceptedByLibxml2() throws {
        for model in [Self.model, TestModel.model] {
            let dir = try TempDir()
            let xsd = try dir.write("schema.xsd", XSDGenerator.schema(for: model))
            try XMLRecordSource(path: "unused.xml", model: model, schema: .file(xsd)).prepareSchema()
            try XMLRecordSource(path: "unused.xml", model: model).prepareSchema()
        }
    }

    @Test func modelWithoutNamespaceGivesASchemaWithoutTargetNamespace() throws {
        var model = TestModel.model
        model.namespace = nil
        let xsd = XSDGenerator.schema(for: model)
        #expect(!xsd.contains("targetNamespace"))
        #expect(xsd.contains("type=\"optionalDate\""))
        let dir = try TempDir()
        let path = try dir.write("export.xml", "<operation id=\"OP\" start=\"2020-01-01\"><participants><participant id=\"P1\"/></participants></operation>")
        let events = try collect(XMLRecordSource(path: path, model: model))
        #expect(events.compactMap(\.problemBesidesCompleteness).isEmpty)
        #expect(events.compactMap(\.record).count == 2)
    }

    // MARK: - Fixtures

    static let fixtures = ["Fixtures/clean/export.xml", "Fixtures/ucne-delavnice/export.xml"]
        + ["co-financing", "eligibility", "employment", "follow-up", "indicators", "participant-data", "plus-2021-2027", "plus-2021-2027-rules",
           "target-group", "training"].map { "Fixtures/scenarios/\($0)/export.xml" }

    @Test("the fixture list names every scenario folder")
    func fixtureListIsComplete() throws {
        let dir = ModelFile.path("Fixtures/scenarios")
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { FileManager.default.fileExists(atPath: dir + "/" + $0 + "/export.xml") }
        #expect(Self.fixtures.count == 12)
        #expect(Set(folders.map { "Fixtures/scenarios/\($0)/export.xml" }).isSubset(of: Set(Self.fixtures)))
    }

    @Test(arguments: fixtures)
    func fixturesValidateWithNoSchemaProblem(_ fixture: String) throws {
        let path = ModelFile.path(fixture)
        try #require(FileManager.default.fileExists(atPath: path), "fixture missing: \(fixture)")
        let validated = try collect(XMLRecordSource(path: path, model: Self.model))
        let plain = try collect(XMLRecordSource(path: path, model: Self.model, schema: .none))
        // Validation adds nothing to a valid export, and changes nothing the reader reports.
        #expect(validated.compactMap(\.problemBesidesCompleteness) == plain.compactMap(\.problemBesidesCompleteness))
        #expect(validated.compactMap(\.record).count == plain.compactMap(\.record).count)
        if fixture.hasPrefix("Fixtures/clean") || fixture.hasPrefix("Fixtures/ucne-delavnice") {
            #expect(validated.compactMap(\.problemBesidesCompleteness).isEmpty)
        }
    }

    // MARK: - One problem per mistake

    /// An export whose participants (given) start on line 7.
    static func export(_ participants: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <operation xmlns="urn:esfcheck:export:1" id="OP-1" period="2014-2020">
          <providers>
            <provider id="P001" status="social_enterprise"/>
          </providers>
          <participants>
        \(participants)
          </participants>
        </operation>

        """
    }

    func problems(_ xml: String, schema: XMLSchemaOption = .canonical) throws -> [InputProblem] {
        let dir = try TempDir()
        let path = try dir.write("export.xml", xml)
        return try collect(XMLRecordSource(path: path, model: Self.model, schema: schema)).compactMap(\.problemBesidesCompleteness)
    }

    @Test func elementOutOfOrderIsOneSchemaProblem() throws {
        let xml = Self.export("""
            <participant id="UD-1" gender="F">
              <employment id="UD-1-E1" start="2020-09-01"/>
              <training provider_id="P001" start="2020-03-01"/>
            </participant>
            """)
        let found = try problems(xml)
        #expect(found.count == 1)
        let p = try #require(found.first)
        #expect(p.ruleID == ReservedRule.schema)
        #expect(p.location.line == 9)
        #expect(p.location.xpath == "/operation/participants/participant[1]/training")
        #expect(p.message == "training UD-1/training: element 'training' is out of order inside participant: it must come before 'employment' (the order is training, employment, follow_up)")
        #expect(p.recordKey == "UD-1/training")
        #expect(p.entity == Self.model.entityIndex("training"))
        // Without the XSD the reader does not check the order.
        #expect(try problems(xml, schema: .none).isEmpty)
    }

    @Test func missingRequiredIDIsOneProblem() throws {
        let found = try problems(Self.export("    <participant gender=\"F\"/>"))
        #expect(found.map(\.ruleID) == [ReservedRule.schema])
        #expect(found.first?.message == "participant: required field 'id' is missing or empty; every participant needs one")
        #expect(found.first?.location.line == 7)
        // An empty id: the reader's problem; the XSD's (minLength) is the same one.
        let empty = try problems(Self.export("    <participant id=\"\" gender=\"F\"/>"))
        #expect(empty.map(\.ruleID) == [ReservedRule.schema])
    }

    @Test func unknownAttributeIsOneProblem() throws {
        let found = try problems(Self.export("    <participant id=\"UD-1\" shoe_size=\"44\"/>"))
        #expect(found.map(\.ruleID) == [ReservedRule.schema])
        #expect(found.first?.message == "participant UD-1: unknown attribute 'shoe_size' (not a field of participant); rename or remove it")
        #expect(found.first?.location.line == 7)
        #expect(found.first?.location.xpath == "/operation/participants/participant[1]/@shoe_size")
    }

    @Test func valueNotOfItsTypeIsOneUnparseableProblem() throws {
        let found = try problems(Self.export("""
            <participant id="UD-1">
              <training start="2020-13-01"/>
            </participant>
            """))
        #expect(found.map(\.ruleID) == [ReservedRule.unparseable])
        #expect(found.first?.message == "training UD-1/training: start '2020-13-01' is not a date YYYY-MM-DD")
        #expect(found.first?.location.line == 8)
        #expect(found.first?.location.xpath == "/operation/participants/participant[1]/training/@start")
    }

    @Test func codeNotInItsListIsOneUnparseableProblem() throws {
        let found = try problems(Self.export("    <participant id=\"UD-1\" gender=\"Q\" criteria=\"ltu24 nonsense\"/>"))
        #expect(found.map(\.ruleID) == [ReservedRule.unparseable, ReservedRule.unparseable])
        #expect(found.map(\.location.field) == ["gender", "criteria"])
        #expect(found.allSatisfy { $0.location.line == 7 })
    }

    @Test func secondTrainingIsLeftToTheEngine() throws {
        // The engine reports a second training as ESFCHECK-IN-003 for both forms; the
        // XSD's "not expected" error on it would be the same problem a second time.
        let xml = Self.export("""
            <participant id="UD-1">
              <training start="2020-03-01"/>
              <training start="2020-04-01"/>
            </participant>
            """)
        #expect(try problems(xml).isEmpty)
        #expect(try problems(xml, schema: .none).isEmpty)
        // A second list wrapper, which nothing else reports, is the XSD's.
        let wrappers = try problems("""
            <operation xmlns="urn:esfcheck:export:1" id="OP-1">
              <participants><participant id="A"/></participants>
              <participants><participant id="B"/></participants>
            </operation>
            """)
        #expect(wrappers.map(\.ruleID) == [ReservedRule.schema])
        #expect(wrappers.first?.message == "operation OP-1: a second 'participants' element inside operation: at most one is allowed")
        #expect(wrappers.first?.recordKey == "OP-1")
        #expect(wrappers.first?.location.line == 3)
        #expect(wrappers.first?.location.xpath == "/operation/participants[2]")
    }

    @Test func elementInTheWrongNamespaceIsOneProblem() throws {
        let found = try problems(Self.export("""
            <participant id="UD-1">
              <x:training xmlns:x="urn:other" start="2020-03-01"><x:inner/></x:training>
            </participant>
            """))
        #expect(found.map(\.ruleID) == [ReservedRule.schema])
        #expect(found.first?.message == "element 'training' inside participant is in namespace 'urn:other', expected 'urn:esfcheck:export:1'; it was not read")
        #expect(found.first?.location.line == 8)
    }

    @Test func theReadersOwnChecksAreNotRepeatedByTheXSD() throws {
        // The scenario of the reader's structure test, with the XSD on: each mistake once.
        let found = try problems("""
            <operation xmlns="urn:esfcheck:export:1" id="OP" bogus="1">
            <participants>
            <participant id="P1" shoe_size="44" xmlns:o="urn:other" o:extra="1" birth_date="1985-02-30">
            <hobby><employment id="HIDDEN"/></hobby>
            <training start="2020-01-01">text</training>
            <employment id="E1"/>
            </participant>
            <employment id="MISPLACED"/>
            </participants>
            <unknown/>
            </operation>
            """)
        #expect(found.map(\.message) == [
            "operation OP: unknown attribute 'bogus' (not a field of operation); rename or remove it",
            "participant P1: unknown attribute 'shoe_size' (not a field of participant); rename or remove it",
            "participant P1: unknown attribute 'o:extra' (not a field of participant); rename or remove it",
            "participant P1: birth_date '1985-02-30' is not a date YYYY-MM-DD",
            "unknown element 'hobby' inside participant (expected training, employment, follow_up); it was not read",
            "unexpected text 'text' inside training; values belong in attributes",
            "element 'employment' is not allowed inside participants; it belongs inside participant; it was not read",
            "unknown element 'unknown' inside operation (expected providers, participants, expenditures); it was not read",
        ])
        #expect(try problems("<operation xmlns=\"urn:other\" id=\"X\"><participants/></operation>").count == 1)
        #expect(try problems("<export xmlns=\"urn:esfcheck:export:1\"/>").count == 1)
    }

    @Test func mistakesOnOneLineAreToldApart() throws {
        let found = try problems(Self.export(
            "<participant id=\"A\" shoe=\"1\"/><participant id=\"B\" gender=\"Q\"/><participant id=\"C\"><employment id=\"E\"/><training/></participant>"))
        #expect(found.map(\.ruleID) == [ReservedRule.schema, ReservedRule.unparseable, ReservedRule.schema])
        #expect(found.map(\.location.xpath) == [
            "/operation/participants/participant[1]/@shoe",
            "/operation/participants/participant[2]/@gender",
            "/operation/participants/participant[3]/training",
        ])
        #expect(found.allSatisfy { $0.location.line == 7 })
    }

    @Test func rootMistakesAreFoundWhileTheRootIsRead() throws {
        // The root's errors come before the reader has any node (see XMLFeed.trickle).
        let found = try problems("""
            <?xml version="1.0"?>
            <!-- a comment -->
            <operation xmlns="urn:esfcheck:export:1"
                id="OP" period="1999" colour="red"><participants/><providers/></operation>
            """)
        #expect(found.map(\.ruleID) == [ReservedRule.schema, ReservedRule.unparseable, ReservedRule.schema])
        #expect(found.map(\.location.line) == [3, 3, 4])
        #expect(found.last?.message == "operation OP: element 'providers' is out of order inside operation: it must come before 'participants' (the order is providers, participants, expenditures)")
    }

    @Test func aMultiLineStartTagIsLocatedAtItsFirstLine() throws {
        let found = try problems(Self.export("""
            <participant id="UD-1">
              <follow_up employed_day30="true"/>
              <training
                  start="2020-03-01"
                  months="6"/>
            </participant>
            """))
        #expect(found.map(\.ruleID) == [ReservedRule.schema])
        #expect(found.first?.location.line == 9)
    }

    @Test func linesAbove65535AreExact() throws {
        var body = ""
        let count = 35_000
        for i in 0..<count { body += "<participant id=\"P\(i)\"\n gender=\"F\"/>\n" }
        body += "<participant id=\"LAST\">\n<employment id=\"E\"/>\n<training/>\n</participant>"
        let found = try problems(Self.export(body))
        #expect(found.count == 1)
        #expect(found.first?.location.line == 7 + 2 * count + 2)
        #expect(found.first?.location.xpath == "/operation/participants/participant[\(count + 1)]/training")
    }

    @Test func malformedInputStillThrowsWithTheXSDOn() throws {
        let dir = try TempDir()
        let truncated = try dir.write("t.xml", "<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\">\n<participants>\n<participant id=\"P1\"")
        let e = try #require(inputError { _ = try collect(XMLRecordSource(path: truncated, model: Self.model)) })
        #expect(e.message.hasPrefix("malformed XML"))
        #expect(e.location.line == 3)
        let mismatched = try dir.write("m.xml", "<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\">\n<participants>\n</participant>\n</operation>")
        let m = try #require(inputError { _ = try collect(XMLRecordSource(path: mismatched, model: Self.model)) })
        #expect(m.location.line == 3)
        #expect(m.location.column != nil)
        let doctype = try dir.write("d.xml", "<!DOCTYPE operation SYSTEM \"http://example.invalid/x.dtd\">\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\"/>")
        let d = try #require(inputError { _ = try collect(XMLRecordSource(path: doctype, model: Self.model)) })
        #expect(d.message.contains("DOCTYPE"))
        let empty = try dir.write("e.xml", "")
        #expect(inputError { _ = try collect(XMLRecordSource(path: empty, model: Self.model)) }?.message.contains("empty") == true)
    }

    @Test("an export without a list, or with an empty one, is incomplete unless the model says may_be_empty, with or without the XSD")
    func emptyListsAreProblems() throws {
        func completeness(_ xml: String, _ schema: XMLSchemaOption) throws -> [String] {
            let dir = try TempDir()
            let path = try dir.write("export.xml", xml)
            return try collect(XMLRecordSource(path: path, model: Self.model, schema: schema)).compactMap(\.problem)
                .filter { $0.message.hasPrefix("the export lists no ") }
                .map { "\($0.location.xpath ?? "-") \($0.location.line ?? 0) \($0.message.prefix(60))" }
        }
        let complete = Self.export("<participant id=\"P1\"><training/></participant>")
            .replacingOccurrences(of: "</participants>", with: "</participants>\n  <expenditures><expenditure id=\"X1\"/></expenditures>")
        for schema in [XMLSchemaOption.canonical, .none] {
            // No employment and no follow-up: the model declares both may_be_empty.
            #expect(try completeness(complete, schema) == [])
            // No <participants> at all: one problem (its trainings are not asked for again).
            let noParticipants = complete.replacingOccurrences(of: #"<participants>[\s\S]*</participants>"#, with: "", options: .regularExpression)
            #expect(try completeness(noParticipants, schema) == [
                "/operation 2 the export lists no participant: it has no <participants> li",
            ])
            // An empty <providers/> wrapper and no training in any participant.
            let empty = complete.replacingOccurrences(of: #"<providers>[\s\S]*</providers>"#, with: "<providers/>", options: .regularExpression)
                .replacingOccurrences(of: "<training/>", with: "")
            #expect(try completeness(empty, schema) == [
                "/operation/providers 2 the export lists no provider: its <providers> list has no <p",
                "/operation/participants/participant 2 the export lists no training: no <participant> has a <traini",
            ])
        }
    }

    @Test func validityErrorsDoNotStopTheRead() throws {
        var body = ""
        for i in 1...50 { body += "<participant id=\"P\(i)\"><employment id=\"E\(i)\"/><training/></participant>\n" }
        let dir = try TempDir()
        let path = try dir.write("export.xml", Self.export(body))
        let events = try collect(XMLRecordSource(path: path, model: Self.model))
        #expect(events.compactMap(\.problemBesidesCompleteness).count == 50)
        #expect(events.compactMap(\.record).count == 1 + 1 + 50 * 3)
    }

    // MARK: - Nothing is fetched

    static func schemaImporting(_ location: String, tag: String = "import") -> String {
        let namespaceAttribute = tag == "import" ? " namespace=\"urn:x\"" : ""
        return """
            <?xml version="1.0"?>
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:esfcheck:export:1" elementFormDefault="qualified">
              <xs:\(tag)\(namespaceAttribute) schemaLocation="\(location)"/>
              <xs:element name="operation"/>
            </xs:schema>
            """
    }

    @Test func schemaWithARemoteImportIsRefusedAndNothingIsFetched() throws {
        let listener = try TCPListener()
        let dir = try TempDir()
        let url = "http://127.0.0.1:\(listener.port)/remote.xsd"
        for tag in ["import", "include", "redefine"] {
            let xsd = try dir.write("\(tag).xsd", Self.schemaImporting(url, tag: tag))
            let export = try dir.write("export.xml", "<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\"/>")
            let source = XMLRecordSource(path: export, model: Self.model, schema: .file(xsd))
            let e = try #require(inputError { try source.prepareSchema() })
            #expect(e.message == "the schema's xs:\(tag) refers to '\(url)', which is not a local file: refused, nothing was fetched (download it and refer to the local copy)")
            #expect(e.location.file == xsd)
            #expect(e.location.line == 3)
            // Reading refuses it the same way, before anything is read.
            #expect(inputError { _ = try collect(source) }?.message == e.message)
        }
        for location in ["https://example.invalid/x.xsd", "ftp://127.0.0.1/x.xsd", "//127.0.0.1/x.xsd", "file://otherhost/x.xsd"] {
            let xsd = try dir.write("other.xsd", Self.schemaImporting(location))
            #expect(inputError { try XMLRecordSource(path: "x.xml", model: Self.model, schema: .file(xsd)).prepareSchema() } != nil)
        }
        #expect(!listener.connected)
    }

    @Test func libxml2ItselfFetchesNothing() throws {
        // Past our own refusal, libxml2's entity loader is the no-network one.
        let listener = try TCPListener()
        let xsd = Self.schemaImporting("http://127.0.0.1:\(listener.port)/remote.xsd")
        _ = try? SchemaCompiler.compile(bytes: Array(xsd.utf8), path: "/nonexistent/remote-test.xsd",
                                        displayPath: "remote-test.xsd", checkReferences: false)
        #expect(!listener.connected)
    }

    @Test func localIncludesAreFollowedAndChecked() throws {
        let dir = try TempDir()
        try dir.write("types.xsd", """
            <?xml version="1.0"?>
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:esfcheck:export:1">
              <xs:simpleType name="code"><xs:restriction base="xs:string"/></xs:simpleType>
            </xs:schema>
            """)
        let main = try dir.write("main.xsd", """
            <?xml version="1.0"?>
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:e="urn:esfcheck:export:1" targetNamespace="urn:esfcheck:export:1" elementFormDefault="qualified">
              <xs:include schemaLocation="types.xsd"/>
              <xs:element name="operation"><xs:complexType><xs:attribute name="id" type="e:code"/></xs:complexType></xs:element>
            </xs:schema>
            """)
        let export = try dir.write("export.xml", "<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\"/>")
        let events = try collect(XMLRecordSource(path: export, model: Self.model, schema: .file(main)))
        #expect(events.compactMap(\.problemBesidesCompleteness).isEmpty)
        #expect(events.compactMap(\.record).count == 1)

        // A local include that itself imports from the network is refused too.
        let listener = try TCPListener()
        try dir.write("types.xsd", Self.schemaImporting("http://127.0.0.1:\(listener.port)/x.xsd"))
        let e = try #require(inputError { try SchemaCompiler.compile(path: main) })
        #expect(e.location.file.hasSuffix("types.xsd"))
        #expect(!listener.connected)
    }

    @Test func unusableSchemaFilesGiveClearErrors() throws {
        let dir = try TempDir()
        let missing = inputError { try XMLRecordSource(path: "x.xml", model: Self.model, schema: .file(dir.path + "/none.xsd")).prepareSchema() }
        #expect(missing?.message.contains("cannot open the schema file") == true)
        let broken = try dir.write("broken.xsd", "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<xs:element")
        let b = try #require(inputError { try XMLRecordSource(path: "x.xml", model: Self.model, schema: .file(broken)).prepareSchema() })
        #expect(b.message.hasPrefix("the schema is not well-formed XML"))
        let invalid = try dir.write("invalid.xsd", "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n<xs:element name=\"a\" type=\"xs:nonsense\"/>\n</xs:schema>")
        let i = try #require(inputError { try XMLRecordSource(path: "x.xml", model: Self.model, schema: .file(invalid)).prepareSchema() })
        #expect(i.message.hasPrefix("the schema cannot be used"))
        #expect(i.location.line == 2)
        let doctype = try dir.write("doctype.xsd", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>")
        let d = try #require(inputError { try XMLRecordSource(path: "x.xml", model: Self.model, schema: .file(doctype)).prepareSchema() })
        #expect(d.message.contains("DOCTYPE"))
    }

    @Test func anExportsSchemaLocationIsIgnored() throws {
        let listener = try TCPListener()
        let found = try problems("""
            <operation xmlns="urn:esfcheck:export:1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                xsi:schemaLocation="urn:esfcheck:export:1 http://127.0.0.1:\(listener.port)/export.xsd" id="OP"/>
            """)
        #expect(found.isEmpty)
        #expect(!listener.connected)
    }

    @Test func aUserSchemaAddsItsOwnChecks() throws {
        // A user's XSD stricter than the model: its errors are reported, the reader's not repeated.
        let dir = try TempDir()
        var xsd = XSDGenerator.schema(for: Self.model)
        xsd = xsd.replacingOccurrences(of: "<xs:attribute name=\"title\" type=\"xs:string\"/>",
                                       with: "<xs:attribute name=\"title\" use=\"required\"><xs:simpleType><xs:restriction base=\"xs:string\"><xs:maxLength value=\"5\"/></xs:restriction></xs:simpleType></xs:attribute>")
        let path = try dir.write("strict.xsd", xsd)
        let export = try dir.write("export.xml", "<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\" title=\"Far too long\" period=\"1999\"/>")
        let found = try collect(XMLRecordSource(path: export, model: Self.model, schema: .file(path))).compactMap(\.problemBesidesCompleteness)
        #expect(found.map(\.ruleID) == [ReservedRule.unparseable, ReservedRule.schema])
        let title = try #require(found.last)
        #expect(title.message.hasPrefix("operation OP: title 'Far too long' does not match the XSD: "))
        #expect(title.message.contains("maximum length of '5'"))
        #expect(title.location.xpath == "/operation/@title")
        #expect(title.location.line == 1)
    }
}

/// A TCP listener on 127.0.0.1 that counts connection attempts.
final class TCPListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw ModelFile.Failure(description: "cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Whether anything connected (pending connections are accepted and closed).
    var connected: Bool {
        let c = accept(fd, nil, nil)
        if c >= 0 { close(c) }
        return c >= 0
    }

    deinit { close(fd) }
}
