import ESFCore

/// The rows of one sheet as rows of text cells, streamed from the sheet's XML with libxml2's text
/// reader (one `<row>` at a time, never a DOM of the sheet).
///
/// The first row returned is the header (row `headerRow`; rows above it, title rows, are skipped).
/// Its last non-empty cell sets the width of every data row: shorter rows are padded with empty
/// cells (Excel does not store empty cells), a row with a value beyond the header is returned with
/// all its cells (the bundle reports it as ragged). Rows without any value are skipped. Cells are
/// placed by their `r` reference (`C17`), or after the previous cell when it is absent; a bad or
/// out-of-order reference, an error value (`#N/A`), a shared string that does not exist or a
/// number that is not one stops reading with the sheet and cell (exit code 3).
struct SheetRows: TableRows {
    private let reader: PartReader
    private let workbook: XLSXWorkbook
    let sheet: String
    let headerRow: Int

    /// The current row's number in the sheet.
    private(set) var line = 0
    var isBlankLine: Bool { false }
    var issues: [CSVIssue] { [] }
    private(set) var fieldCount = 0

    private var texts: [[UInt8]] = []
    /// The current row's texts in one buffer, which `field(_:)` points into (as CSVReader's cells).
    private let rowText = RowBuffer()
    private var numbers: [[UInt8]?] = []
    private var dates: [[UInt8]?] = []
    private var booleans: [Bool] = []
    /// The header's width, once the header row was returned.
    private var width: Int?
    private var lastRow = 0
    private var finished = false

    init(reader: PartReader, workbook: XLSXWorkbook, sheet: String, headerRow: Int) {
        self.reader = reader
        self.workbook = workbook
        self.sheet = sheet
        self.headerRow = headerRow
    }

    func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { rowText.cell(i) }

    /// A sheet's rows are read from its start: there is no offset to go back to.
    var rowOffset: Int? { nil }

    func seek(toRowAt offset: Int, line: Int) throws(InputError) {
        throw InputError(location: SourceLocation(file: sheet, line: line), message: "a sheet is read from its start")
    }
    func column(_ i: Int) -> Int { i + 1 }
    func line(ofField i: Int) -> Int { line }

    func canonicalText(_ i: Int, for type: CellReading) -> ArraySlice<UInt8>? {
        switch type {
        case .number: return numbers[i].map { $0[...] }
        case .date: return dates[i].map { $0[...] } ?? numbers[i].map { $0[...] }
        case .bool: return booleans[i] ? texts[i][...] : nil
        case .text: return nil
        }
    }

    /// A cell of the row being read.
    private struct Cell {
        var column: Int
        var text: [UInt8]
        var number: [UInt8]?
        var date: [UInt8]?
        var boolean = false
    }

    mutating func next() throws(InputError) -> Bool {
        if width == nil {
            while let (row, cells) = try readRow() {
                if row < headerRow { continue }
                // the header: the row asked for, or an empty one when the sheet has none there
                let header = row == headerRow ? cells : []
                let last = header.last { !$0.text.isEmpty }?.column ?? 0
                width = last
                fill(header, count: last, row: headerRow)
                // a row after the header row is data: kept for the next call
                if row > headerRow { pending = (row, cells) }
                return true
            }
            return false
        }
        if let (row, cells) = pending {
            pending = nil
            if emit(row: row, cells: cells) { return true }
        }
        while let (row, cells) = try readRow() {
            if emit(row: row, cells: cells) { return true }
        }
        return false
    }

    private var pending: (Int, [Cell])?

    /// Makes `cells` the current data row unless it holds no value.
    private mutating func emit(row: Int, cells: [Cell]) -> Bool {
        guard let last = cells.last(where: { !$0.text.isEmpty })?.column else { return false }
        fill(cells, count: max(width ?? 0, last), row: row)
        return true
    }

    private mutating func fill(_ cells: [Cell], count: Int, row: Int) {
        line = row
        fieldCount = count
        // per row: allocated without the generic metadata look-up (`Array(filled:count:)`)
        texts = [[UInt8]](filled: [], count: count)
        numbers = [[UInt8]?](filled: nil, count: count)
        dates = [[UInt8]?](filled: nil, count: count)
        booleans = [Bool](filled: false, count: count)
        for cell in cells where cell.column <= count {
            let i = cell.column - 1
            texts[i] = cell.text
            numbers[i] = cell.number
            dates[i] = cell.date
            booleans[i] = cell.boolean
        }
        rowText.reset()
        for text in texts { rowText.append(text) }
    }

