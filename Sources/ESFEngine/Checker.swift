import Crypto
import ESFCore
import ESFExpr
import ESFInputs
import ESFReports
import ESFResources
import ESFRules
import Foundation

/// Why a check could not produce a report; each maps to an exit code (SPEC §2).
public enum CheckError: Error, CustomStringConvertible {
    /// Exit 2: a usage error.
    case usage(String)
    /// Exit 2: rule, model or config files are invalid; every problem listed.
    case diagnostics([Diagnostic])
    /// Exit 3: an input could not be read or parsed.
    case input(InputError)

    public var exitCode: Int32 {
        switch self {
        case .usage, .diagnostics: return 2
        case .input: return 3
        }
    }

    public var description: String {
        switch self {
        case .usage(let m): return "error: \(m)"
        case .diagnostics(let ds): return ds.map(\.description).joined(separator: "\n") + "\n\(ds.count) problem\(ds.count == 1 ? "" : "s") in the rule and config files"
        case .input(let e): return "\(e.description)"
        }
    }
}

/// What to check and how.
public struct CheckRequest: Sendable {
    public var inputs: [String] = []
    public var packs: [String] = []
    public var rulePaths: [String] = []
    public var failOn: Severity? = .error
    public var showPersonalData = false
    public var deterministic = false
    public var maxFindings = 100_000
    /// The project configuration (`esfcheck.yaml`), if any.
    public var config: ProjectConfig?
    public init() {}
}

/// The tool's version, printed by `--version` and in every report.
public let esfcheckVersion = "0.1.0"

/// Runs a whole check: finds packs, reads inputs, evaluates rules, builds the report.
public enum Checker {
    /// The folder of the built-in packs and model files that travel with the binary.
    public static var builtinRulesDirectory: String? { BundledResources.rulesDirectory?.path }

    /// The bundled sample export checked when no input is given.
    public static var sampleExport: String? {
        BundledResources.fixturesDirectory.map { $0.appendingPathComponent("ucne-delavnice/export.xml").path }
    }

    /// Built-in packs plus the packs under each `--rules` path.
    public static func availablePacks(rulePaths: [String]) -> [PackHeader] {
        var all: [PackHeader] = []
        if let builtin = builtinRulesDirectory { all += PackLoader.headers(under: builtin) }
        for p in rulePaths { all += PackLoader.headers(under: p) }
        return all
    }

    static func modelDirectories(rulePaths: [String]) -> [String] {
        var dirs: [String] = []
        for p in rulePaths {
            dirs.append((p as NSString).appendingPathComponent("models"))
            dirs.append(((p as NSString).deletingLastPathComponent as NSString).appendingPathComponent("models"))
        }
        if let builtin = builtinRulesDirectory { dirs.append((builtin as NSString).appendingPathComponent("models")) }
        return dirs
    }

    /// Loads and compiles the given packs with the config's parameter overrides, severities and
    /// switched-off rules; exit 2 with every diagnostic when anything is invalid.
    public static func loadRuleSet(_ packs: [PackHeader], rulePaths: [String], config: ProjectConfig? = nil) throws(CheckError) -> RuleSet {
        let sink = DiagnosticSink()
        for d in config?.diagnostics ?? [] { sink.add(d) }
        let loaded = PackLoader.load(directories: packs.map(\.directory), modelDirectories: modelDirectories(rulePaths: rulePaths),
                                     overrides: config?.parameters ?? [:], sink: sink)
        guard var set = loaded, sink.isEmpty else { throw .diagnostics(sink.diagnostics) }
        if let config {
            for (id, at) in config.parameterPacks.sorted(by: { $0.key < $1.key }) where !set.packs.contains(where: { $0.id == id }) {
                sink.add(Diagnostic(code: "config.unknown_pack", message: "parameters for pack '\(id)', which this run does not use", file: at.file, line: at.line, column: at.column))
            }
            config.apply(to: &set, sink: sink)
            guard sink.isEmpty else { throw .diagnostics(sink.diagnostics) }
        }
        return set
    }

