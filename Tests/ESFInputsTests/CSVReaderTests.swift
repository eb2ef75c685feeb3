import ESFCore
import ESFInputs
import Foundation
import Testing
import TestSupport

@Suite("CSV reader")
struct CSVReaderTests {
    struct Row: Equatable, CustomStringConvertible {
        var cells: [String]
        var line: Int
        var columns: [Int]
        var blank: Bool
        var description: String { "\(line): \(cells) @\(columns)\(blank ? " blank" : "")" }
    }

    func rows(_ bytes: [UInt8], chunkSize: Int = 1 << 20) throws -> [Row] {
        var reader = CSVReader(bytes: bytes, chunkSize: chunkSize)
        var out: [Row] = []
        while try reader.next() {
            out.append(Row(cells: reader.strings, line: reader.line, columns: (0..<reader.fieldCount).map(reader.column),
                           blank: reader.isBlankLine))
        }
        return out
    }

    func rows(_ text: String, chunkSize: Int = 1 << 20) throws -> [Row] { try rows(Array(text.utf8), chunkSize: chunkSize) }

    func error(_ bytes: [UInt8], chunkSize: Int = 1 << 20) -> InputError? {
        inputError { _ = try rows(bytes, chunkSize: chunkSize) }
    }

    @Test func quotesEscapesAndEmbeddedNewlines() throws {
        let text = "id,title,note\n1,\"a, b\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",x\n3,,\"\"\n"
        let result = try rows(text)
        #expect(result.map(\.cells) == [
            ["id", "title", "note"], ["1", "a, b", "say \"hi\""], ["2", "two\nlines", "x"], ["3", "", ""],
        ])
        // The row after an embedded newline starts on its physical line.
        #expect(result.map(\.line) == [1, 2, 3, 5])
        #expect(result[1].columns == [1, 3, 10])
    }

    @Test func crlfAndLoneCRLineEndings() throws {
        let crlf = try rows("a,b\r\n1,2\r\n\"x\r\ny\",3\r\n4,5")
        #expect(crlf.map(\.cells) == [["a", "b"], ["1", "2"], ["x\r\ny", "3"], ["4", "5"]])
        #expect(crlf.map(\.line) == [1, 2, 3, 5])
        let cr = try rows("a,b\r1,2\r")
        #expect(cr.map(\.cells) == [["a", "b"], ["1", "2"]])
        #expect(cr.map(\.line) == [1, 2])
    }

    @Test func bomIsSkippedAndColumnsCountCharacters() throws {
        let result = try rows([0xEF, 0xBB, 0xBF] + Array("id,ime,priimek\n1,Žiga,Čeh\n".utf8))
        #expect(result[0].cells == ["id", "ime", "priimek"])
        #expect(result[0].columns == [1, 4, 8])
        #expect(result[1].columns == [1, 3, 8])
    }

    @Test func chunkBoundariesDoNotMatter() throws {
        let text = "\u{FEFF}id,title,note\r\n1,\"a, b\",\"say \"\"hi\"\"\"\r\n2,\"Šola\nčez vrstice\",€𝄞\n\n3,x,\"\"\r\n4,\"q\"\"\",\"\"\"\""
        let reference = try rows(text)
        #expect(reference.count == 6)
        for size in [1, 2, 3, 4, 5, 7, 11, 64] {
            #expect(try rows(text, chunkSize: size) == reference, "chunk size \(size)")
        }
    }

    /// A second reader that goes to a row's offset and line reads that row exactly as the first read
    /// it (cells, line, columns), and the rows after it, whatever the chunk size: after CRLF, a lone
    /// CR, a quoted cell across lines, a blank line, multi-byte characters, and a BOM at the start.
    @Test func seekingToARowReadsItAgain() throws {
        let text = "\u{FEFF}id,title,note\r\n1,\"a, b\",\"say \"\"hi\"\"\"\r\n2,\"Šola\nčez vrstice\",€𝄞\n\n3,x,\"\"\r4,Žiga,y\r\n5,\"q\"\"\",z"
        let bytes = Array(text.utf8)
        let dir = try TempDir()
        let file = try dir.write("seek.csv", bytes: bytes)
        for size in [1, 3, 7, 64, 1 << 20] {
            var first = try CSVReader(path: file, chunkSize: size)
            var marks: [(offset: Int, line: Int, row: Row)] = []
            while try first.next() {
                let offset = try #require(first.rowOffset)
                marks.append((offset, first.line, Row(cells: first.strings, line: first.line, columns: (0..<first.fieldCount).map(first.column),
                                                      blank: first.isBlankLine)))
            }
            #expect(marks.count == 7)
            for (n, mark) in marks.enumerated().reversed() {
                for memory in [false, true] {
                    var again = memory ? CSVReader(bytes: bytes, chunkSize: size) : try CSVReader(path: file, chunkSize: size)
                    again.hashing = false
                    try again.seek(toRowAt: mark.offset, line: mark.line)
                    var read: [Row] = []
                    while try again.next() {
                        read.append(Row(cells: again.strings, line: again.line, columns: (0..<again.fieldCount).map(again.column), blank: again.isBlankLine))
                    }
                    #expect(read == marks[n...].map(\.row), "chunk size \(size), row \(n), memory \(memory)")
                }
            }
        }
        // rows longer than the first reads after a seek (16 KB, then 32 KB, …): read whole all the same
        var long = "id,text\n"
        for i in 0..<40 { long += "\(i),\"" + String(repeating: "ž\(i) ", count: 700 + 97 * i) + "\"\n" }
        let longBytes = Array(long.utf8)
        let longFile = try dir.write("long.csv", bytes: longBytes)
        var first = try CSVReader(path: longFile)
        var longRows: [(offset: Int, line: Int, cells: [String])] = []
        while try first.next() { longRows.append((try #require(first.rowOffset), first.line, first.strings)) }
        #expect(longRows.count == 41)
        for (n, mark) in longRows.enumerated() where n % 5 == 1 {
            for memory in [false, true] {
                var again = memory ? CSVReader(bytes: longBytes) : try CSVReader(path: longFile)
                again.hashing = false
                try again.seek(toRowAt: mark.offset, line: mark.line)
                var read: [[String]] = []
                while try again.next() { read.append(again.strings) }
                #expect(read == longRows[n...].map(\.cells), "row \(n), memory \(memory)")
            }
        }
        // a file decoded from a code page has no offset to go back to
        var decoded = CSVReader(bytes: Array("a,b\n1,2\n".utf8), encoding: .windows1250)
        #expect(try decoded.next())
        #expect(decoded.rowOffset == nil)
        decoded.hashing = false
        #expect(throws: InputError.self) { try decoded.seek(toRowAt: 0, line: 1) }
        // nor while the file is hashed (the digest would miss the bytes skipped)
        var hashed = CSVReader(bytes: Array("a,b\n1,2\n".utf8))
        #expect(throws: InputError.self) { try hashed.seek(toRowAt: 4, line: 2) }
    }

    /// Every special byte at every position of an eight-byte word is found (the word-at-a-time scan),
    /// outside quotes and inside them, with the delimiter and quote of two dialects.
    @Test func specialBytesAtEveryPositionOfAWord() throws {
        for (delimiter, quote) in [(",", "\""), (";", "'")] {
            let dialect = CSVDialect(delimiter: Array(delimiter.utf8)[0], quote: Array(quote.utf8)[0])
            for position in 0..<17 {
                let head = String(repeating: "a", count: position)
                let tail = String(repeating: "b", count: 19 - position)
                for special in [delimiter, quote + quote, "\n", "\r\n", "\u{0}", "é", "𝄞"] {
                    for quoted in [false, true] {
                        let cell = head + special + tail
                        let text = quoted ? "\(quote)\(cell)\(quote)\(delimiter)z\n" : "\(cell)\(delimiter)z\n"
                        var reader = CSVReader(bytes: Array(text.utf8), dialect: dialect)
                        var cells: [[String]] = []
                        while try reader.next() { cells.append(reader.strings) }
                        let expected: [[String]]
                        switch (special, quoted) {
                        case (delimiter, false): expected = [[head, tail, "z"]]
                        case ("\n", false), ("\r\n", false): expected = [[head], [tail, "z"]]
                        case (quote + quote, true): expected = [[head + quote + tail, "z"]]
                        // at the start, two quotes are an empty quoted cell, and the rest text after it
                        case (quote + quote, false) where position == 0: expected = [[tail, "z"]]
                        default: expected = [[cell, "z"]]
                        }
                        #expect(cells == expected, "\(text.debugDescription)")
                    }
                }
            }
        }
    }

    /// Random rows (quotes, `""`, text after a closing quote, CR, LF, CRLF, NUL, multi-byte
    /// characters, long plain runs) give the same cells, lines, columns, blank marks and issues
    /// whether each row is sliced in place from one big chunk or copied across tiny chunks
    /// (below eight bytes the word-at-a-time scan never runs).
    @Test func inPlaceAndCopiedRowsAgree() throws {
        var random = SplitMix(seed: 0x5EED_C5F)
        let pieces = ["a", "xyz", "0123456789abcdef", "Ž", "€", "𝄞", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", "\u{0}", " ", "\"q,\"", "\"x\"y"]
        struct Full: Equatable { var row: Row; var issues: [CSVIssue]; var index: Int }
        // The rows, and the error (message and location) that stopped reading, if one did.
        func read(_ bytes: [UInt8], _ chunk: Int) -> (rows: [Full], error: String?) {
            var reader = CSVReader(bytes: bytes, chunkSize: chunk)
            var out: [Full] = []
            do {
                while try reader.next() {
                    out.append(Full(row: Row(cells: reader.strings, line: reader.line, columns: (0..<reader.fieldCount).map(reader.column),
                                             blank: reader.isBlankLine), issues: reader.issues, index: reader.rowIndex))
                }
            } catch {
                return (out, "\(error.location): \(error.message)")
            }
            return (out, nil)
        }
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<Int.random(in: 1...40, using: &random) { text += pieces.randomElement(using: &random)! }
            // Mostly closed quotes, so that most texts read to the end (an open one throws, alike).
            if text.filter({ $0 == "\"" }).count % 2 == 1 { text += "\"" }
            let bytes = Array(text.utf8)
            let reference = read(bytes, 1 << 20)
            for chunk in [1, 2, 5, 7, 8, 9, 16, 23] {
                let result = read(bytes, chunk)
                #expect(result.rows == reference.rows && result.error == reference.error, "\(text.debugDescription), chunk \(chunk)")
            }
        }
    }

    @Test func blankLinesAreMarked() throws {
        let result = try rows("a\n\nb\n\"\"\n\n")
        #expect(result.map(\.blank) == [false, true, false, false, true])
        #expect(result.map(\.line) == [1, 2, 3, 4, 5])
    }

    @Test func recordIndexAndCellLines() throws {
        var reader = CSVReader(bytes: Array("h1,h2\n\"x\ny\",z\n".utf8))
        #expect(try reader.next())
        #expect(reader.rowIndex == 1)
        #expect(try reader.next())
        #expect(reader.rowIndex == 2)
        #expect(reader.line == 2)
        #expect(reader.line(ofField: 1) == 3)
        #expect(reader.column(1) == 4)
        #expect(try !reader.next())
        #expect(try !reader.next())
    }

    @Test func unterminatedQuoteThrowsWithTheLineWhereItOpened() throws {
        let text = "id,title\n1,ok\n2,\"never closed\n3,more\n4,end\n"
        for size in [1, 3, 1 << 20] {
            let e = try #require(error(Array(text.utf8), chunkSize: size))
            #expect(e.location.line == 3)
            #expect(e.location.column == 3)
            #expect(e.message.contains("unterminated"))
        }
    }

    @Test func invalidUTF8ThrowsWithLineAndByteOffset() throws {
        let cases: [(bytes: [UInt8], offset: Int, line: Int)] = [
            (Array("id,name\n1,ab".utf8) + [0xFF] + Array("c\n".utf8), 12, 2),
            (Array("id\nx".utf8) + [0xC3, 0x28], 4, 2),                // lead byte, then ASCII
            (Array("id\n".utf8) + [0xC0, 0x80], 3, 2),                 // overlong
            (Array("id\n".utf8) + [0xED, 0xA0, 0x80], 3, 2),           // surrogate
            (Array("id\n\"a\nb".utf8) + [0xF4, 0x90, 0x80, 0x80], 7, 3), // above U+10FFFF, inside quotes
            (Array("id\nab".utf8) + [0xE2, 0x82], 5, 2),               // truncated at end of file
        ]
        for c in cases {
            for size in [1, 2, 1 << 20] {
                let e = try #require(error(c.bytes, chunkSize: size), "\(c.bytes)")
                #expect(e.message.contains("invalid UTF-8 at byte offset \(c.offset)"), "\(e.message) size \(size)")
                #expect(e.location.line == c.line)
            }
        }
    }

    @Test func textAfterClosingQuoteAndNulBytesAreIssues() throws {
        var reader = CSVReader(bytes: Array("a,b,c\n\"ab\"c,x\u{0}y,q\"r\n".utf8))
        #expect(try reader.next())
        #expect(reader.issues.isEmpty)
        #expect(try reader.next())
        #expect(reader.fieldCount == 3)
        #expect(reader.issues == [
            CSVIssue(kind: .textAfterQuote, field: 0, line: 2, column: 5),
            CSVIssue(kind: .nulByte, field: 1, line: 2, column: 8),
            CSVIssue(kind: .quoteInUnquotedField, field: 2, line: 2, column: 12),
        ])
        #expect(reader.strings == ["abc", "x\u{0}y", "q\"r"])
    }

    @Test func fieldsLongerThanAChunk() throws {
        let long = String(repeating: "Ž0123456789", count: 140_000)  // 1.68 MB
        let text = "id,text\n1,\"\(long)\"\n2,\(long)\n"
        let result = try rows(text)
        #expect(result.count == 3)
        #expect(result[1].cells[1] == long)
        #expect(result[2].cells[1] == long)
        #expect(result[2].line == 3)
        #expect(result[2].columns == [1, 3])
    }

    @Test func otherDialects() throws {
        var reader = CSVReader(bytes: Array("a;b\n'x;y';'it''s'\n".utf8), dialect: CSVDialect(delimiter: UInt8(ascii: ";"), quote: UInt8(ascii: "'")))
        #expect(try reader.next())
        #expect(try reader.next())
        #expect(reader.strings == ["x;y", "it's"])
    }

    @Test func readsFilesInChunks() throws {
        let dir = try TempDir()
        var text = "id,v\n"
        for i in 0..<10_000 { text += "\(i),\"value \(i)\"\n" }
        let path = try dir.write("big.csv", text)
        var reader = try CSVReader(path: path, chunkSize: 4096)
        var count = 0
        var lastLine = 0
        while try reader.next() {
            count += 1
            lastLine = reader.line
        }
        #expect(count == 10_001)
        #expect(lastLine == 10_001)
        let missing = inputError { _ = try CSVReader(path: dir.path + "/none.csv") }
        #expect(missing?.message.contains("cannot open") == true)
    }
}
