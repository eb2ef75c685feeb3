import ESFCore
import Foundation

/// The JSON report (`docs/report.schema.json`): sorted keys, so the output is stable.
public struct JSONReporter: Reporter {
    public init() {}

    public func render(_ report: Report) -> String {
        var out = ""
        write(report) { out += $0 }
        return out
    }

    /// The report's text in pieces, in order: the same text as `render`, never held whole. The report
    /// without its findings is encoded once, and each finding on its own, indented into its place in
    /// the list: the encoder's tree of a whole report listing 31,622 findings took 275 MB to write 66 MB.
    public func write<E: Error>(_ report: Report, to put: (String) throws(E) -> Void) throws(E) {
        let failed = "{\"error\": \"the report could not be encoded\"}\n"
        var shell = report
        shell.findings = []
        guard let head = StableJSON.text(shell) else { return try put(failed) }
        // a key of the report's own object is indented by two spaces, and the key is unique in it
        let empty = "\n  \"findings\" : [\n\n  ]"
        guard !report.findings.isEmpty, let at = head.range(of: empty) else { return try put(head + "\n") }
        try put(String(head[..<at.lowerBound]) + "\n  \"findings\" : [\n")
        let encoder = StableJSON.encoder()
        let indent: [UInt8] = Array("    ".utf8)
        var bytes: [UInt8] = []
        for (n, finding) in report.findings.enumerated() {
            bytes.removeAll(keepingCapacity: true)
            if n > 0 { bytes += ",\n".utf8 }
            // a finding is an element of a list inside the report's object: four spaces deeper (a JSON
            // text has no line break inside a string, so every line break is the encoder's)
            bytes += indent
            // (a finding has no floating-point field, so this cannot fail; were it to, the text ends
            // with the error document and is no JSON: a reader fails rather than read half a list)
            guard let data = try? encoder.encode(finding) else { return try put(failed) }
            // line by line, each after its indent (the empty line of an empty list or object is left
            // empty, as the encoder writes it); read in place, not through `Data`'s iterator
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                let text = raw.bindMemory(to: UInt8.self)
                var start = 0
                while start < text.count {
                    var end = start
                    while end < text.count && text[end] != UInt8(ascii: "\n") { end += 1 }
                    if start > 0 && end > start { bytes += indent }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<min(end + 1, text.count)]))
                    start = end + 1
                }
            }
            try put(String(decoding: bytes, as: UTF8.self))
        }
        try put("\n  ]" + head[at.upperBound...] + "\n")
    }
}