    /// Loads `esfcheck.yaml`: the given path, else the one in the working directory, else none.
    public static func loadConfig(path: String?) throws(CheckError) -> ProjectConfig? {
        let candidate = path ?? "esfcheck.yaml"
        guard FileManager.default.fileExists(atPath: candidate) else {
            if let path { throw .usage("config file \(path) not found") }
            return nil
        }
        let sink = DiagnosticSink()
        // problems inside the config are reported with those of the packs, all at once
        guard let config = ProjectConfig.load(path: candidate, sink: sink) else { throw .diagnostics(sink.diagnostics) }
        return config
    }

    /// Opens an input: a folder is a CSV bundle, a `.csv` file stands for its folder, anything else is XML.
    public static func source(for path: String, model: DataModel) throws(CheckError) -> any RecordSource {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .input(InputError(location: SourceLocation(file: path), message: "no such file or folder"))
        }
        if isDir.boolValue { return CSVBundleRecordSource(directory: path, model: model) }
        if path.lowercased().hasSuffix(".csv") { return CSVBundleRecordSource(directory: (path as NSString).deletingLastPathComponent, model: model) }
        return XMLRecordSource(path: path, model: model)
    }

    struct StopPeek: Error {}

    /// Reads the root record (the operation) of an input, to choose packs.
    static func peekRoot(_ path: String, model: DataModel) throws(CheckError) -> [String: String] {
        let src = try source(for: path, model: model)
        var found: [String: String] = [:]
        do {
            try src.read(entityOrder: [model.root]) { event in
                if case .record(let r) = event, r.entity == model.root {
                    for (i, f) in model.entities[model.root].fields.enumerated() where !r.values[i].isNull { found[f.name] = r.values[i].description }
                    throw StopPeek()
                }
            }
        } catch is StopPeek {
        } catch let e as InputError {
            throw .input(e)
        } catch {
            throw .input(InputError(location: SourceLocation(file: path), message: "\(error)"))
        }
        return found
    }

    /// Chooses packs: by `--pack` ids, else by each pack's selector matched against the export's operation.
    public static func selectPacks(_ request: CheckRequest, inputs: [String]) throws(CheckError) -> [PackHeader] {
        let available = availablePacks(rulePaths: request.rulePaths)
        let listing = available.map { "  \($0.id)  \($0.title)" + ($0.selector.isEmpty ? "" : "  [for " + $0.selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "]") }.joined(separator: "\n")
        if !request.packs.isEmpty {
            var chosen: [PackHeader] = []
            for id in request.packs {
                guard let p = available.first(where: { $0.id == id }) else {
                    throw .usage("unknown pack '\(id)'; available packs:\n\(listing)")
                }
                if !chosen.contains(p) { chosen.append(p) }
            }
            return chosen
        }
        let userPacks = request.rulePaths.flatMap { PackLoader.headers(under: $0) }
        // the model is needed to read the operation: load it from any pack's model (all built-in packs share one)
        let sink = DiagnosticSink()
        guard let anyPack = available.first, let modelSet = PackLoader.load(directories: [anyPack.directory], modelDirectories: modelDirectories(rulePaths: request.rulePaths), sink: sink) else {
            if !sink.isEmpty { throw .diagnostics(sink.diagnostics) }
            throw .usage("no rule packs found")
        }
        var chosen = userPacks
        for input in inputs {
            let root = try peekRoot(input, model: modelSet.model)
            let matching = available.filter { p in !p.selector.isEmpty && p.selector.allSatisfy { root[$0.key] == $0.value } }
            if matching.isEmpty && userPacks.isEmpty {
                let described = ["programme", "period", "scheme"].map { "\($0)=\(root[$0] ?? "(missing)")" }.joined(separator: ", ")
                throw .usage("no rule pack matches \(input) (\(described)); choose one with --pack, available packs:\n\(listing)")
            }
            for m in matching where !chosen.contains(m) { chosen.append(m) }
        }
        return chosen
    }

    /// Runs the check and builds the report.
    public static func check(_ request: CheckRequest) throws(CheckError) -> Report {
        var inputs = request.inputs
        if inputs.isEmpty {
            guard let sample = sampleExport else { throw .usage("no input given and the bundled sample is missing") }
            inputs = [sample]
        }
        let started = request.deterministic ? nil : ISO8601DateFormatter().string(from: Date())
        var request = request
        if let config = request.config {
            if request.packs.isEmpty { request.packs = config.packs }
            request.rulePaths = config.rules + request.rulePaths
        }
        let headers = try selectPacks(request, inputs: inputs)
        let ruleSet = try loadRuleSet(headers, rulePaths: request.rulePaths, config: request.config)
        var options = EngineOptions()
        options.showPersonalData = request.showPersonalData
        options.maxFindings = request.maxFindings
        var findings: [Finding] = []
        var coverage: [RuleCoverage] = ruleSet.rules.map { RuleCoverage(ruleID: $0.id, pack: $0.pack) }
        var inputInfos: [InputInfo] = []
        let order = Engine.readOrder(ruleSet: ruleSet)
        for input in inputs {
            let src = try source(for: input, model: ruleSet.model)
            let engine = Engine(ruleSet: ruleSet, options: options, grouped: src.deliversGroups)
            do {
                try src.read(entityOrder: order) { engine.consume($0) }
            } catch let e as InputError {
                throw .input(e)
            } catch {
                throw .input(InputError(location: SourceLocation(file: input), message: "\(error)"))
            }
            let result = engine.finish(path: src.displayPath, files: src.files)
            findings += result.findings.map { f in
                var f = f
                if let file = f.location?.file { f.location?.file = displayPath(file) }
                return f
            }
            for (i, c) in result.coverage.enumerated() {
                coverage[i].evaluated += c.evaluated
                coverage[i].passed += c.passed
                coverage[i].failed += c.failed
                coverage[i].notApplicable += c.notApplicable
                coverage[i].errors += c.errors
            }
            var info = InputInfo(path: displayPath(input), format: src.deliversGroups ? "xml" : "csv",
                                 operation: result.root["id"]?.description,
                                 files: src.files.map { FileHash(path: displayPath($0), sha256: sha256(file: $0)) },
                                 records: result.counts)
            info.indicators = result.indicators
            inputInfos.append(info)
        }
        let packs = ruleSet.packs.map { p in
            PackInfo(id: p.id, title: p.title, version: p.version, provisional: p.provisional,
                     sha256: sha256(files: p.files, relativeTo: p.directory), rules: p.rules.count)
        }
        var opts: [String: String] = ["fail_on": request.failOn?.rawValue ?? "never"]
        if request.showPersonalData { opts["show_personal_data"] = "true" }
        if let config = request.config { opts["config"] = displayPath(config.file) }
        var report = Report(toolVersion: esfcheckVersion, startedAt: started, options: opts, packs: packs, inputs: inputInfos,
                            failOn: request.failOn, coverage: coverage, findings: findings)
        report.disabledRules = (request.config?.disabled ?? []).map { DisabledRule(ruleID: $0.ruleID, reason: $0.value) }
        report.parameters = ruleSet.packs.map { p in
            PackParameters(pack: p.id, values: Dictionary(uniqueKeysWithValues: p.parameters.map { ($0.name, $0.value.description) }))
        }
        return report
    }

    /// A path as the user would write it: relative to the working directory when below it;
    /// bundled files are shown relative to the bundle.
    public static func displayPath(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        if path.hasPrefix(cwd) { return String(path.dropFirst(cwd.count)) }
        if let range = path.range(of: ".resources/") { return "(bundled) " + path[range.upperBound...] }
        return path
    }

    static func sha256(file: String) -> String {
        guard let h = FileHandle(forReadingAtPath: file) else { return "" }
        defer { try? h.close() }
        var hasher = SHA256()
        while let chunk = try? h.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// One hash over a pack: each file's relative path and content hash, in sorted order.
    static func sha256(files: [String], relativeTo dir: String) -> String {
        var hasher = SHA256()
        for f in files.sorted() {
            let rel = f.hasPrefix(dir + "/") ? String(f.dropFirst(dir.count + 1)) : f
            hasher.update(data: Data("\(rel)\u{0}\(sha256(file: f))\n".utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
