import Crypto
import ESFCore
import ESFExpr
import ESFInputs
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
    /// Exit 3: an input given without a mapping profile is in another layout (what was found, and
    /// which shipped profile reads it).
    case layout(LayoutDiagnosis)

    public var exitCode: Int32 {
        switch self {
        case .usage, .diagnostics: return 2
        case .input, .layout: return 3
        }
    }

    public var description: String {
        switch self {
        case .usage(let m): return "error: \(InvisibleCharacters.escaped(m))"
        case .diagnostics(let ds): return ds.map(\.description).joined(separator: "\n") + "\n\(ds.count) problem\(ds.count == 1 ? "" : "s") in the rule and config files"
        case .input(let e): return "\(e.description)"
        case .layout(let d): return InvisibleCharacters.escaped("\(d.file): \(d.message)")
        }
    }
}

/// What to check and how.
public struct CheckRequest: Sendable {
    public var inputs: [String] = []
    public var packs: [String] = []
    public var rulePaths: [String] = []
    /// Where the fail-on level came from: "default", "config" or "command line".
    public var failOnSource = "default"
    /// Whether the config was named with `--config` (else found in the working directory).
    public var configGiven = false
    /// `--no-config`: the working directory's esfcheck.yaml was ignored.
    public var ignoredConfig = false
    /// Where the config wrote each of its rules paths (for positioned diagnostics).
    public var rulePathOrigins: [String: RuleSetting] = [:]
    public var failOn: Severity? = .error
    public var showPersonalData = false
    public var deterministic = false
    /// The language of the report's words, diagnostics and rule texts (`--lang`, else the locale).
    public var language: Language = .en
    public var maxFindings = 100_000
    /// The project configuration (`esfcheck.yaml`), if any.
    public var config: ProjectConfig?
    /// A mapping profile for CSV inputs: a file, or the name of a shipped one (`si-legacy-csv`).
    public var profile: String?
    /// XSD validation of XML inputs: `canonical` (the default), `none`, or an XSD file.
    public var schema: String?
    /// The longest CSV row in bytes (`--max-line-bytes`); nil: 16 MiB.
    public var maxLineBytes: Int?
    /// A waiver file (`--waivers`, else `waivers:` of the config).
    public var waivers: String?
    /// A baseline file to compare with (`--baseline`).
    public var baseline: String?
    /// Whether the run makes a baseline of its findings (`--write-baseline`): every finding is kept.
    public var writesBaseline = false
    /// The date waivers expire against (the CLI's `ESFCHECK_TODAY`, else today's local date).
    public var today: CivilDate?
    /// How many threads a check uses (`--threads`): 1 reads and evaluates on the calling thread; 2 or
    /// more read on a thread of their own and evaluate on the calling thread (`ReadPipeline`), with the
    /// same findings in the same order. The command line's default is `ReadPipeline.defaultThreads`.
    public var threads = 1
    /// The batches of a run on two threads (tests shrink them to shake out races).
    var pipelineShape = ReadPipeline.Shape.standard
    public init() {}

    /// The waiver file in force: the command line's, else the config's.
    public var waiverFile: String? { waivers ?? config?.waivers }
}

/// A run's report, and the baseline of its findings when `writesBaseline` asked for one.
public struct CheckResult: Sendable {
    public var report: Report
    public var baseline: Baseline?
}

/// The tool's version, printed by `--version` and in every report.
public let esfcheckVersion = "0.1.0"

/// Runs a whole check: finds packs, reads inputs, evaluates rules, builds the report.
public enum Checker {
    /// The folder of the built-in packs and model files that travel with the binary.
    public static var builtinRulesDirectory: String? { BundledResources.rulesDirectory?.path }

    /// Fail closed when the resources that travel with the binary are missing (an incomplete
    /// installation): exit 2 with every folder tried, instead of running without the built-in packs.
    public static func requireResources() throws(CheckError) {
        if case .failure(let missing) = BundledResources.location { throw .usage(missing.description) }
    }

    /// What `esfcheck --version` prints: the tool's version, then each built-in pack's id and version
    /// (provisional ones marked) and the folder they were found in; exit 2 when they are missing.
    public static func versionText() throws(CheckError) -> String {
        try requireResources()
        guard let dir = builtinRulesDirectory else { throw .usage("the built-in packs were not found") }
        let packs = PackLoader.headers(under: dir).sorted { $0.id < $1.id }
        guard !packs.isEmpty else { throw .usage("no built-in pack in \(dir)") }
        var text = "esfcheck \(esfcheckVersion)\nbuilt-in packs:\n"
        let width = packs.map(\.id.count).max() ?? 0
        for p in packs {
            text += "  \(p.id)\(String(repeating: " ", count: width - p.id.count))  \(p.version)\(p.provisional ? " (provisional)" : "")\n"
        }
        text += "resources: \((dir as NSString).deletingLastPathComponent)\n"
        return text
    }

