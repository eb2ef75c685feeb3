import Foundation
import Testing

/// Excel workbooks (`.xlsx`) read directly: the sample bundle as a workbook gives the CSV bundle's
/// findings, located by sheet and cell; hostile workbooks are refused with exit code 3.
@Suite("Excel workbooks")
struct WorkbookTests {
    /// (rule, record key, message, fingerprint) of each finding of a JSON report, sorted.
    func findings(_ json: String) throws -> [String] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let list = try #require(report["findings"] as? [[String: Any]])
        return list.map { f in
            [f["ruleID"], f["recordKey"], f["message"], f["fingerprint"]].map { "\($0 ?? "")" }.joined(separator: " | ")
        }.sorted()
    }

    func locations(_ json: String) throws -> [[String: Any]] {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let list = try #require(report["findings"] as? [[String: Any]])
        return list.compactMap { $0["location"] as? [String: Any] }
    }

    @Test("the canonical workbook (1900 and 1904 date systems) gives exactly the CSV bundle's findings")
    func canonicalWorkbook() throws {
        let env = ["ESFCHECK_TODAY": "2024-01-15"]
        let csv = try run(["check", fixture("ucne-delavnice/csv"), "--format", "json"], environment: env)
        #expect(csv.status == 1, "\(csv.stderr)")
        let expected = try findings(csv.stdout)
        #expect(expected.count == 11)
        for book in ["xlsx/ucne-delavnice.xlsx", "xlsx/ucne-delavnice-1904.xlsx"] {
            let r = try run(["check", fixture(book), "--format", "json"], environment: env)
            #expect(r.status == 1, "\(book): \(r.stderr)")
            #expect(try findings(r.stdout) == expected, "\(book)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let inputs = try #require(report["inputs"] as? [[String: Any]])
            #expect(inputs.first?["format"] as? String == "xlsx")
            // a finding on a field names the sheet, the cell and the row
            let located = try locations(r.stdout).filter { $0["cell"] != nil }
            #expect(!located.isEmpty)
            for l in located {
                let sheet = try #require(l["sheet"] as? String)
                let cell = try #require(l["cell"] as? String)
                let line = try #require(l["line"] as? Int)
                #expect(cell.hasSuffix(String(line)), "\(cell) row \(line)")
                #expect(["operation", "providers", "participants", "trainings", "employments", "follow_ups", "expenditures"].contains(sheet))
            }
        }
    }

    @Test("the text report locates a finding as 'workbook: sheet S, cell C17 (row 17)'")
    func textLocation() throws {
        let r = try run(["check", fixture("xlsx/ucne-delavnice.xlsx")], environment: ["ESFCHECK_TODAY": "2024-01-15"])
        #expect(r.status == 1)
        // ESF-CF-004 points at the eu amount of expenditure X-000045: column G of the expenditures sheet, row 46
        let unwrapped = r.stdout.replacingOccurrences(of: "\n      ", with: " ")
        #expect(unwrapped.contains("[X-000045] ucne-delavnice.xlsx: sheet expenditures, cell G46 (row 46) record 45 column eu = \"3132.61\""), "\(r.stdout)")
        let sarif = try run(["check", fixture("xlsx/ucne-delavnice.xlsx"), "--format", "sarif"], environment: ["ESFCHECK_TODAY": "2024-01-15"])
        #expect(sarif.stdout.contains("\"fullyQualifiedName\" : \"sheet expenditures cell G46 record 45 field eu\"") ||
                sarif.stdout.contains("\"fullyQualifiedName\":\"sheet expenditures cell G46 record 45 field eu\""), "\(sarif.stdout.prefix(3000))")
    }

    @Test("the Slovenian workbook (title rows, a renamed sheet, text and serial dates, a notes sheet) gives the CSV layout's findings")
    func slovenianWorkbook() throws {
        let env = ["ESFCHECK_TODAY": "2024-01-15"]
        let csv = try run(["check", fixture("ucne-delavnice-si"), "--profile", "si-legacy-csv", "--format", "json"], environment: env)
        #expect(csv.status == 1, "\(csv.stderr)")
        let r = try run(["check", fixture("xlsx/ucne-delavnice-si.xlsx"), "--profile", fixture("xlsx/si-legacy-xlsx.yaml"), "--format", "json"],
                        environment: env)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(try findings(r.stdout) == findings(csv.stdout))
        // the notes sheet no entity reads is listed, not read
        #expect(r.stdout.contains("sheet Navodila"))
        let text = try run(["check", fixture("xlsx/ucne-delavnice-si.xlsx"), "--profile", fixture("xlsx/si-legacy-xlsx.yaml")], environment: env)
        #expect(text.stdout.contains("ucne-delavnice-si.xlsx: sheet izdatki, cell"), "\(text.stdout)")
    }

    @Test("a workbook without one of the bundle's sheets, or with a sheet the canonical form does not know, is exit 3")
    func missingAndUnknownSheets() throws {
        let r = try run(["check", fixture("xlsx/ucne-delavnice-si.xlsx")])
        #expect(r.status == 3)
        #expect(r.stderr.contains("sheets operation (operation), providers (provider)"), "\(r.stderr)")
        #expect(r.stderr.contains("the workbook is incomplete"))
        let profile = try temporaryDirectory().appendingPathComponent("p.yaml")
        try String(contentsOfFile: fixture("xlsx/si-legacy-xlsx.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "sheet: Operacija", with: "sheet: Povzetek")
            .write(to: profile, atomically: true, encoding: .utf8)
        let renamed = try run(["check", fixture("xlsx/ucne-delavnice-si.xlsx"), "--profile", profile.path])
        #expect(renamed.status == 3)
        #expect(renamed.stderr.contains("sheet Povzetek (operation) is missing"), "\(renamed.stderr)")
    }

    @Test("a profile's header_row and sheet are checked when it is loaded")
    func profileKeys() throws {
        let dir = try temporaryDirectory()
        let profile = dir.appendingPathComponent("p.yaml")
        try String(contentsOfFile: fixture("xlsx/si-legacy-xlsx.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "header_row: 3", with: "header_row: 0")
            .replacingOccurrences(of: "sheet: Operacija", with: "sheet: \"\"")
            .write(to: profile, atomically: true, encoding: .utf8)
        let r = try run(["check", fixture("xlsx/ucne-delavnice-si.xlsx"), "--profile", profile.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("header_row is the 1-based row of a sheet's header"), "\(r.stderr)")
        #expect(r.stderr.contains("[profile.invalid_sheet]"), "\(r.stderr)")
        // a workbook's keys given with a CSV bundle are never ignored
        let csv = try run(["check", fixture("ucne-delavnice-si"), "--profile", fixture("xlsx/si-legacy-xlsx.yaml")])
        #expect(csv.status == 2)
        #expect(csv.stderr.contains("names sheets or a header row (sheet:, header_row:), which only an Excel workbook has"), "\(csv.stderr)")
    }

    /// What Excel may write and must still be read: a row and cells without their reference (placed
    /// after the previous ones), serial 60 (no day), a date-time serial, a ragged row, empty rows.
    func edgeCases(_ book: String) throws {
        let r = try run(["check", book, "--format", "json", "--show-personal-data"], environment: ["ESFCHECK_TODAY": "2024-01-15"])
        #expect(r.status == 1, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let list = try #require(report["findings"] as? [[String: Any]])
        func at(_ rule: String, _ key: String) -> [String: Any]? {
            list.first { $0["ruleID"] as? String == rule && $0["recordKey"] as? String == key }?["location"] as? [String: Any]
        }
        // serial 60 is Excel's 29 February 1900: no date, read as its number text
        let birth = try #require(at("ESFCHECK-IN-001", "UD-000001"))
        #expect(birth["sheet"] as? String == "participants" && birth["cell"] as? String == "D2" && birth["rawValue"] as? String == "60")
        // a value beyond the header: the row is ragged and not read
        let ragged = list.filter { $0["ruleID"] as? String == "ESFCHECK-IN-001" && ($0["message"] as? String ?? "").contains("5 cells, the header has 3") }
        #expect(ragged.count == 1)
        // the operation row without references is read in place (its findings point at the same cells)
        #expect(at("ESF-CF-001", "UD-2019")?["cell"] as? String == "L2")
        #expect(at("ESF-CF-004", "X-000045")?["cell"] as? String == "G46")
        // the date-time serial reads as its day: no finding on UD-000002's entry date
        #expect(!list.contains { $0["recordKey"] as? String == "UD-000002" && ($0["message"] as? String ?? "").contains("entry") })
        let inputs = try #require(report["inputs"] as? [[String: Any]])
        let records = try #require(inputs.first?["records"] as? [[String: Any]])
        #expect(records.first { $0["entity"] as? String == "expenditure" }?["read"] as? Int == 75)
        #expect(records.first { $0["entity"] as? String == "operation" }?["read"] as? Int == 1)
    }

    @Test("edge cases are read in place; hostile workbooks are each refused with their documented error, exit 3, and no crash")
    func hostile() throws {
        let dir = try temporaryDirectory()
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = ["python3", fixture("xlsx/generate.py"), "--hostile", dir.path]
        try generator.run()
        generator.waitUntilExit()
        #expect(generator.terminationStatus == 0)
        try edgeCases(dir.appendingPathComponent("edge-cases.xlsx").path)
        let cases: [(String, String)] = [
            ("extra-sheet.xlsx", "sheet 'notes' is no sheet of the bundle (operation, providers, participants, trainings, employments, follow_ups, expenditures)"),
            ("bomb.xlsx", "xl/worksheets/sheet1.xml declares a compression ratio above 250:1"),
            ("lying-header.xlsx", "part xl/worksheets/sheet1.xml inflates more than 250 times its compressed size"),
            ("too-many-parts.xlsx", "has more than 10000 parts (limit)"),
            ("legacy.xls", "Excel 97–2003 workbook (.xls, BIFF)"),
            ("renamed-legacy.xlsx", "Excel 97–2003 workbook (.xls, BIFF)"),
            ("not-a-zip.xlsx", "this is not an Excel workbook: an .xlsx file is a ZIP archive"),
            ("no-workbook.xlsx", "the archive has no xl/workbook.xml"),
            ("missing-shared-string.xlsx", "missing-shared-string.xlsx: sheet operation, cell A2 (row 2): the cell refers to shared string '7', which the workbook does not have (it has 1)"),
            ("bad-cell-ref.xlsx", "xl/worksheets/sheet1.xml: line 1: sheet operation, row 2: cell reference '2A' is not a cell of this row"),
            ("error-cell.xlsx", "error-cell.xlsx: sheet operation, cell A2 (row 2): the cell holds the Excel error #DIV/0!"),
            ("malformed-sheet.xlsx", "xl/worksheets/sheet1.xml: line 5: malformed XML"),
            ("doctype.xlsx", "xl/worksheets/sheet1.xml: line 2: a DOCTYPE is not allowed in a workbook part"),
            ("macros.xlsm", "a macro-enabled (.xlsm) or binary (.xlsb) workbook is not read"),
            ("duplicate-part.xlsx", "holds the part xl/worksheets/sheet1.xml twice"),
        ]
        for (name, message) in cases {
            let r = try run(["check", dir.appendingPathComponent(name).path, "--pack", "esf-2014-2020"])
            #expect(r.status == 3, "\(name): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(name): \(r.stderr)")
            #expect(r.stdout.isEmpty || !r.stdout.contains("verdict: accept"), "\(name)")
        }
    }
}
