import ESFCore

/// Rows of text cells, one at a time, with a header row first: a CSV file (`CSVReader`) or a
/// workbook sheet (`SheetRows`). `CSVBundleRecordSource` reads either the same way.
protocol TableRows {
    /// Moves to the next row; false at the end.
    mutating func next() throws(InputError) -> Bool
    /// The row's line (CSV: its first physical line; a sheet: its row number).
    var line: Int { get }
    /// Whether the row is an empty line (CSV only).
    var isBlankLine: Bool { get }
    /// The cells of the row.
    var fieldCount: Int { get }
    /// The text of cell `i` as written (UTF-8), valid until the next `next()`.
    func field(_ i: Int) -> UnsafeBufferPointer<UInt8>
    /// The column of cell `i` (CSV: its character column; a sheet: its column number, 1 = A).
    func column(_ i: Int) -> Int
    /// The line cell `i` starts on.
    func line(ofField i: Int) -> Int
    /// Malformed cells of the row (CSV only).
    var issues: [CSVIssue] { get }
    /// For a typed cell (a workbook's number, date or boolean cell) that a field of `type` reads as
    /// such, its value in the canonical text form (`3360.5`, `2022-03-31`, `true`), decoded with the
    /// canonical decoder whatever the layout's separators and date patterns; nil: decode `field(i)`
    /// with the layout's decoder.
    func canonicalText(_ i: Int, for type: CellReading) -> ArraySlice<UInt8>?
    /// Where the row starts, as a byte offset that `seek(toRowAt:line:)` can go back to (a UTF-8 CSV
    /// file); nil when there is none (a sheet, a file decoded from a code page).
    var rowOffset: Int? { get }
    /// Goes on reading at a row's `rowOffset` and line, for a reader looking a few cells up again.
    mutating func seek(toRowAt offset: Int, line: Int) throws(InputError)
}

/// What a field makes of a typed cell: a number, a date, a boolean, or its text.
enum CellReading: Sendable {
    case number, date, bool, text

    init(_ type: FieldType) {
        switch type {
        case .decimal, .int: self = .number
        case .date: self = .date
        case .bool: self = .bool
        case .string, .code, .codeSet: self = .text
        }
    }
}

extension CSVReader: TableRows {
    /// CSV cells are all text.
    @inline(__always)
    func canonicalText(_ i: Int, for type: CellReading) -> ArraySlice<UInt8>? { nil }
}
