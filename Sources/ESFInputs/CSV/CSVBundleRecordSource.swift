#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ESFCore

/// Reads a CSV bundle: a folder with one file per entity (`operation.csv`, `participants.csv`, …).
///
/// Entities, file names and columns all come from the `DataModel`, or from a
/// `MappingProfile` when one is given (SPEC §3.2: file names, header texts, delimiter,
/// encoding, number, date and boolean formats, code translations). Each data
/// row becomes a `Record` with its values in the model's field order; problems
/// (unknown columns, ragged rows, unparseable values) are reported as events,
/// never thrown. Only what stops reading is thrown: a missing or non-regular file
/// (every entity file must be present, checked before anything is read), a column
/// the layout binds that the file lacks, a row longer than `maxRowBytes`, an I/O
/// error, a byte that is not text in the file's encoding or an unterminated quote.
/// A file with no rows of an entity that the model does not declare `may_be_empty`
/// is a problem (the export is incomplete). Never emits `.groupEnd`.
public final class CSVBundleRecordSource: RecordSource, InputDigests {
    /// A column that no binding of the profile names: skipped, and listed here.
    public struct IgnoredColumn: Sendable, Hashable {
        /// The file's path.
        public var file: String
        /// The header text as written.
        public var header: String
        /// The 1-based column number.
        public var column: Int
    }

    /// The encoding one file was read in (`auto` already decided).
    public struct FileEncoding: Sendable, Hashable {
        /// The file's path.
        public var file: String
        /// UTF-8, Windows-1250 or ISO-8859-2.
        public var encoding: TextEncoding
    }

    /// The bundle folder, or the workbook.
    public let directory: String
    /// The Excel workbook the bundle is, one sheet per entity (nil: a folder of CSV files).
    public let workbookPath: String?
    /// The bounds of the workbook's archive.
    public let workbookLimits: XLSXLimits
    /// The workbook, once `read` opened it.
    public internal(set) var workbook: XLSXWorkbook?
    /// The data model the files and columns come from.
    public let model: DataModel
    /// Delimiter and quote of every file of the bundle.
    public let dialect: CSVDialect
    /// The mapping profile the bundle is read with; nil for the canonical form (SPEC §3.1).
    public let profile: MappingProfile?
    /// The columns the last `read` skipped because the profile binds no field to them.
    public internal(set) var ignoredColumns: [IgnoredColumn] = []
    /// Canonical form: the columns of optional fields absent from a file's header (read as missing).
    public private(set) var absentColumns: [IgnoredColumn] = []
    /// The encoding of each file the last `read` opened, in reading order.
    public private(set) var fileEncodings: [FileEncoding] = []
    /// The SHA-256 of each file the last `read` read, hashed as it was read (`InputDigests`).
    private var fileHashes: [String: String] = [:]
    /// Per file the last `read` read (UTF-8 CSV files only): where every `markEvery`-th data row
    /// starts, so that looking a finding's cell up again reads a few rows, not the file up to it.
    private var rowMarks: [String: [RowMark]] = [:]
    static let markEvery = 32

    /// A data row's first line and the byte offset it starts at.
    struct RowMark {
        var line: Int
        var offset: Int
    }
    /// Counts the bytes `read` reads from the bundle's files (a progress display); nil: not counted.
    public var progress: ReadProgress?
    let plans: [EntityPlan]
    /// Per entity, how the profile reads it (nil: not read under the profile, or no profile).
    let profilePlans: [ProfileEntityPlan?]
    private let chunkSize: Int
    /// The longest row (in UTF-8 bytes, line breaks inside quoted cells included) a file may
    /// have; a longer one stops reading (`CSVReader.maxRowBytes`).
    public var maxRowBytes = CSVReader.defaultMaxRowBytes

    /// Creates a reader of the bundle in `directory`; nothing is opened before `read`.
    public init(directory: String, model: DataModel, dialect: CSVDialect = .canonical, chunkSize: Int = 1 << 20) {
        self.directory = directory
        self.workbookPath = nil
        self.workbookLimits = .standard
        self.model = model
        self.dialect = dialect
        self.chunkSize = chunkSize
        self.profile = nil
        self.plans = model.entities.indices.map { EntityPlan(model: model, index: $0) }
        self.profilePlans = model.entities.map { _ in nil }
    }

