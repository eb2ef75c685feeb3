import ESFCore
import ESFInputs
import Foundation
import Testing

/// The number format of the Slovenian legacy layout: decimal comma, thousands dot.
private let slovenian = NumberFormat(decimalSeparator: UInt8(ascii: ","), thousandsSeparator: UInt8(ascii: "."))

private func bytes(_ s: String) -> ArraySlice<UInt8> { Array(s.utf8)[...] }

private func decimal(_ units: Int128, _ scale: Int) -> ExactDecimal { ExactDecimal(units: units, scale: scale) }

@Suite("Value formats of mapping profiles")
struct ValueFormatTests {
    @Test("decimal comma with thousands dot", arguments: [
        ("3.360,00", decimal(336_000, 2)), ("0,80", decimal(80, 2)), ("389.764,37", decimal(38_976_437, 2)),
        ("1234,5", decimal(12345, 1)), ("-1.000,00", decimal(-100_000, 2)), ("1.000", decimal(1000, 0)),
        ("12.345.678,9", decimal(123_456_789, 1)), ("7", decimal(7, 0)), ("+2,50", decimal(250, 2)),
        ("999,999", decimal(999_999, 3)),
    ])
    func slovenianDecimals(text: String, expected: ExactDecimal) throws {
        let value = try #require(slovenian.parseDecimal(bytes(text)))
        #expect(value.units == expected.units && value.scale == expected.scale)
    }

    @Test("malformed and mixed-locale numbers are rejected", arguments: [
        "1.2.3", "12,3,4", "1.23,4,5", "1234.567,00", "3,360.00", "3360.00", "1.23", ",5", "1.", "1,", ".", ",",
        "1..000", "1.000.", ".000", "1 000", "+", "-", "1.0000,00", "12.34,5", "1.000,", "1,000.5", "1e3", "٣",
        "12.345.67,0", "0x10",
    ])
    func rejectedDecimals(text: String) {
        #expect(slovenian.parseDecimal(bytes(text)) == nil)
    }

    @Test func canonicalFormatIsExactDecimal() {
        for text in ["3360.00", "-0.5", "+1", "007", ".5", "1.", "1,000.00", "3.360,00", "", "12345678901234567890.123"] {
            #expect(NumberFormat.canonical.parseDecimal(bytes(text)) == ExactDecimal(utf8: bytes(text)))
        }
    }

    @Test func wholeNumbersWithGrouping() {
        #expect(slovenian.parseInt(bytes("1.234")) == 1234)
        #expect(slovenian.parseInt(bytes("40")) == 40)
        #expect(slovenian.parseInt(bytes("-12")) == -12)
        for bad in ["1.2", "1,0", "12.34", "1.000,00", "+4", "", "1234567890123456789"] {
            #expect(slovenian.parseInt(bytes(bad)) == nil)
        }
        #expect(NumberFormat.canonical.parseInt(bytes("1.234")) == nil)
    }

    @Test("Slovenian date spellings", arguments: [
        ("31.3.2022", 2022, 3, 31), ("27. 2. 2020", 2020, 2, 27), ("01.02.2019", 2019, 2, 1), ("1.1.2020", 2020, 1, 1),
        ("27.  2.  2020", 2020, 2, 27), ("27. 2.2020", 2020, 2, 27), ("29.2.2024", 2024, 2, 29),
    ])
    func slovenianDates(text: String, y: Int, m: Int, d: Int) throws {
        let patterns = [try DatePattern("d.M.yyyy"), try DatePattern("d. M. yyyy")]
        #expect(patterns.lazy.compactMap { $0.parse(bytes(text)) }.first == CivilDate(year: y, month: m, day: d))
    }

    @Test("impossible and misspelt dates are rejected", arguments: [
        "31.02.2022", "29.2.2021", "0.1.2020", "1.13.2020", "2022-03-31", "31.3.22", "31/3/2022", "131.3.2022",
        "31.3.2022.", " 31.3.2022", "27 .2.2020", "31.3.02022", "3a.3.2022",
    ])
    func rejectedDates(text: String) throws {
        let patterns = [try DatePattern("d.M.yyyy"), try DatePattern("d. M. yyyy")]
        #expect(patterns.allSatisfy { $0.parse(bytes(text)) == nil })
    }

