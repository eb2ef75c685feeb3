import ESFCore
import ESFExpr
import Foundation

/// A value written in a config file, kept as text with its position until the type it must have is known.
public struct ConfigValue: Sendable, Hashable {
    public var text: String?
    public var items: [String]?
    public var file: String
    public var line: Int
    public var column: Int
    /// Where the name it is given for was written.
    public var keyLine: Int
    public var keyColumn: Int

    init(_ node: YNode, key: YNode) {
        text = node.isNull ? nil : node.scalar
        items = node.sequence?.compactMap(\.scalar)
        file = node.file
        line = node.line
        column = node.column
        keyLine = key.line
        keyColumn = key.column
    }

    func diagnostic(_ code: String, _ message: String) -> Diagnostic {
        Diagnostic(code: code, message: message, file: file, line: line, column: column)
    }
}

/// A setting about one rule in the config (`severity:` or `disabled:`), with its position.
public struct RuleSetting: Sendable, Hashable {
    public var ruleID: String
    public var value: String
    public var file: String
    public var line: Int
    public var column: Int
    /// Why (a severity re-grade's reason).
    public var reason: String?
    public init(ruleID: String, value: String, file: String, line: Int, column: Int, reason: String? = nil) {
        self.ruleID = ruleID
        self.value = value
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }
}

/// The project configuration `esfcheck.yaml`.
public struct ProjectConfig: Sendable {
    public var file: String
    public var packs: [String] = []
    /// Where each of `packs` was written.
    public var packsAt: [RuleSetting] = []
    /// Extra rule-pack folders, resolved against the config file's folder.
    public var rules: [String] = []
    /// Where each of `rules` was written: `ruleID` holds the resolved path, `value` the path as written.
    public var rulesAt: [RuleSetting] = []
    /// Parameter overrides by pack id.
    public var parameters: [String: [String: ConfigValue]] = [:]
    /// Where each pack id of `parameters` was written (line, column).
    public var parameterPacks: [String: RuleSetting] = [:]
    /// Severity re-grading per rule id (`value` is the new severity, `reason` why).
    public var severities: [RuleSetting] = []
    /// Rules switched off, each with the reason (`value`).
    public var disabled: [RuleSetting] = []
    public var format: String?
    public var failOn: String?
    /// The mapping profile (a file relative to the config, or a shipped profile's name)…
    public var profile: String?
    /// …or a profile written in the config itself (`profile:` as a mapping).
    public var inlineProfile: MappingProfile?
    /// XSD validation of XML inputs: canonical, none, or an XSD file relative to the config.
    public var schema: String?
    /// A waiver file (docs/waivers.md), relative to the config; `--waivers` replaces it.
    public var waivers: String?
    /// Problems found in the file itself, reported together with those of the packs.
    public var diagnostics: [Diagnostic] = []

    /// The keys a config may have.
    static let keys: Set<String> = ["packs", "rules", "parameters", "severity", "disabled", "format", "fail_on", "profile", "schema", "waivers"]

    /// The values `format:` and `fail_on:` may take.
    public static let formats = ["text", "json", "sarif", "junit", "github", "csv", "html"]
    public static let failOnLevels = ["error", "review", "warning", "info", "never"]

