import ArgumentParser
import ESFCore
import ESFEngine
import ESFInputs
import ESFReports
import ESFRules
import Foundation

@main
struct ESFCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esfcheck",
        abstract: "Check European Social Fund operation exports against declarative co-financing and eligibility rules.",
        discussion: """
        EXIT CODES:
          0  verdict accept (no finding at or above --fail-on) or review (a person must check the evidence);
             waived findings (--waivers) and findings in the --baseline do not count
          1  verdict reject: a finding at or above --fail-on, or any fatal finding whatever --fail-on says
          2  usage error (unknown option, value or subcommand, a path that cannot be used, the built-in packs
             missing beside the binary), a rule, profile or config file is invalid (every problem listed
             with file:line:column), or the report cannot be written
          3  an input could not be read or parsed (malformed XML, unreadable CSV, wrong encoding, a missing
             bundle file, a FIFO or device given as input), or is in another layout given without a
             profile (the message names the shipped profile that reads it: --profile si-legacy-xml)
        With --format json, exits 2 and 3 also write a JSON document to stdout: verdict "error", the exit
        code and the diagnostics with file, line and column. With the other formats (text, sarif, junit,
        github, csv, html) they write nothing to stdout: the error is on standard error only.

        The built-in packs, data model, profiles and sample are found beside the executable
        (PREFIX/share/esfcheck when installed), or in the folder named by ESFCHECK_RESOURCES.
        --version prints the version and each built-in pack's id and version.
        """,
        version: esfcheckVersion,
        subcommands: [Check.self, Rules.self, Verify.self, Schema.self, Init.self, Serve.self],
        defaultSubcommand: Check.self
    )

    /// Parses and runs a command; argument errors exit 2 as documented (not the parser's 64), with a
    /// JSON error document on stdout when `--format json` was asked for.
    static func main() {
        MallocTuning.fixMmapThreshold()
        let arguments = Array(CommandLine.arguments.dropFirst())
        // the version with the built-in packs' versions (the parser's own --version prints the first line only)
        if arguments == ["--version"] {
            let text: String
            do { text = try Checker.versionText() } catch { Foundation.exit(fail(error).rawValue) }
            do { try emit(text, to: nil) } catch { Foundation.exit(exitCode(for: error).rawValue) }
            Foundation.exit(0)
        }
        if let unknown = unknownCommand(arguments) {
            let code = fail(.usage(DiagnosticWords.unknownCommand(unknown.word, suggestion: unknown.command, localeLanguage)), json: wantsJSON)
            Foundation.exit(code.rawValue)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code.rawValue == 64 else { exit(withError: error) }
            let message = fullMessage(for: error)
            printError(message)
            if wantsJSON {
                let first = message.split(separator: "\n").first.map(String.init) ?? message
                try? Output.write(ErrorDocument.render(.usage(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first)), to: nil)
            }
            Foundation.exit(2)
        }
    }

    /// Whether the command line asks for `--format json` (error documents then go to stdout too).
    static var wantsJSON: Bool {
        zip(CommandLine.arguments, CommandLine.arguments.dropFirst()).contains { $0 == "--format" && $1 == "json" }
            || CommandLine.arguments.contains("--format=json")
    }

    /// The subcommand names, and the parser's `help`.
    static var commandNames: [String] { configuration.subcommands.map { $0._commandName } + ["help"] }

    /// A first argument that is a mistyped subcommand (`esfcheck chek`), with the subcommand it is near.
    /// `check` is the default subcommand, so a first argument is otherwise an input: only a word that
    /// names no existing file or folder, has no path separator and no extension, and is within a
    /// typo's distance of a subcommand name is taken for a command.
    static func unknownCommand(_ arguments: [String]) -> (word: String, command: String)? {
        guard let first = arguments.first, !first.isEmpty, !first.hasPrefix("-"),
              !commandNames.contains(first), !first.contains("/"), !first.contains("."),
              !FileManager.default.fileExists(atPath: first),
              let near = Nearest.match(first, in: commandNames) else { return nil }
        return (first, near)
    }
}

