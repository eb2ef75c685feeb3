import ESFCore
import Foundation

/// The baseline file (`--write-baseline`): JSON with sorted keys and entries sorted by rule id, record
/// key and fingerprint, no date, so that the same findings always give the same bytes.
public enum BaselineWriter {
    /// The file's text; nil when it cannot be encoded (the run then fails rather than write a wrong baseline).
    public static func render(_ baseline: Baseline) -> String? {
        guard let text = StableJSON.text(Baseline(findings: baseline.findings)) else {
            return nil
        }
        return text + "\n"
    }
}