    @Test func isoPatternIsTheCanonicalDate() throws {
        for text in ["2020-02-29", "2021-02-29", "2020-2-29", "20200229", "2020-02-29 ", "0000-01-01", "9999-12-31"] {
            #expect(DatePattern.iso.parse(bytes(text)) == CivilDate(isoUTF8: bytes(text)))
            #expect(try DatePattern("yyyy-MM-dd").parse(bytes(text)) == CivilDate(isoUTF8: bytes(text)))
        }
        // dd and MM take exactly two digits.
        #expect(try DatePattern("dd.MM.yyyy").parse(bytes("1.2.2020")) == nil)
        #expect(try DatePattern("dd.MM.yyyy").parse(bytes("01.02.2020")) == CivilDate(year: 2020, month: 2, day: 1))
        #expect(try DatePattern("yyyyMMdd").parse(bytes("20200131")) == CivilDate(year: 2020, month: 1, day: 31))
    }

    @Test("invalid date patterns name the offending place", arguments: [
        ("yy.M.d", 0, "yyyy"), ("d.M.yy", 4, "two-digit"), ("dMyyyy", 0, "separator"), ("dd.mm.yyyy", 3, "'m'"),
        ("d.M", 0, "missing: yyyy"), ("d.d.yyyy", 2, "twice"), ("x.M.yyyy", 0, "unknown pattern letter 'x'"),
        ("d.M.yyyy HH", 9, "unknown pattern letter 'H'"), ("", 0, "empty"), ("ddd.M.yyyy", 0, "dd (exactly 2)"),
        ("d.M.yyyy г", 9, "ASCII"), ("DD.MM.YYYY", 0, "'D'"),
    ])
    func invalidPatterns(pattern: String, offset: Int, fragment: String) {
        do {
            _ = try DatePattern(pattern)
            Issue.record("\(pattern) compiled")
        } catch {
            #expect(error.offset == offset)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func expectationsForMessages() throws {
        let profile = MappingProfile(id: "p", title: "p", numbers: slovenian,
                                     dateFormats: [try DatePattern("d.M.yyyy"), try DatePattern("d. M. yyyy")],
                                     booleans: BooleanWords(trueWords: ["DA", "1"], falseWords: ["NE", "0"]), entities: [])
        #expect(profile.expectation(for: .date) == "a date (d.M.yyyy or d. M. yyyy)")
        #expect(profile.expectation(for: .decimal) == "a decimal number with ',' as decimal separator and '.' between thousands")
        #expect(profile.expectation(for: .int) == "a whole number with '.' between thousands")
        #expect(profile.expectation(for: .bool) == "one of DA, 1, NE, 0")
        #expect(profile.expectation(for: .code(["EAST", "WEST"]), codes: [CodeTranslation("V", "EAST"), CodeTranslation("Z", "WEST")])
                == "one of EAST, WEST (or, as this profile writes them, V, Z)")
        let canonical = MappingProfile.canonical(for: TestModel.model)
        for type in [FieldType.date, .decimal, .int, .bool, .string, .code(["A"])] {
            #expect(canonical.expectation(for: type) == FieldParser.expectation(for: type))
        }
    }
}

// MARK: - Encodings

/// `Šifra;Ime\nč š ž Č Š Ž\n` in one encoding, and the UTF-8 text it stands for.
private let slovenianText = "id;ime\r\n1;č š ž Č Š Ž ć đ\r\n2;\"Učne delavnice 2019–2023\"\r\n"

private func encode(_ text: String, _ encoding: TextEncoding) -> [UInt8] {
    let table: [Character: UInt8]
    switch encoding {
    case .windows1250:
        table = ["č": 0xE8, "š": 0x9A, "ž": 0x9E, "Č": 0xC8, "Š": 0x8A, "Ž": 0x8E, "ć": 0xE6, "đ": 0xF0, "€": 0x80, "–": 0x96]
    case .iso8859_2:
        table = ["č": 0xE8, "š": 0xB9, "ž": 0xBE, "Č": 0xC8, "Š": 0xA9, "Ž": 0xAE, "ć": 0xE6, "đ": 0xF0]
    default:
        return Array(text.utf8)
    }
    return text.unicodeScalars.map { u in u.isASCII ? UInt8(u.value) : table[Character(u)]! }
}