    /// Creates a reader of the bundle in `directory` laid out as `profile` says (nil: canonical).
    ///
    /// Every entity of the model must be bound to a file of the bundle (`read` fails otherwise).
    /// The profile should have been checked against `model` (`ProfileLoader`); names it has
    /// that the model lacks are skipped.
    public convenience init(directory: String, model: DataModel, profile: MappingProfile?, chunkSize: Int = 1 << 20) {
        guard let profile else {
            self.init(directory: directory, model: model, chunkSize: chunkSize)
            return
        }
        self.init(directory: directory, model: model, resolvedProfile: profile, chunkSize: chunkSize)
    }

    /// Creates a reader of the Excel workbook at `path`, one sheet per entity, laid out as `profile` says
    /// (nil: canonical; each sheet is named as the entity's CSV file without `.csv`). Nothing is opened before `read`.
    public init(workbook path: String, model: DataModel, profile: MappingProfile?, limits: XLSXLimits = .standard) {
        self.directory = path
        self.workbookPath = path
        self.workbookLimits = limits
        self.model = model
        self.dialect = .canonical
        self.chunkSize = 1 << 16
        self.profile = profile
        self.plans = model.entities.indices.map { EntityPlan(model: model, index: $0) }
        self.profilePlans = model.entities.map { entity in
            guard let profile, let binding = profile.binding(for: entity.name), let file = binding.file ?? entity.csvFile else { return nil }
            return ProfileEntityPlan(entity: entity, binding: binding, profile: profile, file: file)
        }
    }

    private init(directory: String, model: DataModel, resolvedProfile profile: MappingProfile, chunkSize: Int) {
        self.directory = directory
        self.workbookPath = nil
        self.workbookLimits = .standard
        self.model = model
        self.dialect = CSVDialect(delimiter: profile.delimiter, quote: profile.quote)
        self.chunkSize = chunkSize
        self.profile = profile
        self.plans = model.entities.indices.map { EntityPlan(model: model, index: $0) }
        self.profilePlans = model.entities.map { entity in
            guard let binding = profile.binding(for: entity.name), let file = binding.file ?? entity.csvFile else { return nil }
            return ProfileEntityPlan(entity: entity, binding: binding, profile: profile, file: file)
        }
    }

    /// The folder, as given.
    public var displayPath: String { directory }

    /// The entity files that exist, in model order (a workbook: the workbook).
    public var files: [String] {
        if let workbookPath { return [workbookPath] }
        return model.entities.indices.compactMap { path(of: $0) }.filter(CSVBundleRecordSource.exists)
    }

    /// The SHA-256 of a file the last `read` read to its end, hashed in that same pass.
    public func sha256(of file: String) -> String? { fileHashes[file] }

    /// The path of an entity's file in this bundle, whether or not it exists.
    public func path(of entity: Int) -> String? {
        let name = profile == nil ? model.entities[entity].csvFile : profilePlans[entity]?.file
        guard let file = name else { return nil }
        return directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }

    private static func exists(_ path: String) -> Bool {
        InputFile.kind(path) != .missing
    }