/// Writes `text` to stdout, or atomically to `path` (temp file + rename), refusing targets that are
/// inputs (`protected`), folders, devices or FIFOs; exit 2 with the reason when it cannot be written.
func emit(_ text: String, to path: String?, protecting protected: [String] = [], json: Bool = false, language: Language = localeLanguage) throws {
    try emit(to: path, protecting: protected, json: json, language: language) { put throws(OutputError) in try put(text) }
}

/// `emit` of a text made in pieces (`Output.write(to:protecting:_:)`).
func emit(to path: String?, protecting protected: [String] = [], json: Bool = false, language: Language = localeLanguage,
          _ produce: (_ put: (String) throws(OutputError) -> Void) throws(OutputError) -> Void) throws {
    do { try Output.write(to: path, protecting: protected, produce) } catch {
        throw fail(.usage(error.description), json: json && path != nil, language: language)
    }
}

/// The language of the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`): that of the diagnostics of every
/// command but `check --lang`.
let localeLanguage = Language.fromEnvironment(ProcessInfo.processInfo.environment)

/// Reports why a command stops (stderr; with `json`, also a JSON error document on stdout) and gives its exit code.
/// The message is in `language` (`check --lang`, else the locale's).
func fail(_ error: CheckError, json: Bool = false, language: Language = localeLanguage) -> ExitCode {
    printError(error.text(language))
    if json { try? Output.write(ErrorDocument.render(error, language: language), to: nil) }
    return ExitCode(error.exitCode)
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, junit, github, csv, html
}

/// `--color`: `auto` colours text written to a terminal unless `NO_COLOR` is set (to anything but the empty string).
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// Whether text written to `fd` (nil: a file) is coloured.
    func colors(fd: Int32?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            guard let fd, isatty(fd) == 1 else { return false }
            return (environment["NO_COLOR"] ?? "").isEmpty
        }
    }
}

enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case error, review, warning, info, never
    var severity: Severity? { self == .never ? nil : Severity(rawValue: rawValue) }
}

