import ESFCore
import ESFInputs
import Foundation
import Testing

@Suite("CSV bundle record source")
struct CSVBundleRecordSourceTests {
    static let operationCSV = "id,title,total_eligible,start\nUD-2020,\"Učne \"\"delavnice\"\" & co\",8500000.00,2020-01-01\n"

    func bundle(_ files: [String: String]) throws -> TempDir {
        let dir = try TempDir()
        for (name, text) in files { try dir.write(name, text) }
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
            "participants.csv": "gender,id,birth_date\nF,\"UD-1\nsecond line\",1970-05-12\nM,UD-2,1980-01-01\n",
        ])
        let participants = events.compactMap(\.record).filter { $0.entity == TestModel.participant }
        #expect(participants.map(\.location.line) == [2, 4])
        #expect(participants.map(\.location.record) == [1, 2])
        #expect(participants.allSatisfy { $0.location.file.hasSuffix("/participants.csv") && $0.location.xpath == nil })
        // Field order is the model's (id, birth_date, criteria, gender); criteria is not in the file.
        #expect(participants[1].fieldColumns == [3, 8, 0, 1])
        let birth = participants[1].location(ofField: 1, named: "birth_date")
        #expect(birth.column == 8)
        #expect(birth.field == "birth_date")
    }

    @Test func filesAreReadInTheGivenEntityOrderThenModelOrder() throws {
        let files = [
            "operation.csv": Self.operationCSV,
            "participants.csv": "id\nP1\n",
            "employments.csv": "participant_id,id\nP1,E1\n",
            "trainings.csv": "participant_id\nP1\n",
        ]
        let events = try read(files, order: [TestModel.training, TestModel.participant])
        #expect(events.map(\.summary) == ["R training -", "R participant P1", "R operation UD-2020", "R employment E1"])
        #expect(!events.contains { $0.isGroupEnd })
    }

    @Test func raggedRowIsAProblemAndRejected() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,birth_date,gender\nP1,1970-01-01,F\nP2,1970-01-01\nP3,1970-01-01,F,extra\nP4,,M\n",
        ])
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "R participant P1",
            "P ESFCHECK-IN-001", "X participant", "P ESFCHECK-IN-001", "X participant",
            "R participant P4",
        ])
        let problems = events.compactMap(\.problem)
        #expect(problems[0].message == "participants.csv line 3: 2 cells, the header has 3; the row is not read")
        #expect(problems[1].message == "participants.csv line 4: 4 cells, the header has 3; the row is not read")
        #expect(problems[0].location.record == 2)
        let rejected = try #require(events.compactMap(\.rejected).first)
        #expect(rejected.entity == TestModel.participant)
        #expect(rejected.location.line == 3)
        #expect(events.compactMap(\.record).last?.location.record == 4)
    }

    @Test func unknownAndDuplicateColumnsAreSchemaProblems() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,foo,gender,id\nP1,bar,F,P9\n",
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

    @Test func missingRequiredColumnRejectsEveryRow() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "gender,birth_date\nF,1970-01-01\nM,1980-01-01\n",
            "employments.csv": "id,start\nE1,2020-01-01\n",
        ])
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "P ESFCHECK-XSD-001", "X participant", "X participant", "P ESFCHECK-XSD-001", "X employment",
        ])
        let problems = events.compactMap(\.problem)
        #expect(problems[0].message == "participants.csv: required column 'id' is missing; no participant row can be read without it")
        #expect(problems[1].message.contains("'participant_id'"))
    }

    @Test func unparseableValueIsAProblemWithItsLocation() throws {
        let events = try read([
            "operation.csv": Self.operationCSV,
            "participants.csv": "id,birth_date,gender\nUD-000011,1985-02-28,F\nUD-000012,1985-02-30,F\n",
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
            "trainings.csv": "participant_id,months\nUD-1,six\n",
        ])
        #expect(events.compactMap(\.problem).first?.message == "training UD-1/training: months 'six' is not a whole number")
        #expect(events.compactMap(\.problem).first?.recordKey == "UD-1/training")
    }

    @Test func emptyRequiredCellIsASchemaProblem() throws {
        let events = try read(["operation.csv": Self.operationCSV, "participants.csv": "id,gender\n,F\n"])
        let problem = try #require(events.compactMap(\.problem).first)
        #expect(problem.ruleID == ReservedRule.schema)
        #expect(problem.message == "participant: required field 'id' is missing or empty; every participant needs one")
        #expect(problem.location.column == 1)
        #expect(events.compactMap(\.record).count == 2)
    }

    @Test func blankLinesAtTheEndAreIgnoredElsewhereRagged() throws {
        let events = try read([
            "operation.csv": Self.operationCSV + "\n\n",
            "participants.csv": "id,gender\nP1,F\n\nP2,M\n\n",
        ])
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "R participant P1", "P ESFCHECK-IN-001", "X participant", "R participant P2",
        ])
        #expect(events.compactMap(\.problem).first?.message == "participants.csv line 3: 1 cell, the header has 2; the row is not read")
        #expect(events.compactMap(\.record).last?.location.record == 3)
    }

    @Test func malformedCellsAreProblemsAndNull() throws {
        var participants = Array("id,gender,birth_date\nP1,F,\"1970-01-01\"x\nP2,M,19".utf8)
        participants += [0] + Array("70-01-01\n".utf8)
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

    @Test func missingRootFileThrowsOtherMissingFilesAreFine() throws {
        let noRoot = try bundle(["participants.csv": "id\nP1\n"])
        var events: [InputEvent] = []
        let e = try #require(inputError {
            try CSVBundleRecordSource(directory: noRoot.path, model: TestModel.model).read(entityOrder: [TestModel.participant]) { events.append($0) }
        })
        #expect(e.message.hasPrefix("operation.csv is missing"))
        #expect(e.location.file.hasSuffix("/operation.csv"))
        #expect(events.isEmpty)

        let onlyRoot = try bundle(["operation.csv": Self.operationCSV])
        let source = CSVBundleRecordSource(directory: onlyRoot.path, model: TestModel.model)
        #expect(try collect(source).map(\.summary) == ["R operation UD-2020"])
        #expect(source.files == [onlyRoot.path + "/operation.csv"])
        #expect(source.displayPath == onlyRoot.path)
    }

    @Test func emptyFileIsAProblem() throws {
        let events = try read(["operation.csv": Self.operationCSV, "participants.csv": ""])
        #expect(events.compactMap(\.problem).first?.message == "participants.csv is empty: it needs a header row of field names")
    }

    @Test func invalidUTF8AndUnterminatedQuotesThrow() throws {
        let dir = try bundle(["operation.csv": Self.operationCSV])
        try dir.write("participants.csv", bytes: Array("id,gender\nP1,F\nP\u{17D}".utf8) + [0xE9] + Array(",M\n".utf8))
        let e = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model)) })
        #expect(e.location.file.hasSuffix("/participants.csv"))
        #expect(e.location.line == 3)
        #expect(e.message.contains("byte offset 18"))

        let quote = try bundle(["operation.csv": Self.operationCSV, "participants.csv": "id,gender\nP1,F\n\"P2,M\nP3,F\n"])
        let q = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: quote.path, model: TestModel.model)) })
        #expect(q.location.line == 3)
        #expect(q.message.contains("unterminated"))
    }

    @Test func aFieldOfOnePointFiveMegabytes() throws {
        let title = String(repeating: "Učne delavnice ", count: 100_000)  // 1.6 MB
        let events = try read(["operation.csv": "id,title\nOP,\"\(title)\"\n"])
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
