import ESFCore

/// An Excel workbook (`.xlsx`): its sheets, date system, shared strings and date styles.
///
/// Opening reads the package's small parts with libxml2's streaming reader: `_rels/.rels` (where
/// the workbook part is), `workbook.xml` (sheet names, `date1904`), its relationships (each sheet's
/// part, the shared strings, the styles), `styles.xml` (which cell styles show a date) and
/// `sharedStrings.xml` (rich text runs joined, phonetic runs left out). Sheets are streamed one
/// row at a time by `rows(sheet:headerRow:)`.
public final class XLSXWorkbook {
    /// One sheet: its name as the workbook shows it and the part that holds it.
    public struct Sheet: Sendable, Hashable {
        public var name: String
        public var part: String
    }

    /// The workbook file, as given.
    public let path: String
    /// The sheets, in the workbook's order.
    public private(set) var sheets: [Sheet] = []
    /// Whether date serials count from 1904-01-01 (`date1904`) instead of 1900-01-01.
    public private(set) var date1904 = false
    let package: XLSXPackage
    /// The shared strings, as UTF-8; nil when the workbook has no shared strings part.
    private(set) var sharedStrings: [[UInt8]]?
    /// Per cell style (`s`), whether its number format shows a date.
    private(set) var dateStyles: [Bool] = []

