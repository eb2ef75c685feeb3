import ESFCore
import ESFExpr
import Foundation

/// Loads rule packs, type-checks every rule and reports every problem with file:line:column.
public enum PackLoader {
    static let packKeys: Set<String> = ["id", "title", "version", "provisional", "model", "selector", "valid_from", "valid_to", "parameters", "description", "extends", "indicators"]
    static let ruleKeys: Set<String> = ["id", "title", "severity", "scope", "when", "assert", "message", "legal_basis", "help", "examples", "description"]

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
            if let ext = root["extends"] {
                checkKeys(ext, allowed: ["pack", "rename", "exclude"], what: "extends", sink: sink)
                guard let baseID = ext["pack"]?.scalar, let baseDir = siblingPack(baseID, of: dir) else {
                    sink.add(ext.diagnostic("pack.unknown_base", "extends: pack '\(ext["pack"]?.scalar ?? "")' not found beside \(id)"))
                    continue
                }
                let renames = (ext["rename"]?.mapping ?? []).map { ($0.key, $0.value.scalar ?? "") }
                let exclude = Set((ext["exclude"]?.sequence ?? []).compactMap(\.scalar))
                let rename: (String) -> String = { ruleID in
                    for (from, to) in renames where ruleID.hasPrefix(from) { return to + ruleID.dropFirst(from.count) }
                    return ruleID
                }
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
            var pack = Pack(id: id, title: root["title"]?.scalar ?? id, version: root["version"]?.scalar ?? "0",
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
                    guard var rule = compileRule(node, pack: id, params: params, compiler: compiler, rename: rename, sink: sink) else { continue }
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
            pack.files.sort()
            packs.append(pack)
        }
        guard sink.isEmpty, let model, let compiler else { return nil }
        return RuleSet(model: model, packs: packs, aggregates: compiler.aggregates)
    }

    static func compileIndicator(_ node: YNode, params: [ParameterDecl], compiler: ExprCompiler, sink: DiagnosticSink) -> IndicatorDefinition? {
        checkKeys(node, allowed: ["id", "title", "value", "target", "unit"], what: "indicator", sink: sink)
        guard let id = node["id"]?.scalar, let valueNode = node["value"], let valueText = valueNode.scalar else {
            sink.add(node.diagnostic("indicator.missing", "an indicator needs 'id' and 'value'"))
            return nil
        }
        let unit = node["unit"]?.scalar ?? "count"
        guard ["count", "share", "amount", "ratio"].contains(unit) else {
            sink.add((node["unit"] ?? node).diagnostic("indicator.unit", "unit is count, share, amount or ratio, not '\(unit)'"))
            return nil
        }
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
        return IndicatorDefinition(id: id, title: node["title"]?.scalar ?? id, value: value, target: target, unit: unit, params: params.map(\.value))
    }

    /// The rule files of a pack folder: every YAML file but pack.yaml, sorted.
    static func ruleFileNames(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && $0 != "pack.yaml" }
            .sorted()
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
    /// Reads the headers of the packs under `root`: `root` itself when it holds `pack.yaml`, else its sub-folders.
    public static func headers(under root: String) -> [PackHeader] {
        let fm = FileManager.default
        var dirs: [String] = []
        if fm.fileExists(atPath: (root as NSString).appendingPathComponent("pack.yaml")) {
            dirs = [root]
        } else {
            dirs = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted()
                .map { (root as NSString).appendingPathComponent($0) }
                .filter { fm.fileExists(atPath: ($0 as NSString).appendingPathComponent("pack.yaml")) }
        }
        let sink = DiagnosticSink()
        return dirs.compactMap { dir in
            let file = (dir as NSString).appendingPathComponent("pack.yaml")
            guard let node = loadYAML(path: file, displayPath: file, sink: sink), let id = node["id"]?.scalar else {
                // never skipped: loading the pack reports why its pack.yaml cannot be used (exit 2)
                let name = (dir as NSString).lastPathComponent
                return PackHeader(id: name, title: name, version: "0", provisional: false, selector: [:], directory: dir, model: "")
            }
            var selector: [String: String] = [:]
            for e in node["selector"]?.mapping ?? [] { selector[e.key] = e.value.scalar ?? "" }
            return PackHeader(id: id, title: node["title"]?.scalar ?? id, version: node["version"]?.scalar ?? "0",
                              provisional: node["provisional"]?.scalar == "true", selector: selector, directory: dir,
                              model: node["model"]?.scalar ?? "")
        }
    }
}
