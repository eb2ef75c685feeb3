import ESFCore
import ESFExpr
import Foundation

/// Loads rule packs, type-checks every rule and reports every problem with file:line:column.
public enum PackLoader {
    static let packKeys: Set<String> = ["id", "title", "version", "provisional", "model", "selector", "valid_from", "valid_to", "parameters", "description", "extends", "indicators"]
    /// What an extending pack may restate for an inherited rule (`extends: override: {RULE-ID: {…}}`).
    static let overrideKeys: Set<String> = ["title", "help", "legal_basis"]
    static let ruleKeys: Set<String> = ["id", "title", "severity", "scope", "when", "assert", "message", "legal_basis", "help", "examples", "description", "field"]

    /// Loads the packs in `directories` (each holding `pack.yaml`), resolving their model in `modelDirectories`.
    /// `displayBase` shortens paths in diagnostics. Returns nil when any diagnostic was reported.
    public static func load(directories: [String], modelDirectories: [String], overrides: [String: [String: ConfigValue]] = [:],
                            sink: DiagnosticSink) -> RuleSet? {
        var model: DataModel?
        var compiler: ExprCompiler?
        var packs: [Pack] = []
        var seenIDs: [String: String] = [:]
        for dir in directories {
            let packFile = (dir as NSString).appendingPathComponent("pack.yaml")
            let display = displayPath(packFile)
            guard let root = loadYAML(path: packFile, displayPath: display, sink: sink) else { continue }
            checkKeys(root, allowed: packKeys, what: "pack", sink: sink)
            guard let id = root["id"]?.scalar, let modelID = root["model"]?.scalar else {
                sink.add(root.diagnostic("pack.missing", "a pack needs 'id' and 'model'"))
                continue
            }
            if model == nil {
                let candidates = modelDirectories.map { ($0 as NSString).appendingPathComponent("\(modelID).yaml") }
                guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                    sink.add((root["model"] ?? root).diagnostic("pack.unknown_model", "model '\(modelID)' not found (looked in \(modelDirectories.joined(separator: ", ")))"))
                    continue
                }
                guard let m = ModelLoader.load(path: path, displayPath: displayPath(path), sink: sink) else { continue }
                model = m
                compiler = ExprCompiler(model: m, params: [])
            }
            guard let model, let compiler else { continue }
            if model.id != modelID {
                sink.add((root["model"] ?? root).diagnostic("pack.model_mismatch", "pack \(id) is for model '\(modelID)', the other packs of this run are for '\(model.id)'"))
                continue
            }
            // a pack may extend another (its rules renamed, some excluded), with parameters of its own
            var inherited: [(path: String, rename: (String) -> String, exclude: Set<String>)] = []
            var inheritedFiles: Set<String> = []
            var baseParams: [ParameterDecl] = []
            // texts an extending pack gives inherited rules (by base rule id): title, help, legal_basis
            var textOverrides: [String: (keyNode: YNode, value: YNode)] = [:]
            var exclude: Set<String> = []
            if let ext = root["extends"] {
                checkKeys(ext, allowed: ["pack", "rename", "exclude", "override"], what: "extends", sink: sink)
                if let o = ext["override"] {
                    if let entries = o.mapping {
                        for e in entries {
                            guard e.value.mapping != nil else {
                                sink.add(e.value.diagnostic("extends.override", "override of \(e.key): a mapping with title, help and/or legal_basis"))
                                continue
                            }
                            checkKeys(e.value, allowed: overrideKeys, what: "override", sink: sink)
                            textOverrides[e.key] = (e.keyNode, e.value)
                        }
                    } else {
                        sink.add(o.diagnostic("extends.override", "override is a mapping from a base rule id to its title, help and/or legal_basis"))
                    }
                }
                guard let baseID = ext["pack"]?.scalar, let baseDir = siblingPack(baseID, of: dir) else {
                    sink.add(ext.diagnostic("pack.unknown_base", "extends: pack '\(ext["pack"]?.scalar ?? "")' not found beside \(id)"))
                    continue
                }
                let rename = renamer(ext)
                exclude = Set((ext["exclude"]?.sequence ?? []).compactMap(\.scalar))
                let baseFile = (baseDir as NSString).appendingPathComponent("pack.yaml")
                if let baseRoot = loadYAML(path: baseFile, displayPath: displayPath(baseFile), sink: sink) {
                    baseParams = loadParameters(baseRoot["parameters"], sink: sink)
                }
                for name in ruleFileNames(in: baseDir) {
                    inherited.append(((baseDir as NSString).appendingPathComponent(name), rename, exclude))
                    inheritedFiles.insert((baseDir as NSString).appendingPathComponent(name))
                }
            }
            var params = loadParameters(root["parameters"], sink: sink)
            for base in baseParams where !params.contains(where: { $0.name == base.name }) { params.append(base) }
            params = applyOverrides(overrides[id] ?? [:], to: params, pack: id, sink: sink)
            compiler.params = params
            var selector: [String: String] = [:]
            for e in root["selector"]?.mapping ?? [] { selector[e.key] = e.value.scalar ?? "" }
            let title = root["title"].flatMap { plainText($0, what: "pack \(id): the title", sink: sink) } ?? LocalizedText(en: id)
            var pack = Pack(id: id, title: title, version: root["version"]?.scalar ?? "0",
                            provisional: root["provisional"]?.scalar == "true", model: modelID, selector: selector,
                            validFrom: root["valid_from"]?.scalar.flatMap { CivilDate(iso: Substring($0)) },
                            validTo: root["valid_to"]?.scalar.flatMap { CivilDate(iso: Substring($0)) },
                            parameters: params, rules: [], files: [packFile], directory: dir)
            var indicatorNodes = root["indicators"]?.sequence ?? []
            if let ext = root["extends"], let baseID = ext["pack"]?.scalar, let baseDir = siblingPack(baseID, of: dir) {
                let baseFile = (baseDir as NSString).appendingPathComponent("pack.yaml")
                let own = Set(indicatorNodes.compactMap { $0["id"]?.scalar })
                let base = loadYAML(path: baseFile, displayPath: displayPath(baseFile), sink: sink)?["indicators"]?.sequence ?? []
                indicatorNodes = base.filter { !own.contains($0["id"]?.scalar ?? "") } + indicatorNodes
            }
            pack.indicators = indicatorNodes.compactMap { compileIndicator($0, params: params, compiler: compiler, sink: sink) }
            var overridden: Set<String> = []
            let own = ruleFileNames(in: dir).map { ((dir as NSString).appendingPathComponent($0), { (s: String) in s }, Set<String>()) }
            for (path, rename, exclude) in inherited + own {
                pack.files.append(path)
                guard let doc = loadYAML(path: path, displayPath: displayPath(path), sink: sink) else { continue }
                guard let list = doc.sequence else {
                    sink.add(doc.diagnostic("rule.file", "a rule file is a list of rules (- id: …)"))
                    continue
                }
                for node in list {
                    if let ruleID = node["id"]?.scalar, exclude.contains(ruleID) { continue }
                    var textOverride: YNode?
                    if inheritedFiles.contains(path), let ruleID = node["id"]?.scalar, let o = textOverrides[ruleID] {
                        textOverride = o.value
                        overridden.insert(ruleID)
                    }
                    guard var rule = compileRule(node, pack: id, params: params, compiler: compiler, rename: rename,
                                                 override: textOverride, sink: sink) else { continue }
                    if inheritedFiles.contains(path) {
                        // the examples of an inherited rule were written for the base pack's parameters
                        rule.exampleParams = params.map { p in baseParams.first { $0.name == p.name }?.value ?? p.value }
                    }
                    if let other = seenIDs[rule.id] {
                        sink.add((node["id"] ?? node).diagnostic("rule.duplicate_id", "rule id \(rule.id) is already defined in \(other)"))
                        continue
                    }
                    seenIDs[rule.id] = "\(rule.file):\(rule.line)"
                    pack.rules.append(rule)
                }
            }
            for (ruleID, o) in textOverrides.sorted(by: { $0.key < $1.key }) where !overridden.contains(ruleID) {
                let why = exclude.contains(ruleID) ? "which this pack excludes" : "which the base pack does not define (name a rule by its base pack id)"
                sink.add(o.keyNode.diagnostic("extends.unknown_rule", "override names rule \(ruleID), \(why)"))
            }
            pack.files.sort()
            packs.append(pack)
        }
        guard sink.isEmpty, let model, let compiler else { return nil }
        return RuleSet(model: model, packs: packs, aggregates: compiler.aggregates)
    }

    static func compileIndicator(_ node: YNode, params: [ParameterDecl], compiler: ExprCompiler, sink: DiagnosticSink) -> IndicatorDefinition? {
        checkKeys(node, allowed: ["id", "title", "value", "target", "unit", "unavailable"], what: "indicator", sink: sink)
        guard let id = node["id"]?.scalar, let valueNode = node["value"], let valueText = valueNode.scalar else {
            sink.add(node.diagnostic("indicator.missing", "an indicator needs 'id' and 'value'"))
            return nil
        }
        let unit = node["unit"]?.scalar ?? "count"
        guard ["count", "share", "amount", "ratio"].contains(unit) else {
            sink.add((node["unit"] ?? node).diagnostic("indicator.unit", "unit is count, share, amount or ratio, not '\(unit)'"))
            return nil
        }
        // an indicator's aggregates read the first record of each participant id (record key) only
        compiler.indicatorCallSites = true
        defer { compiler.indicatorCallSites = false }
        func compile(_ n: YNode, _ text: String) -> BoundExpr? {
            switch compiler.compile(text, scope: nil) {
            case .success(let (b, _)):
                guard b.type.isNumeric else {
                    sink.add(n.diagnostic("expr.type_mismatch", "indicator \(id): a value or target must be a number, got \(b.type)"))
                    return nil
                }
                return b
            case .failure(let errors):
                n.report(errors, prefix: "indicator \(id): ", to: sink)
                return nil
            }
        }
        guard let value = compile(valueNode, valueText) else { return nil }
        var target: BoundExpr?
        if let t = node["target"], let text = t.scalar {
            guard let b = compile(t, text) else { return nil }
            target = b
        }
        // the title and the note on a value that cannot be computed may show {params.NAME}, like a rule's
        // title, in English, Slovenian or both
        var textsOK = true
        func text(_ key: String) -> LocalizedText? {
            guard let n = node[key] else { return nil }
            let t = parameterText(n, what: "indicator \(id): '\(key)'", id: "indicator \(id)", params: params, sink: sink)
            if t == nil { textsOK = false }
            return t
        }
        let title = text("title"), unavailable = text("unavailable")
        guard textsOK else { return nil }
        return IndicatorDefinition(id: id, title: title ?? LocalizedText(en: id), value: value, target: target, unit: unit,
                                   unavailable: unavailable, params: params.map(\.value))
    }

    /// The rule files of a pack folder: every YAML file but pack.yaml, sorted.
    static func ruleFileNames(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { isYAML($0) && $0 != "pack.yaml" && !isDirectory((dir as NSString).appendingPathComponent($0)) }
            .sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }

    /// The folder of pack `id` beside `dir` (packs extend packs of the same rules folder).
    static func siblingPack(_ id: String, of dir: String) -> String? {
        let parent = (dir as NSString).deletingLastPathComponent
        return headers(under: parent).first { $0.id == id }?.directory
    }

    /// Paths relative to the working directory when below it.
    static func displayPath(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }

    static func loadParameters(_ node: YNode?, sink: DiagnosticSink) -> [ParameterDecl] {
        var params: [ParameterDecl] = []
        for entry in node?.mapping ?? [] {
            var valueNode = entry.value
            var declared: ExprType?
            if entry.value.mapping != nil {
                checkKeys(entry.value, allowed: ["type", "default", "description"], what: "parameter", sink: sink)
                if let t = entry.value["type"]?.scalar {
                    declared = parseType(t)
                    if declared == nil { sink.add(entry.value.diagnostic("param.unknown_type", "unknown parameter type '\(t)' (int, decimal, date, bool, string, list<…>)")) }
                }
                guard let d = entry.value["default"] else {
                    sink.add(entry.value.diagnostic("param.missing_default", "parameter \(entry.key) needs a default"))
                    continue
                }
                valueNode = d
            }
            guard let value = typedValue(valueNode, as: declared, sink: sink) else { continue }
            params.append(ParameterDecl(name: entry.key, type: declared ?? ExprType(of: value), value: value))
        }
        return params
    }

    static func parseType(_ t: String) -> ExprType? {
        switch t {
        case "int": return .int
        case "decimal": return .decimal
        case "date": return .date
        case "bool": return .bool
        case "string", "code": return .string
        default:
            if t.hasPrefix("list<"), t.hasSuffix(">"), let inner = parseType(String(t.dropFirst(5).dropLast())) { return .list(inner) }
            return nil
        }
    }

    /// A YAML value typed as `type`, or inferred from its text (int, decimal, date, bool, else string).
    static func typedValue(_ node: YNode, as type: ExprType?, sink: DiagnosticSink) -> Value? {
        if let items = node.sequence {
            var element: ExprType?
            if case .list(let e)? = type { element = e }
            var values: [Value] = []
            for item in items {
                guard let v = typedValue(item, as: element, sink: sink) else { return nil }
                values.append(v)
            }
            return .list(values)
        }
        guard let text = node.scalar else {
            sink.add(node.diagnostic("param.invalid", "a parameter value must be a scalar or a list"))
            return nil
        }
        if node.isNull { return .null }
        let v = scalarValue(text, as: type)
        if v == nil { sink.add(node.diagnostic("param.type_mismatch", "'\(text)' is not a \(type.map { "\($0)" } ?? "value")")) }
        return v
    }

    /// Types a scalar's text.
    public static func scalarValue(_ text: String, as type: ExprType?) -> Value? {
        let bytes = Array(text.utf8)[...]
        switch type {
        case .int?: return FieldParser.parse(bytes, as: .int)
        case .decimal?: return ExactDecimal(utf8: bytes).map(Value.decimal)
        case .date?: return CivilDate(isoUTF8: bytes).map(Value.date)
        case .bool?: return FieldParser.parse(bytes, as: .bool)
        case .string?: return .string(text)
        case .list?, .days?, .record?, .null?: return nil
        case nil:
            if let i = FieldParser.parse(bytes, as: .int), !text.isEmpty { return i }
            if let d = ExactDecimal(utf8: bytes) { return .decimal(d) }
            if let d = CivilDate(isoUTF8: bytes) { return .date(d) }
            if text == "true" || text == "false" { return .bool(text == "true") }
            return .string(text)
        }
    }
}

