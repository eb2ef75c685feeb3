import CYaml
import ESFCore

/// Limits every YAML file the tool loads (rule files, pack.yaml, model, profiles, config) must
/// stay within, checked on the parser's event stream before any node tree is built.
///
/// YAML aliases repeat the node they name; nine levels of nine aliases (the "billion laughs",
/// 613 bytes) name 387 million nodes. The composer shares aliased nodes, but everything that
/// walks the tree afterwards (key hashing, the loaders) sees the expansion, so a document is
/// measured by its *expanded* size: an alias counts every node of its target.
package enum YAMLLimits {
    /// The most nodes a document may expand to (aliases count the size of their target).
    package static let maxNodes = 200_000
    /// The deepest nesting of sequences and mappings.
    package static let maxDepth = 100

    /// The first limit `text` exceeds, as a positioned problem; nil when within the limits.
    /// Syntax errors are left to the composer, which reports them with their positions.
    static func check(_ text: String, maxNodes: Int = maxNodes, maxDepth: Int = maxDepth) -> (line: Int, column: Int, message: String)? {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, column: Int, message: String)? in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else { return nil }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // the expanded size of each anchored node, by anchor name (a later anchor of the same name shadows)
            var anchors: [String: Int] = [:]
            // open collections: their anchor and the expanded size of what they hold so far
            var open: [(anchor: String?, size: Int)] = []
            var total = 0
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let mark = event.start_mark
                func position(_ message: String) -> (line: Int, column: Int, message: String) {
                    (Int(mark.line) + 1, Int(mark.column) + 1, message)
                }
                func anchorName(_ p: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                    p.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                }
                var added = 0
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_DOCUMENT_START_EVENT:
                    anchors = [:]
                case YAML_SCALAR_EVENT:
                    added = 1
                    if let a = anchorName(event.data.scalar.anchor) { anchors[a] = 1 }
                case YAML_ALIAS_EVENT:
                    // an undefined alias is left to the composer's "found undefined alias"
                    added = anchorName(event.data.alias.anchor).flatMap { anchors[$0] } ?? 0
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT
                        ? anchorName(event.data.sequence_start.anchor) : anchorName(event.data.mapping_start.anchor)
                    total += 1
                    open.append((anchor, 1))
                    if open.count > maxDepth {
                        return position("YAML: sequences and mappings are nested more than \(maxDepth) deep")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let closed = open.popLast() else { return nil }
                    if let a = closed.anchor { anchors[a] = closed.size }
                    if !open.isEmpty { open[open.count - 1].size += closed.size }
                default:
                    break
                }
                if added > 0 {
                    total += added
                    if !open.isEmpty { open[open.count - 1].size += added }
                }
                if total > maxNodes {
                    return position("YAML: the document expands to more than \(maxNodes) nodes (an alias counts every node it repeats); "
                                    + "write the repeated parts out or split the file")
                }
            }
        }
    }
}