    /// Fails unless every entity file is there and is a regular file: a bundle without one of
    /// its files is incomplete, never read as if the list were empty.
    private func checkComplete() throws(InputError) {
        var missing: [(file: String, entity: String)] = []
        var unbound: [String] = []
        for e in model.entities.indices {
            guard let file = path(of: e) else {
                // Under a profile: the profile names no file for the entity. Without one: the
                // model gives the entity no CSV form at all, so there is nothing to look for.
                if profile != nil { unbound.append(model.entities[e].name) }
                continue
            }
            switch InputFile.kind(file) {
            case .regular: continue
            case .missing: missing.append((Self.fileName(file), model.entities[e].name))
            case .directory: throw InputFile.notRegular(file, "a folder")
            case .other(let what): throw InputFile.notRegular(file, what)
            }
        }
        if missing.isEmpty && unbound.isEmpty { return }
        var parts: [String] = []
        if !missing.isEmpty {
            let names = missing.map { "\($0.file) (\($0.entity))" }.joined(separator: ", ")
            parts.append("\(names) \(missing.count == 1 ? "is" : "are") missing")
        }
        if !unbound.isEmpty, let profile {
            parts.append("profile \(profile.id) names no file for \(unbound.joined(separator: ", "))")
        }
        let location = missing.count == 1 && unbound.isEmpty ? path(of: model.entityIndex(missing[0].entity) ?? model.root) ?? directory : directory
        throw InputError(
            location: SourceLocation(file: location),
            message: parts.joined(separator: "; ") + ": the CSV bundle \(directory) is incomplete, and a missing file is never read as an empty list. Every file of the bundle must be present; a list with no rows is a file with only its header row")
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Streams every entity file: first those in `entityOrder`, then the others in model order.
    /// The field of `entity` a header cell binds: by the profile's bindings under a profile, else by
    /// the model's field name; nil for a column bound to no field. (Reading, raw-value lookup and
    /// layout fit all bind headers this one way.)
    func boundField(_ header: String, entity: Int) -> Int? {
        let plan = plans[entity]
        return profilePlans[entity].map { $0.field(forHeader: header, fieldNames: plan.fieldNames) } ?? plan.fieldNames.firstIndex(of: header)
    }

    public func read(entityOrder: [Int], _ sink: EventSink) throws {
        var order: [Int] = []
        for e in entityOrder where model.entities.indices.contains(e) && !order.contains(e) { order.append(e) }
        for e in model.entities.indices where !order.contains(e) { order.append(e) }

        ignoredColumns = []
        absentColumns = []
        fileEncodings = []
        fileHashes = [:]
        rowMarks = [:]
        // Per entity: the rows its file had (nil: not read, or a 0-byte file, already reported).
        var rows = [Int?](repeating: nil, count: model.entities.count)
        var headerLines = [Int](repeating: 1, count: model.entities.count)
        if let workbookPath {
            let workbook = try openWorkbook()
            for e in order {
                guard let (found, name) = try sheet(of: e, in: workbook) else { continue }
                var reader = try workbook.rows(of: found, headerRow: headerRow(of: e))
                if let (count, line) = try readRows(e, path: workbookPath, sheet: found.name, fileName: "sheet \(name)", reader: &reader, sink) {
                    rows[e] = count
                    headerLines[e] = line
                }
            }
        } else {
            try checkComplete()
            for e in order {
                guard let file = path(of: e) else { continue }
                if let (count, line) = try readEntity(e, path: file, sink) {
                    rows[e] = count
                    headerLines[e] = line
                }
            }
        }
        // A list with no row is incomplete unless the model says it may be empty; not said
        // again for a nested list whose parent list is already empty.
        for e in model.entities.indices where rows[e] == 0 && !model.entities[e].mayBeEmpty {
            if let p = model.parentIndex(of: e), rows[p] == 0 { continue }
            let location: SourceLocation
            let place: String
            if let workbookPath, let name = sheetName(of: e) {
                location = Self.place(workbookPath, sheet: workbook?.sheet(named: name)?.name ?? name, line: headerLines[e])
                place = "sheet \(name) has only its header row"
            } else if let file = path(of: e) {
                location = SourceLocation(file: file, line: headerLines[e])
                place = "\(Self.fileName(file)) has only its header row"
            } else {
                continue
            }
            try sink(.problem(InputProblem(.emptyList(entity: model.entities[e].name, place: place), location: location, entity: e)))
        }
    }

    /// Reads one entity file; the number of rows it had and the line of its header (nil: the file is empty).
    private func readEntity(_ entity: Int, path: String, _ sink: EventSink) throws -> (rows: Int, headerLine: Int)? {
        let profilePlan = profilePlans[entity]
        let fileName = profilePlan?.file ?? model.entities[entity].csvFile ?? path
        var reader = try CSVReader(path: path, dialect: dialect, encoding: profile?.encoding ?? .utf8, chunkSize: chunkSize)
        reader.maxRowBytes = maxRowBytes
        reader.progress = progress
        fileEncodings.append(FileEncoding(file: path, encoding: reader.encoding))
        let result = try readRows(entity, path: path, sheet: nil, fileName: fileName, reader: &reader, sink)
        fileHashes[path] = reader.sha256()
        return result
    }

    /// A location in an entity's file, or in a workbook's sheet (`sheet` set; `column` a cell's column).
    static func place(_ path: String, sheet: String?, line: Int, column: Int? = nil, record: Int? = nil, field: String? = nil) -> SourceLocation {
        var location = SourceLocation(file: path, line: line, column: column, record: record, field: field)
        if let sheet {
            location.sheet = sheet
            if let column { location.pointAtCell(column: column) }
        }
        return location
    }

    /// Reads one entity's rows, a header row first, from a CSV file or a workbook's sheet; the number
    /// of rows it had and the line of its header (nil: the file or sheet is empty).
    func readRows<R: TableRows>(_ entity: Int, path: String, sheet: String?, fileName: String, reader: inout R,
                                _ sink: EventSink) throws -> (rows: Int, headerLine: Int)? {
        let plan = plans[entity]
        let profilePlan = profilePlans[entity]
        guard try reader.next() else {
            try sink(.problem(InputProblem(
                .emptyFile(file: fileName),
                location: Self.place(path, sheet: sheet, line: sheet == nil ? 1 : headerRow(of: entity)), entity: entity)))
            return nil
        }

        // Header: map each column to a field (-1: ignored).
        let headerLine = reader.line
        let headerCount = reader.fieldCount
        var columnField = [Int](repeating: -1, count: headerCount)
        var seen = [Bool](repeating: false, count: plan.fieldNames.count)
        // Under a profile: the header each field was read from, for messages.
        var fieldHeaders = [String](repeating: "", count: plan.fieldNames.count)
        // in order; an unknown column's header text is kept, to mask it when the header row looks like data
        var headerProblems: [(unknownHeader: String?, problem: InputProblem)] = []
        for c in 0..<headerCount {
            let name = String(decoding: reader.field(c), as: UTF8.self)
            let location = Self.place(path, sheet: sheet, line: reader.line(ofField: c), column: reader.column(c), field: name)
            guard let f = boundField(name, entity: entity) else {
                if let profile, profile.extraColumns == .ignore {
                    // a workbook's columns are listed by sheet: `book.xlsx, sheet izdatki 'Opis'`
                    ignoredColumns.append(IgnoredColumn(file: sheet.map { "\(path), sheet \($0)" } ?? path, header: name, column: c + 1))
                    continue
                }
                let why = profile.map { profilePlan?.usesLogicalNames == true ? "not a field of \(plan.name)" : "bound to no field of \(plan.name) by profile \($0.id)" }
                    ?? "not a field of \(plan.name)"
                headerProblems.append((InputMessages.display(reader.field(c)), InputProblem(
                    .unknownColumn(file: fileName, column: InputMessages.display(reader.field(c)), why: why),
                    location: location, entity: entity)))
                continue
            }
            fieldHeaders[f] = name
            if seen[f] {
                headerProblems.append((nil, InputProblem(
                    .repeatedColumn(file: fileName, column: name),
                    location: location, entity: entity)))
                continue
            }
            seen[f] = true
            columnField[c] = f
        }
        var mustHave = plan.requiredIndices
        if let p = plan.implicitIndex, !mustHave.contains(p) { mustHave.append(p) }
        // A header row without the key columns is likely a data row (a file without its header):
        // in an entity that holds personal data its cells may be an EMŠO or a name, so they are masked.
        let headerIsData = plan.rawIsPersonal.contains(true) && mustHave.contains { !seen[$0] }
        for (header, problem) in headerProblems {
            var problem = problem
            if headerIsData, let header { problem.personalText = [header] }
            try sink(.problem(problem))
        }
        // Every column the layout binds must be there: the logical names of all fields, or
        // every header the profile binds (and the required ones whatever the profile says).
        // A missing column would read as a missing value in every row.
        // In the canonical form the column of an optional field may be absent (the data model grows
        // optional fields; an export written before one existed stays readable): it reads as missing
        // in every row and is listed in the report, never silently.
        var missingColumns: [String] = []
        for f in plan.fieldNames.indices where !seen[f] {
            let headers = profilePlan?.headerNames[f] ?? [plan.fieldNames[f]]
            let required = plan.requiredIndices.contains(f) || plan.implicitIndex == f
            if profilePlan == nil && !required {
                absentColumns.append(IgnoredColumn(file: sheet.map { "\(path), sheet \($0)" } ?? path, header: plan.fieldNames[f], column: 0))
                continue
            }
            let mustHave = !headers.isEmpty || required
            guard mustHave else { continue }
            let header = headers.first ?? plan.fieldNames[f]
            missingColumns.append(header == plan.fieldNames[f] ? "'\(header)'" : "'\(header)' (\(plan.fieldNames[f]))")
        }
        if !missingColumns.isEmpty {
            let how = profile.map { "profile \($0.id) binds" } ?? "the canonical form has"
            throw InputError(
                location: Self.place(path, sheet: sheet, line: headerLine),
                message: "\(fileName): \(missingColumns.count == 1 ? "column" : "columns") \(missingColumns.joined(separator: ", ")) \(missingColumns.count == 1 ? "is" : "are") missing from the header; \(how) \(missingColumns.count == 1 ? "it" : "them") for \(plan.name), and no \(plan.name) row can be read as complete without \(missingColumns.count == 1 ? "it" : "them"): add the \(missingColumns.count == 1 ? "column" : "columns") (cells may be empty)\(profile == nil ? "" : " or fix the profile")")
        }

        // Rows.
        var recordNumber = 0
        var pendingBlankLines: [Int] = []
        let fieldCount = plan.fieldNames.count
        let profileDecoders = profilePlan?.decoders
        let profiled = profilePlan.map { plan in (expectations: plan.decoders.map(\.expectation), headers: fieldHeaders) }
        let cellReadings = plan.fieldTypes.map(CellReading.init)
        var marks: [RowMark] = []
        defer { if !marks.isEmpty { rowMarks[path] = marks } }
        while try reader.next() {
            if reader.isBlankLine {
                // Dropped if only blank lines follow up to the end of the file.
                pendingBlankLines.append(reader.line)
                continue
            }
            for blankLine in pendingBlankLines {
                recordNumber += 1
                let location = Self.place(path, sheet: sheet, line: blankLine, record: recordNumber)
                if headerCount == 1 {
                    // A one-column file: an empty line is a row whose only cell is empty.
                    let values = [Value](filled: .null, count: fieldCount)
                    var columns = [Int32](filled: 0, count: fieldCount)
                    if columnField[0] >= 0 { columns[columnField[0]] = 1 }
                    try emitRequiredProblems(plan, values: values, skip: [], location: location, sink)
                    try sink(.record(Record(entity: entity, values: values, location: location, fieldColumns: columns)))
                } else {
                    try rejectRow(plan, fileName: fileName, cells: 1, headerCount: headerCount, location: location, sink)
                }
            }
            pendingBlankLines.removeAll()

            recordNumber += 1
            if recordNumber % Self.markEvery == 0, let offset = reader.rowOffset { marks.append(RowMark(line: reader.line, offset: offset)) }
            let location = Self.place(path, sheet: sheet, line: reader.line, record: recordNumber)
            if reader.fieldCount != headerCount {
                try rejectRow(plan, fileName: fileName, cells: reader.fieldCount, headerCount: headerCount, location: location, sink)
                continue
            }

            // hot path: per record, allocated without the generic metadata look-up (`Array(filled:count:)`)
            var values = [Value](filled: .null, count: fieldCount)
            var columns = [Int32](filled: 0, count: fieldCount)
            let issues = reader.issues
            var unparseable: [(field: Int, raw: [UInt8])] = []
            var invisible: [InvisibleValue] = []
            for c in 0..<headerCount {
                let f = columnField[c]
                if f < 0 { continue }
                columns[f] = Int32(reader.column(c))
                // A cell with a NUL byte or text after its closing quote is wrong whatever its type: left null.
                if !issues.isEmpty && issues.contains(where: { $0.field == c }) { continue }
                let bytes = reader.field(c)
                let hidden = plan.invisible(f, bytes)
                if let hidden { invisible.append(InvisibleValue(field: f, raw: Array(bytes), scalar: hidden.scalar, position: hidden.position)) }
                let parsed: Value?
                if let typed = reader.canonicalText(c, for: cellReadings[f]) {
                    parsed = plan.decoders[f].parse(typed)
                } else if let profileDecoders {
                    parsed = profileDecoders[f].parse(bytes)
                } else {
                    parsed = plan.decoders[f].parse(bytes)
                }
                if let value = parsed {
                    values[f] = value
                } else if hidden == nil {
                    // a code with an invisible character is reported once, as ESFCHECK-IN-004 (and left null)
                    unparseable.append((f, Array(bytes)))
                }
            }
            let record = Record(entity: entity, values: values, location: location, fieldColumns: columns)
            if !issues.isEmpty || !unparseable.isEmpty || !invisible.isEmpty || plan.requiredIndices.contains(where: { values[$0].isNull }) {
                try emitProblems(plan, record: record, issues: issues, unparseable: unparseable, invisible: invisible,
                                 columnField: columnField, headerCount: headerCount, profiled: profiled, sink)
            }
            try sink(.record(consume record))
        }
        return (recordNumber, headerLine)
    }

    /// Sends the problems of one row: broken cells, unparseable values, missing required values.
    private func emitProblems(_ plan: EntityPlan, record: Record, issues: [CSVIssue], unparseable: [(field: Int, raw: [UInt8])],
                              invisible: [InvisibleValue], columnField: [Int], headerCount: Int,
                              profiled: (expectations: [String], headers: [String])?, _ sink: EventSink) throws {
        let (label, key) = plan.label(values: record.values)
        var broken: [Int] = []
        for issue in issues {
            let cell = issue.field
            let f = cell < columnField.count ? columnField[cell] : -1
            if f >= 0 { broken.append(f) }
            let columnName = f >= 0 ? plan.fieldNames[f] : "column \(cell + 1)"
            var location = record.location
            location.line = issue.line
            location.column = issue.column
            location.field = columnName
            let defect: CellDefect
            switch issue.kind {
            case .nulByte: defect = .nulByte
            case .textAfterQuote: defect = .textAfterQuote
            case .quoteInUnquotedField: defect = .quoteInUnquotedField
            }
            try sink(.problem(InputProblem(
                .malformedCell(label: label, column: columnName, defect: defect),
                location: location, entity: plan.index, recordKey: key)))
        }
        for (f, raw) in unparseable {
            let message: ReservedMessage
            if let (expectations, headers) = profiled {
                let name = plan.fieldNames[f]
                let field = headers[f].isEmpty || headers[f] == name ? name : "\(name) (column '\(headers[f])')"
                message = InputMessages.unparseable(label: label, field: field, raw: raw, expectation: expectations[f])
            } else {
                message = InputMessages.unparseable(label: label, field: plan.fieldNames[f], raw: raw, type: plan.fieldTypes[f])
            }
            try sink(.problem(InputProblem(
                message,
                location: record.location(ofField: f, named: plan.fieldNames[f]), entity: plan.index, recordKey: key,
                personalText: plan.personalText(f, raw))))
        }
        for v in invisible {
            try sink(.problem(InputProblem(
                InputMessages.invisible(label: label, field: plan.fieldNames[v.field], v),
                location: record.location(ofField: v.field, named: plan.fieldNames[v.field]), entity: plan.index, recordKey: key,
                personalText: plan.personalText(v.field, v.raw))))
        }
        let skip = unparseable.map(\.field) + broken + invisible.map(\.field)
        try emitRequiredProblems(plan, values: record.values, skip: skip, location: record.location, record: record, sink)
    }

    private func rejectRow(_ plan: EntityPlan, fileName: String, cells: Int, headerCount: Int, location: SourceLocation,
                           _ sink: EventSink) throws {
        try sink(.problem(InputProblem(
            .raggedRow(file: fileName, line: location.line ?? 0, cells: cells, headerCells: headerCount),
            location: location, entity: plan.index)))
        try sink(.rejected(entity: plan.index, location: location))
    }

    private func emitRequiredProblems(_ plan: EntityPlan, values: [Value], skip: [Int], location: SourceLocation,
                                      record: Record? = nil, _ sink: EventSink) throws {
        for f in plan.requiredIndices where values[f].isNull && !skip.contains(f) {
            let (label, key) = plan.label(values: values)
            var where_ = record?.location(ofField: f, named: plan.fieldNames[f]) ?? location
            where_.field = plan.fieldNames[f]
            try sink(.problem(InputProblem(
                .requiredMissing(label: label, entity: plan.name, field: plan.fieldNames[f]),
                location: where_, entity: plan.index, recordKey: key)))
        }
    }
}

extension CSVBundleRecordSource: RawValueSource {
    /// Reads each file that holds a requested field again, in the encoding the last `read` used,
    /// up to the last row asked for: the header gives the column of each field (the first header
    /// bound to it, as `read` binds them) and its text as written; each requested row gives the cell.
    public func rawValues(_ requests: [RawValueRequest]) -> [RawValue?] {
        var answers = [RawValue?](repeating: nil, count: requests.count)
        var byEntity: [Int: [Int]] = [:]
        for (i, r) in requests.enumerated() where model.entities.indices.contains(r.entity) && r.field >= 0
            && r.field < model.entities[r.entity].fields.count {
            byEntity[r.entity, default: []].append(i)
        }
        for (e, indices) in byEntity.sorted(by: { $0.key < $1.key }) {
            if workbookPath != nil {
                guard let workbook, let (sheet, _) = try? self.sheet(of: e, in: workbook),
                      var reader = try? workbook.rows(of: sheet, headerRow: headerRow(of: e)) else { continue }
                rawValues(requests, indices, entity: e, reader: &reader, marks: [], into: &answers)
                continue
            }
            guard let path = path(of: e), InputFile.kind(path) == .regular else { continue }
            let encoding = fileEncodings.first { $0.file == path }?.encoding ?? profile?.encoding ?? .utf8
            guard var reader = try? CSVReader(path: path, dialect: dialect, encoding: encoding, chunkSize: chunkSize) else { continue }
            reader.maxRowBytes = maxRowBytes
            // the file's hash is the first read's; this one only looks up cells
            reader.hashing = false
            rawValues(requests, indices, entity: e, reader: &reader, marks: rowMarks[path] ?? [], into: &answers)
        }
        return answers
    }