@Suite("Text encodings")
struct TextEncodingTests {
    func cells(_ bytes: [UInt8], _ encoding: TextEncoding, chunkSize: Int = 1 << 20) throws -> ([[String]], [[Int]], TextEncoding) {
        var reader = CSVReader(bytes: bytes, dialect: CSVDialect(delimiter: UInt8(ascii: ";")), encoding: encoding, chunkSize: chunkSize)
        var rows: [[String]] = []
        var columns: [[Int]] = []
        while try reader.next() {
            rows.append(reader.strings)
            columns.append((0..<reader.fieldCount).map(reader.column))
        }
        return (rows, columns, reader.encoding)
    }

    @Test("č š ž Č Š Ž read the same from UTF-8, Windows-1250 and ISO-8859-2")
    func threeEncodings() throws {
        let expected = [["id", "ime"], ["1", "č š ž Č Š Ž ć đ"], ["2", "Učne delavnice 2019–2023"]]
        let (utf8, utf8Columns, _) = try cells(encode(slovenianText, .utf8), .utf8)
        #expect(utf8 == expected)
        let (cp, cpColumns, _) = try cells(encode(slovenianText, .windows1250), .windows1250)
        #expect(cp == expected)
        #expect(cpColumns == utf8Columns)
        let isoText = slovenianText.replacingOccurrences(of: "–", with: "-")
        let (iso, _, _) = try cells(encode(isoText, .iso8859_2), .iso8859_2)
        #expect(iso == [["id", "ime"], ["1", "č š ž Č Š Ž ć đ"], ["2", "Učne delavnice 2019-2023"]])
        // Every chunk size gives the same rows, so decoding across chunk boundaries is right.
        for size in 1...9 {
            #expect(try cells(encode(slovenianText, .windows1250), .windows1250, chunkSize: size).0 == expected)
        }
        #expect(try cells([0x80, 0x3B, 0x84, 0x85], .windows1250).0 == [["€", "„…"]])
    }

    @Test("the official tables: every defined byte decodes to its code point")
    func officialTables() throws {
        // Spot checks from CP1250.TXT and 8859-2.TXT.
        let cp1250: [(UInt8, String)] = [(0x8A, "Š"), (0x8E, "Ž"), (0x9A, "š"), (0x9E, "ž"), (0xA9, "©"), (0xB9, "ą"),
                                         (0xBE, "ľ"), (0xE8, "č"), (0xF0, "đ"), (0x80, "€"), (0x96, "–"), (0xFF, "˙")]
        let iso: [(UInt8, String)] = [(0xA9, "Š"), (0xAE, "Ž"), (0xB9, "š"), (0xBE, "ž"), (0xE8, "č"), (0xA0, "\u{A0}"), (0xFF, "˙")]
        for (byte, text) in cp1250 { #expect(try cells([byte], .windows1250).0 == [[text]]) }
        for (byte, text) in iso { #expect(try cells([byte], .iso8859_2).0 == [[text]]) }
        // All 123 defined Windows-1250 bytes and all 96 printable ISO-8859-2 bytes decode.
        let all = (0x80...0xFF).map(UInt8.init).filter { ![0x81, 0x83, 0x88, 0x90, 0x98].contains($0) }
        #expect(try cells(all, .windows1250).0[0][0].unicodeScalars.count == 123)
        #expect(try cells((0xA0...0xFF).map(UInt8.init), .iso8859_2).0[0][0].unicodeScalars.count == 96)
    }

    @Test("an undefined Windows-1250 byte stops reading with its line, column and byte offset", arguments: [0x81, 0x83, 0x88, 0x90, 0x98] as [UInt8])
    func undefinedWindows1250Byte(byte: UInt8) throws {
        let data = encode("id;ime\r\n1;Žiga\r\n2;Mi", .windows1250) + [byte] + Array("ha\r\n".utf8)
        for size in [1, 4, 1 << 20] {
            let e = try #require(inputError { _ = try cells(data, .windows1250, chunkSize: size) })
            #expect(e.location.line == 3)
            #expect(e.location.column == 5)
            #expect(e.message.contains("byte offset 20"), "\(e.message)")
            #expect(e.message.contains("0x\(String(byte, radix: 16, uppercase: true)) is not defined in Windows-1250"))
        }
    }

    @Test func undefinedByteInAFileIsFoundByOffsetAcrossChunks() throws {
        let dir = try TempDir()
        var data = Array("id;ime\n".utf8)
        for i in 0..<2000 { data += encode("\(i);Žiga Šuštar\r\n", .windows1250) }
        let offset = data.count + 2
        data += Array("x;".utf8) + [0x98] + Array("\n".utf8)
        let path = try dir.write("f.csv", bytes: data)
        let e = try #require(inputError {
            var reader = try CSVReader(path: path, dialect: CSVDialect(delimiter: UInt8(ascii: ";")), encoding: .windows1250, chunkSize: 4096)
            while try reader.next() {}
        })
        #expect(e.location.file == path)
        #expect(e.location.line == 2002)
        #expect(e.location.column == 3)
        #expect(e.message.contains("byte offset \(offset)"))
    }

