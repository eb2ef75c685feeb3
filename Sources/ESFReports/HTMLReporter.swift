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
        let w = ReportWords.of(report.language)
        var out = "<!DOCTYPE html>\n<html lang=\"\(report.language.rawValue)\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta http-equiv=\"Content-Security-Policy\" content=\"\(Self.contentSecurityPolicy(report.language))\">\n"
        out += "<meta name=\"generator\" content=\"esfcheck \(esc(report.toolVersion))\">\n"
        let operations = report.inputs.compactMap(\.operation)
        out += "<title>" + w.fill(w.htmlTitle, w.verdict(report.verdict), operations.isEmpty ? "" : " — " + esc(operations.joined(separator: ", "))) + "</title>\n"
        out += "<style>\n\(HTMLAssets.css)\n</style>\n</head>\n<body>\n"
        out += header(report, w)
        out += summary(report, w)
        out += indicators(report, w)
        out += findings(report, w)
        out += coverage(report, w)
        out += envelope(report, w)
        out += "<footer>" + w.fill(w.footer, esc(report.toolVersion), report.options["show_personal_data"] == "true" ? w.personalShown : w.personalMasked) + "</footer>\n"
        out += "<script>\n\(HTMLAssets.js(report.language))\n</script>\n</body>\n</html>\n"
        return out
    }

    /// `default-src 'none'`: no fetch, image, font or frame from anywhere; the inline style and script
    /// allowed by their hashes only.
    /// The script differs by language (the words it writes), so the policy does too.
    static func contentSecurityPolicy(_ language: Language) -> String {
        policies[language] ?? ""
    }

    static let policies: [Language: String] = {
        let style = inlineHash(HTMLAssets.css)
        return Dictionary(uniqueKeysWithValues: Language.allCases.map { language in
            (language, "default-src 'none'; style-src \(style); script-src \(inlineHash(HTMLAssets.js(language))); base-uri 'none'; form-action 'none'")
        })
    }()

    /// The CSP source (`'sha256-…'`) of an inline `<style>` or `<script>` element written as
    /// `<style>\nTEXT\n</style>` (the newlines are part of the hashed content).
    public static func inlineHash(_ text: String) -> String {
        "'sha256-" + Data(SHA256.hash(data: Data(("\n" + text + "\n").utf8))).base64EncodedString() + "'"
    }

    /// The CSP sources of the report's own style and of its script in every language: a page that shows
    /// the report in an `<iframe srcdoc>` (whose document inherits the page's policy) allows these.
    public static let inlineSources: (styles: [String], scripts: [String]) =
        ([inlineHash(HTMLAssets.css)], Language.allCases.map { inlineHash(HTMLAssets.js($0)) })

    /// Text for HTML content and double-quoted attribute values: `&`, `<`, `>`, `"` and `'` as entities.
    public static func escaped(_ s: String) -> String {
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
    func header(_ report: Report, _ w: ReportWords) -> String {
        let c = report.counts
        var out = "<header id=\"top\">\n<h1>\(w.auditReport)</h1>\n"
        let checked = report.inputs.map { i in esc(w.path(i.path)) + (i.operation.map { w.fill(w.operationParenthesis, esc($0)) } ?? "") }
        out += "<p class=\"subtitle\">\(checked.isEmpty ? w.noInput : checked.joined(separator: "; "))\(w.packsLabel)"
        out += report.packs.map { esc("\($0.id) \($0.version)") + ($0.provisional ? w.provisional : "") }.joined(separator: ", ") + "</p>\n"
        out += "<div class=\"verdict verdict-\(report.verdict.rawValue)\" id=\"verdict\">\n"
        out += "<span class=\"word\">\(w.verdict(report.verdict))</span>\n<div>\n<p><b>\(w.fill(w.verdictLabel, w.verdict(report.verdict)))</b> — "
        let failOn = report.options["fail_on"] ?? report.configuration?.failOn ?? "error"
        // the verdict is that of the findings neither waived nor in the baseline
        let decisive = report.suppression?.counted ?? c
        let atOrAbove = Severity(rawValue: failOn).map { f in Severity.allCases.filter { $0 >= f }.reduce(0) { $0 + decisive[$1] } } ?? 0
        let notSuppressed = SuppressionWords.deciding(report)
        switch report.verdict {
        case .reject:
            out += decisive.fatal > 0 ? w.fill(w.rejectFatal, w.fatalFinding.counted(decisive.fatal), notSuppressed)
                : w.fill(w.rejectAtOrAbove, w.finding.counted(atOrAbove), notSuppressed, esc(failOn))
        case .review:
            out += w.fill(w.reviewReason, notSuppressed, esc(failOn), w.reviewFinding.counted(decisive.review))
        case .accept:
            out += failOn == "never" ? w.fill(w.acceptNever, notSuppressed) : w.fill(w.acceptReason, notSuppressed, esc(failOn))
        }
        out += w.fill(w.exitCodePart, "\(report.exitCode)") + "</p>\n"
        out += "<p>\(w.finding.counted(c.total))\(report.findingsShown < report.findingsTotal ? w.fill(w.listedPart, "\(report.findingsShown)") : "")"
        if let s = SuppressionWords.suppressed(report) {
            out += "; \(s)\(w.suppressedNote)"
        }
        out += ".</p>\n"
        out += "<ul class=\"counts\">" + Severity.allCases.map { "<li><span class=\"sev sev-\($0.rawValue)\">\(w.severity($0))</span> <b>\(c[$0])</b></li>" }.joined() + "</ul>\n"
        out += "</div>\n</div>\n"
        if report.findingsShown < report.findingsTotal {
            let note = SuppressionWords.capped(report)
            out += "<p class=\"warn\">\(esc(note.prefix(1).uppercased() + note.dropFirst())).</p>\n"
        }
        return out + "</header>\n"
    }

    /// Per input: what was read (records per entity), and columns that were not read.
    func summary(_ report: Report, _ w: ReportWords) -> String {
        var out = "<section id=\"summary\">\n<h2>\(w.operationSummary)</h2>\n"
        if report.inputs.isEmpty { out += "<p>\(w.noInputChecked)</p>\n" }
        for input in report.inputs {
            out += "<h3>\(input.operation.map { w.fill(w.operationHeading, esc($0)) } ?? w.operationNoID) — <code>\(esc(w.path(input.path)))</code> (\(esc(input.format)))</h3>\n"
            out += "<table class=\"records\">\n<thead><tr><th>\(w.entityHeader)</th><th class=\"num\">\(w.recordsRead)</th><th class=\"num\">\(w.evaluated)</th><th class=\"num\">\(w.rejected)</th></tr></thead>\n<tbody>\n"
            for r in input.records {
                out += "<tr><td>\(esc(w.entityName(r.entity)))</td><td class=\"num\">\(r.read)</td><td class=\"num\">\(r.evaluated)</td><td class=\"num\">\(r.rejected)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
            out += columns(w.columnsUnboundHTML, input.unboundColumns)
            out += columns(w.columnsAbsentHTML, input.absentColumns)
        }
        return out + "</section>\n"
    }

    func columns(_ label: String, _ columns: [String: [String]]?) -> String {
        guard let columns, !columns.isEmpty else { return "" }
        let listed = columns.sorted { $0.key < $1.key }.map { "<code>\(esc($0.key))</code>: " + $0.value.map { "<code>\(esc($0))</code>" }.joined(separator: ", ") }
        return "<p>\(label): \(listed.joined(separator: "; "))</p>\n"
    }

    /// Indicators against their targets, and the split of the claimed amounts between EU and national funds.
    func indicators(_ report: Report, _ w: ReportWords) -> String {
        guard report.inputs.contains(where: { !$0.indicators.isEmpty }) else { return "" }
        var out = "<section id=\"indicators\">\n<h2>\(w.indicators)</h2>\n"
        for input in report.inputs where !input.indicators.isEmpty {
            if report.inputs.count > 1 { out += "<h3><code>\(esc(w.path(input.path)))</code></h3>\n" }
            out += split(input, report: report, w)
            out += "<table class=\"indicators\">\n<thead><tr><th>\(w.indicatorHeader)</th><th class=\"num\">\(w.valueHeader)</th><th class=\"num\">\(w.targetHeader)</th><th>\(w.againstTarget)</th><th>\(w.pack)</th></tr></thead>\n<tbody>\n"
            for i in input.indicators {
                let status: String
                switch i.met {
                case .some(true): status = "<span class=\"met-yes\">\(w.reachedHTML)</span>"
                case .some(false): status = "<span class=\"met-no\">\(w.notReachedHTML)</span>"
                case .none: status = i.targetDisplay == nil ? "" : w.notKnown
                }
                let value = i.value == nil ? "<span class=\"note\">\(w.fill(w.notComputed, esc(i.note ?? i.display)))</span>" : esc(i.display)
                out += "<tr id=\"indicator-\(esc(i.pack))-\(esc(i.id))\"><td>\(esc(i.title))</td><td class=\"num\">\(value)</td><td class=\"num\">\(esc(i.targetDisplay ?? ""))</td><td>\(status)</td><td class=\"nowrap\"><code>\(esc(i.pack))</code></td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        return out + "</section>\n"
    }

    /// The EU and national contributions claimed (indicators `eu_claimed` and `national_claimed` of one
    /// pack) with their shares of the two, and the values of the packs' `max_eu_rate…` parameters beside them; nothing
    /// when an input lacks either amount.
    func split(_ input: InputInfo, report: Report, _ w: ReportWords) -> String {
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
            // the bar's geometry keeps the plain notation; the words show the language's
            let euShown = w.amount(euPercent.rounded(2)), nationalShown = w.amount(nationalPercent.rounded(2))
            var out = "<div class=\"split\" id=\"split\">\n<h3>\(w.splitHeading)</h3>\n"
            out += "<svg viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"\(w.eu) \(euShown) %, \(w.national) \(nationalShown) %\">"
            out += "<rect class=\"eu\" x=\"0\" y=\"0\" width=\"\(euWidth)\" height=\"10\"/><rect class=\"national\" x=\"\(euWidth)\" y=\"0\" width=\"\(nationalWidth)\" height=\"10\"/></svg>\n"
            out += "<p class=\"legend\"><span><span class=\"swatch swatch-eu\"></span>\(w.eu) \(esc(eu.display)): <b>\(euShown) %</b></span>"
            out += "<span><span class=\"swatch swatch-national\"></span>\(w.national) \(esc(national.display)): <b>\(nationalShown) %</b></span>"
            out += "<span>\(w.euPlusNational): \(esc(w.amount(total)))</span></p>\n"
            for p in report.parameters {
                for (name, rate) in p.values.sorted(by: { $0.key < $1.key }) where name.hasPrefix("max_eu_rate") {
                    let percent = ExactDecimal(parsing: Substring(rate)).flatMap { try? $0.multiplied(by: ExactDecimal(100)) }
                    // the value only: which rule applies which rate, and where, is the rules' to say
                    let shares = percent.map { " (\(w.amount($0.rounded(2))) %)" } ?? ""
                    out += "<p class=\"note\">" + w.fill(w.packParameter, "<code>\(esc(p.pack))</code>", "<code>\(esc(name))</code>", esc(w.number(rate)) + shares) + "</p>\n"
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
    func findings(_ report: Report, _ w: ReportWords) -> String {
        var out = "<section id=\"findings\">\n<h2>\(w.findings)</h2>\n"
        guard !report.findings.isEmpty else {
            return out + "<p>\(report.findingsTotal == 0 ? w.noFindings : w.noFindingListed)</p>\n</section>\n"
        }
        var groups: [String: [Finding]] = [:]
        for f in report.findings { groups[f.ruleID, default: []].append(f) }
        let maxSeverity = groups.mapValues { $0.map(\.severity).max() ?? .info }
        let ordered = groups.keys.sorted { a, b in
            let sa = maxSeverity[a] ?? .info, sb = maxSeverity[b] ?? .info
            return sa != sb ? sa > sb : a < b
        }
        let present = Severity.allCases.filter { s in report.findings.contains { $0.severity == s } }
        out += "<form id=\"filters\" hidden>\n<fieldset><legend>\(w.severityLegend)</legend>"
        for s in present {
            let n = report.findings.filter { $0.severity == s }.count
            out += "<label><input type=\"checkbox\" name=\"severity\" value=\"\(s.rawValue)\" checked> \(w.severity(s)) (\(n))</label>"
        }
        out += "</fieldset>\n<label>\(w.ruleFilter) <select id=\"filter-rule\"><option value=\"\">\(w.allRules)</option>"
        for id in ordered { out += "<option value=\"\(esc(id))\">\(esc(id)) (\(groups[id]?.count ?? 0))</option>" }
        out += "</select></label>\n<label>\(w.textFilter) <input type=\"search\" id=\"filter-text\" placeholder=\"\(w.textPlaceholder)\"></label>\n"
        out += "<span id=\"filter-count\" aria-live=\"polite\">\(w.fill(w.filterCount, "\(report.findings.count)", "\(report.findings.count)"))</span>\n</form>\n"
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
            out += "<h3><span class=\"sev sev-\(severity.rawValue)\">\(w.severity(severity))</span> <code>\(esc(id))</code> <span class=\"rule-title\">\(esc(first.title ?? d?.title ?? id))</span> <span class=\"count\">(\(w.finding.counted(fs.count)))</span></h3>\n"
            out += "<dl class=\"meta\">"
            if let pack = first.pack ?? d?.pack { out += "<dt>\(w.pack)</dt><dd><code>\(esc(pack))</code></dd>" }
            if sharedBasis { out += legalBasis(first.legalBasis, w) }
            if let a = first.expression ?? d?.assertion, fs.allSatisfy({ $0.expression == first.expression }) {
                out += "<dt>\(w.asserts)</dt><dd><code>\(esc(a))</code></dd>"
            }
            if sharedHelp, let h = first.help { out += "<dt>\(w.howToFix)</dt><dd>\(esc(h))</dd>" }
            out += "</dl>\n</header>\n"
            for f in fs {
                n += 1
                out += finding(f, number: n, basis: !sharedBasis, help: !sharedHelp, expression: !fs.allSatisfy({ $0.expression == first.expression }), w)
            }
            out += "</section>\n"
        }
        return out + "</section>\n"
    }

    func legalBasis(_ basis: [String], _ w: ReportWords) -> String {
        if basis.isEmpty { return "<dt>\(w.legalBasis)</dt><dd class=\"note\">\(w.noneGiven)</dd>" }
        if basis.count == 1 { return "<dt>\(w.legalBasis)</dt><dd>\(esc(basis[0]))</dd>" }
        return "<dt>\(w.legalBasis)</dt><dd><ul>" + basis.map { "<li>\(esc($0))</li>" }.joined() + "</ul></dd>"
    }

    /// One finding: severity, record key and message; then where, what is there, the computation.
    func finding(_ f: Finding, number: Int, basis: Bool, help: Bool, expression: Bool, _ w: ReportWords) -> String {
        let status = f.waiver != nil ? "waived" : f.baselined == true ? "baselined" : nil
        let statusWord = f.waiver != nil ? w.waived : w.baselined
        var out = "<details class=\"finding\(status.map { " " + $0 } ?? "")\" id=\"finding-\(number)\" data-severity=\"\(f.severity.rawValue)\" data-rule=\"\(esc(f.ruleID))\" open>\n"
        out += "<summary><span class=\"sev sev-\(f.severity.rawValue)\">\(w.severity(f.severity))</span> \(status == nil ? "" : "<span class=\"status\">\(statusWord)</span> ")<span class=\"key\">\(esc(f.recordKey.isEmpty ? "-" : f.recordKey))</span> \(esc(f.message))</summary>\n"
        out += "<div class=\"body\">\n<dl class=\"meta\">"
        if let waiver = f.waiver { out += "<dt>\(w.waived)</dt><dd>\(w.fill(w.waivedDetail, esc(waiver.justification)))</dd>" }
        if f.baselined == true { out += "<dt>\(w.baselineLabel)</dt><dd>\(w.baselineDetail)</dd>" }
        out += "<dt>\(w.recordKey)</dt><dd><code>\(esc(f.recordKey.isEmpty ? "-" : f.recordKey))</code> (\(esc(w.language == .en ? f.entity : w.entityName(f.entity))))</dd>"
        if let p = f.participantID, p != f.recordKey { out += "<dt>\(w.participant)</dt><dd><code>\(esc(p))</code></dd>" }
        if let l = f.location {
            out += "<dt>\(w.location)</dt><dd><code>\(esc(l.short))</code></dd>"
            if let x = l.xpath { out += "<dt>\(w.element)</dt><dd><code>\(esc(x))</code></dd>" }
            if let r = l.record { out += "<dt>\(w.recordLabel)</dt><dd>\(w.fill(w.recordDetail, "\(r)"))</dd>" }
            if let field = l.field {
                out += "<dt>\(w.field)</dt><dd><code>\(esc(field))</code>\(l.sourceField.map { w.fill(w.inTheFile, "<code>\(esc($0))</code>") } ?? "")</dd>"
            }
            if let raw = l.rawValue { out += "<dt>\(w.valueAsWritten)</dt><dd><code>\(esc(raw))</code></dd>" }
        } else {
            out += "<dt>\(w.location)</dt><dd class=\"note\">\(w.none)</dd>"
        }
        for r in f.relatedLocations ?? [] {
            var at = r.short
            if let x = r.xpath { at += " " + x } else if let n = r.record { at += " " + w.fill(w.recordAt, "\(n)") }
            if let field = r.field { at += " (\(field))" }
            out += "<dt>\(w.related)</dt><dd><code>\(esc(at))</code>: \(esc(r.message))</dd>"
        }
        if let o = f.occurrence { out += "<dt>\(w.occurrence)</dt><dd>\(o)</dd>" }
        if basis { out += legalBasis(f.legalBasis, w) }
        if help, let h = f.help { out += "<dt>\(w.howToFix)</dt><dd>\(esc(h))</dd>" }
        if expression, let e = f.expression { out += "<dt>\(w.asserts)</dt><dd><code>\(esc(e))</code></dd>" }
        out += "</dl>\n"
        if !f.explain.isEmpty {
            out += "<table class=\"computation\">\n<caption class=\"note\">\(w.computation)</caption>\n<tbody>\n"
            for t in f.explain { out += "<tr><td><code>\(esc(t.expression))</code></td><td><code>\(esc(t.value))</code></td></tr>\n" }
            out += "</tbody>\n</table>\n"
        }
        out += "<p class=\"fingerprint mono\">\(w.fingerprint) \(esc(f.fingerprint))</p>\n"
        return out + "</div>\n</details>\n"
    }

    /// Per rule: evaluated, passed, failed, not applicable, errors, waived (and, with a baseline, in the
    /// baseline); the rules switched off by the config below.
    func coverage(_ report: Report, _ w: ReportWords) -> String {
        let descriptors = Dictionary(report.describedRules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let listed = Set(report.findings.map(\.ruleID))
        var out = "<section id=\"coverage\">\n<h2>\(w.coverage)</h2>\n"
        let baseline = report.configuration?.baseline != nil
        let withFindings = report.coverage.filter { $0.failed > 0 || $0.errors > 0 }.count
        let never = report.coverage.filter { $0.evaluated == 0 }.count
        let notReached = never == 0 ? w.everyEvaluated : w.fill(never == 1 ? w.neverEvaluatedOne : w.neverEvaluatedMany, "\(never)")
        out += "<p>\(w.fill(w.coverageSentence, w.rule.counted(report.coverage.count), "\(withFindings)", notReached))</p>\n"
        out += "<table class=\"coverage\">\n<thead><tr><th>\(w.ruleHeader)</th><th>\(w.titleHeader)</th><th>\(w.pack)</th><th class=\"num\">\(w.evaluated)</th><th class=\"num\">\(w.passed)</th><th class=\"num\">\(w.failed)</th><th class=\"num\">\(w.notApplicable)</th><th class=\"num\">\(w.errors)</th><th class=\"num\">\(w.waived)</th>\(baseline ? "<th class=\"num\">\(w.inTheBaseline)</th>" : "")</tr></thead>\n<tbody>\n"
        for c in report.coverage {
            let cls = c.failed > 0 || c.errors > 0 ? " class=\"has-findings\"" : c.evaluated == 0 ? " class=\"not-evaluated\"" : ""
            let id = listed.contains(c.ruleID) ? "<a href=\"#rule-\(esc(c.ruleID))\"><code>\(esc(c.ruleID))</code></a>" : "<code>\(esc(c.ruleID))</code>"
            out += "<tr\(cls)><td class=\"nowrap\">\(id)</td><td>\(esc(descriptors[c.ruleID]?.title ?? ""))</td><td class=\"nowrap\"><code>\(esc(c.pack))</code></td>"
            out += "<td class=\"num\">\(c.evaluated)</td><td class=\"num\">\(c.passed)</td><td class=\"num\">\(c.failed)</td><td class=\"num\">\(c.notApplicable)</td><td class=\"num\">\(c.errors)</td><td class=\"num\">\(c.waived ?? 0)</td>"
            out += (baseline ? "<td class=\"num\">\(c.baselined ?? 0)</td>" : "") + "</tr>\n"
        }
        out += "</tbody>\n</table>\n"
        if !report.disabledRules.isEmpty {
            out += "<h3>\(w.switchedOffHeading)</h3>\n<ul>\n"
            for d in report.disabledRules { out += "<li><code>\(esc(d.ruleID))</code>: \(esc(d.reason))</li>\n" }
            out += "</ul>\n"
        }
        return out + "</section>\n"
    }

    /// Tool, time, options, packs and inputs with their SHA-256, the configuration and the parameters.
    func envelope(_ report: Report, _ w: ReportWords) -> String {
        var out = "<section id=\"envelope\">\n<h2>\(w.envelope)</h2>\n<table>\n<tbody>\n"
        out += "<tr><th scope=\"row\">\(w.tool)</th><td>\(esc(report.tool)) \(esc(report.toolVersion))</td></tr>\n"
        out += "<tr><th scope=\"row\">\(w.started)</th><td>\(report.startedAt.map(esc) ?? "<span class=\"note\">\(w.notRecorded)</span>")</td></tr>\n"
        let options = report.options.sorted { $0.key < $1.key }.map { "<code>\(esc($0.key))</code> = <code>\(esc($0.value))</code>" }
        out += "<tr><th scope=\"row\">\(w.options)</th><td>\(options.joined(separator: ", "))</td></tr>\n"
        out += "<tr><th scope=\"row\">\(w.verdictHeader)</th><td>\(w.fill(w.verdictRow, w.verdict(report.verdict), "\(report.exitCode)"))</td></tr>\n"
        if let c = report.configuration {
            let config: String
            switch c.source {
            case "none": config = w.none
            case "ignored (--no-config)": config = w.noneNoConfig
            default:
                config = (c.file.map { "<code>\(esc($0.path))</code> <span class=\"sha mono\">SHA-256 \(esc($0.sha256))</span>" } ?? "?")
                    + " (\(c.source == "--config" ? w.givenWithConfig : w.foundInWorkingDirectory))"
            }
            out += "<tr><th scope=\"row\">\(w.configLabel)</th><td>\(config)</td></tr>\n"
            out += "<tr><th scope=\"row\">\(w.failOn)</th><td>\(esc(c.failOn)) (\(TextReporter.failOnSource(c, w)))</td></tr>\n"
            for r in c.severityOverrides {
                out += "<tr><th scope=\"row\">\(w.regradedLabel)</th><td><code>\(esc(r.ruleID))</code>: \(esc(r.from)) → \(esc(r.to)) (\(esc(r.reason)))</td></tr>\n"
            }
            for p in c.parameterOverrides {
                out += "<tr><th scope=\"row\">\(w.parameterSetLabel)</th><td><code>\(esc(p.pack)).\(esc(p.name))</code> = \(esc(p.value))\(w.fill(w.packDefault, esc(p.defaultValue)))</td></tr>\n"
            }
            out += "<tr><th scope=\"row\">\(w.dataModel)</th><td><code>\(esc(w.path(c.model.path)))</code> <span class=\"sha mono\">SHA-256 \(esc(c.model.sha256))</span></td></tr>\n"
            if let waivers = c.waivers {
                out += "<tr><th scope=\"row\">\(w.waiversLabel)</th><td><code>\(esc(waivers.path))</code> <span class=\"sha mono\">SHA-256 \(esc(waivers.sha256))</span>\(report.suppression?.today.map { w.fill(w.expiryComparedWith, esc(w.date($0))) } ?? "")</td></tr>\n"
            }
            if let b = c.baseline {
                out += "<tr><th scope=\"row\">\(w.baselineLabel)</th><td><code>\(esc(b.path))</code> <span class=\"sha mono\">SHA-256 \(esc(b.sha256))</span></td></tr>\n"
            }
            if let p = c.profile {
                out += "<tr><th scope=\"row\">\(w.mappingProfile)</th><td><code>\(esc(p))</code>\(c.profileFile.map { " <code>\(esc($0.path))</code> <span class=\"sha mono\">SHA-256 \(esc($0.sha256))</span>" } ?? "")</td></tr>\n"
            }
        }
        out += "</tbody>\n</table>\n"
        if let states = report.suppression?.waiverStates, !states.isEmpty {
            out += "<h3>\(w.waiversHeading)</h3>\n<table>\n<thead><tr><th>\(w.waiver.one)</th><th>\(w.names)</th><th>\(w.state)</th><th class=\"num\">\(w.findingsWaived)</th></tr></thead>\n<tbody>\n"
            for s in states {
                let names = "<code>\(esc(s.ruleID))</code> " + (s.recordKey.map { "<code>[\(esc($0))]</code>" } ?? s.fingerprint.map { "\(w.fingerprint) <code>\(esc(String($0.prefix(12))))…</code>" } ?? "")
                let state = s.status == .applied ? w.applied : s.status == .expired ? w.expiredState : w.unusedState
                out += "<tr><td><code>\(esc(s.file)):\(s.line)</code></td><td>\(names)</td><td>\(state)</td><td class=\"num\">\(s.findings)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += "<h3>\(w.packsHeading)</h3>\n<table>\n<thead><tr><th>\(w.pack)</th><th>\(w.titleHeader)</th><th>\(w.version)</th><th class=\"num\">\(w.rules)</th><th>SHA-256</th></tr></thead>\n<tbody>\n"
        for p in report.packs {
            out += "<tr><td><code>\(esc(p.id))</code></td><td>\(esc(p.title))</td><td>\(esc(p.version))\(p.provisional ? w.provisional : "")</td><td class=\"num\">\(p.rules)</td><td class=\"sha mono\">\(esc(p.sha256))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        out += "<h3>\(w.inputsHeading)</h3>\n<table>\n<thead><tr><th>\(w.file)</th><th>SHA-256</th></tr></thead>\n<tbody>\n"
        for input in report.inputs {
            out += "<tr><th colspan=\"2\"><code>\(esc(w.path(input.path)))</code> (\(esc(input.format))\(input.operation.map { w.fill(w.operationPart, esc($0)) } ?? "")): \(esc(TextReporter.records(input, w)))</th></tr>\n"
            for f in input.files { out += "<tr><td><code>\(esc(f.path))</code></td><td class=\"sha mono\">\(esc(f.sha256))</td></tr>\n" }
        }
        out += "</tbody>\n</table>\n"
        if !report.parameters.isEmpty {
            out += "<details id=\"parameters\">\n<summary>\(w.fill(w.parametersInForce, report.parameters.map { w.fill(w.parametersOf, w.parameter.counted($0.values.count), esc($0.pack)) }.joined(separator: ", ")))</summary>\n"
            out += "<table>\n<thead><tr><th>\(w.pack)</th><th>\(w.parameter.one)</th><th>\(w.value)</th></tr></thead>\n<tbody>\n"
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
