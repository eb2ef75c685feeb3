import ESFCore
import ESFExpr

/// Texts written in English and Slovenian: a plain string (English) or a map `{ en: …, sl: … }`
/// with either language or both (a user's own pack may give one language only).
extension PackLoader {
    /// The text of each language written in `n`, in the order written; nil (with a positioned
    /// diagnostic) for anything else than a string or a non-empty map of `en` and `sl` to strings.
    /// `what` names the text in diagnostics (`UD-TR-001: the title`).
    static func languageNodes(_ n: YNode, what: String, sink: DiagnosticSink) -> [(language: Language, node: YNode)]? {
        if n.isScalar { return [(.en, n)] }
        let expected = "a text, or a map of languages to texts ({ en: …, sl: … })"
        guard let entries = n.mapping else {
            sink.add(n.diagnostic("text.invalid", "\(what) is \(expected)"))
            return nil
        }
        guard !entries.isEmpty else {
            sink.add(n.diagnostic("text.invalid", "\(what) is an empty map: give the text in en, sl or both"))
            return nil
        }
        var out: [(language: Language, node: YNode)] = []
        var ok = true
        for e in entries {
            guard let language = Language(rawValue: e.key) else {
                sink.add(e.keyNode.diagnostic("text.unknown_language", "\(what): unknown language '\(e.key)' (allowed: \(Language.allCases.map(\.rawValue).joined(separator: ", ")))"))
                ok = false
                continue
            }
            guard e.value.isScalar, !e.value.isNull else {
                sink.add(e.value.diagnostic("text.invalid", "\(what) in \(language.rawValue) is a text"))
                ok = false
                continue
            }
            out.append((language, e.value))
        }
        return ok ? out : nil
    }

    /// Combines the texts of each language: one language only is shown in both.
    static func localized(_ texts: [(language: Language, text: String)]) -> LocalizedText? {
        let en = texts.first { $0.language == .en }?.text, sl = texts.first { $0.language == .sl }?.text
        if let en { return LocalizedText(en: en, sl: sl) }
        return sl.map { LocalizedText($0, only: .sl) }
    }

    /// A text without placeholders in each language it is written in (a pack's title).
    static func plainText(_ n: YNode, what: String, sink: DiagnosticSink) -> LocalizedText? {
        guard let nodes = languageNodes(n, what: what, sink: sink) else { return nil }
        return localized(nodes.compactMap { l in l.node.scalar.map { (l.language, $0) } })
    }

    /// A title, help or note in each language it is written in, `{params.NAME}` replaced by the value
    /// in force as that language writes it; `written` receives each text as written, by language.
    static func parameterText(_ n: YNode, what: String, id: String, params: [ParameterDecl], sink: DiagnosticSink,
                              written: ((Language, String) -> Void)? = nil) -> LocalizedText? {
        guard let nodes = languageNodes(n, what: what, sink: sink) else { return nil }
        var texts: [(language: Language, text: String)] = []
        var ok = true
        for (language, node) in nodes {
            guard let t = node.scalar else { continue }
            written?(language, t)
            guard let rendered = interpolateParameters(t, node: node, id: id, params: params, language: language, sink: sink) else {
                ok = false
                continue
            }
            texts.append((language, rendered))
        }
        return ok ? localized(texts) : nil
    }

    /// A rule's message in each language it is written in, each compiled in `scope`; when both are
    /// written they must show the same values (the same placeholder expressions, in any order, the
    /// words of their string literals aside: `placeholderShapes`).
    static func compileMessage(_ n: YNode, scope: Int?, id: String, compiler: ExprCompiler, usage: inout ExprUsage,
                               sink: DiagnosticSink) -> LocalizedMessage? {
        guard let nodes = languageNodes(n, what: "\(id): the message", sink: sink) else { return nil }
        var templates: [Language: MessageTemplate] = [:]
        var ok = true
        for (language, node) in nodes {
            guard let t = compileTemplate(node, scope: scope, id: id, compiler: compiler, usage: &usage, sink: sink) else {
                ok = false
                continue
            }
            templates[language] = t
        }
        guard ok, let first = templates[.en] ?? templates[.sl] else { return nil }
        if let en = templates[.en], let sl = templates[.sl], en.placeholderShapes != sl.placeholderShapes {
            func list(_ t: MessageTemplate) -> String { t.placeholders.isEmpty ? "none" : t.placeholders.map { "{\($0)}" }.joined(separator: ", ") }
            sink.add(n.diagnostic("message.placeholders", "\(id): the en and sl messages must show the same values (en: \(list(en)); sl: \(list(sl)))"))
            return nil
        }
        return LocalizedMessage(en: first, sl: templates[.sl], written: Set(templates.keys))
    }

    /// What a rule set lacks for both languages: every rule's title, message, help and legal basis, every
    /// indicator's title and note and every pack's title not written in each language (messages whose
    /// languages show different values do not load). Empty for the built-in packs (a test keeps it so).
    public static func translationGaps(_ set: RuleSet) -> [String] {
        var gaps: [String] = []
        func check(_ text: LocalizedText?, _ what: String) {
            guard let text else { return }
            for l in Language.allCases where !text.written.contains(l) { gaps.append("\(what) has no \(l.rawValue) text") }
        }
        for pack in set.packs {
            check(pack.title, "pack \(pack.id): the title")
            for r in pack.rules {
                check(r.title, "\(r.id): the title")
                check(r.help, "\(r.id): the help")
                for (i, basis) in r.legalBasis.enumerated() { check(basis, "\(r.id): legal basis \(i + 1)") }
                for l in Language.allCases where !r.message.written.contains(l) { gaps.append("\(r.id): the message has no \(l.rawValue) text") }
            }
            for i in pack.indicators {
                check(i.title, "indicator \(pack.id)/\(i.id): the title")
                check(i.unavailable, "indicator \(pack.id)/\(i.id): the note")
            }
        }
        return gaps
    }
}
