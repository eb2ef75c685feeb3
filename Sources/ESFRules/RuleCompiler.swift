import Foundation
import ESFCore
import ESFExpr

extension PackLoader {
    /// Compiles one rule mapping; every problem goes to `sink`.
    static func compileRule(_ node: YNode, pack: String, params: [ParameterDecl], compiler: ExprCompiler,
                            rename: (String) -> String = { $0 }, override: YNode? = nil, sink: DiagnosticSink) -> CompiledRule? {
        guard node.mapping != nil else {
            sink.add(node.diagnostic("rule.invalid", "a rule is a mapping with id, title, severity, scope, assert, message"))
            return nil
        }
        checkKeys(node, allowed: ruleKeys, what: "rule", sink: sink)
        let before = sink.diagnostics.count
        func required(_ key: String) -> YNode? {
            guard let v = node[key] else {
                sink.add(node.diagnostic("rule.missing_key", "rule \(node["id"]?.scalar ?? "?") needs '\(key)'"))
                return nil
            }
            return v
        }
        let idNode = required("id"), titleNode = required("title"), sevNode = required("severity")
        let scopeNode = required("scope"), assertNode = required("assert"), messageNode = required("message")
        guard let id = idNode?.scalar.map(rename), let sevNode, let scopeNode, let assertNode, let messageNode else { return nil }
        let severity = parseSeverity(sevNode, sink: sink)
        let model = compiler.model
        // scope
        var scope: Int?
        let scopeText = scopeNode.scalar ?? ""
        if scopeText != "aggregate" {
            let parts = scopeText.split(separator: ".").map(String.init)
            if let last = parts.last, let e = model.entityIndex(last) {
                var chain: [String] = [model.entities[e].name]
                var p = model.parentIndex(of: e)
                while let q = p { chain.insert(model.entities[q].name, at: 0); p = model.parentIndex(of: q) }
                if chain == parts { scope = e }
            }
            if scope == nil {
                let known = model.entities.map { e -> String in
                    var chain = [e.name]
                    var p = e.parent
                    while let q = p { chain.insert(q, at: 0); p = model.entities.first { $0.name == q }?.parent }
                    return chain.joined(separator: ".")
                } + ["aggregate"]
                sink.add(scopeNode.diagnostic("rule.unknown_scope", "unknown scope '\(scopeText)' (known: \(known.joined(separator: ", ")))"))
                return nil
            }
        }
        var usage = ExprUsage()
        func compileExpr(_ n: YNode, expecting: ExprType?) -> BoundExpr? {
            guard let text = n.scalar else {
                sink.add(n.diagnostic("rule.invalid", "an expression must be text"))
                return nil
            }
            switch compiler.compile(text, scope: scope, expecting: expecting) {
            case .success(let (b, u)):
                usage.merge(u)
                return b
            case .failure(let errors):
                n.report(errors, prefix: "\(id): ", to: sink)
                return nil
            }
        }
        var whenExpr: BoundExpr?
        if let w = node["when"] { whenExpr = compileExpr(w, expecting: .bool) }
        var assertion: RuleAssertion?
        let assertText = assertNode.scalar ?? ""
        if scope == nil, let rel = compiler.compileRelation(assertText) {
            switch rel {
            case .success(let (specs, u)):
                usage.merge(u)
                assertion = .relations(specs)
            case .failure(let errors):
                assertNode.report(errors, prefix: "\(id): ", to: sink)
            }
        } else if let b = compileExpr(assertNode, expecting: .bool) {
            assertion = .expression(b)
        }
        // a relation's message speaks of the offending record, so it reads that record's fields
        var messageScope = scope
        var messageUsage = ExprUsage()
        if case .relations(let specs)? = assertion, let first = specs.first { messageScope = first.entity }
        let message = compileMessage(messageNode, scope: messageScope, id: id, compiler: compiler, usage: &messageUsage, sink: sink)
        if messageScope == scope { usage.merge(messageUsage) }
        // title, help and legal basis: the extending pack's override when it gives one; `{params.NAME}` shows the value in force
        var textsOK = true
        var templates: [String] = []
        var slTemplates: [String] = []
        // a title, help or legal basis in English, Slovenian or both (`{ en: …, sl: … }`); the Slovenian
        // title and help as written are kept for checks of the texts (a legal basis may cite numbers)
        func localizedText(_ n: YNode?, _ what: String) -> LocalizedText? {
            guard let n else { return nil }
            var english: String?
            let t = parameterText(n, what: "\(id): the \(what)", id: id, params: params, sink: sink) { language, written in
                if language == .sl && what != "legal basis" { slTemplates.append(written) }
                if language == .en || english == nil { english = written }
            }
            // the text English shows, as written (Slovenian when only that was given)
            if let english { templates.append(english) }
            if t == nil { textsOK = false }
            return t
        }
        let title = localizedText(override?["title"] ?? titleNode, "title")
        let help = localizedText(override?["help"] ?? node["help"], "help")
        let legalNode = override?["legal_basis"] ?? node["legal_basis"]
        let legal = legalNode.map { n in (n.sequence ?? [n]).compactMap { localizedText($0, "legal basis") } } ?? []
        var examples: [RuleExample] = []
        if let ex = node["examples"] {
            checkKeys(ex, allowed: ["pass", "fail"], what: "examples", sink: sink)
            for (key, shouldPass) in [("pass", true), ("fail", false)] {
                for item in ex[key]?.sequence ?? [] {
                    examples.append(RuleExample(shouldPass: shouldPass, data: exampleData(item), file: item.file, line: item.line, column: item.column))
                }
            }
        }
        // the field a finding points at, when the first field the failing part reads is not the wrong one
        var locationField: String?
        if let f = node["field"] {
            if let name = f.scalar, let scope, model.entities[scope].fieldIndex(name) != nil {
                locationField = name
            } else {
                let known = scope.map { model.entities[$0].fields.map(\.name).joined(separator: ", ") } ?? ""
                sink.add(f.diagnostic("rule.unknown_field", "\(id): field '\(f.scalar ?? "")' is not a field of \(scopeText)\(known.isEmpty ? " (a rule of this scope names no field)" : " (\(known))")"))
            }
        }
        guard sink.diagnostics.count == before, textsOK, let severity, let assertion, let message else { return nil }
        var rule = CompiledRule(id: id, title: title ?? LocalizedText(en: id), pack: pack, severity: severity, scope: scope,
                            scopeName: scopeText, when: whenExpr, assertion: assertion, assertText: assertText,
                            whenText: node["when"]?.scalar, message: message, legalBasis: legal, help: help,
                            examples: examples, usage: usage, params: params.map(\.value), exampleParams: nil, file: node.file, line: node.line)
        rule.textTemplates = templates
        rule.slTextTemplates = slTemplates
        rule.locationField = locationField
        return rule
    }

