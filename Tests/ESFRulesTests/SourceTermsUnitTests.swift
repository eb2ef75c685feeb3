import ESFCore
@testable import ESFInputs
@testable import ESFReports
import ESFRules
import Foundation
import Testing

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// The canonical data model of the repository's rules.
func esfOperationModel() throws -> DataModel {
    let sink = DiagnosticSink()
    let model = ModelLoader.load(path: repositoryRules + "/models/esf-operation-v1.yaml", displayPath: "esf-operation-v1.yaml", sink: sink)
    return try #require(model)
}

/// A mapping profile shipped in the repository's rules, loaded for `model`.
func shippedProfile(_ name: String, for model: DataModel) throws -> MappingProfile {
    let sink = DiagnosticSink()
    let path = try #require(ProfileLoader.resolve(name, rulesDirectories: [repositoryRules]))
    return try #require(ProfileLoader.load(path: path, displayPath: name, model: model, sink: sink))
}

private func request(_ model: DataModel, _ entity: String, _ field: String, _ location: ESFCore.SourceLocation) throws -> RawValueRequest {
    let e = try #require(model.entityIndex(entity))
    return RawValueRequest(entity: e, field: try #require(model.entities[e].fieldIndex(field)), location: location)
}

@Suite("Raw values looked up again")
struct RawValueTests {
    @Test("a CSV bundle read with a profile: the header as written and the cell of the requested row, in the file's encoding")
    func csv() throws {
        let model = try esfOperationModel()
        let path = fixtures + "/ucne-delavnice-si"
        let source = CSVBundleRecordSource(directory: path, model: model, profile: try shippedProfile("si-legacy-csv", for: model))
        try source.read(entityOrder: []) { _ in }
        let answers = source.rawValues([
            try request(model, "expenditure", "eu", ESFCore.SourceLocation(file: path + "/izdatki.csv", line: 46, record: 45, field: "eu")),
            try request(model, "participant", "emso", ESFCore.SourceLocation(file: path + "/udelezenci.csv", line: 29, record: 28, field: "emso")),
            try request(model, "operation", "title", ESFCore.SourceLocation(file: path + "/operacija.csv", line: 2, record: 1, field: "title")),
            // a row past the end: the header is known, the text is not
            try request(model, "expenditure", "eu", ESFCore.SourceLocation(file: path + "/izdatki.csv", line: 9_999, record: 9_998, field: "eu")),
        ])
        #expect(answers[0] == RawValue(sourceField: "Delež EU", text: "3.132,61", personal: false))
        #expect(answers[1] == RawValue(sourceField: "EMŠO", text: "2810970505229", personal: true))
        #expect(answers[2] == RawValue(sourceField: "Naziv operacije", text: "Učne delavnice 2019–2023", personal: false))
        #expect(answers[3] == RawValue(sourceField: "Delež EU", text: nil, personal: false))
    }

    @Test("the canonical bundle: the text, and no second name")
    func canonicalCSV() throws {
        let model = try esfOperationModel()
        let path = fixtures + "/ucne-delavnice/csv"
        let source = CSVBundleRecordSource(directory: path, model: model, profile: nil)
        try source.read(entityOrder: []) { _ in }
        let answers = source.rawValues([try request(model, "expenditure", "eu", ESFCore.SourceLocation(file: path + "/expenditures.csv", line: 46, field: "eu"))])
        #expect(answers == [RawValue(sourceField: nil, text: "3132.61", personal: false)])
    }

    @Test("an XML file read with a profile: attributes, child text and child attributes, found by the record's XPath")
    func xml() throws {
        let model = try esfOperationModel()
        let path = fixtures + "/ucne-delavnice-si-xml/export.xml"
        let source = XMLRecordSource(path: path, model: model, schema: .none, profile: try shippedProfile("si-legacy-xml", for: model))
        let answers = source.rawValues([
            try request(model, "operation", "eu_contribution", ESFCore.SourceLocation(file: path, xpath: "/operacija/financiranje/@eu", field: "eu_contribution")),
            try request(model, "expenditure", "incurred_on", ESFCore.SourceLocation(file: path, xpath: "/operacija/izdatki/izdatek[1]/datum_nastanka", field: "incurred_on")),
            try request(model, "expenditure", "id", ESFCore.SourceLocation(file: path, xpath: "/operacija/izdatki/izdatek[45]/@stevilka", field: "id")),
            try request(model, "training", "end", ESFCore.SourceLocation(file: path, xpath: "/operacija/udelezenci/udelezenec[13]/usposabljanje/@konec", field: "end")),
            try request(model, "participant", "emso", ESFCore.SourceLocation(file: path, xpath: "/operacija/udelezenci/udelezenec[28]/emso", field: "emso")),
            // no such record: the path is known, the text is not
            try request(model, "expenditure", "id", ESFCore.SourceLocation(file: path, xpath: "/operacija/izdatki/izdatek[999]/@stevilka", field: "id")),
            // an XPath that does not end with the field's path: nothing
            try request(model, "expenditure", "id", ESFCore.SourceLocation(file: path, xpath: "/operacija/izdatki/izdatek[1]", field: "id")),
        ])
        #expect(answers[0] == RawValue(sourceField: "financiranje/@eu", text: "311.811,52", personal: false))
        #expect(answers[1] == RawValue(sourceField: "datum_nastanka", text: "30. 12. 2013", personal: false))
        #expect(answers[2] == RawValue(sourceField: "@stevilka", text: "X-000045", personal: false))
        #expect(answers[3] == RawValue(sourceField: "@konec", text: "1. 9. 2020", personal: false))
        #expect(answers[4] == RawValue(sourceField: "emso", text: "2810970505229", personal: true))
        #expect(answers[5] == RawValue(sourceField: "@stevilka", text: nil, personal: false))
        #expect(answers[6] == nil)
    }

    @Test("a long CSV file: each row asked for is read again from the row start noted before it, in any order")
    func longCSV() throws {
        let model = try esfOperationModel()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esfcheck-raw-" + UUID().uuidString).path
        try FileManager.default.copyItem(atPath: fixtures + "/ucne-delavnice/csv", toPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 300 rows after the header: some end with CRLF, some hold a quoted cell across two lines,
        // one is followed by a blank line, some hold multi-byte characters
        var text = "id,category,participant_id,incurred_on,paid_on,eligible,eu,national,vat,vat_recoverable,invoice_number\n"
        var line = 2
        var rows: [(line: Int, id: String, eu: String)] = []
        for k in 1...300 {
            let id = k % 13 == 0 ? "X-Ž\(k)" : "X-\(k)"
            let eu = "\(k).50"
            let invoice = k % 7 == 0 ? "\"R-\(k)\nnadaljevanje\"" : "R-\(k)"
            text += "\(id),staff,,2020-01-01,2020-01-02,\(k + 1).00,\(eu),0.50,0.00,false,\(invoice)" + (k % 11 == 0 ? "\r\n" : "\n")
            rows.append((line, id, eu))
            line += k % 7 == 0 ? 2 : 1
            if k == 150 {
                text += "\n"
                line += 1
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/expenditures.csv"))
        let source = CSVBundleRecordSource(directory: dir, model: model, profile: nil)
        try source.read(entityOrder: []) { _ in }
        let file = dir + "/expenditures.csv"
        // every third row, the last first, then the others forwards, each asked for twice
        let asked = rows.enumerated().filter { $0.offset % 3 == 0 }.map(\.element).reversed() + rows.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
        var requests: [RawValueRequest] = []
        for row in asked + asked {
            requests.append(try request(model, "expenditure", "eu", ESFCore.SourceLocation(file: file, line: row.line, field: "eu")))
            requests.append(try request(model, "expenditure", "id", ESFCore.SourceLocation(file: file, line: row.line, field: "id")))
        }
        let answers = source.rawValues(requests)
        for (n, row) in (asked + asked).enumerated() {
            #expect(answers[2 * n]?.text == row.eu, "line \(row.line)")
            #expect(answers[2 * n + 1]?.text == row.id, "line \(row.line)")
        }
    }

    @Test("XPaths compare with [1] written for singleton steps")
    func normalized() {
        #expect(XMLRecordSource.normalized("/operacija/udelezenci/udelezenec[13]/usposabljanje") == "/operacija/udelezenci[1]/udelezenec[13]/usposabljanje[1]")
        #expect(XMLRecordSource.normalized("/operation") == "/operation")
    }

    @Test("a bundle's fit to a layout: files and bound headers")
    func layoutFit() throws {
        let model = try esfOperationModel()
        let path = fixtures + "/ucne-delavnice-si"
        #expect(CSVBundleRecordSource(directory: path, model: model, profile: try shippedProfile("si-legacy-csv", for: model)).layoutFit().fits)
        let canonical = CSVBundleRecordSource(directory: path, model: model, profile: nil).layoutFit()
        #expect(!canonical.fits)
        #expect(canonical.missingFiles.first == "operation.csv")
        #expect(canonical.presentFiles.isEmpty)
    }
}

@Suite("Locations in the text report")
struct LocationTextTests {
    let reporter = TextReporter(color: false, explain: false)

    @Test("a CSV cell read through a profile: header, logical field and raw text")
    func csv() {
        var l = ESFCore.SourceLocation(file: "izdatki.csv", line: 5, column: 40, record: 4, field: "eu")
        #expect(reporter.locationText(l) == "izdatki.csv:5:40 record 4 column eu")
        l.rawValue = "3.360,00"
        #expect(reporter.locationText(l) == "izdatki.csv:5:40 record 4 column eu = \"3.360,00\"")
        l.sourceField = "Delež EU"
        #expect(reporter.locationText(l) == "izdatki.csv:5:40 record 4 column \"Delež EU\" (eu) = \"3.360,00\"")
    }

    @Test("an XML field: the XPath, the logical field when the XPath is the profile's, and the raw text")
    func xml() {
        var l = ESFCore.SourceLocation(file: "export.xml", line: 120, xpath: "/operacija/izdatki/izdatek[4]/zneski/@eu", field: "eu")
        #expect(reporter.locationText(l) == "export.xml:120 /operacija/izdatki/izdatek[4]/zneski/@eu")
        l.sourceField = "zneski/@eu"
        l.rawValue = "3.360,00"
        #expect(reporter.locationText(l) == "export.xml:120 /operacija/izdatki/izdatek[4]/zneski/@eu (eu) = \"3.360,00\"")
    }
}