    // MARK: the sheet's XML

    private func cellError(_ message: String, column: Int, row: Int) -> InputError {
        var location = SourceLocation(file: workbook.path, line: row)
        location.sheet = sheet
        location.pointAtCell(column: column)
        return InputError(location: location, message: message)
    }

    /// Reads the next `<row>`: its number and its cells in column order; nil after the last row.
    private mutating func readRow() throws(InputError) -> (Int, [Cell])? {
        if finished { return nil }
        while try reader.read() {
            let type = reader.nodeType
            if type == PartReader.endElement, reader.isNamed("sheetData") { finished = true; return nil }
            guard type == PartReader.element, reader.isNamed("row") else { continue }
            var row = lastRow + 1
            if let r = reader.attribute("r") {
                guard let n = Int(r), (1...XLSXSheetLimits.maxRows).contains(n) else {
                    throw reader.malformed("sheet \(sheet): row number '\(InputMessages.display(Array(r.utf8)[...]))' is not a row of a sheet (1 to \(XLSXSheetLimits.maxRows))", line: reader.line)
                }
                row = n
            }
            guard row > lastRow else {
                throw reader.malformed("sheet \(sheet): row \(row) comes after row \(lastRow): rows must be in order, each once", line: reader.line)
            }
            lastRow = row
            if reader.isEmptyElement { return (row, []) }
            return (row, try readCells(row: row))
        }
        finished = true
        return nil
    }

    /// Reads the cells of the row `row` up to its end tag.
    private mutating func readCells(row: Int) throws(InputError) -> [Cell] {
        var cells: [Cell] = []
        var previous = 0
        while try reader.read() {
            let type = reader.nodeType
            if type == PartReader.endElement, reader.isNamed("row") { break }
            guard type == PartReader.element, reader.isNamed("c") else { continue }
            var column = previous + 1
            if let r = reader.attribute("r") {
                guard let ref = ExcelValues.cellReference(r), ref.row == row else {
                    throw reader.malformed("sheet \(sheet), row \(row): cell reference '\(InputMessages.display(Array(r.utf8)[...]))' is not a cell of this row (a column A to XFD and the row's number, such as C\(row))", line: reader.line)
                }
                column = ref.column
            }
            guard column > previous, column <= XLSXSheetLimits.maxColumns else {
                throw reader.malformed("sheet \(sheet), row \(row): cell \(SourceLocation.columnLetters(column))\(row) comes after column \(SourceLocation.columnLetters(max(previous, 1))): cells must be in order, each once", line: reader.line)
            }
            previous = column
            let kind = reader.attribute("t") ?? "n"
            let style = reader.attribute("s").flatMap(Int.init) ?? 0
            let (value, inline) = reader.isEmptyElement ? (nil, nil) : try cellContent()
            cells.append(try cell(column: column, row: row, kind: kind, style: style, value: value, inline: inline))
        }
        return cells
    }

    /// The text of `<v>` and of `<is>` (its `<t>` runs joined) up to the cell's end tag.
    private func cellContent() throws(InputError) -> (value: String?, inline: String?) {
        var value: String?
        var inline: String?
        var inV = false, inT = false, inPhonetic = false
        while try reader.read() {
            let type = reader.nodeType
            if type == PartReader.element {
                if reader.isNamed("v") { inV = !reader.isEmptyElement; if value == nil { value = "" } }
                else if reader.isNamed("rPh") { inPhonetic = !reader.isEmptyElement }
                else if reader.isNamed("t") { inT = !inPhonetic && !reader.isEmptyElement; if inline == nil { inline = "" } }
            } else if type == PartReader.endElement {
                if reader.isNamed("c") { break }
                if reader.isNamed("v") { inV = false } else if reader.isNamed("t") { inT = false } else if reader.isNamed("rPh") { inPhonetic = false }
            } else if reader.isText {
                if inV { value = (value ?? "") + reader.value } else if inT { inline = (inline ?? "") + reader.value }
            }
        }
        return (value, inline)
    }

