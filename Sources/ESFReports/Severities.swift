import ESFCore

/// How the CI formats grade a finding: fatal and error are errors, review and warning are warnings,
/// info is a note (docs/formats.md).
enum CILevel: String {
    case error, warning, note

    init(_ s: Severity) {
        switch s {
        case .fatal, .error: self = .error
        case .review, .warning: self = .warning
        case .info: self = .note
        }
    }

    /// The SARIF `level`.
    var sarif: String { rawValue }

    /// The GitHub workflow command.
    var github: String { self == .note ? "notice" : rawValue }
}