    /// Loads a config file; every problem goes to `sink` with file:line:column.
    public static func load(path: String, model: DataModel? = nil, sink: DiagnosticSink) -> ProjectConfig? {
        let display = PackLoader.displayPath(path)
        guard let root = loadYAML(path: path, displayPath: display, sink: sink, allowEmpty: true) else { return nil }
        guard root.mapping != nil else {
            sink.add(root.diagnostic("config.invalid", "esfcheck.yaml is a mapping (packs, rules, parameters, severity, disabled, format, fail_on)"))
            return nil
        }
        checkKeys(root, allowed: keys, what: "config", sink: sink)
        var config = ProjectConfig(file: display)
        let base = (path as NSString).deletingLastPathComponent
        func list(_ key: String) -> [String] {
            guard let n = root[key] else { return [] }
            if let s = n.scalar, !n.isNull { return [s] }
            guard let items = n.sequence else {
                sink.add(n.diagnostic("config.invalid", "'\(key)' is a list"))
                return []
            }
            return items.compactMap(\.scalar)
        }
        for item in root["packs"].map({ $0.sequence ?? [$0] }) ?? [] where !item.isNull {
            guard let id = item.scalar else {
                sink.add(item.diagnostic("config.invalid", "'packs' is a list of pack ids"))
                continue
            }
            config.packs.append(id)
            config.packsAt.append(RuleSetting(ruleID: id, value: id, file: display, line: item.line, column: item.column))
        }
        for item in root["rules"].map({ $0.sequence ?? [$0] }) ?? [] where !item.isNull {
            guard let p = item.scalar else {
                sink.add(item.diagnostic("config.invalid", "'rules' is a list of folders"))
                continue
            }
            let resolved = PackLoader.absolutePath(p.hasPrefix("/") ? p : (base as NSString).appendingPathComponent(p))
            config.rules.append(resolved)
            config.rulesAt.append(RuleSetting(ruleID: resolved, value: p, file: display, line: item.line, column: item.column))
        }
        for pack in root["parameters"]?.mapping ?? [] {
            guard let entries = pack.value.mapping else {
                sink.add(pack.value.diagnostic("config.invalid", "parameters of \(pack.key) are a mapping of name: value"))
                continue
            }
            var values: [String: ConfigValue] = [:]
            for e in entries { values[e.key] = ConfigValue(e.value, key: e.keyNode) }
            config.parameters[pack.key] = values
            config.parameterPacks[pack.key] = RuleSetting(ruleID: pack.key, value: "", file: display, line: pack.keyNode.line, column: pack.keyNode.column)
        }
        if let node = root["severity"], !node.isNull, node.mapping == nil {
            sink.add(node.diagnostic("config.invalid", "'severity' is a mapping of rule id: { severity: LEVEL, reason: \"…\" }"))
        }
        for e in root["severity"]?.mapping ?? [] {
            // a re-grade changes what rejects an export: like a switched-off rule, it needs a reason
            guard e.value.mapping != nil else {
                sink.add(e.value.diagnostic("config.severity_reason",
                                            "re-grading \(e.key) needs a reason an auditor can read: \(e.key): { severity: \(e.value.scalar ?? "LEVEL"), reason: \"…\" }"))
                continue
            }
            checkKeys(e.value, allowed: ["severity", "reason"], what: "severity re-grade", sink: sink)
            let value = e.value["severity"]?.scalar ?? ""
            if Severity(rawValue: value) == nil {
                sink.add((e.value["severity"] ?? e.value).diagnostic("config.unknown_severity", "unknown severity '\(value)' for \(e.key) (fatal, error, review, warning, info)"))
            }
            let reason = e.value["reason"]?.scalar?.trimmingCharacters(in: .whitespaces) ?? ""
            if reason.isEmpty {
                sink.add(e.value.diagnostic("config.severity_reason", "re-grading \(e.key) needs a reason an auditor can read: reason: \"…\""))
            }
            config.severities.append(RuleSetting(ruleID: e.key, value: value, file: display, line: e.keyNode.line, column: e.keyNode.column, reason: reason))
        }
        for item in root["disabled"]?.sequence ?? [] {
            checkKeys(item, allowed: ["rule", "reason"], what: "disabled", sink: sink)
            guard let rule = item["rule"]?.scalar, let reason = item["reason"]?.scalar, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                sink.add(item.diagnostic("config.disabled_reason", "a rule is switched off with its id and a reason: - { rule: ID, reason: \"…\" }"))
                continue
            }
            config.disabled.append(RuleSetting(ruleID: rule, value: reason, file: display, line: item.line, column: item.column))
        }
        if let f = root["format"] {
            config.format = f.scalar
            if !formats.contains(f.scalar ?? "") {
                sink.add(f.diagnostic("config.unknown_format", "unknown format '\(f.scalar ?? "")' (\(formats.joined(separator: ", ")))"))
            }
        }
        if let f = root["fail_on"] {
            config.failOn = f.scalar
            if !failOnLevels.contains(f.scalar ?? "") {
                sink.add(f.diagnostic("config.unknown_fail_on", "unknown fail_on '\(f.scalar ?? "")' (\(failOnLevels.joined(separator: ", ")))"))
            }
        }
        func relative(_ p: String) -> String {
            let candidate = p.hasPrefix("/") ? p : (base as NSString).appendingPathComponent(p)
            return FileManager.default.fileExists(atPath: candidate) ? candidate : p
        }
        if let node = root["profile"], node.mapping != nil {
            if let model {
                // a profile with problems leaves diagnostics in the config, which stop the run before
                // any input is read (Checker.checkConfig)
                let before = sink.diagnostics.count
                config.inlineProfile = ProfileLoader.parse(node, model: model, sink: sink, path: path)
                if config.inlineProfile == nil && sink.diagnostics.count == before {
                    sink.add(node.diagnostic("config.profile", "the profile written in the config cannot be used"))
                }
            } else {
                sink.add(node.diagnostic("config.profile", "a profile written in the config needs the data model to be checked against"))
            }
        } else if let p = root["profile"]?.scalar {
            config.profile = relative(p)
        }
        if let x = root["schema"]?.scalar { config.schema = ["canonical", "none"].contains(x) ? x : relative(x) }
        if let node = root["waivers"], !node.isNull {
            if let w = node.scalar {
                let resolved = w.hasPrefix("/") ? w : (base as NSString).appendingPathComponent(w)
                if FileManager.default.fileExists(atPath: resolved) {
                    config.waivers = resolved
                } else {
                    sink.add(node.diagnostic("config.waivers", "waiver file \(w) not found (relative to the config's folder)"))
                }
            } else {
                sink.add(node.diagnostic("config.waivers", "'waivers' is the path of a waiver file (docs/waivers.md)"))
            }
        }
        config.diagnostics = sink.diagnostics
        return config
    }

    /// Applies severity re-grading and switched-off rules to a loaded rule set; unknown ids are diagnostics.
    public func apply(to set: inout RuleSet, sink: DiagnosticSink) {
        checkRuleIDs(known: Set(set.rules.map(\.id)), where: "in the packs of this run", sink: sink)
        let off = Set(disabled.map(\.ruleID))
        for p in set.packs.indices {
            set.packs[p].rules.removeAll { off.contains($0.id) }
            for r in set.packs[p].rules.indices {
                if let s = severities.last(where: { $0.ruleID == set.packs[p].rules[r].id }), let sev = Severity(rawValue: s.value) {
                    set.regraded[set.packs[p].rules[r].id] = set.packs[p].rules[r].severity.description
                    set.packs[p].rules[r].severity = .fixed(sev)
                }
            }
        }
    }

    /// Diagnostics for re-graded or switched-off rule ids that are not `known`.
    public func checkRuleIDs(known: Set<String>, where scope: String, sink: DiagnosticSink) {
        for s in severities + disabled where !known.contains(s.ruleID) {
            sink.add(Diagnostic(code: "config.unknown_rule", message: "no rule \(s.ruleID) \(scope)\(Nearest.hint(s.ruleID, in: Array(known)))", file: s.file, line: s.line, column: s.column))
        }
    }

    /// A commented starting config, written by `esfcheck init`.
    public static let template = """
    # esfcheck project configuration (found in the working directory, or given with --config).
    # Every key is optional.

    # Rule packs to use. Without this list, packs are chosen from the export
    # itself (its period, programme and scheme); see `esfcheck rules list`.
    # packs: [esf-2014-2020, ucne-delavnice]

    # Folders with your own rule packs (pack.yaml + rule files), relative to this file.
    # rules: [./rules]

    # Parameter overrides, per pack. Types follow the pack's parameters.
    # parameters:
    #   ucne-delavnice:
    #     training_unit_cost: 560.00      # EUR per month and participant (2020 call)
    #     subsidy_full_time_monthly: 740.00
    #   esf-2014-2020:
    #     tolerance: 0.01

    # Severity re-grading per rule id (fatal, error, review, warning, info), each with the
    # reason an auditor will read; every re-grade is listed in each report.
    # severity:
    #   UD-TR-004: { severity: warning, reason: "unit cost agreed with the managing authority, letter 2021-03" }

    # Rules switched off for this project, each with the reason an auditor will read.
    # disabled:
    #   - rule: ESF-PD-005
    #     reason: "KLASIUS-to-ISCED mapping under review with the managing authority"

    # How inputs not in the canonical form are read: a mapping profile file, a shipped one
    # (si-legacy-csv, si-legacy-xml), or a profile written here (see docs/inputs.md):
    # profile: si-legacy-csv
    # profile:
    #   id: my-layout
    #   format: csv
    #   delimiter: ";"
    #   entities:
    #     operation: { file: operation.csv }

    # A waiver file: findings accepted with a reason, an approver and an expiry (docs/waivers.md);
    # --waivers replaces it.
    # waivers: waivers.yaml

    # XSD validation of XML inputs: canonical (the schema of `esfcheck schema`), none, or an XSD file.
    # schema: canonical

    # Default output format (text, json, sarif, junit, github, csv or html) and the lowest severity that rejects an export.
    # format: text
    # fail_on: error

    """
}

