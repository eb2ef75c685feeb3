import Foundation

/// The query of a request, parsed strictly: every name must be one the route knows, and each value must
/// be percent-decodable; anything else is a 400 (fail closed: a misspelt parameter is not ignored).
struct QueryParameters {
    private(set) var pairs: [(name: String, value: String)] = []

    /// Parses `query` (nil: none), allowing only `known` names; `repeatable` names may occur more than once.
    init(_ query: String?, known: Set<String>, repeatable: Set<String> = []) throws(Problem) {
        guard let query, !query.isEmpty else { return }
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw .badRequest("the query parameter '\(Self.shown(item))' is not percent-encoded correctly")
            }
            guard known.contains(name) else {
                let names = known.sorted().joined(separator: ", ")
                throw .badRequest("unknown query parameter '\(Self.shown(Substring(name)))'" + (known.isEmpty ? "; this route takes none" : "; this route takes \(names)"))
            }
            if !repeatable.contains(name), pairs.contains(where: { $0.name == name }) {
                throw .badRequest("the query parameter '\(name)' is given twice")
            }
            pairs.append((name, value))
        }
    }

    /// The value of a parameter given once, if given.
    func value(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value of a repeatable parameter, in order.
    func values(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    static func decode(_ s: Substring) -> String? {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// A name or value as an error message shows it: at most 60 characters, control characters escaped.
    static func shown(_ s: Substring) -> String {
        let text = String(s.prefix(60))
        return text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
            + (s.count > 60 ? "…" : "")
    }
}
