import ESFCore
import ESFInputs
import Foundation
import Testing

@Suite("XML record source")
struct XMLRecordSourceTests {
    static let sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <operation xmlns="urn:esfcheck:export:1" id="UD-2020" title="Učne &quot;delavnice&quot; &amp; co"
            total_eligible="8500000.00" start="2020-01-01">
          <participants>
            <participant id="UD-000001" birth_date="1970-05-12" gender="F" criteria="ltu24 basic_education">
              <training provider_id="P001" start="2020-03-01" months="6"/>
              <employment id="E1" start="2020-09-01" weekly_hours="40" disabled_part_time="false"/>
              <employment id="E2"
                  start="2021-03-01" weekly_hours="20" disabled_part_time="true"/>
            </participant>
            <participant id="UD-000002" gender="M"/>
          </participants>
        </operation>

        """

    /// Reads with the reader's own checks only: XSD validation (on by default) is tested in
    /// `XMLSchemaValidationTests`, on the real model (`TestModel` orders its entities differently).
    func read(_ xml: String) throws -> [InputEvent] {
        let dir = try TempDir()
        let path = try dir.write("export.xml", xml)
        return try collect(XMLRecordSource(path: path, model: TestModel.model, schema: .none))
    }

    /// `<operation xmlns=…>` + body + `</operation>`, the body starting on line 2.
    func wrapped(_ body: String) -> String {
        "<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\">\n" + body + "\n</operation>\n"
    }

    @Test func recordsComeInDocumentOrderWithGroupEnds() throws {
        let events = try read(Self.sample)
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "R participant UD-000001", "R training -", "R employment E1", "R employment E2", "G",
            "R participant UD-000002", "G",
        ])
    }

    @Test func valuesAreTypedAndNestedRecordsCarryTheParentID() throws {
        let records = try read(Self.sample).compactMap(\.record)
        let operation = records[0]
        #expect(operation["title"] == .string("Učne \"delavnice\" & co"))
        #expect(operation["total_eligible"] == .decimal(ExactDecimal(units: 850_000_000, scale: 2)))
        #expect(operation["start"] == .date(CivilDate(year: 2020, month: 1, day: 1)!))
        let p1 = records[1]
        #expect(p1.values.count == 4)
        #expect(p1["criteria"] == .list([.string("ltu24"), .string("basic_education")]))
        #expect(p1["gender"] == .string("F"))
        let training = records[2]
        #expect(training["participant_id"] == .string("UD-000001"))
        #expect(training["months"] == .int(6))
        let e2 = records[4]
        #expect(e2["participant_id"] == .string("UD-000001"))
        #expect(e2["weekly_hours"] == .int(20))
        #expect(e2["disabled_part_time"] == .bool(true))
        #expect(records[5]["birth_date"] == .null)
        #expect(records[5]["criteria"] == .null)
    }

    @Test func locationsHaveExactLinesAndXPaths() throws {
        let records = try read(Self.sample).compactMap(\.record)
        #expect(records.map(\.location.xpath) == [
            "/operation",
            "/operation/participants/participant[1]",
            "/operation/participants/participant[1]/training",
            "/operation/participants/participant[1]/employment[1]",
            "/operation/participants/participant[1]/employment[2]",
            "/operation/participants/participant[2]",
        ])
        // A start tag spread over two lines is located at its first line.
        #expect(records.map(\.location.line) == [2, 5, 6, 7, 8, 11])
        #expect(records.allSatisfy { $0.location.file.hasSuffix("export.xml") && $0.location.column == nil })
    }

    @Test func xpathPositionsAreCountedPerParent() throws {
        var body = "<participants>\n"
        for i in 1...3 {
            body += "<participant id=\"P\(i)\">\n"
            for j in 1...i { body += "<employment id=\"P\(i)-E\(j)\"/>\n" }
            body += "</participant>\n"
        }
        body += "</participants>"
        let records = try read(wrapped(body)).compactMap(\.record)
        let paths = records.map { $0.location.xpath ?? "" }
        #expect(paths.contains("/operation/participants/participant[3]/employment[3]"))
        #expect(paths.contains("/operation/participants/participant[2]/employment[1]"))
        #expect(!paths.contains("/operation/participants/participant[2]/employment[3]"))
    }

    @Test func linesAbove65535AreExact() throws {
        var xml = "<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\">\n<participants>\n"
        let count = 35_000
        for i in 0..<count { xml += "<participant id=\"P\(i)\"\n gender=\"F\"/>\n" }
        xml += "</participants>\n</operation>\n"
        let records = try read(xml).compactMap(\.record)
        #expect(records.count == count + 1)
        let last = try #require(records.last)
        #expect(last.location.line == 3 + 2 * (count - 1))
        #expect(last.location.xpath == "/operation/participants/participant[\(count)]")
        #expect(records[33_000].location.line == 3 + 2 * 32_999)
    }

    /// Attribute values are decoded where libxml2 holds them: short ones inside their node
    /// (`XML_PARSE_COMPACT`, under 16 bytes), longer ones in a block of their own, values with
    /// references through `xmlNodeListGetString`. Every length around that threshold, multi-byte
    /// UTF-8 and references, over a file large enough that values straddle the reader's input chunks.
    @Test func attributeValuesOfEveryLengthAreReadExactly() throws {
        var ids: [String] = []
        var body = "<participants>\n"
        for i in 0..<2_000 {
            let length = 1 + i % 40
            var id = String(repeating: "ž", count: i % 3) + String(i)
            while id.utf8.count < length { id += String(UnicodeScalar(UInt8(97 + id.utf8.count % 26))) }
            let escaped: String
            switch i % 5 {
            case 0:
                escaped = id + "&amp;&#x17E;&lt;"
                id += "&ž<"
            case 1:
                escaped = id + "&quot;"
                id += "\""
            default:
                escaped = id
            }
            ids.append(id)
            body += "<participant id=\"\(escaped)\" birth_date=\"1970-05-12\" gender=\"\(i % 7 == 0 ? "F\u{200B}" : "M")\"/>\n"
        }
        body += "</participants>"
        let events = try read(wrapped(body))
        let records = events.compactMap(\.record).dropFirst()
        #expect(records.map { $0["id"] } == ids.map { .string($0) })
        #expect(records.allSatisfy { $0["birth_date"] == .date(CivilDate(year: 1970, month: 5, day: 12)!) })
        // The invisible character is reported with the raw text it was found in, the value left null.
        let problems = events.compactMap(\.problem)
        #expect(problems.count == (0..<2_000).filter { $0 % 7 == 0 }.count)
        #expect(problems.allSatisfy { $0.ruleID == ReservedRule.invisible && $0.message.contains("F\\u{200B}") })
        #expect(records.enumerated().allSatisfy { i, r in r["gender"] == (i % 7 == 0 ? .null : .string("M")) })
    }

    @Test func unparseableValueIsAProblemAndTheRecordIsStillSent() throws {
        let events = try read(wrapped("""
            <participants>
            <participant id="UD-000012" birth_date="1985-02-30" gender="Q"/>
            </participants>
            """))
        let problems = events.compactMap(\.problem)
        #expect(problems.count == 2)
        let date = try #require(problems.first)
        #expect(date.ruleID == ReservedRule.unparseable)
        #expect(date.message == "participant UD-000012: birth_date '1985-02-30' is not a date YYYY-MM-DD")
        #expect(date.location.xpath == "/operation/participants/participant[1]/@birth_date")
        #expect(date.location.line == 3)
        #expect(date.location.field == "birth_date")
        #expect(date.recordKey == "UD-000012")
        #expect(problems[1].message == "participant UD-000012: gender 'Q' is not one of F, M, X")
        let record = try #require(events.compactMap(\.record).last)
        #expect(record["id"] == .string("UD-000012"))
        #expect(record["birth_date"] == .null)
    }

    @Test func unknownElementsAndAttributesAreSchemaProblemsAndSkipped() throws {
        let events = try read(wrapped("""
            <participants>
            <participant id="P1" shoe_size="44" xsi:type="x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:o="urn:other" o:extra="1">
            <hobby><employment id="HIDDEN"/></hobby>
            <employment id="E1"/>
            </participant>
            <employment id="MISPLACED"/>
            </participants>
            <unknown/>
            """))
        let problems = events.compactMap(\.problem)
        #expect(problems.allSatisfy { $0.ruleID == ReservedRule.schema })
        #expect(problems.map(\.message) == [
            "participant P1: unknown attribute 'shoe_size' (not a field of participant); rename or remove it",
            "participant P1: unknown attribute 'o:extra' (not a field of participant); rename or remove it",
            "unknown element 'hobby' inside participant (expected employment, training); it was not read",
            "element 'employment' is not allowed inside participants; it belongs inside participant; it was not read",
            "unknown element 'unknown' inside operation (expected participants); it was not read",
        ])
        #expect(problems[0].location.xpath == "/operation/participants/participant[1]/@shoe_size")
        #expect(problems[2].location.line == 4)
        #expect(problems[2].location.xpath == "/operation/participants/participant[1]/hobby")
        let ids = events.compactMap(\.record).map { $0["id"] }
        #expect(ids == [.string("OP"), .string("P1"), .string("E1")])
        #expect(events.compactMap(\.record)[2].location.xpath == "/operation/participants/participant[1]/employment[1]")
    }

    @Test func missingRequiredFieldIsASchemaProblem() throws {
        let events = try read(wrapped("<participants><participant gender=\"F\"><employment start=\"2020-01-01\"/></participant></participants>"))
        let problems = events.compactMap(\.problem)
        #expect(problems.map(\.message) == [
            "participant: required field 'id' is missing or empty; every participant needs one",
            "employment: required field 'id' is missing or empty; every employment needs one",
        ])
        #expect(problems.allSatisfy { $0.ruleID == ReservedRule.schema })
        #expect(problems[0].location.xpath == "/operation/participants/participant[1]/@id")
        #expect(events.compactMap(\.record).count == 3)
    }

    @Test func wrongNamespaceIsRefusedAsASchemaProblem() throws {
        let events = try read("<operation xmlns=\"urn:other\" id=\"X\"><participants/></operation>")
        #expect(events.compactMap(\.record).isEmpty)
        let problem = try #require(events.compactMap(\.problem).first)
        #expect(problem.ruleID == ReservedRule.schema)
        #expect(problem.message.contains("namespace 'urn:other'"))
        #expect(problem.message.contains("urn:esfcheck:export:1"))

        let noNamespace = try read("<operation id=\"X\"/>")
        #expect(noNamespace.compactMap(\.record).isEmpty)
        #expect(noNamespace.compactMap(\.problem).first?.message.contains("no namespace") == true)

        let nested = try read(wrapped("<participants><p:participant xmlns:p=\"urn:other\" id=\"P1\"/></participants>"))
        #expect(nested.compactMap(\.record).count == 1)
        #expect(nested.compactMap(\.problem).first?.message.contains("namespace 'urn:other'") == true)

        let wrongRoot = try read("<export xmlns=\"urn:esfcheck:export:1\"/>")
        #expect(wrongRoot.compactMap(\.problem).first?.message == "the root element is 'export', expected 'operation' in namespace 'urn:esfcheck:export:1'; nothing in it was read")
    }

    @Test func textContentIsASchemaProblem() throws {
        let events = try read(wrapped("<participants><participant id=\"P1\">hello</participant></participants>"))
        let problem = try #require(events.compactMap(\.problem).first)
        #expect(problem.ruleID == ReservedRule.schema)
        #expect(problem.message.contains("'hello'"))
    }

    // MARK: - Malformed input

    @Test func truncatedFileThrowsWithItsLine() throws {
        let error = inputError { _ = try read("<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\">\n<participants>\n<participant id=\"P1\"") }
        let e = try #require(error)
        #expect(e.message.hasPrefix("malformed XML"))
        #expect(e.location.line == 3)
        #expect(e.location.file.hasSuffix("export.xml"))
    }

    @Test func mismatchedTagThrowsWithLineAndColumn() throws {
        let e = try #require(inputError { _ = try read("<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\">\n<participants>\n</participant>\n</operation>") })
        #expect(e.location.line == 3)
        #expect(e.location.column != nil)
        #expect(e.description.contains("export.xml:3:"))
    }

    @Test func emptyAndNonXMLFilesThrow() throws {
        let empty = try #require(inputError { _ = try read("") })
        #expect(empty.message.contains("empty"))
        let text = try #require(inputError { _ = try read("id,name\n1,2\n") })
        #expect(text.message.hasPrefix("malformed XML"))
        let blank = try #require(inputError { _ = try read("\n\n") })
        #expect(blank.message.contains("malformed XML") || blank.message.contains("empty"))
    }

    @Test func nulByteThrows() throws {
        let dir = try TempDir()
        var bytes = Array(wrapped("<participants><participant id=\"P1\"/></participants>").utf8)
        bytes.insert(0, at: 60)
        let path = try dir.write("nul.xml", bytes: bytes)
        let e = try #require(inputError { _ = try collect(XMLRecordSource(path: path, model: TestModel.model)) })
        #expect(e.message.hasPrefix("malformed XML"))
        #expect(e.location.line == 2)
    }

    @Test func deepNestingThrowsWithoutCrashing() throws {
        let depth = 10_000
        let xml = wrapped(String(repeating: "<x>", count: depth) + String(repeating: "</x>", count: depth))
        let e = try #require(inputError { _ = try read(xml) })
        #expect(e.message.contains("256 levels"))
        let deepKnown = wrapped("<participants>" + String(repeating: "<participant id=\"P\">", count: depth))
        #expect(inputError { _ = try read(deepKnown) } != nil)
    }

    @Test func missingFileThrows() throws {
        let e = try #require(inputError { _ = try collect(XMLRecordSource(path: "/nonexistent/export.xml", model: TestModel.model)) })
        #expect(e.message.contains("cannot open"))
    }

    // MARK: - DOCTYPE and entities

    static let refusal = "DOCTYPE/entity declarations are not allowed in an export (refused, nothing fetched or expanded)"

    @Test func externalEntityIsRefusedAndNothingIsRead() throws {
        let dir = try TempDir()
        let secret = try dir.write("secret.txt", "TOP-SECRET-3141592")
        let xml = """
            <?xml version="1.0"?>
            <!-- a comment
              over lines -->
            <!DOCTYPE operation [
              <!ENTITY x SYSTEM "file://\(secret)">
            ]>
            <operation xmlns="urn:esfcheck:export:1" id="&x;" title="&x;">&x;</operation>
            """
        let path = try dir.write("xxe.xml", xml)
        var events: [InputEvent] = []
        let e = try #require(inputError { try XMLRecordSource(path: path, model: TestModel.model).read(entityOrder: []) { events.append($0) } })
        #expect(e.message == Self.refusal)
        #expect(e.location.line == 4)
        #expect(!e.description.contains("TOP-SECRET"))
        #expect(events.isEmpty)
    }

    @Test func billionLaughsIsRefused() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE operation [\n<!ENTITY lol \"lol\">\n"
        for i in 1...9 {
            let previous = i == 1 ? "lol" : "lol\(i - 1)"
            xml += "<!ENTITY lol\(i) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        xml += "]>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"&lol9;\">&lol9;</operation>\n"
        let clock = ContinuousClock()
        let start = clock.now
        let e = try #require(inputError { _ = try read(xml) })
        #expect(e.message == Self.refusal)
        #expect(e.location.line == 2)
        #expect(clock.now - start < .seconds(5))
    }

    @Test func externalDTDIsRefused() throws {
        let e = try #require(inputError {
            _ = try read("<!DOCTYPE operation SYSTEM \"http://example.invalid/x.dtd\">\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"OP\"/>")
        })
        #expect(e.message == Self.refusal)
        #expect(e.location.line == 1)
    }

    @Test func doctypeInUTF16IsRefused() throws {
        let dir = try TempDir()
        let secret = try dir.write("secret.txt", "TOP-SECRET-UTF16")
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE operation [<!ENTITY x SYSTEM \"file://\(secret)\">]>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"&x;\"/>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in xml.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let path = try dir.write("utf16.xml", bytes: bytes)
        let e = try #require(inputError { _ = try collect(XMLRecordSource(path: path, model: TestModel.model)) })
        #expect(e.message == Self.refusal)
        #expect(!e.description.contains("TOP-SECRET"))
    }

    @Test func utf16ExportIsRead() throws {
        let dir = try TempDir()
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<operation xmlns=\"urn:esfcheck:export:1\" id=\"OPŽ\"/>"
        var bytes: [UInt8] = [0xFE, 0xFF]
        for unit in xml.utf16 { bytes += [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
        let path = try dir.write("utf16be.xml", bytes: bytes)
        let records = try collect(XMLRecordSource(path: path, model: TestModel.model)).compactMap(\.record)
        #expect(records.first?["id"] == .string("OPŽ"))
        #expect(records.first?.location.line == 2)
    }

    @Test func undeclaredEntityIsMalformed() throws {
        let e = try #require(inputError { _ = try read("<operation xmlns=\"urn:esfcheck:export:1\" id=\"&x;\"/>") })
        #expect(e.message.hasPrefix("malformed XML"))
    }

    @Test func readingTwiceGivesTheSameEvents() throws {
        let dir = try TempDir()
        let path = try dir.write("export.xml", Self.sample)
        let source = XMLRecordSource(path: path, model: TestModel.model)
        #expect(try collect(source).map(\.summary) == collect(source).map(\.summary))
        #expect(source.files == [path])
        #expect(source.displayPath == path)
    }

    @Test func sinkErrorsPropagate() throws {
        struct Stop: Error {}
        let dir = try TempDir()
        let path = try dir.write("export.xml", Self.sample)
        #expect(throws: Stop.self) {
            try XMLRecordSource(path: path, model: TestModel.model).read(entityOrder: []) { _ in throw Stop() }
        }
    }
}