    /// Answers the requests `indices` (all of entity `e`) from a fresh reader of its file or sheet;
    /// with `marks` (row starts the first read noted), from the last mark before each row asked for.
    private func rawValues<R: TableRows>(_ requests: [RawValueRequest], _ indices: [Int], entity e: Int, reader: inout R,
                                         marks: [RowMark], into answers: inout [RawValue?]) {
        let renamed = profile.map { $0.id != "canonical" } ?? false
        let plan = plans[e]
        let profilePlan = profilePlans[e]
        guard (try? reader.next()) == true else { return }
        var cellOf = [Int](repeating: -1, count: plan.fieldNames.count)
        var headerOf = [String](repeating: "", count: plan.fieldNames.count)
        for c in 0..<reader.fieldCount {
            let name = String(decoding: reader.field(c), as: UTF8.self)
            if let f = boundField(name, entity: e), cellOf[f] < 0 {
                cellOf[f] = c
                headerOf[f] = InputMessages.display(reader.field(c))
            }
        }
        // the rows asked for, by their first physical line
        var wanted: [Int: [Int]] = [:]
        for i in indices {
            let f = requests[i].field
            guard cellOf[f] >= 0 else { continue }
            let header = headerOf[f]
            answers[i] = RawValue(sourceField: renamed && header != plan.fieldNames[f] ? header : nil, text: nil,
                                  personal: plan.rawIsPersonal[f])
            if let line = requests[i].location.line, line > reader.line { wanted[line, default: []].append(i) }
        }
        var mark = -1
        for target in wanted.keys.sorted() {
            // the last mark at or before the row, when it is ahead of the reader: read on from there
            while mark + 1 < marks.count && marks[mark + 1].line <= target { mark += 1 }
            if mark >= 0, marks[mark].line > reader.line {
                guard (try? reader.seek(toRowAt: marks[mark].offset, line: marks[mark].line)) != nil,
                      (try? reader.next()) == true else { return }
            }
            while reader.line < target {
                guard (try? reader.next()) == true else { return }
            }
            guard reader.line == target, !reader.isBlankLine, let hits = wanted[target] else { continue }
            for i in hits {
                let c = cellOf[requests[i].field]
                guard c < reader.fieldCount else { continue }
                let f = requests[i].field
                let bytes = reader.field(c)
                let parsed: Value?
                if let typed = reader.canonicalText(c, for: CellReading(plan.fieldTypes[f])) {
                    parsed = plan.decoders[f].parse(typed)
                } else {
                    parsed = profilePlan?.decoders[f].parse(bytes) ?? plan.decoders[f].parse(bytes)
                }
                let shown = plan.rawText(f, bytes, parses: parsed != nil)
                answers[i]?.text = shown.text
                answers[i]?.personal = shown.personal
            }
        }
    }
}

extension CSVBundleRecordSource {
    /// How the files of the folder fit this reader's layout, judged from their names and header rows only.
    public struct LayoutFit: Sendable, Hashable {
        /// The layout's file names that the folder lacks.
        public var missingFiles: [String] = []
        /// Per file present, the headers the layout binds that its header row lacks (as the layout writes them).
        public var missingHeaders: [String: [String]] = [:]
        /// Per file present, its headers that the layout binds to no field (as written).
        public var unboundHeaders: [String: [String]] = [:]
        /// Per file present, why its header row could not be read as the layout says (encoding, quoting).
        public var unreadable: [String: String] = [:]
        /// Per file present whose first row holds no header the layout binds: how many cells it has.
        /// Those cells are not listed in `unboundHeaders`: the row may be data, personal data included.
        public var unrecognisedHeaderRows: [String: Int] = [:]
        /// The layout's files that are present.
        public var presentFiles: [String] = []
        /// Whether every file is there and every bound header is in it.
        public var fits: Bool { missingFiles.isEmpty && missingHeaders.isEmpty && unreadable.isEmpty }
    }

