/// Where something was read: a file, and within it a line, column, XPath or CSV record.
public struct SourceLocation: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// XML: `/operation/participants/participant[412]/employment[1]/@start`.
    public var xpath: String?
    /// CSV: the 1-based data record number (header excluded).
    public var record: Int?
    /// The field (XML attribute or CSV column) the location points at.
    public var field: String?
    /// The file's own name for `field` when it was read through a mapping profile: the CSV header
    /// as written (`Prispevek EU`) or the XML path relative to the record's element (`zneski/@eu`).
    public var sourceField: String?
    /// The text of `field` as the file holds it, before any decoding (`3.360,00`, `31.3.2022`);
    /// masked like other personal data. Looked up once a finding is made, never kept per record.
    public var rawValue: String?
    /// Excel workbook: the sheet (`participants`); `line` is then the sheet's row and `column` the cell's column (1 = A).
    public var sheet: String?
    /// Excel workbook: the cell reference (`C17`), when the location points at one cell.
    public var cell: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, xpath: String? = nil, record: Int? = nil, field: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.xpath = xpath
        self.record = record
        self.field = field
    }

    /// `file:line:column`, as far as known; in a workbook `file: sheet S, cell C17 (row 17)`.
    public var short: String {
        if let sheet { return file + ": " + sheetPlace(sheet) }
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s
    }

    /// `sheet participants, cell C17 (row 17)`, `sheet participants, row 17`, or `sheet participants`.
    /// In Slovenian: `list participants, celica C17 (vrstica 17)`.
    public func sheetPlace(_ sheet: String, language: Language = .en) -> String {
        let (sheetWord, cellWord, rowWord) = language == .sl ? ("list", "celica", "vrstica") : ("sheet", "cell", "row")
        var s = "\(sheetWord) \(sheet)"
        if let cell, let line { s += ", \(cellWord) \(cell) (\(rowWord) \(line))" } else if let line { s += ", \(rowWord) \(line)" }
        return s
    }

    /// Points a workbook location at the cell of `column` (1 = A) in its row.
    public mutating func pointAtCell(column: Int) {
        self.column = column
        if sheet != nil, let line { cell = SourceLocation.columnLetters(column) + String(line) }
    }

    /// `A`, `Z`, `AA`, `XFD`: an Excel column's letters (1 = A).
    public static func columnLetters(_ column: Int) -> String {
        var n = max(column, 1)
        var letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(Character(Unicode.Scalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }
}

/// One record read from an input, with its values in the model's field order.
public struct Record: Sendable {
    /// The entity index in the data model.
    public var entity: Int
    public var values: [Value]
    public var location: SourceLocation
    /// Per field, the column where its value starts (CSV) when known.
    public var fieldColumns: [Int32]?
    /// Per field, its XPath relative to the record's element when it is not `@field`
    /// (an XML mapping profile: `@sifra`, `datum_rojstva`, `financiranje/@eu`); shared, not copied.
    public var fieldXPaths: [String]?
    /// The outcomes of the record's own-record rules when the reading thread evaluated them (the
    /// engine's `PreEvaluator`): two bits a rule; 0 when none was evaluated there.
    public var preOutcomes: UInt64 = 0
    /// The outcomes of the filters of the aggregates over this record when the reading thread evaluated
    /// them: two bits an aggregate (`AggregateStore.preFilterSlot`); 0 when none was evaluated there.
    public var preFilters: UInt64 = 0

    public init(entity: Int, values: [Value], location: SourceLocation, fieldColumns: [Int32]? = nil, fieldXPaths: [String]? = nil) {
        self.entity = entity
        self.values = values
        self.location = location
        self.fieldColumns = fieldColumns
        self.fieldXPaths = fieldXPaths
    }

    /// The location of one field of this record (XPath `/@field`, CSV column).
    public func location(ofField index: Int, named name: String) -> SourceLocation {
        var loc = location
        loc.field = name
        if let xpath = loc.xpath {
            if let paths = fieldXPaths, index < paths.count { loc.xpath = xpath + "/" + paths[index] } else { loc.xpath = xpath + "/@" + name }
        }
        if let cols = fieldColumns, index < cols.count, cols[index] > 0 { loc.pointAtCell(column: Int(cols[index])) }
        return loc
    }
}