    /// The bundled sample export checked when no input is given.
    public static var sampleExport: String? {
        BundledResources.fixturesDirectory.map { $0.appendingPathComponent("ucne-delavnice/export.xml").path }
    }

    /// The packs under each user rules path (`--rules`, `rules:` of the config), then the built-in packs
    /// that no user pack of the same id replaces. Fail closed: a rules path that cannot be used, a pack
    /// id defined in two user folders, or a problem of a built-in pack is exit 2 with every problem.
    /// `origins` gives, per path, where a config wrote it.
    public static func availablePacks(rulePaths: [String], origins: [String: RuleSetting] = [:]) throws(CheckError) -> [PackHeader] {
        try requireResources()
        let sink = DiagnosticSink()
        let all = collectPacks(rulePaths: rulePaths, origins: origins, sink: sink)
        guard sink.isEmpty else { throw .diagnostics(sink.diagnostics) }
        return all
    }

    /// The packs under the user's rules paths only (see `availablePacks`).
    public static func userPacks(rulePaths: [String], origins: [String: RuleSetting] = [:]) throws(CheckError) -> [PackHeader] {
        let sink = DiagnosticSink()
        let user = collectPacks(rulePaths: rulePaths, origins: origins, builtin: false, sink: sink)
        guard sink.isEmpty else { throw .diagnostics(sink.diagnostics) }
        return user
    }

    /// The packs that can be found, every problem going to `sink` (see `availablePacks`).
    static func collectPacks(rulePaths: [String], origins: [String: RuleSetting], builtin withBuiltin: Bool = true, sink: DiagnosticSink) -> [PackHeader] {
        var user: [PackHeader] = []
        for p in rulePaths {
            let origin = origins[p].map { (file: $0.file, line: $0.line, column: $0.column) }
            for h in PackLoader.discover(origins[p]?.value ?? p, resolved: p, origin: origin, sink: sink) {
                if let other = user.first(where: { $0.id == h.id }) {
                    if other.directory == h.directory { continue }
                    sink.add(Diagnostic(code: "rules.duplicate_pack",
                                        message: "pack id \(h.id) is defined twice: in \(displayPath(other.directory)) and in \(displayPath(h.directory))",
                                        file: displayPath((h.directory as NSString).appendingPathComponent("pack.yaml")), line: 0, column: 0))
                    continue
                }
                user.append(h)
            }
        }
        guard withBuiltin, let dir = builtinRulesDirectory else { return user }
        let builtin = PackLoader.discover(dir, origin: nil, sink: sink)
        // a user pack with a built-in pack's id replaces it (the report names the pack's folder)
        return user + builtin.filter { b in !user.contains { $0.id == b.id } }
    }

    static func modelDirectories(rulePaths: [String]) -> [String] {
        var dirs: [String] = []
        for p in rulePaths.map(PackLoader.absolutePath) {
            dirs.append((p as NSString).appendingPathComponent("models"))
            if p != "/" { dirs.append(((p as NSString).deletingLastPathComponent as NSString).appendingPathComponent("models")) }
        }
        if let builtin = builtinRulesDirectory { dirs.append((builtin as NSString).appendingPathComponent("models")) }
        return dirs
    }

    /// Loads and compiles the given packs with the config's parameter overrides, severities and
    /// switched-off rules; exit 2 with every diagnostic when anything is invalid.
    public static func loadRuleSet(_ packs: [PackHeader], rulePaths: [String], config: ProjectConfig? = nil) throws(CheckError) -> RuleSet {
        let sink = DiagnosticSink()
        for d in config?.diagnostics ?? [] { sink.add(d) }
        let packSink = DiagnosticSink()
        let loaded = PackLoader.load(directories: packs.map(\.directory), modelDirectories: modelDirectories(rulePaths: rulePaths),
                                     overrides: config?.parameters ?? [:], sink: packSink)
        if let config {
            // every problem of the config at once, even when a pack has problems of its own
            for (id, at) in config.parameterPacks.sorted(by: { $0.key < $1.key }) where !packs.contains(where: { $0.id == id }) {
                sink.add(Diagnostic(code: "config.unknown_pack", message: "parameters for pack '\(id)', which this run does not use", file: at.file, line: at.line, column: at.column))
            }
            config.checkRuleIDs(known: PackLoader.declaredRuleIDs(directories: packs.map(\.directory)), where: "in the packs of this run", sink: sink)
        }
        for d in packSink.diagnostics { sink.add(d) }
        guard var set = loaded, sink.isEmpty else { throw .diagnostics(sink.diagnostics) }
        config?.apply(to: &set, sink: DiagnosticSink())
        return set
    }

