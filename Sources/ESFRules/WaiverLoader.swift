import ESFCore
import Foundation

/// Loads a waiver file (`--waivers FILE`, docs/waivers.md):
///
///     waivers:
///       - rule: UD-TR-004
///         record: UD-000011/training
///         reason: "…"
///         approved_by: "…"
///         reference: "…"
///         expires: 2027-06-30
///
/// Every problem goes to the sink with file:line:column (exit 2): a missing rule, reason or approver,
/// neither or both of `record` and `fingerprint`, an unknown key, a date that is not `YYYY-MM-DD`, a
/// fingerprint that is not 64 hex digits, a reserved `ESFCHECK-*` id, the same finding waived twice.
/// Whether the rule ids exist is checked against the packs of the run (`checkRuleIDs`).
public enum WaiverLoader {
    /// The keys of the file and of one waiver.
    static let fileKeys: Set<String> = ["waivers"]
    static let waiverKeys: Set<String> = ["rule", "record", "fingerprint", "reason", "approved_by", "reference", "expires"]

    /// The waivers of the file at `path`, or nil when it cannot be read at all; problems go to `sink`.
    public static func load(path: String, sink: DiagnosticSink) -> [Waiver]? {
        let display = PackLoader.displayPath(path)
        guard let root = loadYAML(path: path, displayPath: display, sink: sink) else { return nil }
        guard root.mapping != nil else {
            sink.add(root.diagnostic("waivers.invalid", "a waiver file is a mapping with one key, waivers: a list of waivers (docs/waivers.md)"))
            return nil
        }
        checkKeys(root, allowed: fileKeys, what: "waivers", sink: sink)
        guard let list = root["waivers"] else {
            sink.add(root.diagnostic("waivers.invalid", "the file has no 'waivers:' list (docs/waivers.md)"))
            return nil
        }
        if list.isNull { return [] }
        guard let items = list.sequence else {
            sink.add(list.diagnostic("waivers.invalid", "'waivers' is a list: - { rule: ID, record: KEY, reason: \"…\", approved_by: \"…\" }"))
            return nil
        }
        var waivers: [Waiver] = []
        for item in items {
            if let w = waiver(item, file: display, sink: sink) {
                if let earlier = waivers.first(where: { $0.ruleID == w.ruleID && $0.recordKey == w.recordKey && $0.fingerprint == w.fingerprint }) {
                    sink.add(item.diagnostic("waiver.duplicate", "\(w.target) is already waived at line \(earlier.line)"))
                    continue
                }
                waivers.append(w)
            }
        }
        return waivers
    }

    /// One waiver, or nil (with its problems in `sink`).
    static func waiver(_ item: YNode, file: String, sink: DiagnosticSink) -> Waiver? {
        guard item.mapping != nil else {
            sink.add(item.diagnostic("waiver.invalid", "a waiver is a mapping: { rule: ID, record: KEY, reason: \"…\", approved_by: \"…\" }"))
            return nil
        }
        let before = sink.diagnostics.count
        checkKeys(item, allowed: waiverKeys, what: "waiver", sink: sink)
        /// A key's text: a non-empty scalar (whitespace trimmed), nil when absent; a problem when it is not text.
        func text(_ key: String) -> String? {
            guard let n = item[key], !n.isNull else { return nil }
            guard let s = n.scalar else {
                sink.add(n.diagnostic("waiver.invalid", "'\(key)' is a text, not a list or a mapping"))
                return nil
            }
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }
        let rule = text("rule")
        if rule == nil { sink.add(item.diagnostic("waiver.rule", "a waiver names the rule it waives: rule: ID")) }
        if let rule, ReservedFinding(id: rule) != nil {
            sink.add((item["rule"] ?? item).diagnostic("waiver.reserved",
                                                       "\(rule) is a finding of esfcheck itself and cannot be waived: correct the export or the waiver file"))
        }
        let reason = text("reason")
        if reason == nil { sink.add(item.diagnostic("waiver.reason", "a waiver needs the reason an auditor will read: reason: \"…\"")) }
        let approver = text("approved_by")
        if approver == nil { sink.add(item.diagnostic("waiver.approver", "a waiver needs the person or body that approved it: approved_by: \"…\"")) }
        let record = text("record")
        var fingerprint = text("fingerprint")
        switch (record, fingerprint) {
        case (nil, nil):
            sink.add(item.diagnostic("waiver.target", "a waiver names the finding it waives: record: KEY (the record key) or fingerprint: HEX"))
        case (.some, .some):
            sink.add((item["fingerprint"] ?? item).diagnostic("waiver.target", "a waiver names a record or a fingerprint, not both"))
        default: break
        }
        if let f = fingerprint {
            if f.count != 64 || !f.allSatisfy(\.isHexDigit) {
                sink.add((item["fingerprint"] ?? item).diagnostic("waiver.fingerprint", "a fingerprint is 64 hexadecimal digits, as the reports show it; got '\(f)'"))
            }
            fingerprint = f.lowercased()
        }
        var expires: CivilDate?
        if let e = text("expires") {
            expires = CivilDate(iso: Substring(e))
            if expires == nil || e.count != 10 {
                sink.add((item["expires"] ?? item).diagnostic("waiver.expires", "expires is a date YYYY-MM-DD (the last day the waiver waives); got '\(e)'"))
                expires = nil
            }
        }
        let reference = text("reference")
        guard sink.diagnostics.count == before, let rule, let reason, let approver else { return nil }
        return Waiver(ruleID: rule, recordKey: record, fingerprint: fingerprint, reason: reason, approvedBy: approver,
                      reference: reference, expires: expires, file: file, line: item.line, column: item.column)
    }

    /// A diagnostic for each waiver whose rule id is not among `known` (the rules of the run's packs).
    public static func checkRuleIDs(_ waivers: [Waiver], known: Set<String>, sink: DiagnosticSink) {
        for w in waivers where !known.contains(w.ruleID) {
            sink.add(Diagnostic(code: "waiver.unknown_rule", message: "no rule \(w.ruleID) in the packs of this run\(Nearest.hint(w.ruleID, in: Array(known)))",
                                file: w.file, line: w.line, column: w.column))
        }
    }
}
