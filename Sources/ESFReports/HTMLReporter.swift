import Crypto
import ESFCore
import Foundation

/// The HTML audit report (docs/formats.md): one self-contained file — inline CSS and JS, no network, no
/// external fonts — for screen and print. The verdict, the operation summary, the indicators with their
/// targets and the co-financing split, the findings grouped by rule (each with record key, location,
/// legal basis, help and the computation behind it), filterable by severity, rule and text; per-rule
/// coverage; the envelope. Every value is HTML-escaped; a Content-Security-Policy allows only the
/// report's own style and script (by SHA-256), so nothing loads from anywhere and no injected script runs.
/// With JavaScript off every finding is listed, expanded. Without a start time (`--deterministic`) the
/// output depends only on the report.
public struct HTMLReporter: Reporter {
    public init() {}

    public func render(_ report: Report) -> String {
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"\(Self.contentSecurityPolicy)\">\n"
        out += "<meta name=\"generator\" content=\"esfcheck \(esc(report.toolVersion))\">\n"
        let operations = report.inputs.compactMap(\.operation)
        out += "<title>esfcheck report: \(report.verdict.rawValue)\(operations.isEmpty ? "" : " — " + esc(operations.joined(separator: ", ")))</title>\n"
        out += "<style>\n\(HTMLAssets.css)\n</style>\n</head>\n<body>\n"
        out += header(report)
        out += summary(report)
        out += indicators(report)
        out += findings(report)
        out += coverage(report)
        out += envelope(report)
        out += "<footer>Written by esfcheck \(esc(report.toolVersion)). Personal data is \(report.options["show_personal_data"] == "true" ? "shown (--show-personal-data)" : "masked (--show-personal-data reveals it)").</footer>\n"
        out += "<script>\n\(HTMLAssets.js)\n</script>\n</body>\n</html>\n"
        return out
    }

    /// `default-src 'none'`: no fetch, image, font or frame from anywhere; the inline style and script
    /// allowed by their hashes only.
    static let contentSecurityPolicy: String = {
        func hash(_ s: String) -> String { "'sha256-" + Data(SHA256.hash(data: Data(("\n" + s + "\n").utf8))).base64EncodedString() + "'" }
        return "default-src 'none'; style-src \(hash(HTMLAssets.css)); script-src \(hash(HTMLAssets.js)); base-uri 'none'; form-action 'none'"
    }()