    /// Reads the header row of each file of the layout (nothing else) and says what is missing.
    /// Canonical form: the headers of the required fields; under a profile: every header it binds.
    public func layoutFit() -> LayoutFit {
        var fit = LayoutFit()
        for e in model.entities.indices {
            guard let file = path(of: e) else { continue }
            let name = Self.fileName(file)
            guard InputFile.kind(file) == .regular else {
                fit.missingFiles.append(name)
                continue
            }
            fit.presentFiles.append(name)
            let plan = plans[e]
            let profilePlan = profilePlans[e]
            var seen = [Bool](repeating: false, count: plan.fieldNames.count)
            do {
                var reader = try CSVReader(path: file, dialect: dialect, encoding: profile?.encoding ?? .utf8, chunkSize: 1 << 16)
                reader.maxRowBytes = maxRowBytes
                if try reader.next() {
                    for c in 0..<reader.fieldCount {
                        let header = String(decoding: reader.field(c), as: UTF8.self)
                        if let f = boundField(header, entity: e) { seen[f] = true } else { fit.unboundHeaders[name, default: []].append(InputMessages.display(reader.field(c))) }
                    }
                }
            } catch {
                fit.unreadable[name] = error.message
                continue
            }
            if !seen.contains(true), let cells = fit.unboundHeaders.removeValue(forKey: name) {
                fit.unrecognisedHeaderRows[name] = cells.count
            }
            var missing: [String] = []
            for f in plan.fieldNames.indices where !seen[f] {
                if let profilePlan {
                    if let header = profilePlan.headerNames[f].first { missing.append(header) }
                } else if plan.requiredIndices.contains(f) || plan.implicitIndex == f {
                    missing.append(plan.fieldNames[f])
                }
            }
            if !missing.isEmpty { fit.missingHeaders[name] = missing }
        }
        return fit
    }
}