    /// A cell's value by its type `t`: shared string, inline string, formula string, boolean,
    /// error (refused), ISO date, or number (a date when its style shows one).
    private func cell(column: Int, row: Int, kind: String, style: Int, value: String?, inline: String?) throws(InputError) -> Cell {
        var cell = Cell(column: column, text: [])
        switch kind {
        case "s":
            guard let value else { return cell }
            guard let index = Int(value.trimmed), let text = workbook.sharedString(index) else {
                let count = workbook.sharedStrings?.count
                throw cellError("the cell refers to shared string '\(InputMessages.display(Array(value.utf8)[...]))', which the workbook does not have (\(count.map { "it has \($0)" } ?? "it has no shared strings part")): the workbook is damaged; save it again", column: column, row: row)
            }
            cell.text = text
        case "inlineStr":
            cell.text = Array((inline ?? value ?? "").utf8)
        case "str":
            cell.text = Array((value ?? "").utf8)
        case "b":
            guard let value else { return cell }
            switch value.trimmed {
            case "1", "true": cell.text = Array("true".utf8)
            case "0", "false": cell.text = Array("false".utf8)
            default: throw cellError("a boolean cell holds '\(InputMessages.display(Array(value.utf8)[...]))', neither 0 nor 1", column: column, row: row)
            }
            cell.boolean = true
        case "e":
            throw cellError("the cell holds the Excel error \(InputMessages.display(Array((value ?? "").utf8)[...])) (a formula that could not be computed): an error is no value, and esfcheck does not guess one. Fix the formula or clear the cell, and save the workbook again", column: column, row: row)
        case "d":
            guard let value else { return cell }
            let day = value.trimmed.prefix(10)
            guard CivilDate(iso: day) != nil else {
                throw cellError("a date cell holds '\(InputMessages.display(Array(value.utf8)[...]))', which is not an ISO 8601 date", column: column, row: row)
            }
            cell.text = Array(day.utf8)
            cell.date = cell.text
        case "n":
            guard let value, !value.trimmed.isEmpty else { return cell }
            guard let plain = ExcelValues.plainDecimal(value.trimmed) else {
                throw cellError("a number cell holds '\(InputMessages.display(Array(value.utf8)[...]))', which is not a number", column: column, row: row)
            }
            let number = Array(plain.utf8)
            cell.number = number
            cell.text = number
            // a date style: the day of the serial (a time of day is dropped); a serial that is
            // no day (0, 60 in the 1900 system, negative) keeps its number text, which no date field reads
            if workbook.isDateStyle(style), let date = ExcelValues.date(serial: plain, date1904: workbook.date1904) {
                let day = Array(date.description.utf8)
                cell.date = day
                cell.text = day
            }
        default:
            throw cellError("the cell has the type '\(InputMessages.display(Array(kind.utf8)[...]))', which is not a cell type of a workbook (s, inlineStr, str, b, e, d, n)", column: column, row: row)
        }
        return cell
    }
}

private extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

/// The texts of one row's cells, contiguous in a buffer the row owns: `cell(_:)` gives a pointer into
/// it, valid until the next `reset()` (the contract of `TableRows.field(_:)`).
final class RowBuffer {
    private var storage: UnsafeMutableBufferPointer<UInt8>
    private var used = 0
    private var starts: [Int] = []
    private var ends: [Int] = []

    init() { storage = .allocate(capacity: 4096) }
    deinit { storage.deallocate() }

    func reset() {
        used = 0
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    func append(_ bytes: [UInt8]) {
        if used + bytes.count > storage.count {
            let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(storage.count * 2, used + bytes.count))
            _ = grown.initialize(fromContentsOf: storage[..<used])
            storage.deallocate()
            storage = grown
        }
        starts.append(used)
        bytes.withUnsafeBufferPointer { src in
            if let base = src.baseAddress, let dst = storage.baseAddress { (dst + used).update(from: base, count: src.count) }
        }
        used += bytes.count
        ends.append(used)
    }

    func cell(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: storage[starts[i]..<ends[i]])
    }
}