    /// A config with problems of its own: every problem of it in one run — its own, its rules paths,
    /// unknown pack ids, parameters (typed against the packs), re-graded or switched-off rule ids
    /// unknown to every available pack — before the inputs are read. No-op for a valid config.
    static func checkConfig(_ config: ProjectConfig, rulePaths: [String], origins: [String: RuleSetting]) throws(CheckError) {
        let sink = DiagnosticSink()
        for d in config.diagnostics { sink.add(d) }
        let available = collectPacks(rulePaths: rulePaths, origins: origins, sink: sink)
        for p in config.packsAt where !available.contains(where: { $0.id == p.ruleID }) {
            sink.add(Diagnostic(code: "config.unknown_pack", message: "unknown pack '\(p.ruleID)'\(Nearest.hint(p.ruleID, in: available.map(\.id))) (available: \(available.map(\.id).joined(separator: ", ")))",
                                file: p.file, line: p.line, column: p.column))
        }
        guard !sink.isEmpty else { return }
        // the overridden parameters, typed against the packs they are for
        let named = available.filter { config.parameters[$0.id] != nil }
        let sameModel = named.filter { $0.model == named.first?.model }
        let packSink = DiagnosticSink()
        _ = PackLoader.load(directories: sameModel.map(\.directory), modelDirectories: modelDirectories(rulePaths: rulePaths),
                            overrides: config.parameters, sink: packSink)
        // only the config's own problems here: the packs' are reported once the config is right
        for d in packSink.diagnostics where d.file == config.file { sink.add(d) }
        for (id, at) in config.parameterPacks.sorted(by: { $0.key < $1.key }) where !available.contains(where: { $0.id == id }) {
            sink.add(Diagnostic(code: "config.unknown_pack", message: "parameters for pack '\(id)', which is not available", file: at.file, line: at.line, column: at.column))
        }
        config.checkRuleIDs(known: PackLoader.declaredRuleIDs(directories: available.map(\.directory)), where: "in any available pack", sink: sink)
        var seen: Set<String> = []
        throw .diagnostics(sink.diagnostics.filter { seen.insert($0.description).inserted }.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) })
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
        /// The profile's file, when it was read from one.
        public var profilePath: String?
        public var schema: XMLSchemaOption = .canonical
        /// The longest CSV row in bytes; a longer one is an input error (exit 3).
        public var maxLineBytes = CSVReader.defaultMaxRowBytes
        public init(model: DataModel, profile: MappingProfile? = nil, schema: XMLSchemaOption = .canonical) {
            self.model = model
            self.profile = profile
            self.schema = schema
        }
    }

    /// Opens an input: a folder is a CSV bundle, a `.csv` file stands for its folder, an `.xlsx` file is a
    /// bundle with one sheet per entity, anything else is XML.
    public static func source(for path: String, options: InputOptions) throws(CheckError) -> any RecordSource {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw .input(InputError(location: SourceLocation(file: path), message: "no such file or folder"))
        }
        if isDir.boolValue || path.lowercased().hasSuffix(".csv") {
            // `operation.csv` named from inside its folder: the folder is the current one
            let parent = (path as NSString).deletingLastPathComponent
            let dir = isDir.boolValue ? path : (parent.isEmpty ? "." : parent)
            if let profile = options.profile, profile.format == .xml {
                throw .usage("mapping profile \(profile.id) describes an XML export, \(path) is a CSV bundle: use a CSV profile (or none)")
            }
            if let profile = options.profile, profile.headerRow != 1 || profile.entities.contains(where: { $0.sheet != nil || $0.headerRow != nil }) {
                // never ignored: a CSV file's header is its first row, and it has no sheets
                throw .usage("mapping profile \(profile.id) names sheets or a header row (sheet:, header_row:), which only an Excel workbook has; \(path) is a CSV bundle, whose header is the first row of each file: give the workbook, or drop those keys")
            }
            // a FIFO or device named as the input is refused, even if the bundle would not read it
            if !isDir.boolValue {
                do { try InputFile.requireRegular(path) } catch { throw .input(error) }
            }
            if options.profile == nil || options.profile?.id == "canonical",
               let diagnosis = csvLayoutDiagnosis(dir, input: path, model: options.model) {
                throw .layout(diagnosis)
            }
            let bundle = CSVBundleRecordSource(directory: dir, model: options.model, profile: options.profile)
            bundle.maxRowBytes = options.maxLineBytes
            return bundle
        }
        if isWorkbook(path) {
            if let profile = options.profile, profile.format == .xml {
                throw .usage("mapping profile \(profile.id) describes an XML export, \(path) is an Excel workbook: use a CSV profile (its files are the workbook's sheets) or none")
            }
            return CSVBundleRecordSource(workbook: path, model: options.model, profile: options.profile)
        }
        try requireXML(path)
        if let profile = options.profile, profile.format == .xml {
            return XMLRecordSource(path: path, model: options.model, schema: options.schema, profile: profile)
        }
        if options.profile == nil || options.profile?.id == "canonical", let diagnosis = xmlLayoutDiagnosis(path, model: options.model) {
            throw .layout(diagnosis)
        }
        if let profile = options.profile, profile.id != "canonical" {
            throw .usage("mapping profile \(profile.id) describes a CSV bundle, \(path) is XML: use an XML profile (format: xml) or drop --profile")
        }
        return XMLRecordSource(path: path, model: options.model, schema: options.schema)
    }

    /// Whether `path` names an Excel workbook by its extension: `.xlsx` is read as a bundle with one
    /// sheet per entity; `.xls`, `.xlsm` and `.xlsb` are refused by the workbook reader with what to do.
    static func isWorkbook(_ path: String) -> Bool {
        let lower = path.lowercased()
        return [".xlsx", ".xls", ".xlsm", ".xlsb"].contains { lower.hasSuffix($0) }
    }

    /// Says what a file given as an XML export is when it is not XML (an Excel workbook, a CSV file),
    /// instead of the parser's "document is empty" (exit 3). Only the first bytes are read, after the
    /// file is known to be a regular file.
    static func requireXML(_ path: String) throws(CheckError) {
        do { try InputFile.requireRegular(path) } catch { throw .input(error) }
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
        func refuse(_ what: String) throws(CheckError) {
            throw .input(InputError(location: SourceLocation(file: path, line: 1), message: what))
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            try refuse("this is a ZIP archive (an Excel workbook, .xlsx?), not an XML export: a workbook is read when its name ends in .xlsx (one sheet per file of the CSV bundle); otherwise export the operation as XML, or save each sheet as CSV in one folder and give the folder")
        }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            try refuse("this is an Excel 97–2003 workbook (.xls), not an XML export: save it as an Excel workbook (.xlsx), export the operation as XML, or save each sheet as CSV in one folder and give the folder")
        }
        // UTF-16 and UTF-32 byte-order marks: the XML parser reads those
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return }
        var body = head[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let first = body.firstIndex(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return }
        if body[first] == UInt8(ascii: "<") { return }
        let line = body[first...].prefix { $0 != 0x0A }
        if line.contains(UInt8(ascii: ",")) || line.contains(UInt8(ascii: ";")) || line.contains(0x09) {
            try refuse("this looks like a CSV file (separated values, no XML markup), not an XML export: give the folder of the CSV bundle, or the file with a .csv name (it stands for its folder)")
        }
        try refuse("this is not an XML document (it does not start with '<'): an XML export starts with <?xml …?> or <operation …>")
    }

    /// The data model of the packs available to this run (every built-in pack uses one model).
    public static func loadModel(rulePaths: [String], origins: [String: RuleSetting] = [:]) throws(CheckError) -> DataModel {
        let packs = try availablePacks(rulePaths: rulePaths, origins: origins)
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
            options.profilePath = path
        } else if let inline = request.config?.inlineProfile {
            options.profile = inline
        }
        if let limit = request.maxLineBytes { options.maxLineBytes = limit }
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
    /// With `preloaded`, among its packs and with its model (the rules folders are not read again).
    public static func selectPacks(_ request: CheckRequest, inputs: [String], preloaded: LoadedPacks? = nil) throws(CheckError) -> [PackHeader] {
        let available: [PackHeader]
        if let preloaded { available = preloaded.available } else { available = try availablePacks(rulePaths: request.rulePaths, origins: request.rulePathOrigins) }
        let userPacks = available.filter { !isBuiltin($0) }
        let listing = available.map { "  \($0.id)  \($0.title)" + ($0.selector.isEmpty ? "" : "  [for " + $0.selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "]") }.joined(separator: "\n")
        if !request.packs.isEmpty {
            var chosen: [PackHeader] = []
            for id in request.packs {
                guard let p = available.first(where: { $0.id == id }) else {
                    throw .usage("unknown pack '\(id)'\(Nearest.hint(id, in: available.map(\.id))); available packs:\n\(listing)")
                }
                if !chosen.contains(p) { chosen.append(p) }
            }
            return chosen
        }
        guard !available.isEmpty else { throw .usage("no rule packs found") }
        // the operation record is read first to choose the packs
        let model: DataModel
        if let preloaded { model = preloaded.model } else { model = try loadModel(rulePaths: request.rulePaths, origins: request.rulePathOrigins) }
        let options = try inputOptions(request, model: model)
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

    /// Every path a check reads: inputs (or the bundled sample), config, rules folders, profile and XSD
    /// files. `--output` may name none of them.
    public static func pathsRead(_ request: CheckRequest) -> [String] {
        var paths = request.inputs.isEmpty ? (sampleExport.map { [$0] } ?? []) : request.inputs
        paths += request.rulePaths
        if let config = request.config {
            paths.append(config.file)
            paths += config.rules
            if let p = config.profile { paths.append(p) }
            if let x = config.schema { paths.append(x) }
        }
        if let p = request.profile { paths.append(p) }
        if let x = request.schema { paths.append(x) }
        if let w = request.waiverFile { paths.append(w) }
        if let b = request.baseline { paths.append(b) }
        return paths
    }

    /// The waivers of the run's waiver file (none: nil), checked against the rules of the run; exit 2
    /// with every problem (file:line:column).
    /// With `preloaded` holding that file (`esfcheck serve`'s config), its waivers as read at start-up.
    static func loadWaivers(_ path: String?, ruleSet: RuleSet, preloaded: LoadedPacks? = nil) throws(CheckError) -> [Waiver]? {
        guard let path else { return nil }
        let known = Set(ruleSet.rules.map(\.id))
        if let file = preloaded?.waiverFile, file.path == path {
            let sink = DiagnosticSink()
            WaiverLoader.checkRuleIDs(file.waivers, known: known, sink: sink)
            guard sink.isEmpty else { throw .diagnostics(sink.diagnostics) }
            return file.waivers
        }
        return try readWaivers(path, known: known)
    }

    /// Reads a waiver file and checks its rule ids against `known`; exit 2 with every problem.
    static func readWaivers(_ path: String, known: Set<String>) throws(CheckError) -> [Waiver] {
        guard FileManager.default.fileExists(atPath: path) else { throw .usage("waiver file \(path) not found") }
        let sink = DiagnosticSink()
        let waivers = WaiverLoader.load(path: path, sink: sink)
        if let waivers { WaiverLoader.checkRuleIDs(waivers, known: known, sink: sink) }
        guard let waivers, sink.isEmpty else { throw .diagnostics(sink.diagnostics) }
        return waivers
    }

    static func isASCIIHexDigit(_ b: UInt8) -> Bool { (48...57).contains(b) || (65...70).contains(b) || (97...102).contains(b) }

    /// The baseline file (`--baseline`); exit 2 when it cannot be read or is not a baseline.
    public static func loadBaseline(_ path: String) throws(CheckError) -> Baseline {
        guard let data = FileManager.default.contents(atPath: path) else { throw .usage("baseline \(path) cannot be read") }
        guard var baseline = try? JSONDecoder().decode(Baseline.self, from: data), baseline.tool == "esfcheck" else {
            throw .usage("\(path) is not an esfcheck baseline (write one with --write-baseline)")
        }
        guard baseline.baselineVersion == 1 else {
            throw .usage("baseline \(path) has format \(baseline.baselineVersion); this esfcheck reads format 1")
        }
        // ASCII hexadecimal digits only (not the other scripts' digits `isHexDigit` allows); matched lower-case, as written
        if let bad = baseline.findings.first(where: { $0.fingerprint.utf8.count != 64 || !$0.fingerprint.utf8.allSatisfy(Self.isASCIIHexDigit) }) {
            throw .usage("baseline \(path): '\(bad.fingerprint)' (\(bad.ruleID)) is not a fingerprint of 64 hexadecimal digits")
        }
        for i in baseline.findings.indices { baseline.findings[i].fingerprint = baseline.findings[i].fingerprint.lowercased() }
        return baseline
    }

    /// Runs the check and builds the report.
    /// `progress`, when given, is called every `CheckProgress.interval` records of each input and once when
    /// the input's stream ends (never per record: the engine's pace is not measurably changed).
    public static func check(_ request: CheckRequest, timings: RunTimings? = nil,
                             progress: ((CheckProgress) -> Void)? = nil) throws(CheckError) -> Report {
        try run(request, timings: timings, progress: progress).report
    }

    /// Runs the check: the report, and the baseline of its findings when the request writes one.
    /// `preloaded`: packs loaded once by a long-running process (`esfcheck serve`) with the request's
    /// config; the run then neither reads the rules folders nor checks the config again.
    public static func run(_ request: CheckRequest, packs preloaded: LoadedPacks? = nil, timings: RunTimings? = nil,
                           progress: ((CheckProgress) -> Void)? = nil) throws(CheckError) -> CheckResult {
        let runStarted = DispatchTime.now().uptimeNanoseconds
        defer { timings?.wall = DispatchTime.now().uptimeNanoseconds &- runStarted }
        try requireResources()
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
            for o in config.rulesAt { request.rulePathOrigins[o.ruleID] = o }
            if preloaded == nil { try checkConfig(config, rulePaths: request.rulePaths, origins: request.rulePathOrigins) }
        }
        let headers = try selectPacks(request, inputs: inputs, preloaded: preloaded)
        let ruleSet: RuleSet
        if let preloaded { ruleSet = try preloaded.ruleSet(for: headers) } else { ruleSet = try loadRuleSet(headers, rulePaths: request.rulePaths, config: request.config) }
        // waivers and the baseline are read before any input: a problem with them stops the run first
        let waivers = try loadWaivers(request.waiverFile, ruleSet: ruleSet, preloaded: preloaded)
        let baseline = try request.baseline.map { (p: String) throws(CheckError) in try loadBaseline(p) }
        var today = request.today ?? Suppressions.today() ?? CivilDate(dayNumber: 0)
        if waivers != nil, request.today == nil, Suppressions.today() == nil {
            throw .usage("ESFCHECK_TODAY '\(ProcessInfo.processInfo.environment["ESFCHECK_TODAY"] ?? "")' is not a date YYYY-MM-DD (it fixes the date waivers expire against)")
        }
        if let t = request.today { today = t }
        let suppression = Suppressions.Options(waivers: waivers, today: today, baseline: baseline, language: request.language)
        // every finding is kept to be matched (or written) before --max-findings caps the listing
        let keepAll = !suppression.isEmpty || request.writesBaseline
        var engineOptions = EngineOptions()
        engineOptions.showPersonalData = request.showPersonalData
        engineOptions.language = request.language
        engineOptions.maxFindings = keepAll ? 1 << 40 : request.maxFindings
        engineOptions.timings = timings != nil
        var findings: [Finding] = []
        var severityCounts = SeverityCounts([])
        var coverage: [RuleCoverage] = ruleSet.rules.map { RuleCoverage(ruleID: $0.id, pack: $0.pack) }
        var inputInfos: [InputInfo] = []
        let order = Engine.readOrder(ruleSet: ruleSet)
        let options = try inputOptions(request, model: ruleSet.model)
        for (inputIndex, input) in inputs.enumerated() {
            var src = try source(for: input, options: options)
            let engine = Engine(ruleSet: ruleSet, options: engineOptions, grouped: src.deliversGroups)
            let readStarted = DispatchTime.now().uptimeNanoseconds
            // the progress handler's view of this input: bytes counted by the reader, records by the sink
            var state = CheckProgress(input: displayPath(input), inputIndex: inputIndex, inputCount: inputs.count,
                                      bytesRead: 0, bytesTotal: 0, records: 0, elapsedNanoseconds: 0, done: false)
            let counter = ReadProgress()
            if progress != nil {
                src.progress = counter
                state.bytesTotal = src.files.reduce(0) { $0 + fileSize($1) }
            }
            func report(done: Bool) {
                guard let progress else { return }
                state.bytesRead = counter.bytes
                state.elapsedNanoseconds = DispatchTime.now().uptimeNanoseconds &- readStarted
                state.done = done
                progress(state)
            }
            // one thread reads and evaluates, or reading moves to a thread of its own (the same events, in order)
            func read(_ sink: (inout InputEvent) -> Void) throws {
                if request.threads > 1 {
                    // the reading thread also evaluates the records' own-record rules and aggregate filters (not
                    // when per-rule times are measured)
                    let pre = engineOptions.timings ? nil : PreEvaluator(engine: engine)
                    try ReadPipeline.stream(&src, entityOrder: order, shape: request.pipelineShape, prepare: pre.map { p in { p.prepare(&$0, evaluate: $1) } }, sink)
                } else {
                    try src.read(entityOrder: order) { event in
                        var event = event
                        sink(&event)
                    }
                }
            }
            do {
                if let progress {
                    progress(state)
                    try read { event in
                        if let timings {
                            let t = DispatchTime.now().uptimeNanoseconds
                            engine.consume(event)
                            timings.consuming &+= DispatchTime.now().uptimeNanoseconds &- t
                        } else {
                            engine.consume(event)
                        }
                        switch event {
                        case .record, .rejected:
                            state.records &+= 1
                            if state.records % CheckProgress.interval == 0 { report(done: false) }
                        case .groupEnd, .problem: break
                        }
                    }
                    report(done: true)
                } else if let timings {
                    // the engine's share of the stream: every event's consumption, timed
                    try read { event in
                        let t = DispatchTime.now().uptimeNanoseconds
                        engine.consume(event)
                        timings.consuming &+= DispatchTime.now().uptimeNanoseconds &- t
                    }
                } else {
                    try read { engine.consume($0) }
                }
            } catch let e as InputError {
                throw .input(e)
            } catch {
                throw .input(InputError(location: SourceLocation(file: input), message: "\(error)"))
            }
            let finishStarted = DispatchTime.now().uptimeNanoseconds
            timings?.stream &+= finishStarted &- readStarted
            var result = engine.finish(path: src.displayPath, files: src.files)
            if let timings {
                timings.finishing &+= DispatchTime.now().uptimeNanoseconds &- finishStarted
                timings.inputs += 1
                if timings.rules.isEmpty { timings.rules = ruleSet.rules.map { RunTimings.Rule(id: $0.id) } }
                for (i, n) in result.ruleNanos.enumerated() {
                    timings.rules[i].nanoseconds &+= n
                    timings.rules[i].evaluations += result.ruleRuns[i]
                }
            }
            // the file's own names and raw text of the fields findings point at (read again, only for these)
            // changed in place, not copied (at a million participants tens of thousands of findings)
            var listed = result.findings
            result.findings = []
            inSourceTerms(&listed, source: src, model: ruleSet.model, showPersonalData: request.showPersonalData)
            for i in listed.indices {
                if let file = listed[i].location?.file { listed[i].location?.file = displayPath(file) }
                if listed[i].relatedLocations != nil {
                    for k in listed[i].relatedLocations!.indices {
                        listed[i].relatedLocations![k].file = displayPath(listed[i].relatedLocations![k].file)
                    }
                }
            }
            if findings.isEmpty { findings = listed } else { findings += listed }
            listed = []
            // --max-findings caps the listing over all inputs; the counts stay those of all findings
            if !keepAll { findings = Engine.mostSevereAcrossInputs(findings, request.maxFindings) }
            severityCounts.add(result.severityCounts)
            for (i, c) in result.coverage.enumerated() {
                coverage[i].evaluated += c.evaluated
                coverage[i].passed += c.passed
                coverage[i].failed += c.failed
                coverage[i].notApplicable += c.notApplicable
                coverage[i].errors += c.errors
            }
            let format = src.deliversGroups ? "xml" : (src as? CSVBundleRecordSource)?.workbookPath != nil ? "xlsx" : "csv"
            var info = InputInfo(path: displayPath(input), format: format,
                                 operation: result.root["id"]?.description,
                                 files: src.files.map { f in
                                     // hashed by the reader as it read the file; read again only if it could not say
                                     FileHash(path: displayPath(f), sha256: (src as? InputDigests)?.sha256(of: f) ?? sha256(file: f))
                                 },
                                 records: result.counts)
            info.indicators = result.indicators
            if let bundle = src as? CSVBundleRecordSource {
                info.absentColumns = byFile(bundle.absentColumns)
                info.unboundColumns = byFile(bundle.ignoredColumns)
            }
            inputInfos.append(info)
        }
        let packs = ruleSet.packs.map { p in
            PackInfo(id: p.id, title: p.title.text(request.language), version: p.version, provisional: p.provisional,
                     sha256: preloaded?.hash(of: p) ?? sha256(files: p.files, relativeTo: p.directory), rules: p.rules.count)
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
        let written = request.writesBaseline ? Suppressions.baseline(of: findings) : nil
        var summary: SuppressionSummary?
        if !suppression.isEmpty {
            let outcome = Suppressions.apply(suppression, to: findings, coverage: coverage)
            findings = outcome.findings
            coverage = outcome.coverage
            summary = outcome.summary
            severityCounts = SeverityCounts(findings)
        }
        if keepAll { findings = Suppressions.listed(findings, request.maxFindings) }
        if let w = request.waiverFile { opts["waivers"] = displayPath(w) }
        if let b = request.baseline { opts["baseline"] = displayPath(b) }
        var report = Report(toolVersion: esfcheckVersion, startedAt: started, options: opts, packs: packs, inputs: inputInfos,
                            failOn: request.failOn, coverage: coverage, findings: findings, counts: severityCounts)
        // the report holds the only copy of the findings, escaped in place below
        findings = []
        report.language = request.language
        if let summary {
            // the verdict of the findings neither waived nor in the baseline; the counts stay those of all
            report.suppression = summary
            report.verdict = Verdict.of(summary.counted, failOn: request.failOn)
            report.exitCode = report.verdict == .reject ? 1 : 0
        }
        report.rules = ruleSet.rules.map { r in
            RuleDescriptor(id: r.id, pack: r.pack, title: r.title.text(request.language), severity: r.severity.resolve(reportType: nil),
                           severityText: r.severity.description, legalBasis: r.legalBasis(in: request.language), help: r.help?.text(request.language),
                           assertion: r.assertText)
        }
        report.disabledRules = (request.config?.disabled ?? []).map { DisabledRule(ruleID: $0.ruleID, reason: $0.value) }
        report.configuration = configurationInfo(request, ruleSet: ruleSet, options: options, preloaded: preloaded)
        report.parameters = ruleSet.packs.map { p in
            PackParameters(pack: p.id, values: Dictionary(uniqueKeysWithValues: p.parameters.map { ($0.name, $0.value.description) }))
        }
        report.escapeInvisibleCharacters()
        return CheckResult(report: report, baseline: written)
    }

    /// The size of a file in bytes; 0 when it cannot be known (the reader then says why it cannot read it).
    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Columns by the file (as displayed) they belong to; nil when there are none.
    static func byFile(_ columns: [CSVBundleRecordSource.IgnoredColumn]) -> [String: [String]]? {
        columns.isEmpty ? nil : Dictionary(grouping: columns, by: { displayPath($0.file) }).mapValues { $0.map(\.header) }
    }

    /// Whether a pack is one of the built-in packs (not a user pack that replaced one).
    public static func isBuiltin(_ pack: PackHeader) -> Bool {
        guard let dir = builtinRulesDirectory else { return false }
        return pack.directory.hasPrefix(PackLoader.absolutePath(dir) + "/")
    }

    /// The configuration of a run, for the report's header and envelope.
    static func configurationInfo(_ request: CheckRequest, ruleSet: RuleSet, options: InputOptions,
                                  preloaded: LoadedPacks? = nil) -> ConfigurationInfo {
        let config = request.config
        let source = config == nil ? (request.ignoredConfig ? "ignored (--no-config)" : "none") : (request.configGiven ? "--config" : "working directory")
        var info = ConfigurationInfo(file: config.map { FileHash(path: $0.file, sha256: sha256(file: $0.file)) }, source: source,
                                     failOn: request.failOn?.rawValue ?? "never", failOnSource: request.failOnSource,
                                     model: FileHash(path: displayPath(ruleSet.model.path), sha256: sha256(file: ruleSet.model.path)))
        for s in config?.severities ?? [] where ruleSet.regraded[s.ruleID] != nil {
            info.severityOverrides.append(SeverityOverride(ruleID: s.ruleID, from: ruleSet.regraded[s.ruleID] ?? "", to: s.value, reason: s.reason ?? ""))
        }
        for p in ruleSet.packs {
            for d in p.parameters {
                if let def = d.overriddenDefault {
                    info.parameterOverrides.append(ParameterOverride(pack: p.id, name: d.name, value: d.value.description, defaultValue: def.description))
                }
            }
        }
        info.profile = options.profile?.id
        if let path = options.profilePath { info.profileFile = FileHash(path: displayPath(path), sha256: sha256(file: path)) }
        if let w = request.waiverFile {
            let preread = preloaded?.waiverFile.flatMap { $0.path == w ? $0.sha256 : nil }
            info.waivers = FileHash(path: displayPath(w), sha256: preread ?? sha256(file: w))
        }
        if let b = request.baseline { info.baseline = FileHash(path: displayPath(b), sha256: sha256(file: b)) }
        return info
    }

    /// A path as the user would write it: relative to the working directory when below it;
    /// bundled files are shown relative to the bundle.
    public static func displayPath(_ path: String) -> String {
        // a file of a folder the caller shows by its own names (`esfcheck serve`: an upload's files)
        if let root = displayRoot, path.hasPrefix(root + "/") { return String(path.dropFirst(root.count + 1)) }
        // a file of the resources that travel with the binary, wherever the binary is and whatever the
        // working folder: `(bundled) Fixtures/ucne-delavnice/export.xml`
        for root in bundledRoots where path.hasPrefix(root) { return "(bundled) " + path.dropFirst(root.count) }
        let cwd = FileManager.default.currentDirectoryPath + "/"
        if path.hasPrefix(cwd) { return String(path.dropFirst(cwd.count)) }
        return path
    }

    /// A folder whose files are shown by their path below it (`export.xml`, `bundle/operation.csv`),
    /// bound around a run by a caller that keeps its inputs in a private temporary folder (`esfcheck
    /// serve`): the report names what was uploaded, never where the server put it.
    @TaskLocal public static var displayRoot: String?

    /// The folder of the resources beside the binary, with a trailing slash: as found, and with its
    /// symbolic links resolved (a rule file's path is the resolved one when the binary is reached
    /// through a link, as `.build/debug` is).
    public static let bundledRoots: [String] = BundledResources.rulesDirectory.map { dir -> [String] in
        let root = dir.deletingLastPathComponent().path
        var roots: Set<String> = [root + "/"]
        if let resolved = realpath(root, nil) {
            roots.insert(String(cString: resolved) + "/")
            free(resolved)
        }
        return roots.sorted { $0.count > $1.count }
    } ?? []

    static func sha256(file: String) -> String {
        guard let h = FileHandle(forReadingAtPath: file) else { return "" }
        defer { try? h.close() }
        var hasher = SHA256()
        while let chunk = try? h.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return Hex.lowercase(hasher.finalize())
    }

    /// One hash over a pack: each file's relative path and content hash, in sorted order.
    static func sha256(files: [String], relativeTo dir: String) -> String {
        var hasher = SHA256()
        // a base pack's file (extends:) is named from the rules folder, `../base/rules.yaml`, so the
        // hash does not depend on where the tool is installed
        let parent = (dir as NSString).deletingLastPathComponent
        for f in files.sorted() {
            let rel = f.hasPrefix(dir + "/") ? String(f.dropFirst(dir.count + 1))
                : f.hasPrefix(parent + "/") ? "../" + f.dropFirst(parent.count + 1) : (f as NSString).lastPathComponent
            hasher.update(data: Data("\(rel)\u{0}\(sha256(file: f))\n".utf8))
        }
        return Hex.lowercase(hasher.finalize())
    }
}

