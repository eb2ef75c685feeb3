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
        case .usage(let m): return "error: \(InvisibleCharacters.escaped(m))"
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
    /// A mapping profile for CSV inputs: a file, or the name of a shipped one (`si-legacy-csv`).
    public var profile: String?
    /// XSD validation of XML inputs: `canonical` (the default), `none`, or an XSD file.
    public var schema: String?
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
        let model = try? loadModel(rulePaths: [])
        guard let config = ProjectConfig.load(path: candidate, model: model, sink: sink) else { throw .diagnostics(sink.diagnostics) }
        return config
    }

    /// How inputs are read: the model, the CSV mapping profile and the XSD option.
    public struct InputOptions: Sendable {
        public var model: DataModel
        public var profile: MappingProfile?
        public var schema: XMLSchemaOption = .canonical
        public init(model: DataModel, profile: MappingProfile? = nil, schema: XMLSchemaOption = .canonical) {
            self.model = model
            self.profile = profile
            self.schema = schema
        }
    }

    /// Opens an input: a folder is a CSV bundle, a `.csv` file stands for its folder, anything else is XML.
    public static func source(for path: String, options: InputOptions) throws(CheckError) -> any RecordSource {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .input(InputError(location: SourceLocation(file: path), message: "no such file or folder"))
        }
        if isDir.boolValue || path.lowercased().hasSuffix(".csv") {
            let dir = isDir.boolValue ? path : (path as NSString).deletingLastPathComponent
            if let profile = options.profile, profile.format == .xml {
                throw .usage("mapping profile \(profile.id) describes an XML export, \(path) is a CSV bundle: use a CSV profile (or none)")
            }
            return CSVBundleRecordSource(directory: dir, model: options.model, profile: options.profile)
        }
        if let profile = options.profile, profile.format == .xml {
            return XMLRecordSource(path: path, model: options.model, schema: options.schema, profile: profile)
        }
        if let profile = options.profile, profile.id != "canonical" {
            throw .usage("mapping profile \(profile.id) describes a CSV bundle, \(path) is XML: use an XML profile (format: xml) or drop --profile")
        }
        return XMLRecordSource(path: path, model: options.model, schema: options.schema)
    }

    /// The data model of the packs available to this run (every built-in pack uses one model).
    public static func loadModel(rulePaths: [String]) throws(CheckError) -> DataModel {
        let packs = availablePacks(rulePaths: rulePaths)
        let id = packs.first?.model ?? "esf-operation-v1"
        let candidates = modelDirectories(rulePaths: rulePaths).map { ($0 as NSString).appendingPathComponent("\(id).yaml") }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw .usage("model '\(id)' not found")
        }
        let sink = DiagnosticSink()
        guard let model = ModelLoader.load(path: path, displayPath: displayPath(path), sink: sink), sink.isEmpty else {
            throw .diagnostics(sink.diagnostics)
        }
        return model
    }

    /// Resolves the request's profile and schema options against the model.
    public static func inputOptions(_ request: CheckRequest, model: DataModel) throws(CheckError) -> InputOptions {
        var options = InputOptions(model: model)
        if let name = request.profile ?? request.config?.profile {
            let dirs = (builtinRulesDirectory.map { [$0] } ?? []) + request.rulePaths + (request.config?.rules ?? [])
            guard let path = ProfileLoader.resolve(name, rulesDirectories: dirs) else {
                let shipped = builtinRulesDirectory.map { ProfileLoader.shippedProfiles(rulesDirectory: $0) } ?? []
                throw .usage("profile '\(name)' not found; shipped profiles: " + shipped.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }.joined(separator: ", "))
            }
            let sink = DiagnosticSink()
            guard let profile = ProfileLoader.load(path: path, displayPath: displayPath(path), model: model, sink: sink), sink.isEmpty else {
                throw .diagnostics(sink.diagnostics)
            }
            options.profile = profile
        } else if let inline = request.config?.inlineProfile {
            options.profile = inline
        }
        // An XML profile names its own XSD, or none: the canonical XSD does not fit another layout.
        let profileSchema = options.profile.flatMap { $0.format == .xml ? ($0.xsd ?? "none") : nil }
        switch request.schema ?? request.config?.schema ?? profileSchema ?? "canonical" {
        case "canonical": options.schema = .canonical
        case "none": options.schema = .none
        case let file:
            guard FileManager.default.fileExists(atPath: file) else { throw .usage("XSD file \(file) not found (--schema canonical|none|FILE)") }
            options.schema = .file(file)
        }
        return options
    }

    struct StopPeek: Error {}

    /// Reads the root record (the operation) of an input, to choose packs.
    static func peekRoot(_ path: String, options: InputOptions) throws(CheckError) -> [String: String] {
        let model = options.model
        var quiet = options
        quiet.schema = .none
        let src = try source(for: path, options: quiet)
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
        guard !available.isEmpty else { throw .usage("no rule packs found") }
        // the operation record is read first to choose the packs
        let options = try inputOptions(request, model: try loadModel(rulePaths: request.rulePaths))
        var chosen = userPacks
        for input in inputs {
            let root = try peekRoot(input, options: options)
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
        if let config = request.config, config.inlineProfileInvalid {
            // the inputs cannot be read (nor packs chosen from them) without a valid profile
            throw .diagnostics(config.diagnostics)
        }
        if let config = request.config {
            if request.packs.isEmpty { request.packs = config.packs }
            request.rulePaths = config.rules + request.rulePaths
        }
        let headers = try selectPacks(request, inputs: inputs)
        let ruleSet = try loadRuleSet(headers, rulePaths: request.rulePaths, config: request.config)
        var engineOptions = EngineOptions()
        engineOptions.showPersonalData = request.showPersonalData
        engineOptions.maxFindings = request.maxFindings
        var findings: [Finding] = []
        var coverage: [RuleCoverage] = ruleSet.rules.map { RuleCoverage(ruleID: $0.id, pack: $0.pack) }
        var inputInfos: [InputInfo] = []
        let order = Engine.readOrder(ruleSet: ruleSet)
        let options = try inputOptions(request, model: ruleSet.model)
        for input in inputs {
            let src = try source(for: input, options: options)
            let engine = Engine(ruleSet: ruleSet, options: engineOptions, grouped: src.deliversGroups)
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
        if let profile = options.profile { opts["profile"] = profile.id }
        switch options.schema {
        case .canonical: opts["schema"] = "canonical"
        case .none: opts["schema"] = "none"
        case .file(let f): opts["schema"] = displayPath(f)
        }
        var report = Report(toolVersion: esfcheckVersion, startedAt: started, options: opts, packs: packs, inputs: inputInfos,
                            failOn: request.failOn, coverage: coverage, findings: findings)
        report.disabledRules = (request.config?.disabled ?? []).map { DisabledRule(ruleID: $0.ruleID, reason: $0.value) }
        report.parameters = ruleSet.packs.map { p in
            PackParameters(pack: p.id, values: Dictionary(uniqueKeysWithValues: p.parameters.map { ($0.name, $0.value.description) }))
        }
        return report.escapingInvisibleCharacters()
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