/// What `pack.yaml` says about a pack, read without compiling its rules (for selection and listing).
public struct PackHeader: Sendable, Hashable {
    public var id: String
    public var title: String
    public var version: String
    public var provisional: Bool
    public var selector: [String: String]
    public var directory: String
    /// The data model the pack is written for (`esf-operation-v1`).
    public var model: String
}

extension PackLoader {
    /// Reads the headers of the packs under `root` (trusted folders such as the built-in packs):
    /// `root` itself when it holds `pack.yaml`, else its sub-folders. Problems are dropped: use
    /// `discover(_:origin:sink:)` for a folder a user named.
    public static func headers(under root: String) -> [PackHeader] {
        discover(root, origin: nil, sink: DiagnosticSink())
    }

    /// Whether a file name is a YAML file (`.yaml` or `.yml`, in any case).
    static func isYAML(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".yaml") || lower.hasSuffix(".yml")
    }

    /// Folders of a rules folder that hold other things than packs: data models and mapping profiles.
    static let auxiliaryFolders: Set<String> = ["models", "profiles"]

    /// Finds the packs under a rules path a user named (`--rules`, `rules:` in a config, `verify PATH`).
    /// Fail closed: a path that does not exist, cannot be read or holds no pack, a pack without rule
    /// files, a `pack.yaml` without an id, and YAML files that would not be loaded (outside any pack,
    /// in a sub-folder of a pack) are diagnostics, never skipped. `origin` is where the path was
    /// written (a config entry); without it, the diagnostic names the path itself.
    public static func discover(_ path: String, resolved: String? = nil, origin: (file: String, line: Int, column: Int)?, sink: DiagnosticSink) -> [PackHeader] {
        let fm = FileManager.default
        func problem(_ code: String, _ message: String) {
            if let origin {
                sink.add(Diagnostic(code: code, message: "rules path \(path): \(message)", file: origin.file, line: origin.line, column: origin.column))
            } else {
                sink.add(Diagnostic(code: code, message: message, file: path, line: 0, column: 0))
            }
        }
        var root = absolutePath(resolved ?? path)
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir) else {
            problem("rules.not_found", "no such folder")
            return []
        }
        if !isDir.boolValue {
            if (root as NSString).lastPathComponent == "pack.yaml" {
                root = (root as NSString).deletingLastPathComponent
            } else if isYAML(root) {
                problem("rules.not_a_folder", "is a file; a rules path is the folder of a pack (pack.yaml beside its rule files) or a folder of packs")
                return []
            } else {
                problem("rules.not_a_folder", "is not a folder")
                return []
            }
        }
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: root).sorted() } catch {
            problem("rules.unreadable", "cannot be read (\(String(cString: strerror(errno))))")
            return []
        }
        func yamlFiles(in dir: String) -> [String] {
            ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { isYAML($0) && !isDirectory((dir as NSString).appendingPathComponent($0)) }.sorted()
        }
        if entries.contains("pack.yaml") { return header(of: root, sink: sink, problem: problem).map { [$0] } ?? [] }
        var found: [PackHeader] = []
        for name in entries {
            let sub = (root as NSString).appendingPathComponent(name)
            if isDirectory(sub) {
                if fm.fileExists(atPath: (sub as NSString).appendingPathComponent("pack.yaml")) {
                    if let h = header(of: sub, sink: sink, problem: problem) { found.append(h) }
                } else if !auxiliaryFolders.contains(name), let stray = yamlFiles(in: sub).first {
                    problem("rules.not_loaded", "\(name)/\(stray) is in a folder without pack.yaml, so it would not be loaded (a pack is a folder with pack.yaml beside its rule files)")
                }
            } else if isYAML(name) && name != "esfcheck.yaml" {
                problem("rules.not_loaded", "\(name) is not in a pack, so it would not be loaded (a pack is a folder with pack.yaml beside its rule files)")
            }
        }
        if found.isEmpty && sink.diagnostics.isEmpty {
            problem("rules.no_pack", "holds no rule pack (no pack.yaml in it or in its sub-folders)")
        }
        return found
    }

    /// The header of the pack in `dir`, checking that it has an id and rule files and that no YAML file of it is left out.
    static func header(of dir: String, sink: DiagnosticSink, problem: (String, String) -> Void) -> PackHeader? {
        let fm = FileManager.default
        let file = (dir as NSString).appendingPathComponent("pack.yaml")
        let before = sink.diagnostics.count
        guard let node = loadYAML(path: file, displayPath: displayPath(file), sink: sink) else { return nil }
        guard let id = node["id"]?.scalar, !id.isEmpty else {
            if sink.diagnostics.count == before { sink.add(node.diagnostic("pack.missing", "a pack needs 'id' and 'model'")) }
            return nil
        }
        let entries = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        if ruleFileNames(in: dir).isEmpty && node["extends"] == nil {
            problem("rules.no_rule_file", "pack \(id) (\(displayPath(dir))) holds no rule file (*.yaml beside pack.yaml)")
        }
        for name in entries where !auxiliaryFolders.contains(name) {
            let sub = (dir as NSString).appendingPathComponent(name)
            guard isDirectory(sub) else { continue }
            if let stray = ((try? fm.contentsOfDirectory(atPath: sub)) ?? []).sorted().first(where: isYAML) {
                problem("rules.not_loaded", "\(displayPath(sub))/\(stray) is in a sub-folder of pack \(id), so it would not be loaded: rule files sit beside pack.yaml")
            }
        }
        var selector: [String: String] = [:]
        for e in node["selector"]?.mapping ?? [] { selector[e.key] = e.value.scalar ?? "" }
        // the English title (a title written in Slovenian only shows that)
        let title = node["title"].flatMap { $0.scalar ?? $0["en"]?.scalar ?? $0["sl"]?.scalar } ?? id
        return PackHeader(id: id, title: title, version: node["version"]?.scalar ?? "0",
                          provisional: node["provisional"]?.scalar == "true", selector: selector, directory: dir,
                          model: node["model"]?.scalar ?? "")
    }

    /// How an extending pack renames its base pack's rule ids (`rename: { ESF-: ESF21- }`: by prefix).
    static func renamer(_ ext: YNode) -> (String) -> String {
        let renames = (ext["rename"]?.mapping ?? []).map { ($0.key, $0.value.scalar ?? "") }
        return { ruleID in
            for (from, to) in renames where ruleID.hasPrefix(from) { return to + ruleID.dropFirst(from.count) }
            return ruleID
        }
    }

    /// The rule ids the packs in `directories` declare (renamed and excluded as their `extends:` says),
    /// read without compiling the rules: to check rule ids named in a config even when a rule is invalid.
    public static func declaredRuleIDs(directories: [String]) -> Set<String> {
        let quiet = DiagnosticSink()
        var ids: Set<String> = []
        func collect(_ dir: String, rename: (String) -> String, exclude: Set<String>) {
            for name in ruleFileNames(in: dir) {
                let path = (dir as NSString).appendingPathComponent(name)
                for node in loadYAML(path: path, displayPath: path, sink: quiet)?.sequence ?? [] {
                    if let id = node["id"]?.scalar, !exclude.contains(id) { ids.insert(rename(id)) }
                }
            }
        }
        for dir in directories {
            let file = (dir as NSString).appendingPathComponent("pack.yaml")
            guard let root = loadYAML(path: file, displayPath: file, sink: quiet) else { continue }
            if let ext = root["extends"], let baseID = ext["pack"]?.scalar, let baseDir = siblingPack(baseID, of: dir) {
                collect(baseDir, rename: renamer(ext), exclude: Set((ext["exclude"]?.sequence ?? []).compactMap(\.scalar)))
            }
            collect(dir, rename: { $0 }, exclude: [])
        }
        return ids
    }

    /// An absolute, standardised path (`.`, `./`, `..` and relative paths resolved against the working directory).
    public static func absolutePath(_ path: String) -> String {
        let p = path.isEmpty ? "." : path
        let absolute = p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }
}
