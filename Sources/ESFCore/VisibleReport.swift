
extension Report {
    /// The report with every invisible character (controls, zero-width and bidirectional
    /// characters) in text that comes from the input written as `\u{200B}`: finding messages,
    /// record keys, participant ids, explained values, locations and related locations, input paths and the operation
    /// id. JSON escaping alone is not enough: a viewer renders a bidirectional override.
    /// Applied once before any reporter renders (docs/inputs.md, "Invisible characters").
    public func escapingInvisibleCharacters() -> Report {
        var report = self
        report.escapeInvisibleCharacters()
        return report
    }

    /// `escapingInvisibleCharacters()` in place: the findings are changed where they are (a report of
    /// a million participants lists tens of thousands), not copied into a second array; a text without
    /// an invisible character stays the same string.
    public mutating func escapeInvisibleCharacters() {
        let e = InvisibleCharacters.escaped
        for i in findings.indices {
            Self.escape(&findings[i], e)
        }
        inputs = inputs.map { input in
            var i = input
            i.path = e(i.path)
            i.operation = i.operation.map(e)
            i.files = i.files.map { FileHash(path: e($0.path), sha256: $0.sha256) }
            i.indicators = i.indicators.map { indicator in
                var v = indicator
                v.value = v.value.map(e)
                v.display = e(v.display)
                v.note = v.note.map(e)
                return v
            }
            return i
        }
    }

    private static func escape(_ f: inout Finding, _ e: (String) -> String) {
        f.message = e(f.message)
        f.recordKey = e(f.recordKey)
        f.participantID = f.participantID.map(e)
        if f.explain.contains(where: { InvisibleCharacters.contains($0.value) }) {
            f.explain = f.explain.map { ExplainTerm(expression: $0.expression, value: e($0.value)) }
        }
        if var l = f.location {
            l.file = e(l.file)
            l.xpath = l.xpath.map(e)
            l.field = l.field.map(e)
            l.sourceField = l.sourceField.map(e)
            l.rawValue = l.rawValue.map(e)
            f.location = l
        }
        if var w = f.waiver {
            // written by a person in the waiver file, shown beside the finding
            w.reason = e(w.reason)
            w.approvedBy = e(w.approvedBy)
            w.reference = w.reference.map(e)
            w.file = e(w.file)
            f.waiver = w
        }
        f.relatedLocations = f.relatedLocations?.map { related in
            var r = related
            r.file = e(r.file)
            r.xpath = r.xpath.map(e)
            r.field = r.field.map(e)
            r.message = e(r.message)
            return r
        }
    }
}
