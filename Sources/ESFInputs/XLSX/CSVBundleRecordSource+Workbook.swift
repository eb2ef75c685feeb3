import ESFCore

/// A bundle that is an Excel workbook: one sheet per entity instead of one CSV file.
extension CSVBundleRecordSource {
    /// The sheet an entity is read from: the profile's `sheet:`, else its file name without `.csv`
    /// (`participants`, `udelezenci`); nil when the profile binds no file for it.
    public func sheetName(of entity: Int) -> String? {
        let binding = profile?.binding(for: model.entities[entity].name)
        if let sheet = binding?.sheet { return sheet }
        guard let file = profile == nil ? model.entities[entity].csvFile : profilePlans[entity]?.file else { return nil }
        return file.lowercased().hasSuffix(".csv") ? String(file.dropLast(4)) : file
    }

    /// The 1-based row of an entity's header in its sheet (`header_row:`, default 1).
    func headerRow(of entity: Int) -> Int {
        profile?.binding(for: model.entities[entity].name)?.headerRow ?? profile?.headerRow ?? 1
    }

    /// Opens the workbook and checks that every entity has its sheet and that every sheet belongs to an
    /// entity: a missing sheet is a missing file (the bundle is incomplete); a sheet no entity reads is
    /// an error in the canonical form, and listed as not read under a profile with `extra_columns: ignore`.
    func openWorkbook() throws -> XLSXWorkbook {
        guard let workbookPath else { throw InputError(location: SourceLocation(file: directory), message: "not a workbook") }
        let workbook = try XLSXWorkbook(path: workbookPath, limits: workbookLimits)
        self.workbook = workbook
        var missing: [String] = []
        var unbound: [String] = []
        var used: Set<String> = []
        for e in model.entities.indices {
            guard let name = sheetName(of: e) else {
                if profile != nil { unbound.append(model.entities[e].name) }
                continue
            }
            if let sheet = workbook.sheet(named: name) { used.insert(sheet.name) } else { missing.append("\(name) (\(model.entities[e].name))") }
        }
        var parts: [String] = []
        if !missing.isEmpty {
            parts.append("sheet\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") missing")
        }
        if !unbound.isEmpty, let profile {
            parts.append("profile \(profile.id) names no file or sheet for \(unbound.joined(separator: ", "))")
        }
        if !parts.isEmpty {
            let has = workbook.sheets.map { "'\($0.name)'" }.joined(separator: ", ")
            throw InputError(
                location: SourceLocation(file: workbookPath),
                message: parts.joined(separator: "; ") + ": the workbook is incomplete (its sheets: \(has.isEmpty ? "none" : has)), and a missing sheet is never read as an empty list. Every entity needs its sheet, named as its CSV file without .csv\(profile == nil ? "" : " or as the profile's sheet:"); a list with no rows is a sheet with only its header row")
        }
        let unknown = workbook.sheets.filter { !used.contains($0.name) }
        if !unknown.isEmpty {
            if let profile, profile.extraColumns == .ignore {
                for sheet in unknown { ignoredColumns.append(IgnoredColumn(file: workbookPath, header: "sheet \(sheet.name)", column: 0)) }
            } else {
                let names = unknown.map { "'\($0.name)'" }.joined(separator: ", ")
                let known = model.entities.indices.compactMap { sheetName(of: $0) }.joined(separator: ", ")
                throw InputError(
                    location: SourceLocation(file: workbookPath),
                    message: "sheet\(unknown.count == 1 ? "" : "s") \(names) \(unknown.count == 1 ? "is" : "are") no sheet of the bundle (\(known)): rename \(unknown.count == 1 ? "it" : "them") to the entity's sheet, or remove \(unknown.count == 1 ? "it" : "them"); nothing in a workbook is skipped unread in the canonical form")
            }
        }
        return workbook
    }

    /// The sheet of `entity` in `workbook` and the name the bundle gives it; nil when the entity has none.
    func sheet(of entity: Int, in workbook: XLSXWorkbook) throws -> (XLSXWorkbook.Sheet, String)? {
        guard let name = sheetName(of: entity), let sheet = workbook.sheet(named: name) else { return nil }
        return (sheet, name)
    }
}
