import ESFCore
import Foundation

/// The JSON document written to stdout with `--format json` when a run stops with exit code 2 or 3,
/// so that CI scripts need not parse stderr: `{"tool", "toolVersion", "verdict": "error", "exitCode",
/// "diagnostics": [{"code", "message", "file", "line", "column"}]}` (sorted keys; schema:
/// `docs/error.schema.json`). A position that is not known is absent.
public enum ErrorDocument {
    struct Item: Encodable {
        var code: String
        var message: String
        var file: String?
        var line: Int?
        var column: Int?
        /// `input.layout`: what was found and which shipped profile reads it.
        var layout: LayoutDiagnosis?
    }

    struct Document: Encodable {
        var tool = "esfcheck"
        var toolVersion = esfcheckVersion
        var verdict = "error"
        var exitCode: Int32
        var diagnostics: [Item]
    }

    public static func items(_ error: CheckError) -> [(code: String, message: String, file: String?, line: Int?, column: Int?)] {
        switch error {
        case .usage(let m): return [("usage", m, nil, nil, nil)]
        case .diagnostics(let ds):
            return ds.map { ($0.code, $0.message, $0.file, $0.line > 0 ? $0.line : nil, $0.line > 0 ? $0.column : nil) }
        case .input(let e):
            return [("input", e.message, e.location.file, e.location.line, e.location.column)]
        case .layout(let d):
            return [("input.layout", d.message, d.file, nil, nil)]
        }
    }

    /// The document; the messages in `language` (`DiagnosticWords`), the keys and codes always English.
    public static func render(_ error: CheckError, language: Language = .en) -> String {
        var diagnostics = items(error).map {
            Item(code: $0.code, message: DiagnosticWords.translated($0.message, language), file: $0.file, line: $0.line, column: $0.column)
        }
        if case .layout(let d) = error, !diagnostics.isEmpty { diagnostics[0].layout = d }
        let doc = Document(exitCode: error.exitCode, diagnostics: diagnostics)
        guard let text = StableJSON.text(doc) else { return "{\"verdict\": \"error\"}\n" }
        return text + "\n"
    }
}