extension PackLoader {
    /// Overrides parameter values from a config, typed as the pack declares them.
    static func applyOverrides(_ overrides: [String: ConfigValue], to params: [ParameterDecl], pack: String, sink: DiagnosticSink) -> [ParameterDecl] {
        var result = params
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let i = result.firstIndex(where: { $0.name == name }) else {
                sink.add(Diagnostic(code: "config.unknown_parameter",
                                    message: "pack \(pack) has no parameter '\(name)' (known: \(params.map(\.name).sorted().joined(separator: ", ")))",
                                    file: value.file, line: value.keyLine, column: value.keyColumn))
                continue
            }
            let type = result[i].type
            var typed: Value?
            if let items = value.items {
                if case .list(let element) = type {
                    let values = items.map { scalarValue($0, as: element) }
                    if values.allSatisfy({ $0 != nil }) { typed = .list(values.compactMap { $0 }) }
                }
            } else if let text = value.text {
                typed = scalarValue(text, as: type)
            } else {
                typed = .null
            }
            guard let typed else {
                sink.add(value.diagnostic("config.type_mismatch", "parameter \(pack).\(name) is \(type), got '\(value.text ?? value.items?.joined(separator: ", ") ?? "")'"))
                continue
            }
            if typed != result[i].value { result[i].overriddenDefault = result[i].value }
            result[i].value = typed
        }
        return result
    }
}