    static func parseSeverity(_ n: YNode, sink: DiagnosticSink) -> SeveritySpec? {
        if let s = n.scalar {
            guard let sev = Severity(rawValue: s) else {
                sink.add(n.diagnostic("rule.unknown_severity", "unknown severity '\(s)' (fatal, error, review, warning, info)"))
                return nil
            }
            return .fixed(sev)
        }
        checkKeys(n, allowed: ["final", "interim"], what: "severity", sink: sink)
        guard let f = n["final"]?.scalar.flatMap(Severity.init(rawValue:)), let i = n["interim"]?.scalar.flatMap(Severity.init(rawValue:)) else {
            sink.add(n.diagnostic("rule.unknown_severity", "a severity by report type needs 'final' and 'interim' severities"))
            return nil
        }
        return .byReportType(final: f, interim: i)
    }

    static func compileTemplate(_ n: YNode, scope: Int?, id: String, compiler: ExprCompiler, usage: inout ExprUsage, sink: DiagnosticSink) -> MessageTemplate? {
        guard let text = n.scalar else {
            sink.add(n.diagnostic("rule.invalid", "the message must be text"))
            return nil
        }
        var parts: [MessageTemplate.Part] = []
        var ok = true
        let bytes = Array(text.utf8)
        var i = 0, literalStart = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "{") {
                guard let close = bytes[i...].firstIndex(of: UInt8(ascii: "}")) else {
                    let pos = n.position(ofOffset: i)
                    sink.add(Diagnostic(code: "message.unclosed", message: "\(id): '{' in the message is not closed", file: n.file, line: pos.line, column: pos.column))
                    return nil
                }
                if literalStart < i { parts.append(.text(String(decoding: bytes[literalStart..<i], as: UTF8.self))) }
                let inner = String(decoding: bytes[(i + 1)..<close], as: UTF8.self)
                switch compiler.compile(inner, scope: scope) {
                case .success(let (b, u)):
                    usage.merge(u)
                    parts.append(.value(b))
                case .failure(let errors):
                    ok = false
                    n.report(errors, prefix: "\(id): in the message: ", offset: i + 1, to: sink)
                }
                i = close + 1
                literalStart = i
            } else {
                i += 1
            }
        }
        if literalStart < bytes.count { parts.append(.text(String(decoding: bytes[literalStart...], as: UTF8.self))) }
        return ok ? MessageTemplate(parts: parts, source: text) : nil
    }

    /// A rule's title, help or legal basis with each `{params.NAME}` replaced by the parameter's value in force
    /// (after the config's overrides): decimals with at least two decimals (`740.00`), lists comma-separated.
    /// Anything else in braces is an error: these texts are fixed per pack, they read no record.
    static func interpolateParameters(_ text: String, node n: YNode, id: String, params: [ParameterDecl], language: Language = .en,
                                      sink: DiagnosticSink) -> String? {
        var out = ""
        var rest = Substring(text)
        var ok = true
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let offset = text.utf8.distance(from: text.startIndex, to: open)
            func fail(_ code: String, _ message: String) {
                let pos = n.position(ofOffset: offset)
                sink.add(Diagnostic(code: code, message: "\(id): \(message)", file: n.file, line: pos.line, column: pos.column))
                ok = false
            }
            guard let close = rest[open...].firstIndex(of: "}") else {
                fail("text.unclosed", "'{' is not closed (a title, help or legal basis may show {params.NAME})")
                return nil
            }
            let inner = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if inner.hasPrefix("params."), let p = params.first(where: { $0.name == inner.dropFirst("params.".count) }) {
                out += parameterText(p.value, language: language)
            } else if inner.hasPrefix("params.") {
                fail("text.unknown_parameter", "unknown parameter '\(inner.dropFirst("params.".count))' (known: \(params.map(\.name).sorted().joined(separator: ", ")))")
            } else {
                fail("text.placeholder", "a title, help or legal basis may show {params.NAME} only, not {\(inner)}; record values belong in the message")
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return ok ? out : nil
    }

    /// A parameter value as texts show it: decimals with at least two decimals (`740.00`, Slovenian
    /// `740,00`), dates ISO (Slovenian `1. 1. 2014`), lists comma-separated.
    static func parameterText(_ v: Value, language: Language = .en) -> String {
        switch v {
        case .decimal(let d): return d.formatted(minimumScale: 2, language: language)
        case .list(let items): return items.map { parameterText($0, language: language) }.joined(separator: ", ")
        default: return language == .en ? v.description : v.formatted(language)
        }
    }

    static func exampleData(_ n: YNode) -> ExampleData {
        if let m = n.mapping {
            var dict: [String: ExampleData] = [:]
            for e in m { dict[e.key] = exampleData(e.value) }
            return .map(dict, order: m.map(\.key))
        }
        if let s = n.sequence { return .list(s.map(exampleData)) }
        if n.isNull { return .null }
        return .scalar(n.scalar ?? "")
    }
}