    @Test func isoC1ControlsAreRejected() throws {
        let e = try #require(inputError { _ = try cells(encode("id\r\n", .utf8) + [0x9A], .iso8859_2) })
        #expect(e.location.line == 2 && e.location.column == 1)
        #expect(e.message.contains("C1 control"))
        #expect(e.message.contains("byte offset 4"))
    }

    @Test func aBOMInADeclaredSingleByteFileIsAnError() throws {
        let e = try #require(inputError { _ = try cells([0xEF, 0xBB, 0xBF] + Array("id\n1\n".utf8), .windows1250, chunkSize: 4) })
        #expect(e.location.line == 1 && e.location.column == 1)
        #expect(e.message.contains("byte order mark"))
    }

    @Test("auto: BOM, valid UTF-8, Windows-1250 markers, ISO-8859-2 markers, else Windows-1250")
    func detection() throws {
        #expect(EncodingDetector.detect(bytes: [0xEF, 0xBB, 0xBF] + Array("id\n".utf8)) == .utf8)
        // A BOM decides even when invalid UTF-8 follows (the reader then reports it).
        #expect(EncodingDetector.detect(bytes: [0xEF, 0xBB, 0xBF, 0x9A]) == .utf8)
        #expect(EncodingDetector.detect(bytes: Array("id;ime\n1;Žiga Čeh\n".utf8)) == .utf8)
        #expect(EncodingDetector.detect(bytes: Array("plain ascii\n".utf8)) == .utf8)
        #expect(EncodingDetector.detect(bytes: []) == .utf8)
        #expect(EncodingDetector.detect(bytes: encode(slovenianText, .windows1250)) == .windows1250)
        #expect(EncodingDetector.detect(bytes: encode("id;ime\n1;čaj\n", .windows1250)) == .windows1250)
        #expect(EncodingDetector.detect(bytes: encode("id;ime\n1;šola\n", .iso8859_2)) == .iso8859_2)
        #expect(EncodingDetector.detect(bytes: encode("Šola", .iso8859_2) + encode("š", .windows1250)) == .windows1250)
        // A UTF-8 sequence cut at the end is not UTF-8.
        #expect(EncodingDetector.detect(bytes: Array("Ž".utf8).dropLast()) == .windows1250)

        let (rows, _, detected) = try cells(encode(slovenianText, .windows1250), .auto)
        #expect(detected == .windows1250)
        #expect(rows[1] == ["1", "č š ž Č Š Ž ć đ"])
        let (isoRows, _, isoDetected) = try cells(encode("id;ime\r\n1;Šola že\r\n", .iso8859_2), .auto)
        #expect(isoDetected == .iso8859_2)
        #expect(isoRows[1] == ["1", "Šola že"])
        let (bomRows, bomColumns, bomDetected) = try cells([0xEF, 0xBB, 0xBF] + Array("id;ime\n1;Žiga\n".utf8), .auto)
        #expect(bomDetected == .utf8)
        #expect(bomRows == [["id", "ime"], ["1", "Žiga"]])
        #expect(bomColumns == [[1, 4], [1, 3]])

        // Files are read in chunks to decide; markers in a late chunk count.
        let dir = try TempDir()
        let path = try dir.write("late.csv", bytes: Array(String(repeating: "a;b\n", count: 5000).utf8) + encode("x;š\n", .iso8859_2))
        #expect(try EncodingDetector.detect(path: path, chunkSize: 1024) == .iso8859_2)
    }
}