    /// Text for HTML content and double-quoted attribute values: `&`, `<`, `>`, `"` and `'` as entities.
    static func escaped(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    func esc(_ s: String) -> String { Self.escaped(s) }

    /// The verdict banner with the counts per severity.
    func header(_ report: Report) -> String {
        let c = report.counts
        var out = "<header id=\"top\">\n<h1>esfcheck audit report</h1>\n"
        let checked = report.inputs.map { i in esc(i.path) + (i.operation.map { " (operation " + esc($0) + ")" } ?? "") }
        out += "<p class=\"subtitle\">\(checked.isEmpty ? "no input" : checked.joined(separator: "; ")) · packs "
        out += report.packs.map { esc("\($0.id) \($0.version)") + ($0.provisional ? " (provisional)" : "") }.joined(separator: ", ") + "</p>\n"
        out += "<div class=\"verdict verdict-\(report.verdict.rawValue)\" id=\"verdict\">\n"
        out += "<span class=\"word\">\(report.verdict.rawValue)</span>\n<div>\n<p><b>Verdict: \(report.verdict.rawValue)</b> — "
        let failOn = report.options["fail_on"] ?? report.configuration?.failOn ?? "error"
        // the verdict is that of the findings neither waived nor in the baseline
        let decisive = report.suppression?.counted ?? c
        let atOrAbove = Severity(rawValue: failOn).map { f in Severity.allCases.filter { $0 >= f }.reduce(0) { $0 + decisive[$1] } } ?? 0
        let notSuppressed = SuppressionWords.deciding(report)
        switch report.verdict {
        case .reject:
            out += decisive.fatal > 0 ? "\(counted(decisive.fatal, "fatal finding"))\(notSuppressed): a fatal finding rejects the export whatever fail-on says"
                : "\(counted(atOrAbove, "finding"))\(notSuppressed) at or above fail-on (\(esc(failOn)))"
        case .review:
            out += "no finding\(notSuppressed) at or above fail-on (\(esc(failOn))); \(counted(decisive.review, "review finding"))\(notSuppressed): a person must check the evidence"
        case .accept:
            out += failOn == "never" ? "fail-on is never and no finding\(notSuppressed) is fatal or for review" : "no finding\(notSuppressed) at or above fail-on (\(esc(failOn))) and none for review"
        }
        out += "; exit code \(report.exitCode).</p>\n"
        out += "<p>\(counted(c.total, "finding"))\(report.findingsShown < report.findingsTotal ? ", \(report.findingsShown) listed" : "")"
        if let s = SuppressionWords.suppressed(report) {
            out += "; \(s): they stay listed and do not count for the verdict"
        }
        out += ".</p>\n"
        out += "<ul class=\"counts\">" + Severity.allCases.map { "<li><span class=\"sev sev-\($0.rawValue)\">\($0.rawValue)</span> <b>\(c[$0])</b></li>" }.joined() + "</ul>\n"
        out += "</div>\n</div>\n"
        if report.findingsShown < report.findingsTotal {
            let note = SuppressionWords.capped(report)
            out += "<p class=\"warn\">\(esc(note.prefix(1).uppercased() + note.dropFirst())).</p>\n"
        }
        return out + "</header>\n"
    }

    /// Per input: what was read (records per entity), and columns that were not read.
    func summary(_ report: Report) -> String {
        var out = "<section id=\"summary\">\n<h2>Operation summary</h2>\n"
        if report.inputs.isEmpty { out += "<p>No input was checked.</p>\n" }
        for input in report.inputs {
            out += "<h3>\(input.operation.map { "Operation " + esc($0) } ?? "Operation (no id)") — <code>\(esc(input.path))</code> (\(esc(input.format)))</h3>\n"
            out += "<table class=\"records\">\n<thead><tr><th>entity</th><th class=\"num\">records read</th><th class=\"num\">evaluated</th><th class=\"num\">rejected</th></tr></thead>\n<tbody>\n"
            for r in input.records {
                out += "<tr><td>\(esc(r.entity.replacingOccurrences(of: "_", with: " ")))</td><td class=\"num\">\(r.read)</td><td class=\"num\">\(r.evaluated)</td><td class=\"num\">\(r.rejected)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
            out += columns("Columns no binding names (not read)", input.unboundColumns)
            out += columns("Optional columns absent (read as missing in every row)", input.absentColumns)
        }
        return out + "</section>\n"
    }

    func columns(_ label: String, _ columns: [String: [String]]?) -> String {
        guard let columns, !columns.isEmpty else { return "" }
        let listed = columns.sorted { $0.key < $1.key }.map { "<code>\(esc($0.key))</code>: " + $0.value.map { "<code>\(esc($0))</code>" }.joined(separator: ", ") }
        return "<p>\(label): \(listed.joined(separator: "; "))</p>\n"
    }

    /// Indicators against their targets, and the split of the claimed amounts between EU and national funds.
    func indicators(_ report: Report) -> String {
        guard report.inputs.contains(where: { !$0.indicators.isEmpty }) else { return "" }
        var out = "<section id=\"indicators\">\n<h2>Indicators</h2>\n"
        for input in report.inputs where !input.indicators.isEmpty {
            if report.inputs.count > 1 { out += "<h3><code>\(esc(input.path))</code></h3>\n" }
            out += split(input, report: report)
            out += "<table class=\"indicators\">\n<thead><tr><th>indicator</th><th class=\"num\">value</th><th class=\"num\">target</th><th>against the target</th><th>pack</th></tr></thead>\n<tbody>\n"
            for i in input.indicators {
                let status: String
                switch i.met {
                case .some(true): status = "<span class=\"met-yes\">reached</span>"
                case .some(false): status = "<span class=\"met-no\">not reached</span>"
                case .none: status = i.targetDisplay == nil ? "" : "not known"
                }
                let value = i.value == nil ? "<span class=\"note\">not computed: \(esc(i.note ?? i.display))</span>" : esc(i.display)
                out += "<tr id=\"indicator-\(esc(i.pack))-\(esc(i.id))\"><td>\(esc(i.title))</td><td class=\"num\">\(value)</td><td class=\"num\">\(esc(i.targetDisplay ?? ""))</td><td>\(status)</td><td class=\"nowrap\"><code>\(esc(i.pack))</code></td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        return out + "</section>\n"
    }

    /// The EU and national contributions claimed (indicators `eu_claimed` and `national_claimed` of one
    /// pack) with their shares of the two, and the values of the packs' `max_eu_rate…` parameters beside them; nothing
    /// when an input lacks either amount.
    func split(_ input: InputInfo, report: Report) -> String {
        for pack in Self.orderedUnique(input.indicators.map(\.pack)) {
            let of = { (id: String) in input.indicators.first { $0.pack == pack && $0.id == id } }
            guard let eu = of("eu_claimed"), let national = of("national_claimed"),
                  let euText = eu.value, let nationalText = national.value,
                  let euAmount = ExactDecimal(parsing: Substring(euText)), let nationalAmount = ExactDecimal(parsing: Substring(nationalText)),
                  let total = try? euAmount.adding(nationalAmount), total > ExactDecimal(0),
                  let euShare = try? euAmount.divided(by: total), let nationalShare = try? nationalAmount.divided(by: total),
                  let euPercent = try? euShare.multiplied(by: ExactDecimal(100)), let nationalPercent = try? nationalShare.multiplied(by: ExactDecimal(100))
            else { continue }
            let euWidth = euPercent.rounded(2).formatted(minimumScale: 2), nationalWidth = nationalPercent.rounded(2).formatted(minimumScale: 2)
            var out = "<div class=\"split\" id=\"split\">\n<h3>Co-financing split of the amounts claimed</h3>\n"
            out += "<svg viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"EU \(euWidth) %, national \(nationalWidth) %\">"
            out += "<rect class=\"eu\" x=\"0\" y=\"0\" width=\"\(euWidth)\" height=\"10\"/><rect class=\"national\" x=\"\(euWidth)\" y=\"0\" width=\"\(nationalWidth)\" height=\"10\"/></svg>\n"
            out += "<p class=\"legend\"><span><span class=\"swatch swatch-eu\"></span>EU \(esc(eu.display)): <b>\(euWidth) %</b></span>"
            out += "<span><span class=\"swatch swatch-national\"></span>national \(esc(national.display)): <b>\(nationalWidth) %</b></span>"
            out += "<span>EU + national: \(esc(total.formatted(minimumScale: 2)))</span></p>\n"
            for p in report.parameters {
                for (name, rate) in p.values.sorted(by: { $0.key < $1.key }) where name.hasPrefix("max_eu_rate") {
                    let percent = ExactDecimal(parsing: Substring(rate)).flatMap { try? $0.multiplied(by: ExactDecimal(100)) }
                    // the value only: which rule applies which rate, and where, is the rules' to say
                    let shares = percent.map { " (\($0.rounded(2).formatted(minimumScale: 2)) %)" } ?? ""
                    out += "<p class=\"note\">Pack <code>\(esc(p.pack))</code>: parameter <code>\(esc(name))</code> = \(esc(rate))\(shares).</p>\n"
                }
            }
            return out + "</div>\n"
        }
        return ""
    }

    static func orderedUnique(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }

    /// The findings grouped by rule, most severe rules first, with the filters (shown by the script).
    func findings(_ report: Report) -> String {
        var out = "<section id=\"findings\">\n<h2>Findings</h2>\n"
        guard !report.findings.isEmpty else {
            return out + "<p>\(report.findingsTotal == 0 ? "No findings." : "No finding is listed.")</p>\n</section>\n"
        }
        var groups: [String: [Finding]] = [:]
        for f in report.findings { groups[f.ruleID, default: []].append(f) }
        let maxSeverity = groups.mapValues { $0.map(\.severity).max() ?? .info }
        let ordered = groups.keys.sorted { a, b in
            let sa = maxSeverity[a] ?? .info, sb = maxSeverity[b] ?? .info
            return sa != sb ? sa > sb : a < b
        }
        let present = Severity.allCases.filter { s in report.findings.contains { $0.severity == s } }
        out += "<form id=\"filters\" hidden>\n<fieldset><legend>Severity</legend>"
        for s in present {
            let n = report.findings.filter { $0.severity == s }.count
            out += "<label><input type=\"checkbox\" name=\"severity\" value=\"\(s.rawValue)\" checked> \(s.rawValue) (\(n))</label>"
        }
        out += "</fieldset>\n<label>Rule <select id=\"filter-rule\"><option value=\"\">all rules</option>"
        for id in ordered { out += "<option value=\"\(esc(id))\">\(esc(id)) (\(groups[id]?.count ?? 0))</option>" }
        out += "</select></label>\n<label>Text <input type=\"search\" id=\"filter-text\" placeholder=\"record key, value, message…\"></label>\n"
        out += "<span id=\"filter-count\" aria-live=\"polite\">showing \(report.findings.count) of \(report.findings.count) findings</span>\n</form>\n"
        let descriptors = Dictionary(report.describedRules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var n = 0
        for id in ordered {
            let fs = groups[id] ?? []
            guard let first = fs.first else { continue }
            let d = descriptors[id]
            let severity = maxSeverity[id] ?? first.severity
            let sharedBasis = fs.allSatisfy { $0.legalBasis == first.legalBasis }
            let sharedHelp = fs.allSatisfy { $0.help == first.help }
            out += "<section class=\"rule-group\" id=\"rule-\(esc(id))\" data-rule=\"\(esc(id))\">\n<header>\n"
            out += "<h3><span class=\"sev sev-\(severity.rawValue)\">\(severity.rawValue)</span> <code>\(esc(id))</code> <span class=\"rule-title\">\(esc(first.title ?? d?.title ?? id))</span> <span class=\"count\">(\(counted(fs.count, "finding")))</span></h3>\n"
            out += "<dl class=\"meta\">"
            if let pack = first.pack ?? d?.pack { out += "<dt>pack</dt><dd><code>\(esc(pack))</code></dd>" }
            if sharedBasis { out += legalBasis(first.legalBasis) }
            if let a = first.expression ?? d?.assertion, fs.allSatisfy({ $0.expression == first.expression }) {
                out += "<dt>asserts</dt><dd><code>\(esc(a))</code></dd>"
            }
            if sharedHelp, let h = first.help { out += "<dt>how to fix</dt><dd>\(esc(h))</dd>" }
            out += "</dl>\n</header>\n"
            for f in fs {
                n += 1
                out += finding(f, number: n, basis: !sharedBasis, help: !sharedHelp, expression: !fs.allSatisfy({ $0.expression == first.expression }))
            }
            out += "</section>\n"
        }
        return out + "</section>\n"
    }

    func legalBasis(_ basis: [String]) -> String {
        if basis.isEmpty { return "<dt>legal basis</dt><dd class=\"note\">none given</dd>" }
        if basis.count == 1 { return "<dt>legal basis</dt><dd>\(esc(basis[0]))</dd>" }
        return "<dt>legal basis</dt><dd><ul>" + basis.map { "<li>\(esc($0))</li>" }.joined() + "</ul></dd>"
    }

    /// One finding: severity, record key and message; then where, what is there, the computation.
    func finding(_ f: Finding, number: Int, basis: Bool, help: Bool, expression: Bool) -> String {
        let status = f.waiver != nil ? "waived" : f.baselined == true ? "baselined" : nil
        var out = "<details class=\"finding\(status.map { " " + $0 } ?? "")\" id=\"finding-\(number)\" data-severity=\"\(f.severity.rawValue)\" data-rule=\"\(esc(f.ruleID))\" open>\n"
        out += "<summary><span class=\"sev sev-\(f.severity.rawValue)\">\(f.severity.rawValue)</span> \(status.map { "<span class=\"status\">\($0)</span> " } ?? "")<span class=\"key\">\(esc(f.recordKey.isEmpty ? "-" : f.recordKey))</span> \(esc(f.message))</summary>\n"
        out += "<div class=\"body\">\n<dl class=\"meta\">"
        if let w = f.waiver { out += "<dt>waived</dt><dd>\(esc(w.justification)); it does not count for the verdict</dd>" }
        if f.baselined == true { out += "<dt>baseline</dt><dd>in the baseline (--baseline): it does not count for the verdict</dd>" }
        out += "<dt>record key</dt><dd><code>\(esc(f.recordKey.isEmpty ? "-" : f.recordKey))</code> (\(esc(f.entity)))</dd>"
        if let p = f.participantID, p != f.recordKey { out += "<dt>participant</dt><dd><code>\(esc(p))</code></dd>" }
        if let l = f.location {
            out += "<dt>location</dt><dd><code>\(esc(l.short))</code></dd>"
            if let x = l.xpath { out += "<dt>element</dt><dd><code>\(esc(x))</code></dd>" }
            if let r = l.record { out += "<dt>record</dt><dd>\(r) (data row of the file, header excluded)</dd>" }
            if let field = l.field {
                out += "<dt>field</dt><dd><code>\(esc(field))</code>\(l.sourceField.map { " (in the file: <code>\(esc($0))</code>)" } ?? "")</dd>"
            }
            if let raw = l.rawValue { out += "<dt>value as written</dt><dd><code>\(esc(raw))</code></dd>" }
        } else {
            out += "<dt>location</dt><dd class=\"note\">none</dd>"
        }
        for r in f.relatedLocations ?? [] {
            var at = r.short
            if let x = r.xpath { at += " " + x } else if let n = r.record { at += " record \(n)" }
            if let field = r.field { at += " (\(field))" }
            out += "<dt>related</dt><dd><code>\(esc(at))</code>: \(esc(r.message))</dd>"
        }
        if let o = f.occurrence { out += "<dt>occurrence</dt><dd>\(o)</dd>" }
        if basis { out += legalBasis(f.legalBasis) }
        if help, let h = f.help { out += "<dt>how to fix</dt><dd>\(esc(h))</dd>" }
        if expression, let e = f.expression { out += "<dt>asserts</dt><dd><code>\(esc(e))</code></dd>" }
        out += "</dl>\n"
        if !f.explain.isEmpty {
            out += "<table class=\"computation\">\n<caption class=\"note\">the computation: each part of the assertion and its value</caption>\n<tbody>\n"
            for t in f.explain { out += "<tr><td><code>\(esc(t.expression))</code></td><td><code>\(esc(t.value))</code></td></tr>\n" }
            out += "</tbody>\n</table>\n"
        }
        out += "<p class=\"fingerprint mono\">fingerprint \(esc(f.fingerprint))</p>\n"
        return out + "</div>\n</details>\n"
    }

    /// Per rule: evaluated, passed, failed, not applicable, errors, waived (and, with a baseline, in the
    /// baseline); the rules switched off by the config below.
    func coverage(_ report: Report) -> String {
        let descriptors = Dictionary(report.describedRules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let listed = Set(report.findings.map(\.ruleID))
        var out = "<section id=\"coverage\">\n<h2>Coverage</h2>\n"
        let baseline = report.configuration?.baseline != nil
        let withFindings = report.coverage.filter { $0.failed > 0 || $0.errors > 0 }.count
        let never = report.coverage.filter { $0.evaluated == 0 }.count
        let notReached = never == 0 ? "every one evaluated at least once" : "\(never) never evaluated (in italics: no record reached \(never == 1 ? "it" : "them"))"
        out += "<p>\(counted(report.coverage.count, "rule")), \(withFindings) with findings (shaded), \(notReached).</p>\n"
        out += "<table class=\"coverage\">\n<thead><tr><th>rule</th><th>title</th><th>pack</th><th class=\"num\">evaluated</th><th class=\"num\">passed</th><th class=\"num\">failed</th><th class=\"num\">not applicable</th><th class=\"num\">errors</th><th class=\"num\">waived</th>\(baseline ? "<th class=\"num\">in the baseline</th>" : "")</tr></thead>\n<tbody>\n"
        for c in report.coverage {
            let cls = c.failed > 0 || c.errors > 0 ? " class=\"has-findings\"" : c.evaluated == 0 ? " class=\"not-evaluated\"" : ""
            let id = listed.contains(c.ruleID) ? "<a href=\"#rule-\(esc(c.ruleID))\"><code>\(esc(c.ruleID))</code></a>" : "<code>\(esc(c.ruleID))</code>"
            out += "<tr\(cls)><td class=\"nowrap\">\(id)</td><td>\(esc(descriptors[c.ruleID]?.title ?? ""))</td><td class=\"nowrap\"><code>\(esc(c.pack))</code></td>"
            out += "<td class=\"num\">\(c.evaluated)</td><td class=\"num\">\(c.passed)</td><td class=\"num\">\(c.failed)</td><td class=\"num\">\(c.notApplicable)</td><td class=\"num\">\(c.errors)</td><td class=\"num\">\(c.waived ?? 0)</td>"
            out += (baseline ? "<td class=\"num\">\(c.baselined ?? 0)</td>" : "") + "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        if !report.disabledRules.isEmpty {
            out += "<h3>Rules switched off by the config</h3>\n<ul>\n"
            for d in report.disabledRules { out += "<li><code>\(esc(d.ruleID))</code>: \(esc(d.reason))</li>\n" }
            out += "</ul>\n"
        }
        return out + "</section>\n"
    }

    /// Tool, time, options, packs and inputs with their SHA-256, the configuration and the parameters.
    func envelope(_ report: Report) -> String {
        var out = "<section id=\"envelope\">\n<h2>Envelope</h2>\n<table>\n<tbody>\n"
        out += "<tr><th scope=\"row\">tool</th><td>\(esc(report.tool)) \(esc(report.toolVersion))</td></tr>\n"
        out += "<tr><th scope=\"row\">started</th><td>\(report.startedAt.map(esc) ?? "<span class=\"note\">not recorded (--deterministic)</span>")</td></tr>\n"
        let options = report.options.sorted { $0.key < $1.key }.map { "<code>\(esc($0.key))</code> = <code>\(esc($0.value))</code>" }
        out += "<tr><th scope=\"row\">options</th><td>\(options.joined(separator: ", "))</td></tr>\n"
        out += "<tr><th scope=\"row\">verdict</th><td>\(report.verdict.rawValue), exit code \(report.exitCode)</td></tr>\n"
        if let c = report.configuration {
            let config: String
            switch c.source {
            case "none": config = "none"
            case "ignored (--no-config)": config = "none (--no-config)"
            default:
                config = (c.file.map { "<code>\(esc($0.path))</code> <span class=\"sha mono\">SHA-256 \(esc($0.sha256))</span>" } ?? "?")
                    + " (\(c.source == "--config" ? "given with --config" : "found in the working directory"))"
            }
            out += "<tr><th scope=\"row\">config</th><td>\(config)</td></tr>\n"
            let source = c.failOnSource == "config" ? "set by the config" : c.failOnSource == "command line" ? "set on the command line" : "default"
            out += "<tr><th scope=\"row\">fail-on</th><td>\(esc(c.failOn)) (\(source))</td></tr>\n"
            for r in c.severityOverrides {
                out += "<tr><th scope=\"row\">re-graded</th><td><code>\(esc(r.ruleID))</code>: \(esc(r.from)) → \(esc(r.to)) (\(esc(r.reason)))</td></tr>\n"
            }
            for p in c.parameterOverrides {
                out += "<tr><th scope=\"row\">parameter set by the config</th><td><code>\(esc(p.pack)).\(esc(p.name))</code> = \(esc(p.value)) (pack default \(esc(p.defaultValue)))</td></tr>\n"
            }
            out += "<tr><th scope=\"row\">data model</th><td><code>\(esc(c.model.path))</code> <span class=\"sha mono\">SHA-256 \(esc(c.model.sha256))</span></td></tr>\n"
            if let w = c.waivers {
                out += "<tr><th scope=\"row\">waivers</th><td><code>\(esc(w.path))</code> <span class=\"sha mono\">SHA-256 \(esc(w.sha256))</span>\(report.suppression?.today.map { " (expiry dates compared with \(esc($0)))" } ?? "")</td></tr>\n"
            }
            if let b = c.baseline {
                out += "<tr><th scope=\"row\">baseline</th><td><code>\(esc(b.path))</code> <span class=\"sha mono\">SHA-256 \(esc(b.sha256))</span></td></tr>\n"
            }
            if let p = c.profile {
                out += "<tr><th scope=\"row\">mapping profile</th><td><code>\(esc(p))</code>\(c.profileFile.map { " <code>\(esc($0.path))</code> <span class=\"sha mono\">SHA-256 \(esc($0.sha256))</span>" } ?? "")</td></tr>\n"
            }
        }
        out += "</tbody>\n</table>\n"
        if let states = report.suppression?.waiverStates, !states.isEmpty {
            out += "<h3>Waivers</h3>\n<table>\n<thead><tr><th>waiver</th><th>names</th><th>state</th><th class=\"num\">findings waived</th></tr></thead>\n<tbody>\n"
            for w in states {
                let names = "<code>\(esc(w.ruleID))</code> " + (w.recordKey.map { "<code>[\(esc($0))]</code>" } ?? w.fingerprint.map { "fingerprint <code>\(esc(String($0.prefix(12))))…</code>" } ?? "")
                let state = w.status == .applied ? "applied" : w.status == .expired ? "expired: it waives nothing" : "unused: it matches no finding"
                out += "<tr><td><code>\(esc(w.file)):\(w.line)</code></td><td>\(names)</td><td>\(state)</td><td class=\"num\">\(w.findings)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += "<h3>Packs</h3>\n<table>\n<thead><tr><th>pack</th><th>title</th><th>version</th><th class=\"num\">rules</th><th>SHA-256</th></tr></thead>\n<tbody>\n"
        for p in report.packs {
            out += "<tr><td><code>\(esc(p.id))</code></td><td>\(esc(p.title))</td><td>\(esc(p.version))\(p.provisional ? " (provisional)" : "")</td><td class=\"num\">\(p.rules)</td><td class=\"sha mono\">\(esc(p.sha256))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        out += "<h3>Inputs</h3>\n<table>\n<thead><tr><th>file</th><th>SHA-256</th></tr></thead>\n<tbody>\n"
        for input in report.inputs {
            let records = input.records.filter { $0.read > 0 }.map { counted($0.read, $0.entity.replacingOccurrences(of: "_", with: "-")) + ($0.rejected > 0 ? " (\($0.rejected) rejected)" : "") }
            out += "<tr><th colspan=\"2\"><code>\(esc(input.path))</code> (\(esc(input.format))\(input.operation.map { ", operation " + esc($0) } ?? "")): \(esc(records.joined(separator: ", ")))</th></tr>\n"
            for f in input.files { out += "<tr><td><code>\(esc(f.path))</code></td><td class=\"sha mono\">\(esc(f.sha256))</td></tr>\n" }
        }
        out += "</tbody>\n</table>\n"
        if !report.parameters.isEmpty {
            out += "<details id=\"parameters\">\n<summary>Parameters in force (\(report.parameters.map { counted($0.values.count, "parameter") + " of " + esc($0.pack) }.joined(separator: ", ")))</summary>\n"
            out += "<table>\n<thead><tr><th>pack</th><th>parameter</th><th>value</th></tr></thead>\n<tbody>\n"
            for p in report.parameters {
                for (k, v) in p.values.sorted(by: { $0.key < $1.key }) {
                    out += "<tr><td><code>\(esc(p.pack))</code></td><td><code>\(esc(k))</code></td><td><code>\(esc(v))</code></td></tr>\n"
                }
            }
            out += "</tbody>\n</table>\n</details>\n"
        }
        return out + "</section>\n"
    }
}
