import ESFCore

extension CheckError {
    /// What `description` says, in `language`: the frame (`error:`, the count of problems) and the
    /// phrases `DiagnosticWords` knows; file names, lines and columns exactly as in English.
    public func text(_ language: Language) -> String {
        guard language != .en else { return description }
        let error = DiagnosticWords.error(language)
        func translated(_ s: String) -> String { InvisibleCharacters.escaped(DiagnosticWords.translated(s, language)) }
        switch self {
        case .usage(let m): return "\(error): " + translated(m)
        case .diagnostics(let ds):
            let lines = ds.map { d in
                let message = DiagnosticWords.translated(d.message, language)
                return InvisibleCharacters.escaped(d.line > 0 ? "\(d.file):\(d.line):\(d.column): \(error): \(message) [\(d.code)]"
                                                              : "\(d.file): \(error): \(message) [\(d.code)]")
            }
            return lines.joined(separator: "\n") + "\n" + DiagnosticWords.problems(ds.count, language)
        case .input(let e): return translated("\(e.location.short): \(e.message)")
        case .layout(let d): return translated("\(d.file): \(d.message)")
        }
    }
}