// MARK: - Bundles read with a profile

@Suite("CSV bundle read with a mapping profile")
struct ProfileBundleTests {
    static let profile: MappingProfile = {
        let dates = [(try? DatePattern("d.M.yyyy"))!, (try? DatePattern("d. M. yyyy"))!]
        return MappingProfile(
            id: "test-si", title: "test", encoding: .auto, delimiter: UInt8(ascii: ";"), numbers: slovenian, dateFormats: dates,
            booleans: BooleanWords(trueWords: ["DA", "da", "1"], falseWords: ["NE", "ne", "0"]),
            entities: [
                EntityBinding(entity: "operation", file: "operacija.csv",
                              columns: [ColumnBinding(header: "Šifra", field: "id"), ColumnBinding(header: "Naziv", field: "title"),
                                        ColumnBinding(header: "Upravičeni stroški", field: "total_eligible"),
                                        ColumnBinding(header: "Začetek", field: "start")]),
                EntityBinding(entity: "participant", file: "udelezenci.csv",
                              columns: [ColumnBinding(header: "Šifra udeleženca", field: "id"),
                                        ColumnBinding(header: "Datum rojstva", field: "birth_date"),
                                        ColumnBinding(header: "Merila", field: "criteria"), ColumnBinding(header: "Spol", field: "gender")],
                              codes: ["gender": [CodeTranslation("Ž", "F"), CodeTranslation("M", "M")],
                                      "criteria": [CodeTranslation("DBO24", "ltu24"), CodeTranslation("OŠ", "basic_education")]]),
                EntityBinding(entity: "employment", file: "zaposlitve.csv",
                              columns: [ColumnBinding(header: "Šifra udeleženca", field: "participant_id"),
                                        ColumnBinding(header: "Šifra zaposlitve", field: "id"),
                                        ColumnBinding(header: "Tedenske ure", field: "weekly_hours"),
                                        ColumnBinding(header: "Invalid", field: "disabled_part_time")]),
                EntityBinding(entity: "training", file: "usposabljanja.csv",
                              columns: [ColumnBinding(header: "Šifra udeleženca", field: "participant_id"),
                                        ColumnBinding(header: "Mesecev", field: "months")]),
            ])
    }()

    /// The header rows of the profile's files (Windows-1250), for files a test leaves out.
    static let headers: [String: [UInt8]] = [
        "operacija.csv": encode("Šifra;Naziv;Upravičeni stroški;Začetek\r\n", .windows1250),
        "udelezenci.csv": encode("Šifra udeleženca;Datum rojstva;Merila;Spol\r\n", .windows1250),
        "zaposlitve.csv": encode("Šifra udeleženca;Šifra zaposlitve;Tedenske ure;Invalid\r\n", .windows1250),
        "usposabljanja.csv": encode("Šifra udeleženca;Mesecev\r\n", .windows1250),
    ]

    /// A bundle of `files`; with `complete`, every other file of the profile holds only its header row.
    func bundle(_ files: [String: [UInt8]], complete: Bool = true) throws -> TempDir {
        let dir = try TempDir()
        for (name, data) in files { try dir.write(name, bytes: data) }
        if complete {
            for (name, header) in Self.headers where files[name] == nil { try dir.write(name, bytes: header) }
        }
        return dir
    }

    static let operation = encode("Šifra;Naziv;Upravičeni stroški;Začetek;Opomba\r\nUD-2020;\"Učne delavnice; 2020\";8.500.000,00;27. 2. 2020;x\r\n", .windows1250)

