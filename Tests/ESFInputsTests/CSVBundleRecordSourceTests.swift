import ESFCore
import ESFInputs
import Foundation
import Testing

@Suite("CSV bundle record source")
struct CSVBundleRecordSourceTests {
    static let operationCSV = "id,title,total_eligible,start\nUD-2020,\"Učne \"\"delavnice\"\" & co\",8500000.00,2020-01-01\n"

    /// A bundle of `files`; with `complete`, every other file of the model holds only its header row.
    func bundle(_ files: [String: String], complete: Bool = true) throws -> TempDir {
        let dir = try TempDir()
        for (name, text) in files { try dir.write(name, text) }
        if complete {
            for (name, header) in TestModel.headers where files[name] == nil { try dir.write(name, header + "\n") }
        }
        return dir
    }

    func read(_ files: [String: String], order: [Int] = []) throws -> [InputEvent] {
        let dir = try bundle(files)
        return try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model), order: order)
    }

    @Test func readsEveryFileIntoTypedRecords() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,birth_date,gender,criteria\r\nUD-000001,1970-05-12,F,ltu24 basic_education\r\nUD-000002,,M,\r\n",
            "employments.csv": "participant_id,id,start,weekly_hours,disabled_part_time\nUD-000001,E1,2020-09-01,40,false\n",
            "trainings.csv": "participant_id,provider_id,start,months\nUD-000001,P001,2020-03-01,6\n",
        ])
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "R participant UD-000001", "R participant UD-000002", "R employment E1", "R training -",
        ])
        let records = events.compactMap(\.record)
        #expect(records[0]["title"] == .string("Učne \"delavnice\" & co"))
        #expect(records[0]["total_eligible"] == .decimal(ExactDecimal(units: 850_000_000, scale: 2)))
        #expect(records[1]["criteria"] == .list([.string("ltu24"), .string("basic_education")]))
        #expect(records[1]["birth_date"] == .date(CivilDate(year: 1970, month: 5, day: 12)!))
        #expect(records[2]["birth_date"] == .null)
        #expect(records[2]["criteria"] == .null)
        #expect(records[3]["participant_id"] == .string("UD-000001"))
        #expect(records[3]["weekly_hours"] == .int(40))
        #expect(records[3]["disabled_part_time"] == .bool(false))
        #expect(records[4]["months"] == .int(6))
    }

    @Test func locationsHaveFileLineRecordAndColumns() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "gender,id,birth_date,criteria\nF,\"UD-1\nsecond line\",1970-05-12,\nM,UD-2,1980-01-01,\n",
        ])
        let participants = events.compactMap(\.record).filter { $0.entity == TestModel.participant }
        #expect(participants.map(\.location.line) == [2, 4])
        #expect(participants.map(\.location.record) == [1, 2])
        #expect(participants.allSatisfy { $0.location.file.hasSuffix("/participants.csv") && $0.location.xpath == nil })
        // Field order is the model's (id, birth_date, criteria, gender), not the file's.
        #expect(participants[1].fieldColumns == [3, 8, 19, 1])
        let birth = participants[1].location(ofField: 1, named: "birth_date")
        #expect(birth.column == 8)
        #expect(birth.field == "birth_date")
    }

    @Test func filesAreReadInTheGivenEntityOrderThenModelOrder() throws {
        let files = [
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,birth_date,criteria,gender\nP1,,,\n",
            "employments.csv": "participant_id,id,start,weekly_hours,disabled_part_time\nP1,E1,,,\n",
            "trainings.csv": "participant_id,provider_id,start,months\nP1,,,\n",
        ]
        let events = try read(files, order: [TestModel.training, TestModel.participant])
        #expect(events.map(\.summary) == ["R training -", "R participant P1", "R operation UD-2020", "R employment E1"])
        #expect(!events.contains { $0.isGroupEnd })
    }

    @Test func raggedRowIsAProblemAndRejected() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,birth_date,gender,criteria\nP1,1970-01-01,F,\nP2,1970-01-01\nP3,1970-01-01,F,,extra\nP4,,M,\n",
        ])
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "R participant P1",
            "P ESFCHECK-IN-001", "X participant", "P ESFCHECK-IN-001", "X participant",
            "R participant P4",
        ])
        let problems = events.compactMap(\.problem)
        #expect(problems[0].message == "participants.csv line 3: 2 cells, the header has 4; the row is not read")
        #expect(problems[1].message == "participants.csv line 4: 5 cells, the header has 4; the row is not read")
        #expect(problems[0].location.record == 2)
        let rejected = try #require(events.compactMap(\.rejected).first)
        #expect(rejected.entity == TestModel.participant)
        #expect(rejected.location.line == 3)
        #expect(events.compactMap(\.record).last?.location.record == 4)
    }

    @Test func unknownAndDuplicateColumnsAreSchemaProblems() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,foo,gender,id,birth_date,criteria\nP1,bar,F,P9,,\n",
        ])
        let problems = events.compactMap(\.problem)
        #expect(problems.map(\.message) == [
            "participants.csv: unknown column 'foo' (not a field of participant); rename or remove it",
            "participants.csv: column 'id' appears more than once; only the first is read, remove the others",
        ])
        #expect(problems.allSatisfy { $0.ruleID == ReservedRule.schema && $0.location.line == 1 })
        #expect(problems.map(\.location.column) == [4, 15])
        let participant = try #require(events.compactMap(\.record).last)
        #expect(participant["id"] == .string("P1"))
        #expect(participant["gender"] == .string("F"))
    }

    @Test func missingColumnsStopReadingWithTheirNames() throws {
        let dir = try bundle([
            "operation.csv": Self.operationCSV,
            "participants.csv": "gender,birth_date\nF,1970-01-01\nM,1980-01-01\n",
        ])
        var events: [InputEvent] = []
        let e = try #require(inputError {
            try CSVBundleRecordSource(directory: dir.path, model: TestModel.model).read(entityOrder: []) { events.append($0) }
        })
        #expect(e.message.hasPrefix("participants.csv: column 'id' is missing from the header; the canonical form has it for participant"))
        #expect(e.location.file.hasSuffix("/participants.csv"))
        #expect(e.location.line == 1)
        // Nothing of the file was read: no row without its columns.
        #expect(events.map(\.summary) == ["R operation UD-2020"])

        // An optional field's column may be absent in the canonical form: it reads as missing in
        // every row and the source lists it (the report shows it).
        let optional = try bundle(["operation.csv": Self.operationCSV, "employments.csv": "participant_id,id,start,weekly_hours\nP1,E1,,\n"])
        let source = CSVBundleRecordSource(directory: optional.path, model: TestModel.model)
        #expect(inputError { _ = try collect(source) } == nil)
        #expect(source.absentColumns.map(\.header).contains("disabled_part_time"))
    }

    @Test func unparseableValueIsAProblemWithItsLocation() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,birth_date,gender,criteria\nUD-000011,1985-02-28,F,\nUD-000012,1985-02-30,F,\n",
        ])
        let problem = try #require(events.compactMap(\.problem).first)
        #expect(problem.ruleID == ReservedRule.unparseable)
        #expect(problem.message == "participant UD-000012: birth_date '1985-02-30' is not a date YYYY-MM-DD")
        #expect(problem.location.file.hasSuffix("/participants.csv"))
        #expect(problem.location.line == 3)
        #expect(problem.location.column == 11)
        #expect(problem.location.record == 2)
        #expect(problem.location.field == "birth_date")
        #expect(problem.recordKey == "UD-000012")
        let record = try #require(events.compactMap(\.record).last)
        #expect(record["birth_date"] == .null)
        #expect(record["gender"] == .string("F"))
    }

    @Test func keylessRecordsAreNamedByTheirParent() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "trainings.csv": "participant_id,provider_id,start,months\nUD-1,,,six\n",
        ])
        #expect(events.compactMap(\.problem).first?.message == "training UD-1/training: months 'six' is not a whole number")
        #expect(events.compactMap(\.problem).first?.recordKey == "UD-1/training")
    }

    @Test func emptyRequiredCellIsASchemaProblem() throws {
        let events = try read(["operation.csv": Self.operationCSV, "participants.csv": "id,birth_date,criteria,gender\n,,,F\n"])
        let problem = try #require(events.compactMap(\.problem).first)
        #expect(problem.ruleID == ReservedRule.schema)
        #expect(problem.message == "participant: required field 'id' is missing or empty; every participant needs one")
        #expect(problem.location.column == 1)
        #expect(events.compactMap(\.record).count == 2)
    }

    @Test func blankLinesAtTheEndAreIgnoredElsewhereRagged() throws {
        let events = try read([
            "operation.csv": Self.operationCSV + "\n\n",
            "participants.csv": "id,birth_date,criteria,gender\nP1,,,F\n\nP2,,,M\n\n",
        ])
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "R participant P1", "P ESFCHECK-IN-001", "X participant", "R participant P2",
        ])
        #expect(events.compactMap(\.problem).first?.message == "participants.csv line 3: 1 cell, the header has 4; the row is not read")
        #expect(events.compactMap(\.record).last?.location.record == 3)
    }

    @Test func malformedCellsAreProblemsAndNull() throws {
        var participants = Array("id,gender,birth_date,criteria\nP1,F,\"1970-01-01\"x,\nP2,M,19".utf8)
        participants += [0] + Array("70-01-01,\n".utf8)
        let dir = try bundle(["operation.csv": Self.operationCSV])
        try dir.write("participants.csv", bytes: participants)
        let events = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model))
        let problems = events.compactMap(\.problem)
        #expect(problems.map(\.ruleID) == [ReservedRule.unparseable, ReservedRule.unparseable])
        #expect(problems[0].message.hasPrefix("participant P1: birth_date has text after its closing quote"))
        #expect(problems[0].location.line == 2)
        #expect(problems[0].location.column == 18)
        #expect(problems[1].message == "participant P2: birth_date contains a NUL byte; remove it")
        let records = events.compactMap(\.record).filter { $0.entity == TestModel.participant }
        #expect(records.map { $0["birth_date"] } == [.null, .null])
    }

    @Test func everyMissingFileIsNamedBeforeAnythingIsRead() throws {
        let noRoot = try bundle(["participants.csv": "id,birth_date,criteria,gender\nP1,,,\n", "trainings.csv": TestModel.headers["trainings.csv"]! + "\n"],
                                complete: false)
        var events: [InputEvent] = []
        let e = try #require(inputError {
            try CSVBundleRecordSource(directory: noRoot.path, model: TestModel.model).read(entityOrder: [TestModel.participant]) { events.append($0) }
        })
        #expect(e.message.hasPrefix("operation.csv (operation), employments.csv (employment) are missing: the CSV bundle \(noRoot.path) is incomplete"))
        #expect(e.location.file == noRoot.path)
        #expect(events.isEmpty)

        // One missing file: its own path, even when the model declares its list may be empty.
        let onlyOne = try bundle(["operation.csv": Self.operationCSV, "participants.csv": "id,birth_date,criteria,gender\nP1,,,\n",
                                  "employments.csv": TestModel.headers["employments.csv"]! + "\n"], complete: false)
        let one = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: onlyOne.path, model: TestModel.model)) })
        #expect(one.message.hasPrefix("trainings.csv (training) is missing"))
        #expect(one.location.file == onlyOne.path + "/trainings.csv")

        // Header-only files are empty lists: fine where the model allows it.
        let headersOnly = try bundle(["operation.csv": Self.operationCSV, "participants.csv": "id,birth_date,criteria,gender\nP1,,,\n"])
        let source = CSVBundleRecordSource(directory: headersOnly.path, model: TestModel.model)
        #expect(try collect(source).map(\.summary) == ["R operation UD-2020", "R participant P1"])
        #expect(source.files.count == 4)
        #expect(source.displayPath == headersOnly.path)
    }

    @Test func aListWithOnlyItsHeaderIsAProblemUnlessItMayBeEmpty() throws {
        let events = try read(["operation.csv": Self.operationCSV])
        #expect(events.map(\.summary) == ["R operation UD-2020", "P ESFCHECK-XSD-001"])
        let problem = try #require(events.compactMap(\.problem).first)
        #expect(problem.message.hasPrefix("the export lists no participant: participants.csv has only its header row"))
        #expect(problem.location.file.hasSuffix("/participants.csv"))
        #expect(problem.location.line == 1)
        #expect(problem.entity == TestModel.participant)
    }

    @Test func aRowLongerThanTheLimitStopsWithItsLine() throws {
        let dir = try bundle(["operation.csv": Self.operationCSV,
                              "participants.csv": "id,birth_date,criteria,gender\nP1,,,F\nP2,\"" + String(repeating: "x", count: 5000) + "\",,F\n"])
        let source = CSVBundleRecordSource(directory: dir.path, model: TestModel.model, chunkSize: 1024)
        source.maxRowBytes = 4096
        var events: [InputEvent] = []
        let e = try #require(inputError { try source.read(entityOrder: []) { events.append($0) } })
        #expect(e.location.file.hasSuffix("/participants.csv"))
        #expect(e.location.line == 3)
        #expect(e.message.hasPrefix("the row starting on line 3 is longer than 4096 bytes"))
        #expect(events.compactMap(\.record).count == 2)
        // The row is 5,008 bytes without its line break: exactly at the limit, the same file reads.
        source.maxRowBytes = 5008
        #expect(try collect(source).compactMap(\.record).count == 3)
    }

    @Test func nonRegularFilesAreRefusedBeforeOpening() throws {
        let dir = try bundle(["operation.csv": Self.operationCSV, "participants.csv": "id,birth_date,criteria,gender\nP1,,,\n"])
        try FileManager.default.removeItem(atPath: dir.path + "/employments.csv")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/employments.csv", withDestinationPath: "/dev/zero")
        let e = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model)) })
        #expect(e.message.hasPrefix("a character device, not a regular file"))
        #expect(e.location.file.hasSuffix("/employments.csv"))
    }

    @Test func emptyFileIsAProblem() throws {
        let events = try read(["operation.csv": Self.operationCSV, "participants.csv": ""])
        #expect(events.compactMap(\.problem).first?.message == "participants.csv is empty: it needs a header row of field names")
    }

    @Test func invalidUTF8AndUnterminatedQuotesThrow() throws {
        let dir = try bundle(["operation.csv": Self.operationCSV])
        try dir.write("participants.csv", bytes: Array("id,gender,birth_date,criteria\nP1,F,,\nP\u{17D}".utf8) + [0xE9] + Array(",M,,\n".utf8))
        let e = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model)) })
        #expect(e.location.file.hasSuffix("/participants.csv"))
        #expect(e.location.line == 3)
        #expect(e.message.contains("byte offset 40"))

        let quote = try bundle(["operation.csv": Self.operationCSV, "participants.csv": "id,gender,birth_date,criteria\nP1,F,,\n\"P2,M,,\nP3,F,,\n"])
        let q = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: quote.path, model: TestModel.model)) })
        #expect(q.location.line == 3)
        #expect(q.message.contains("unterminated"))
    }

    @Test func aFieldOfOnePointFiveMegabytes() throws {
        let title = String(repeating: "Učne delavnice ", count: 100_000)  // 1.6 MB
        let events = try read(["operation.csv": "id,title,total_eligible,start\nOP,\"\(title)\",,\n"])
        #expect(events.compactMap(\.record).first?["title"] == .string(title))
    }

    @Test func bothFormsGiveTheSameRecords() throws {
        let dir = try bundle([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,birth_date,gender,criteria\nUD-000001,1970-05-12,F,ltu24 basic_education\nUD-000002,,M,\n",
            "employments.csv": "participant_id,id,start,weekly_hours,disabled_part_time\nUD-000001,E1,2020-09-01,40,false\nUD-000001,E2,2021-03-01,20,true\n",
            "trainings.csv": "participant_id,provider_id,start,months\nUD-000001,P001,2020-03-01,6\n",
        ])
        let xmlPath = try dir.write("export.xml", XMLRecordSourceTests.sample)
        func key(_ r: Record) -> String { "\(r.entity):" + r.values.map(\.description).joined(separator: "|") }
        let fromCSV = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model)).compactMap(\.record).map(key)
        let fromXML = try collect(XMLRecordSource(path: xmlPath, model: TestModel.model)).compactMap(\.record).map(key)
        #expect(fromCSV.sorted() == fromXML.sorted())
    }
}