    static let relationshipNamespaces = ["http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                         "http://purl.oclc.org/ooxml/officeDocument/relationships"]

    /// Opens the workbook at `path` and reads everything but the sheets.
    public init(path: String, limits: XLSXLimits = .standard) throws(InputError) {
        self.path = path
        package = try XLSXPackage(path: path, limits: limits)
        let workbookPart = try officeDocument()
        guard let workbookXML = try package.part(workbookPart) else {
            throw XLSXPackage.error(path, "the archive has no \(workbookPart): it is not an Excel workbook. Save it as an Excel workbook (.xlsx), or export each sheet as CSV")
        }
        let rels = try relationships(of: workbookPart)
        try readWorkbook(workbookXML, part: workbookPart, rels: rels)
        if let styles = rels.values.first(where: { $0.type.hasSuffix("/styles") }) {
            try readStyles(styles.target)
        }
        if let strings = rels.values.first(where: { $0.type.hasSuffix("/sharedStrings") }) {
            try readSharedStrings(strings.target)
        }
    }

    /// The sheet named `name` (compared as Excel does, ignoring case), if there is one.
    public func sheet(named name: String) -> Sheet? {
        sheets.first { $0.name == name } ?? sheets.first { $0.name.lowercased() == name.lowercased() }
    }

    /// A streaming reader of one sheet's rows, the row `headerRow` first.
    func rows(of sheet: Sheet, headerRow: Int) throws(InputError) -> SheetRows {
        guard let bytes = try package.part(sheet.part) else {
            throw XLSXPackage.error(path, "sheet \(sheet.name): its part \(sheet.part) is not in the archive")
        }
        return SheetRows(reader: try PartReader(bytes: bytes, part: sheet.part, workbook: path), workbook: self, sheet: sheet.name, headerRow: headerRow)
    }

    /// The shared string `index`, or nil when there is none.
    func sharedString(_ index: Int) -> [UInt8]? {
        guard let sharedStrings, sharedStrings.indices.contains(index) else { return nil }
        return sharedStrings[index]
    }

    /// Whether cell style `index` shows a date.
    func isDateStyle(_ index: Int) -> Bool { dateStyles.indices.contains(index) && dateStyles[index] }

    // MARK: parts

    private struct Relationship {
        var type: String
        var target: String
    }

    /// The workbook part named by the package's relationships (`xl/workbook.xml` when they do not say).
    private func officeDocument() throws(InputError) -> String {
        let rels = try relationships(of: "")
        return rels.values.first { $0.type.hasSuffix("/officeDocument") }?.target ?? "xl/workbook.xml"
    }

    /// The relationships of `part` (`xl/_rels/workbook.xml.rels`; for "" the package's `_rels/.rels`), by id.
    private func relationships(of part: String) throws(InputError) -> [String: Relationship] {
        let folder = part.split(separator: "/").dropLast().joined(separator: "/")
        let file = part.split(separator: "/").last.map(String.init) ?? ""
        let relsPart = (folder.isEmpty ? "" : folder + "/") + "_rels/" + file + ".rels"
        guard let bytes = try package.part(relsPart) else { return [:] }
        let reader = try PartReader(bytes: bytes, part: relsPart, workbook: path)
        var out: [String: Relationship] = [:]
        while try reader.read() {
            guard reader.nodeType == PartReader.element, reader.isNamed("Relationship") else { continue }
            guard let id = reader.attribute("Id"), let target = reader.attribute("Target") else {
                throw reader.malformed("a Relationship without its Id or Target", line: reader.line)
            }
            if reader.attribute("TargetMode") == "External" { continue }
            out[id] = Relationship(type: reader.attribute("Type") ?? "", target: XLSXPackage.resolve(target, from: part.isEmpty ? "/" : part))
        }
        return out
    }

    private func readWorkbook(_ bytes: [UInt8], part: String, rels: [String: Relationship]) throws(InputError) {
        let reader = try PartReader(bytes: bytes, part: part, workbook: path)
        while try reader.read() {
            guard reader.nodeType == PartReader.element else { continue }
            if reader.isNamed("workbookPr") {
                let value = reader.attribute("date1904")
                date1904 = value == "1" || value == "true"
            } else if reader.isNamed("sheet") {
                guard let name = reader.attribute("name"),
                      let id = Self.relationshipNamespaces.lazy.compactMap({ reader.attribute("id", namespace: $0) }).first else {
                    throw reader.malformed("a sheet without its name or r:id", line: reader.line)
                }
                guard let rel = rels[id] else {
                    throw reader.malformed("sheet \(name) names relationship \(id), which \(part)'s relationships do not have", line: reader.line)
                }
                // chart sheets and dialog sheets hold no cells
                if rel.type.hasSuffix("/worksheet") { sheets.append(Sheet(name: name, part: rel.target)) }
            }
        }
    }

    private func readStyles(_ part: String) throws(InputError) {
        guard let bytes = try package.part(part) else { return }
        let reader = try PartReader(bytes: bytes, part: part, workbook: path)
        var customDates: Set<Int> = []
        var inCellXfs = false
        while try reader.read() {
            let type = reader.nodeType
            if type == PartReader.endElement, reader.isNamed("cellXfs") { inCellXfs = false; continue }
            guard type == PartReader.element else { continue }
            if reader.isNamed("numFmt") {
                if let id = reader.attribute("numFmtId").flatMap(Int.init), let code = reader.attribute("formatCode"), ExcelValues.isDateFormat(code) {
                    customDates.insert(id)
                }
            } else if reader.isNamed("cellXfs") {
                inCellXfs = !reader.isEmptyElement
            } else if inCellXfs, reader.isNamed("xf") {
                let id = reader.attribute("numFmtId").flatMap(Int.init) ?? 0
                dateStyles.append(ExcelValues.builtinDateFormats.contains(id) || customDates.contains(id))
            }
        }
    }

    private func readSharedStrings(_ part: String) throws(InputError) {
        guard let bytes = try package.part(part) else { return }
        let reader = try PartReader(bytes: bytes, part: part, workbook: path)
        let limit = package.limits.maxSharedStrings
        var strings: [[UInt8]] = []
        var current: [UInt8] = []
        var inItem = false, inText = false, inPhonetic = false
        while try reader.read() {
            let type = reader.nodeType
            if type == PartReader.element {
                if reader.isNamed("sst"), let count = reader.attribute("uniqueCount").flatMap(Int.init), count > limit {
                    throw reader.malformed("the workbook declares \(count) shared strings, more than the limit of \(limit)", line: reader.line)
                } else if reader.isNamed("si") {
                    inItem = true
                    current = []
                    if reader.isEmptyElement { strings.append([]); inItem = false }
                } else if reader.isNamed("rPh") {
                    inPhonetic = !reader.isEmptyElement
                } else if reader.isNamed("t") {
                    inText = inItem && !inPhonetic && !reader.isEmptyElement
                }
            } else if type == PartReader.endElement {
                if reader.isNamed("si") {
                    strings.append(current)
                    inItem = false
                    if strings.count > limit {
                        throw reader.malformed("the workbook holds more than \(limit) shared strings (limit)", line: reader.line)
                    }
                } else if reader.isNamed("rPh") {
                    inPhonetic = false
                } else if reader.isNamed("t") {
                    inText = false
                }
            } else if inText, reader.isText {
                current.append(contentsOf: reader.value.utf8)
            }
        }
        sharedStrings = strings
    }
}
