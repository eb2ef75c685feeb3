import ESFCore

/// A report format: a pure function from a report to text.
public protocol Reporter {
    func render(_ report: Report) -> String
}
