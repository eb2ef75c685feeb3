import ESFCore
import Foundation

/// Loads a mapping profile (SPEC §3.2) from YAML and checks it against the data model.
///
/// Every problem — YAML syntax, an unknown key, an unknown entity or field, a bad
/// delimiter, separator or encoding, an invalid date pattern, a code translation to a
/// value outside the field's code list, a required column left unbound — is reported to
/// the sink with file:line:column, all in one run.
///
/// ```yaml
/// id: si-legacy-csv
/// format: csv
/// encoding: windows-1250
/// delimiter: ";"
/// decimal_separator: ","
/// thousands_separator: "."
/// date_formats: [d.M.yyyy, d. M. yyyy]
/// booleans: { true: [DA, da], false: [NE, ne] }
/// entities:
///   participant:
///     file: udelezenci.csv
///     columns: { Šifra udeleženca: id, EMŠO: emso, Status: labour_status }
///     codes: { labour_status: { brezposeln: unemployed } }
/// ```
public enum ProfileLoader {
    static let profileKeys: Set<String> = [
        "id", "title", "description", "model", "format", "encoding", "delimiter", "quote", "decimal_separator",
        "thousands_separator", "date_formats", "booleans", "extra_columns", "entities", "namespace", "xsd", "extra",
        "header_row",
    ]
    static let entityKeys: Set<String> = ["file", "columns", "codes", "sheet", "header_row"]
    static let xmlEntityKeys: Set<String> = ["element", "wrapper", "fields", "codes"]

    /// Reads the profile at `path` (shown as `displayPath`) and checks it against `model`.
    /// Returns nil when any diagnostic was reported.
    public static func load(path: String, displayPath: String, model: DataModel, sink: DiagnosticSink) -> MappingProfile? {
        let before = sink.diagnostics.count
        guard let root = loadYAML(path: path, displayPath: displayPath, sink: sink) else { return nil }
        let profile = parse(root, model: model, sink: sink, path: path)
        return sink.diagnostics.count == before ? profile : nil
    }