struct Check: ParsableCommand {
    // every command names itself: ArgumentParser otherwise derives the name from the type's name by
    // reflection, about 1.5 M instructions per command at each start (`ESFCheck.commandNames` reads them all)
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check exports (an XML file, or a folder with a CSV bundle). With no input, checks the bundled sample.",
        discussion: "Exit codes: 0 accept/review, 1 reject, 2 usage or rule-file error, 3 unreadable input."
    )

    @Argument(help: "XML export files, or folders holding a CSV bundle (operation.csv, participants.csv, …).")
    var inputs: [String] = []

    @Option(name: .customLong("pack"), help: "A rule pack to use (repeatable). Default: chosen from the export's period, programme and scheme.")
    var packs: [String] = []

    @Option(name: .customLong("rules"), help: "A folder with a user rule pack (pack.yaml + rule files), or a folder of packs (repeatable).")
    var rules: [String] = []

    @Option(help: "Output format (default: the config's, else text).")
    var format: OutputFormat?

    @Option(help: "The project configuration (default: esfcheck.yaml in the working directory, when present).")
    var config: String?

    @Flag(name: .customLong("no-config"), help: "Ignore esfcheck.yaml in the working directory.")
    var noConfig = false

    @Option(help: "A mapping profile (CSV bundle or XML layout): a YAML file, or a shipped profile's name (si-legacy-csv, si-legacy-xml).")
    var profile: String?

    @Option(help: "XSD validation of XML inputs: canonical (default), none, or an XSD file.")
    var schema: String?

    @Option(help: "Write the report to this file (atomically) instead of stdout.")
    var output: String?

    @Option(name: .customLong("fail-on"), help: "The lowest severity that rejects the export (fatal findings always reject; default: the config's, else error).")
    var failOn: FailOn?

    @Option(name: .customLong("max-findings"), help: "List at most this many findings, most severe first (counts, coverage and the verdict stay those of all findings).")
    var maxFindings: Int = 100_000

    @Option(name: .customLong("max-line-bytes"), help: "The longest CSV row in bytes (default 16777216, 16 MiB); a longer one stops the run with exit code 3.")
    var maxLineBytes: Int?

    @Option(help: "Threads to use (at least 1; default: 2 on a machine with two or more cores, else 1). With 2 or more, the input is read on a thread of its own while the rules are evaluated on another; 1 does both on one thread. The report is the same either way.")
    var threads: Int?

    @Option(help: "A waiver file (YAML, docs/waivers.md): findings accepted with a reason, an approver and an expiry date. Waived findings stay listed but do not decide the verdict (default: the config's waivers:).")
    var waivers: String?

    @Option(help: "A baseline written by --write-baseline: findings whose fingerprint it lists stay listed but do not decide the verdict; only new findings do.")
    var baseline: String?

    @Option(name: .customLong("write-baseline"), help: "Also write the fingerprints of this run's findings to this file (JSON), for a later --baseline. The report is written as usual.")
    var writeBaseline: String?

    @Flag(help: "Show the values of each failed assertion's parts in text output (always in JSON).")
    var explain = false

    @Flag(name: .customLong("show-personal-data"), help: "Reveal EMŠO numbers and names, masked by default.")
    var showPersonalData = false

    @Flag(help: "Omit the start time so that reports of the same inputs are byte-identical.")
    var deterministic = false

    @Flag(help: "Write where the time went to standard error: reading, evaluating, the end of the stream, and every rule's time.")
    var timings = false

    @Flag(help: "Print only the summary line (verdict, counts, exit code) on stdout; the report goes to --output when given, else nowhere. No progress bar.")
    var quiet = false

    @Option(help: "Colour the text report and the summary line: auto (when stdout is a terminal and NO_COLOR is not set), always, never.")
    var color: ColorChoice = .auto

    @Option(help: "The language of the report, the diagnostics and the built-in rules' texts: sl (Slovenian) or en (English). Default: sl when LC_ALL, LC_MESSAGES or LANG (the first set) names Slovenian, else en.")
    var lang: Language?

    @Option(help: "Fit the lines of the text report to this many characters (at least 40; default: the terminal's width, or 100 into a file or a pipe).")
    var width: Int?

    func validate() throws {
        if maxFindings < 1 { throw ValidationError("--max-findings must be at least 1") }
        if noConfig && config != nil { throw ValidationError("--no-config and --config exclude each other") }
        if let n = maxLineBytes, n < 1 { throw ValidationError("--max-line-bytes must be at least 1") }
        if let n = threads, n < 1 { throw ValidationError("--threads must be at least 1") }
        if let n = width, n < TextLayout.minimumWidth { throw ValidationError("--width must be at least \(TextLayout.minimumWidth)") }
    }

    func run() throws {
        // JSON on stdout for exits 2 and 3 as soon as the format is known
        var json = format == .json
        var request = CheckRequest()
        request.language = lang ?? localeLanguage
        let language = request.language
        if !noConfig {
            do { request.config = try Checker.loadConfig(path: config) } catch { throw fail(error, json: json, language: language) }
        }
        var format = self.format ?? .text
        var failOn = self.failOn ?? .error
        request.failOnSource = self.failOn != nil ? "command line" : "default"
        if let cfg = request.config {
            if self.format == nil, let f = cfg.format, let parsed = OutputFormat(rawValue: f) { format = parsed }
            if self.failOn == nil, let f = cfg.failOn, let parsed = FailOn(rawValue: f) {
                failOn = parsed
                request.failOnSource = "config"
            }
        }
        json = format == .json
        request.inputs = inputs
        request.packs = packs
        request.rulePaths = rules
        request.profile = profile
        request.schema = schema
        request.failOn = failOn.severity
        request.showPersonalData = showPersonalData
        request.deterministic = deterministic
        request.maxFindings = maxFindings
        request.ignoredConfig = noConfig
        request.configGiven = config != nil
        request.maxLineBytes = maxLineBytes
        request.threads = threads ?? ReadPipeline.defaultThreads
        request.waivers = waivers
        request.baseline = baseline
        request.writesBaseline = writeBaseline != nil
        // refuse an output target that cannot take a report before doing the work
        let protected = Output.files(under: Checker.pathsRead(request))
        if let output {
            do { try Output.check(output, protecting: protected) } catch {
                throw fail(.usage(error.description), json: json, language: language)
            }
        }
        if let writeBaseline {
            if let output, Output.sameFile(output, writeBaseline) {
                throw fail(.usage("--write-baseline and --output name the same file, \(writeBaseline)"), json: json, language: language)
            }
            do { try Output.check(writeBaseline, protecting: protected) } catch {
                throw fail(.usage(error.description), json: json, language: language)
            }
        }
        let report: Report
        let written: Baseline?
        // a progress bar on stderr only when it is a terminal (and only for a large input: ProgressDisplay)
        let progress = !quiet && isatty(STDERR_FILENO) == 1 ? ProgressDisplay(fd: STDERR_FILENO, language: language) : nil
        do {
            let measured = timings ? RunTimings() : nil
            defer { progress?.clear() }
            let result = try Checker.run(request, timings: measured, progress: progress.map { display in { display.update($0) } })
            report = result.report
            written = result.baseline
            progress?.clear()
            if let measured { FileHandle.standardError.write(Data(measured.render().utf8)) }
        } catch {
            throw fail(error, json: json, language: language)
        }
        if let writeBaseline, let written {
            guard let text = BaselineWriter.render(written) else { throw fail(.usage("the baseline could not be encoded"), json: json, language: language) }
            try emit(text, to: writeBaseline, protecting: protected, json: json, language: language)
        }
        // the summary line goes to stdout when the report does not (--output) or instead of it (--quiet)
        let summary = TextReporter(color: color.colors(fd: STDOUT_FILENO), explain: false).summaryLine(report) + "\n"
        if quiet && output == nil {
            try emit(summary, to: nil)
            if report.exitCode != 0 { throw ExitCode(Int32(report.exitCode)) }
            return
        }
        // nil: the report was written as it was made (JSON: the text of a large report is never held whole)
        let text: String?
        switch format {
        case .text:
            // lines fitted to the terminal; a file or a pipe gets the fixed default width (stable output)
            let toTerminal = output == nil && isatty(STDOUT_FILENO) == 1
            text = TextReporter(color: color.colors(fd: output == nil ? STDOUT_FILENO : nil), explain: explain,
                                width: width ?? (toTerminal ? terminalWidth(STDOUT_FILENO) : TextLayout.defaultWidth)).render(report)
        case .json:
            try emit(to: output, protecting: protected, json: json, language: language) { put throws(OutputError) in
                try JSONReporter().write(report, to: put)
            }
            text = nil
        case .sarif: text = SARIFReporter().render(report)
        case .junit: text = JUnitReporter().render(report)
        case .github: text = GitHubReporter().render(report)
        case .csv: text = CSVReporter().render(report)
        case .html: text = HTMLReporter().render(report)
        }
        if let text { try emit(text, to: output, protecting: protected, json: json, language: language) }
        if output != nil { try emit(summary, to: nil) }
        if report.exitCode != 0 { throw ExitCode(Int32(report.exitCode)) }
    }
}

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "List, show and document the rules of the built-in and user packs.",
                                                    subcommands: [List.self, Show.self, Doc.self], defaultSubcommand: List.self)

    /// Options shared by the rules subcommands.
    struct PackOptions: ParsableArguments {
        @Option(name: .customLong("pack"), help: "Only this pack (repeatable).")
        var packs: [String] = []
        @Option(name: .customLong("rules"), help: "Also the packs under this folder (repeatable).")
        var rules: [String] = []
        @Option(help: "The language of the rules' titles, messages and help: sl (Slovenian) or en (English). Default: sl when LC_ALL, LC_MESSAGES or LANG (the first set) names Slovenian, else en.")
        var lang: Language?

        /// The language asked for, else the locale's.
        var language: Language { lang ?? localeLanguage }

        /// Loads the chosen packs (all built-in ones by default).
        func load() throws -> ESFRules.RuleSet {
            var headers: [PackHeader]
            do { headers = try Checker.availablePacks(rulePaths: rules) } catch { throw fail(error) }
            if !packs.isEmpty {
                for p in packs where !headers.contains(where: { $0.id == p }) {
                    throw fail(.usage("unknown pack '\(p)'\(Nearest.hint(p, in: headers.map(\.id))); see esfcheck rules list"))
                }
                headers = headers.filter { packs.contains($0.id) }
            }
            do { return try Checker.loadRuleSet(headers, rulePaths: rules) } catch { throw fail(error) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one rule: its assertion, message, legal basis, help and examples.")
        @Argument(help: "The rule id, e.g. UD-EM-003.")
        var id: String
        @OptionGroup var options: PackOptions

        func run() throws {
            let set = try options.load()
            // ids are matched whatever their case (ud-em-003 is UD-EM-003)
            guard let rule = set.rules.first(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else {
                throw fail(.usage("no rule \(id)\(Nearest.hint(id, in: set.rules.map(\.id))); see esfcheck rules list"))
            }
            try emit(RuleDocumentation.rule(rule, language: options.language).trimmingCharacters(in: .newlines) + "\n", to: nil)
        }
    }

    struct Doc: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "doc", abstract: "Write the rule catalogue in Markdown (docs/rules.md is generated with it).")
        @OptionGroup var options: PackOptions
        @Option(help: "Write to this file instead of stdout.")
        var output: String?

        func run() throws {
            try emit(RuleDocumentation.markdown(try options.load(), language: options.language), to: output)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List rule ids, severities, scopes and titles.")
        @OptionGroup var options: PackOptions

        func run() throws {
            let set = try options.load()
            var out = ""
            func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
            let idWidth = set.rules.map(\.id.count).max() ?? 0
            let sevWidth = set.rules.map(\.severity.description.count).max() ?? 0
            let scopeWidth = set.rules.map(\.scopeName.count).max() ?? 0
            let language = options.language
            for pack in set.packs {
                out += "\(pack.id) \(pack.version)\(pack.provisional ? " (provisional)" : "") — \(pack.title.text(language))\n"
                for r in pack.rules.sorted(by: { $0.id < $1.id }) {
                    out += "  \(pad(r.id, idWidth))  \(pad(r.severity.description, sevWidth))  \(pad(r.scopeName, scopeWidth))  \(r.title.text(language))\n"
                }
            }
            try emit(out, to: nil)
        }
    }
}

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the XSD of the canonical XML export, generated from the data model.")
    @Option(name: .customLong("rules"), help: "Also the packs and models under this folder (repeatable).")
    var rules: [String] = []

    func run() throws {
        let model: DataModel
        do { model = try Checker.loadModel(rulePaths: rules) } catch { throw fail(error) }
        try emit(XSDGenerator.schema(for: model), to: nil)
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a commented esfcheck.yaml in the working directory.")
    @Flag(help: "Overwrite an existing esfcheck.yaml.")
    var force = false

    func run() throws {
        if FileManager.default.fileExists(atPath: "esfcheck.yaml") && !force {
            throw fail(.usage("esfcheck.yaml already exists (use --force to overwrite it)"))
        }
        try emit(ESFRules.ProjectConfig.template, to: "esfcheck.yaml")
        FileHandle.standardError.write(Data("wrote esfcheck.yaml\n".utf8))
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Run every rule's own pass and fail examples (built-in packs, or the packs under PATH).")
    @Argument(help: "Folders with user packs; default: the built-in packs.")
    var paths: [String] = []

    func run() throws {
        let set: ESFRules.RuleSet
        do {
            let headers = paths.isEmpty ? try Checker.availablePacks(rulePaths: []) : try Checker.userPacks(rulePaths: paths)
            set = try Checker.loadRuleSet(headers, rulePaths: paths)
        } catch { throw fail(error) }
        let outcomes = ExampleRunner.run(set)
        var out = ""
        for o in outcomes where !o.passed {
            out += "\(o.example.file):\(o.example.line):\(o.example.column): \(o.ruleID) \(o.example.shouldPass ? "pass" : "fail") example: \(o.problem ?? "failed")\n"
        }
        let without = set.rules.filter { r in !r.examples.contains { $0.shouldPass } || !r.examples.contains { !$0.shouldPass } }
        for r in without { out += "\(r.file):\(r.line): \(r.id) lacks a pass or a fail example\n" }
        let failed = outcomes.filter { !$0.passed }.count
        out += "\(counted(outcomes.count, "example")) of \(counted(set.rules.count, "rule")): \(outcomes.count - failed) behave as declared, \(failed) do not; \(counted(without.count, "rule")) \(without.count == 1 ? "lacks" : "lack") examples\n"
        try emit(out, to: nil)
        if failed > 0 || !without.isEmpty { throw ExitCode(1) }
    }
}

extension Language: ExpressibleByArgument {}