    @Test func readsTheLegacyLayout() throws {
        let dir = try bundle([
            "operacija.csv": Self.operation,
            // NFD header (S + combining caron), padded headers, columns in another order, an extra column.
            "udelezenci.csv": Array(" Spol ;Datum rojstva;S\u{30C}ifra udelez\u{30C}enca;Občina;Merila\n".utf8)
                + Array("Ž;31.3.1970;UD-1;Žalec;DBO24 OŠ\nM;01.02.1980;UD-2;Celje;\n".utf8),
            "zaposlitve.csv": encode("Šifra udeleženca;Šifra zaposlitve;Tedenske ure;Invalid\r\nUD-1;E1;40;NE\r\nUD-1;E2;20;da\r\nUD-2;E3;36;1\r\n", .windows1250),
            // Not the file the profile names: never read.
            "trainings.csv": Array("participant_id,provider_id,start,months\nUD-1,P1,2020-01-01,x\n".utf8),
        ])
        let source = CSVBundleRecordSource(directory: dir.path, model: TestModel.model, profile: Self.profile)
        let events = try collect(source)
        #expect(events.compactMap(\.problem).map(\.message) == [])
        #expect(events.map(\.summary) == [
            "R operation UD-2020", "R participant UD-1", "R participant UD-2", "R employment E1", "R employment E2", "R employment E3",
        ])
        let records = events.compactMap(\.record)
        #expect(records[0]["title"] == .string("Učne delavnice; 2020"))
        #expect(records[0]["total_eligible"] == .decimal(decimal(850_000_000, 2)))
        #expect(records[0]["start"] == .date(CivilDate(year: 2020, month: 2, day: 27)!))
        #expect(records[1]["gender"] == .string("F"))
        #expect(records[1]["birth_date"] == .date(CivilDate(year: 1970, month: 3, day: 31)!))
        #expect(records[1]["criteria"] == .list([.string("ltu24"), .string("basic_education")]))
        #expect(records[2]["criteria"] == .null)
        #expect(records[3]["participant_id"] == .string("UD-1"))
        #expect(records.dropFirst(3).map { $0["disabled_part_time"] } == [.bool(false), .bool(true), .bool(true)])
        #expect(records[1].fieldColumns == [13, 3, 24, 1])
        #expect(source.files.map { ($0 as NSString).lastPathComponent } == ["operacija.csv", "udelezenci.csv", "zaposlitve.csv", "usposabljanja.csv"])
        #expect(source.ignoredColumns.map { "\(($0.file as NSString).lastPathComponent) \($0.column) \($0.header)" }
                == ["operacija.csv 5 Opomba", "udelezenci.csv 4 Občina"])
        #expect(source.fileEncodings.map(\.encoding) == [.windows1250, .utf8, .windows1250, .windows1250])
    }

    @Test func unparseableValuesAreFindingsWithTheRawTextAndTheColumn() throws {
        let dir = try bundle([
            "operacija.csv": encode("Šifra;Upravičeni stroški;Začetek;Naziv\r\nUD-2020;1.2.3;31.02.2022;\r\n", .windows1250),
            "udelezenci.csv": encode("Šifra udeleženca;Spol;Merila;Datum rojstva\r\nUD-1;Z;DBO24 XX;\r\n", .windows1250),
            "zaposlitve.csv": encode("Šifra udeleženca;Šifra zaposlitve;Tedenske ure;Invalid\r\nUD-1;E1;40,5;morda\r\n", .windows1250),
        ])
        let events = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model, profile: Self.profile))
        let problems = events.compactMap(\.problem)
        #expect(problems.allSatisfy { $0.ruleID == ReservedRule.unparseable })
        #expect(problems.map(\.message) == [
            "operation UD-2020: total_eligible (column 'Upravičeni stroški') '1.2.3' is not a decimal number with ',' as decimal separator and '.' between thousands",
            "operation UD-2020: start (column 'Začetek') '31.02.2022' is not a date (d.M.yyyy or d. M. yyyy)",
            "participant UD-1: gender (column 'Spol') 'Z' is not one of F, M, X (or, as this profile writes them, Ž, M)",
            "participant UD-1: criteria (column 'Merila') 'DBO24 XX' is not space-separated codes from ltu24, basic_education, over55 (or, as this profile writes them, DBO24, OŠ)",
            "employment E1: weekly_hours (column 'Tedenske ure') '40,5' is not a whole number with '.' between thousands",
            "employment E1: disabled_part_time (column 'Invalid') 'morda' is not one of DA, da, 1, NE, ne, 0",
        ])
        #expect(problems[1].location.line == 2)
        #expect(problems[1].location.column == 15)
        #expect(problems[1].location.field == "start")
        #expect(problems[1].location.file.hasSuffix("/operacija.csv"))
        #expect(problems[1].location.record == 1)
        // The records are still delivered, with the unparseable values missing.
        #expect(events.compactMap(\.record).first?["start"] == .null)
    }

    @Test func missingBoundColumnsStopReadingWithTheirHeaders() throws {
        let dir = try bundle([
            "operacija.csv": Self.operation,
            "zaposlitve.csv": encode("Šifra zaposlitve;Tedenske ure\r\nE1;40\r\n", .windows1250),
        ])
        let e = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model, profile: Self.profile)) })
        #expect(e.message.hasPrefix(
            "zaposlitve.csv: columns 'Šifra udeleženca' (participant_id), 'Invalid' (disabled_part_time) are missing from the header; profile test-si binds them for employment"))
        #expect(e.location.file.hasSuffix("/zaposlitve.csv"))
        #expect(e.location.line == 1)
    }

    @Test func everyFileOfTheProfileMustExist() throws {
        let dir = try bundle(["operation.csv": Array("id\nX\n".utf8), "udelezenci.csv": Self.headers["udelezenci.csv"]!], complete: false)
        let e = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model, profile: Self.profile)) })
        #expect(e.message.hasPrefix("operacija.csv (operation), zaposlitve.csv (employment), usposabljanja.csv (training) are missing"))

        // An entity the profile does not bind cannot be read, so the bundle is incomplete too.
        var partial = Self.profile
        partial.entities.removeAll { $0.entity == "training" }
        let complete = try bundle(["operacija.csv": Self.operation])
        let u = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: complete.path, model: TestModel.model, profile: partial)) })
        #expect(u.message.hasPrefix("profile test-si names no file for training"))
    }

    @Test func aDeclaredEncodingIsEnforced() throws {
        var profile = Self.profile
        profile.encoding = .utf8
        let dir = try bundle(["operacija.csv": Self.operation])
        let e = try #require(inputError { _ = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model, profile: profile)) })
        #expect(e.message.contains("invalid UTF-8 at byte offset 0"))
        profile.encoding = .windows1250
        let events = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model, profile: profile))
        #expect(events.compactMap(\.record).count == 1)
        #expect(events.compactMap(\.problem).map(\.message) == [
            "the export lists no participant: udelezenci.csv has only its header row. The data model requires at least one participant (it does not declare participant may_be_empty), so the export is incomplete; export the participant records",
        ])
    }

    @Test("the canonical profile reads a canonical bundle exactly as no profile does")
    func canonicalProfileIsTheDefault() throws {
        let dir = try TempDir()
        try dir.write("operation.csv", CSVBundleRecordSourceTests.operationCSV)
        try dir.write("participants.csv", "\u{FEFF}id,birth_date,gender,criteria,extra\nUD-1,1970-05-12,F,ltu24 basic_education,x\nUD-2,1970-02-30,Q,,y\n,,,\n")
        try dir.write("employments.csv", "participant_id,id,start,weekly_hours,disabled_part_time\nUD-1,E1,2020-09-01,4.0,DA\n")
        try dir.write("trainings.csv", TestModel.headers["trainings.csv"]! + "\n")
        func describe(_ events: [InputEvent]) -> [String] {
            events.map { e in
                if let p = e.problem { return "P \(p.ruleID) \(p.message) \(p.location)" }
                if let r = e.record { return "R \(r.entity) \(r.values) \(r.location) \(r.fieldColumns ?? [])" }
                return e.summary
            }
        }
        let plain = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model))
        let profiled = try collect(CSVBundleRecordSource(directory: dir.path, model: TestModel.model,
                                                         profile: MappingProfile.canonical(for: TestModel.model)))
        #expect(describe(profiled) == describe(plain))
        #expect(plain.compactMap(\.problem).count == 6)
    }
}