    /// The file a `--profile` argument or a config's `profile:` names: an existing path as
    /// given, else a shipped profile `<dir>/profiles/<name>.yaml` of the first rules folder
    /// that has one (so `--profile si-legacy-csv` works). Nil when nothing is found.
    public static func resolve(_ argument: String, rulesDirectories: [String]) -> String? {
        if FileManager.default.fileExists(atPath: argument) { return argument }
        guard !argument.contains("/") else { return nil }
        let name = argument.hasSuffix(".yaml") ? argument : argument + ".yaml"
        for dir in rulesDirectories {
            let candidate = ((dir as NSString).appendingPathComponent("profiles") as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The shipped profiles (`<dir>/profiles/*.yaml`), sorted by file name.
    public static func shippedProfiles(rulesDirectory: String) -> [String] {
        let dir = (rulesDirectory as NSString).appendingPathComponent("profiles")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { (dir as NSString).appendingPathComponent($0) }
    }

    // MARK: - Parsing

    static func parse(_ root: YNode, model: DataModel, sink: DiagnosticSink, path: String? = nil) -> MappingProfile? {
        guard root.mapping != nil else {
            sink.add(root.diagnostic("profile.type", "a profile is a mapping of keys (id, format, encoding, entities, …)"))
            return nil
        }
        unknownKeys(root, allowed: profileKeys, what: "profile", sink: sink)
        let id = scalar(root, "id", sink: sink)
        if root["id"] == nil { sink.add(root.diagnostic("profile.missing", "a profile needs an 'id'")) }
        var profile = MappingProfile(id: id ?? "", title: "", entities: [], source: root.file)
        profile.title = scalar(root, "title", sink: sink) ?? profile.id

        if let node = root["model"], let name = scalar(root, "model", sink: sink) {
            profile.model = name
            if name != model.id {
                sink.add(node.diagnostic("profile.model_mismatch", "the profile is for model '\(name)', this run uses '\(model.id)'"))
            }
        }
        if let node = root["format"], let text = scalar(root, "format", sink: sink) {
            if let format = MappingProfile.Format(rawValue: text) {
                profile.format = format
            } else {
                sink.add(node.diagnostic("profile.unknown_format", "unknown format '\(text)' (supported: csv, xml)"))
            }
        }
        if profile.format == .xml {
            profile.extraColumns = .error
            if let node = root["namespace"], !node.isNull, let text = scalar(root, "namespace", sink: sink), !text.isEmpty, text != "none" {
                profile.namespace = text
            }
            if let node = root["xsd"], !node.isNull, let text = scalar(root, "xsd", sink: sink), !text.isEmpty, text != "none" {
                let base = path.map { ($0 as NSString).deletingLastPathComponent } ?? ""
                let file = text.hasPrefix("/") || base.isEmpty ? text : (base as NSString).appendingPathComponent(text)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue {
                    profile.xsd = file
                } else {
                    sink.add(node.diagnostic("profile.xsd_missing", "xsd file '\(text)' not found (looked for \(file)); give a path relative to the profile, or none"))
                }
            }
        } else {
            for key in ["namespace", "xsd"] {
                if let node = root[key] {
                    _ = node
                    sink.add(keyNode(root, key).diagnostic("profile.xml_only", "'\(key)' is for XML profiles (format: xml)"))
                }
            }
        }
        if let node = root["encoding"], let text = scalar(root, "encoding", sink: sink) {
            if let encoding = TextEncoding(rawValue: text.lowercased()) ?? encodingAlias(text) {
                profile.encoding = encoding
            } else {
                sink.add(node.diagnostic("profile.unknown_encoding",
                                         "unknown encoding '\(text)' (auto, utf-8, windows-1250, iso-8859-2)"))
            }
        }
        if let node = root["delimiter"], let text = scalar(root, "delimiter", sink: sink) {
            if let byte = singleByte(text), !Self.forbiddenSeparators.contains(byte), !isAlphanumeric(byte) {
                profile.delimiter = byte
            } else {
                sink.add(node.diagnostic("profile.invalid_delimiter",
                                         "the delimiter must be one ASCII character that is not a letter, digit, quote or line break (such as ';' or ','), not '\(text)'"))
            }
        }
        if let node = root["quote"], let text = scalar(root, "quote", sink: sink) {
            if let byte = singleByte(text), !Self.forbiddenSeparators.contains(byte), !isAlphanumeric(byte) {
                profile.quote = byte
            } else {
                sink.add(node.diagnostic("profile.invalid_quote", "the quote must be one ASCII character such as '\"', not '\(text)'"))
            }
        }
        if profile.delimiter == profile.quote, let node = root["quote"] ?? root["delimiter"] {
            sink.add(node.diagnostic("profile.invalid_quote", "the delimiter and the quote must differ"))
        }
        parseNumbers(root, into: &profile, sink: sink)
        parseDates(root, into: &profile, sink: sink)
        parseBooleans(root, into: &profile, sink: sink)
        for key in ["extra_columns", "extra"] {
            if let node = root[key], let text = scalar(root, key, sink: sink) {
                if let policy = ExtraColumnPolicy(rawValue: text) {
                    profile.extraColumns = policy
                } else {
                    sink.add(node.diagnostic("profile.invalid_value", "\(key) must be ignore or error, not '\(text)'"))
                }
            }
        }
        if let row = parseHeaderRow(root["header_row"], what: "", sink: sink) { profile.headerRow = row }
        parseEntities(root, model: model, into: &profile, sink: sink)
        return profile
    }

    /// Bytes a delimiter or quote can never be.
    static let forbiddenSeparators: Set<UInt8> = [0x00, 0x0A, 0x0D]

    private static func encodingAlias(_ text: String) -> TextEncoding? {
        switch text.lowercased() {
        case "utf8": return .utf8
        case "cp1250", "windows1250": return .windows1250
        case "latin2", "latin-2", "iso8859-2", "iso-8859_2": return .iso8859_2
        default: return nil
        }
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z"))
    }

    /// The byte of a one-character ASCII text (`"\t"` included).
    private static func singleByte(_ text: String) -> UInt8? {
        let bytes = Array(text.utf8)
        guard bytes.count == 1, bytes[0] < 0x80 else { return nil }
        return bytes[0]
    }

    private static func parseNumbers(_ root: YNode, into profile: inout MappingProfile, sink: DiagnosticSink) {
        var numbers = NumberFormat.canonical
        if let node = root["decimal_separator"], let text = scalar(root, "decimal_separator", sink: sink) {
            if text == "." || text == "," {
                numbers.decimalSeparator = UInt8(ascii: text == "." ? "." : ",")
            } else {
                sink.add(node.diagnostic("profile.invalid_separator", "decimal_separator must be '.' or ',', not '\(text)'"))
            }
        }
        if let node = root["thousands_separator"], !node.isNull, let text = scalar(root, "thousands_separator", sink: sink) {
            if text.isEmpty {
                numbers.thousandsSeparator = nil
            } else if let byte = singleByte(text), [UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: " "), UInt8(ascii: "'")].contains(byte) {
                if byte == numbers.decimalSeparator {
                    sink.add(node.diagnostic("profile.invalid_separator", "thousands_separator '\(text)' is also the decimal separator; they must differ"))
                } else {
                    numbers.thousandsSeparator = byte
                }
            } else {
                sink.add(node.diagnostic("profile.invalid_separator", "thousands_separator must be '.', ',', ' ' or \"'\" (or empty for none), not '\(text)'"))
            }
        }
        profile.numbers = numbers
    }

    private static func parseDates(_ root: YNode, into profile: inout MappingProfile, sink: DiagnosticSink) {
        guard let node = root["date_formats"] else { return }
        let items: [YNode]
        if node.isScalar {
            items = [node]
        } else if let sequence = node.sequence, !sequence.isEmpty {
            items = sequence
        } else {
            sink.add(node.diagnostic("profile.type", "date_formats is a list of date patterns such as [d.M.yyyy, yyyy-MM-dd]"))
            return
        }
        var patterns: [DatePattern] = []
        for item in items {
            guard let text = item.scalar else {
                sink.add(item.diagnostic("profile.type", "a date pattern is text such as d.M.yyyy"))
                continue
            }
            do {
                let pattern = try DatePattern(text)
                if !patterns.contains(pattern) { patterns.append(pattern) }
            } catch {
                let (line, column) = item.position(ofOffset: error.offset)
                sink.add(Diagnostic(code: "profile.invalid_date_format", message: "date pattern '\(text)': \(error.message)",
                                    file: item.file, line: line, column: column))
            }
        }
        if !patterns.isEmpty { profile.dateFormats = patterns }
    }

    private static func parseBooleans(_ root: YNode, into profile: inout MappingProfile, sink: DiagnosticSink) {
        guard let node = root["booleans"] else { return }
        guard node.mapping != nil else {
            sink.add(node.diagnostic("profile.type", "booleans is a mapping: { true: [DA, da], false: [NE, ne] }"))
            return
        }
        unknownKeys(node, allowed: ["true", "false"], what: "booleans", sink: sink)
        var words: [Bool: [(String, YNode)]] = [:]
        for value in [true, false] {
            let key = value ? "true" : "false"
            guard let list = node[key] else {
                sink.add(node.diagnostic("profile.missing", "booleans needs the words for '\(key)'"))
                continue
            }
            let items = list.isScalar ? [list] : (list.sequence ?? [])
            if items.isEmpty { sink.add(list.diagnostic("profile.type", "booleans.\(key) is a list of words such as [DA, da, 1]")) }
            for item in items {
                guard let w = item.scalar, !w.isEmpty else {
                    sink.add(item.diagnostic("profile.type", "a boolean word is non-empty text"))
                    continue
                }
                words[value, default: []].append((w, item))
            }
        }
        let trueWords = (words[true] ?? []).map(\.0)
        for (w, item) in words[false] ?? [] where trueWords.contains(w) {
            sink.add(item.diagnostic("profile.invalid_boolean", "'\(w)' is listed for both true and false"))
        }
        if let t = words[true], let f = words[false], !t.isEmpty, !f.isEmpty {
            profile.booleans = BooleanWords(trueWords: t.map(\.0), falseWords: f.map(\.0))
        }
    }

    private static func parseEntities(_ root: YNode, model: DataModel, into profile: inout MappingProfile, sink: DiagnosticSink) {
        guard let node = root["entities"] else {
            sink.add(root.diagnostic("profile.missing", "a profile needs 'entities': the file and columns of each entity it reads"))
            return
        }
        guard let entries = node.mapping else {
            sink.add(node.diagnostic("profile.type", "entities is a mapping from entity name to its file and columns"))
            return
        }
        var files: [String: String] = [:]
        for entry in entries {
            guard let e = model.entityIndex(entry.key) else {
                let known = model.entities.map(\.name).joined(separator: ", ")
                sink.add(entry.keyNode.diagnostic("profile.unknown_entity", "unknown entity '\(entry.key)' (entities of \(model.id): \(known))"))
                continue
            }
            let entity = model.entities[e]
            var binding = EntityBinding(entity: entity.name)
            let value = entry.value
            guard value.mapping != nil else {
                sink.add(value.diagnostic("profile.type", "entity \(entity.name): give its 'file' and 'columns'"))
                continue
            }
            if profile.format == .xml {
                unknownKeys(value, allowed: xmlEntityKeys, what: "entity \(entity.name)", sink: sink)
                parseXMLEntity(value, entity: entity, model: model, into: &binding, at: entry.keyNode, sink: sink)
                binding.codes = parseCodes(value["codes"], entity: entity, sink: sink)
                profile.entities.append(binding)
                continue
            }
            unknownKeys(value, allowed: entityKeys, what: "entity \(entity.name)", sink: sink)
            if let fileNode = value["file"] {
                if let file = fileNode.scalar, !file.isEmpty, !file.contains("/"), file != ".", file != ".." {
                    binding.file = file
                } else {
                    sink.add(fileNode.diagnostic("profile.invalid_file", "entity \(entity.name): file is a file name inside the bundle folder, such as udelezenci.csv"))
                }
            }
            let file = binding.file ?? entity.csvFile
            if let file {
                if let other = files[file] {
                    sink.add((value["file"] ?? entry.keyNode).diagnostic("profile.duplicate_file", "entity \(entity.name): file \(file) is already the file of \(other)"))
                } else {
                    files[file] = entity.name
                }
            } else {
                sink.add(entry.keyNode.diagnostic("profile.missing", "entity \(entity.name) has no CSV file in the model: give its 'file'"))
            }
            binding.columns = parseColumns(value["columns"], entity: entity, model: model, at: keyNode(value, "columns"), sink: sink)
            binding.codes = parseCodes(value["codes"], entity: entity, sink: sink)
            if let sheetNode = value["sheet"] {
                if let sheet = sheetNode.scalar, !sheet.isEmpty, sheet.count <= 31 {
                    binding.sheet = sheet
                } else {
                    sink.add(sheetNode.diagnostic("profile.invalid_sheet", "entity \(entity.name): sheet is the name of a workbook sheet (1 to 31 characters), such as Udeleženci"))
                }
            }
            binding.headerRow = parseHeaderRow(value["header_row"], what: "entity \(entity.name): ", sink: sink)
            profile.entities.append(binding)
        }
        let rootName = model.entities[model.root].name
        if !profile.entities.contains(where: { $0.entity == rootName }) {
            sink.add(keyNode(root, "entities").diagnostic("profile.missing_root", "the profile must bind \(rootName), the root entity: every bundle has its \(rootName) row"))
        }
    }

    /// The rows of an Excel sheet.
    static let maxSheetRows = 1_048_576

    /// A `header_row:` value: a whole number from 1 to 1,048,576 (the rows of a sheet); nil when absent or wrong (reported).
    static func parseHeaderRow(_ node: YNode?, what: String, sink: DiagnosticSink) -> Int? {
        guard let node else { return nil }
        if let text = node.scalar, let row = Int(text), (1...maxSheetRows).contains(row) { return row }
        sink.add(node.diagnostic("profile.invalid_header_row", "\(what)header_row is the 1-based row of a sheet's header (1 to \(maxSheetRows)); rows above it are skipped"))
        return nil
    }

    /// `element`, `wrapper` and `fields` of an entity of an XML profile.
    private static func parseXMLEntity(_ value: YNode, entity: EntityModel, model: DataModel, into binding: inout EntityBinding,
                                       at key: YNode, sink: DiagnosticSink) {
        for k in ["element", "wrapper"] {
            guard let node = value[k] else { continue }
            guard let text = node.scalar, !node.isNull, XMLFieldPath(text).map({ if case .childText = $0 { return true } else { return false } }) == true else {
                sink.add(node.diagnostic("profile.invalid_element", "entity \(entity.name): \(k) is one XML element name, such as udelezenec"))
                continue
            }
            if k == "element" { binding.element = text } else { binding.wrapper = text }
        }
        guard let node = value["fields"] else { return }
        guard let entries = node.mapping else {
            sink.add(node.diagnostic("profile.type", "entity \(entity.name): fields maps each field to @attribute, child or child/@attribute"))
            return
        }
        var fields: [XMLFieldBinding] = []
        var paths: [XMLFieldPath: String] = [:]
        var bound = Set<String>()
        for entry in entries {
            guard let f = entity.fieldIndex(entry.key) else {
                sink.add(entry.keyNode.diagnostic("profile.unknown_field",
                                                  "entity \(entity.name) has no field '\(entry.key)' (fields: \(entity.fields.map(\.name).joined(separator: ", ")))"))
                continue
            }
            if entity.fields[f].implicit {
                sink.add(entry.keyNode.diagnostic("profile.implicit_field",
                                                  "entity \(entity.name): \(entry.key) is implied by the enclosing \(entity.parent ?? "parent") element in XML; do not bind it"))
                continue
            }
            if bound.contains(entry.key) {
                sink.add(entry.keyNode.diagnostic("profile.duplicate_field", "entity \(entity.name): field '\(entry.key)' is bound twice"))
                continue
            }
            guard let text = entry.value.scalar, !entry.value.isNull else {
                sink.add(entry.value.diagnostic("profile.type", "entity \(entity.name): \(entry.key) must be one XPath (@attribute, child or child/@attribute)"))
                continue
            }
            guard let path = XMLFieldPath(text.trimmingCharacters(in: .whitespaces)) else {
                sink.add(entry.value.diagnostic("profile.unsupported_xpath",
                                                "entity \(entity.name): unsupported XPath '\(text)' for \(entry.key); supported: @attribute, child, child/@attribute (relative to the entity element)"))
                continue
            }
            if let other = paths[path] {
                sink.add(entry.value.diagnostic("profile.duplicate_binding", "entity \(entity.name): '\(path)' is already bound to \(other)"))
                continue
            }
            paths[path] = entry.key
            bound.insert(entry.key)
            fields.append(XMLFieldBinding(field: entry.key, path: path))
        }
        for field in entity.fields where field.required && !field.implicit && !bound.contains(field.name) {
            sink.add(key.diagnostic("profile.missing_column", "entity \(entity.name): no XPath is bound to \(field.name) (a required field); no \(entity.name) can be read without it"))
        }
        binding.fields = fields
    }

    private static func parseColumns(_ node: YNode?, entity: EntityModel, model: DataModel, at key: YNode,
                                     sink: DiagnosticSink) -> [ColumnBinding]? {
        guard let node else { return nil }  // headers are the logical field names
        guard let entries = node.mapping else {
            sink.add(node.diagnostic("profile.type", "entity \(entity.name): columns maps each header to a field (EMŠO: emso)"))
            return []
        }
        var columns: [ColumnBinding] = []
        var headers: [String: YNode] = [:]
        var bound = Set<String>()
        for entry in entries {
            let header = entry.key.trimmingCharacters(in: .whitespacesAndNewlines)
            if header.isEmpty {
                sink.add(entry.keyNode.diagnostic("profile.invalid_column", "entity \(entity.name): an empty column header"))
                continue
            }
            if headers[header] != nil {
                sink.add(entry.keyNode.diagnostic("profile.duplicate_column", "entity \(entity.name): column '\(header)' is bound twice"))
                continue
            }
            headers[header] = entry.keyNode
            guard let field = entry.value.scalar, !entry.value.isNull else {
                sink.add(entry.value.diagnostic("profile.type", "entity \(entity.name): column '\(header)' must name one field"))
                continue
            }
            guard entity.fieldIndex(field) != nil else {
                if field.hasSuffix("_id"), model.entityIndex(String(field.dropLast(3))) != nil, entity.parent == nil,
                   entity.fieldIndex(field) == nil {
                    sink.add(entry.value.diagnostic("profile.no_implicit_field",
                                                    "entity \(entity.name) is not nested in \(field.dropLast(3)), so it has no implicit field '\(field)'; bind the column to a field of \(entity.name)"))
                } else {
                    sink.add(entry.value.diagnostic("profile.unknown_field",
                                                    "entity \(entity.name) has no field '\(field)' (fields: \(entity.fields.map(\.name).joined(separator: ", ")))"))
                }
                continue
            }
            columns.append(ColumnBinding(header: header, field: field))
            bound.insert(field)
        }
        // Fields without which no row can be read: the key and required fields, and a nested entity's parent id.
        for field in entity.fields where (field.required || field.implicit) && !bound.contains(field.name) {
            let why = field.implicit ? "the id of its \(entity.parent ?? "parent")" : "a required field"
            sink.add(key.diagnostic("profile.missing_column",
                                     "entity \(entity.name): no column is bound to \(field.name) (\(why)); no \(entity.name) row can be read without it"))
        }
        return columns
    }

    private static func parseCodes(_ node: YNode?, entity: EntityModel, sink: DiagnosticSink) -> [String: [CodeTranslation]] {
        guard let node else { return [:] }
        guard let entries = node.mapping else {
            sink.add(node.diagnostic("profile.type", "entity \(entity.name): codes maps each field to its translations ({ brezposeln: unemployed })"))
            return [:]
        }
        var codes: [String: [CodeTranslation]] = [:]
        for entry in entries {
            guard let f = entity.fieldIndex(entry.key) else {
                sink.add(entry.keyNode.diagnostic("profile.unknown_field",
                                                  "entity \(entity.name) has no field '\(entry.key)' (fields: \(entity.fields.map(\.name).joined(separator: ", ")))"))
                continue
            }
            let allowed: [String]
            switch entity.fields[f].type {
            case .code(let values), .codeSet(let values): allowed = values
            default:
                sink.add(entry.keyNode.diagnostic("profile.not_a_code",
                                                  "\(entity.name).\(entry.key) is a \(entity.fields[f].type), not a code: only code and set fields have code translations"))
                continue
            }
            guard let pairs = entry.value.mapping else {
                sink.add(entry.value.diagnostic("profile.type", "\(entity.name).\(entry.key): translations map a written value to a code ({ V: EAST })"))
                continue
            }
            var list: [CodeTranslation] = []
            for pair in pairs {
                guard let code = pair.value.scalar, !pair.value.isNull else {
                    sink.add(pair.value.diagnostic("profile.type", "\(entity.name).\(entry.key): '\(pair.key)' must translate to one code"))
                    continue
                }
                if pair.key.isEmpty {
                    sink.add(pair.keyNode.diagnostic("profile.invalid_code", "\(entity.name).\(entry.key): an empty value cannot be translated (an empty cell is missing)"))
                    continue
                }
                if !allowed.isEmpty && !allowed.contains(code) {
                    sink.add(pair.value.diagnostic("profile.unknown_code",
                                                   "\(entity.name).\(entry.key): '\(code)' is not one of its codes (\(allowed.joined(separator: ", ")))"))
                    continue
                }
                if list.contains(where: { $0.written == pair.key }) {
                    sink.add(pair.keyNode.diagnostic("profile.duplicate_code", "\(entity.name).\(entry.key): '\(pair.key)' is translated twice"))
                    continue
                }
                list.append(CodeTranslation(pair.key, code))
            }
            codes[entry.key] = list
        }
        return codes
    }

    // MARK: - Helpers

    /// The key node of `key` in a mapping (for positions), or the mapping itself.
    private static func keyNode(_ node: YNode, _ key: String) -> YNode {
        node.mapping?.first { $0.key == key }?.keyNode ?? node
    }

    /// A scalar value, or a diagnostic when the node is a list or mapping.
    private static func scalar(_ node: YNode, _ key: String, sink: DiagnosticSink) -> String? {
        guard let value = node[key] else { return nil }
        guard let text = value.scalar else {
            sink.add(value.diagnostic("profile.type", "'\(key)' must be a single value"))
            return nil
        }
        return text
    }

    /// Reports each key of a mapping that is not allowed, with the nearest allowed spelling.
    private static func unknownKeys(_ node: YNode, allowed: Set<String>, what: String, sink: DiagnosticSink) {
        for entry in node.mapping ?? [] where !allowed.contains(entry.key) {
            sink.add(entry.keyNode.diagnostic("profile.unknown_key",
                                              "unknown key '\(entry.key)' in \(what) (allowed: \(allowed.sorted().joined(separator: ", ")))"))
        }
    }
}
