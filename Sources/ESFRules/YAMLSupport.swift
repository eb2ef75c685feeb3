import ESFCore
import ESFExpr
import Foundation
import Yams

/// Collects diagnostics for one run: every problem is reported, none thrown (STYLE: diagnostics sink).
public final class DiagnosticSink {
    public private(set) var diagnostics: [Diagnostic] = []
    public init() {}
    public func add(_ d: Diagnostic) { diagnostics.append(d) }
    public var isEmpty: Bool { diagnostics.isEmpty }
}

/// A YAML node with the file it came from, for positioned diagnostics. Internal: Yams never leaves this module.
struct YNode {
    let node: Node
    let file: String

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    var scalar: String? { node.scalar?.string }
    var isScalar: Bool { node.scalar != nil }
    var isNull: Bool { if let s = node.scalar { return (s.style == .plain && (s.string == "null" || s.string == "~" || s.string.isEmpty)) } else { return false } }

    var mapping: [(key: String, keyNode: YNode, value: YNode)]? {
        guard let m = node.mapping else { return nil }
        return m.map { (k, v) in (k.scalar?.string ?? "", YNode(node: k, file: file), YNode(node: v, file: file)) }
    }

    var sequence: [YNode]? { node.sequence.map { $0.map { YNode(node: $0, file: file) } } }

    /// The value of the first entry whose key is `key` (the mapping's pairs walked in place, not copied as `mapping`).
    subscript(_ key: String) -> YNode? {
        guard let m = node.mapping else { return nil }
        for (k, v) in m where (k.scalar?.string ?? "") == key { return YNode(node: v, file: file) }
        return nil
    }

    func diagnostic(_ code: String, _ message: String) -> Diagnostic {
        Diagnostic(code: code, message: message, file: file, line: line, column: column)
    }

    /// Reports the errors of an expression written in this scalar, each at its own position
    /// (`offset` is where the expression starts inside the scalar's text).
    func report(_ errors: ExprErrors, prefix: String, offset: Int = 0, to sink: DiagnosticSink) {
        for e in errors.all {
            let pos = position(ofOffset: offset + e.range.start)
            sink.add(Diagnostic(code: e.code, message: prefix + e.message, file: file, line: pos.line, column: pos.column))
        }
    }

    /// The position of a UTF-8 offset inside this scalar's text (exact for single-line plain and quoted scalars).
    func position(ofOffset offset: Int) -> (line: Int, column: Int) {
        guard let s = node.scalar, !s.string.contains("\n") else { return (line, column) }
        let prefix = String(decoding: Array(s.string.utf8).prefix(offset), as: UTF8.self)
        let shift = prefix.unicodeScalars.count
        switch s.style {
        case .plain: return (line, column + shift)
        case .singleQuoted, .doubleQuoted: return (line, column + 1 + shift)
        default: return (line, column)
        }
    }
}

/// Loads a YAML file into a node, turning syntax errors into positioned diagnostics.
func loadYAML(path: String, displayPath: String, sink: DiagnosticSink, allowEmpty: Bool = false) -> YNode? {
    guard let data = FileManager.default.contents(atPath: path) else {
        sink.add(Diagnostic(code: "file.unreadable", message: "cannot read the file", file: displayPath, line: 1, column: 1))
        return nil
    }
    guard let text = String(data: data, encoding: .utf8) else {
        sink.add(Diagnostic(code: "file.encoding", message: "the file is not valid UTF-8", file: displayPath, line: 1, column: 1))
        return nil
    }
    if let problem = YAMLLimits.check(text) {
        sink.add(Diagnostic(code: "yaml.limit", message: problem.message, file: displayPath, line: problem.line, column: problem.column))
        return nil
    }
    do {
        // Every scalar is read as its text (`YNode.scalar`); no loader asks Yams for a typed value. The basic
        // resolver tags every plain scalar `str` instead of matching it against the YAML 1.1 regular expressions
        // (bool, int, float, null, timestamp): those took a fifth of start-up, run again on each hash of a key.
        // Keys are then duplicates when their texts are (`1:` and `"1":` too), as the loaders read them.
        // The encoding is given: Yams' default reads the process environment on each parser.
        guard let node = try Yams.compose(yaml: text, .basic, .default, .utf8) else {
            if allowEmpty { return YNode(node: Node.mapping(Node.Mapping([])), file: displayPath) }
            sink.add(Diagnostic(code: "yaml.empty", message: "the file is empty", file: displayPath, line: 1, column: 1))
            return nil
        }
        return YNode(node: node, file: displayPath)
    } catch let error as YamlError {
        var line = 1, column = 1
        var problem = "\(error)"
        switch error {
        case .scanner(_, let p, let mark, _), .parser(_, let p, let mark, _), .composer(_, let p, let mark, _):
            line = mark.line
            column = mark.column
            problem = p
        case .duplicatedKeysInMapping(let dups, let context):
            line = context.mark.line
            column = context.mark.column
            problem = "duplicate key\(dups.count > 1 ? "s" : "") \(dups.joined(separator: ", "))"
        default: break
        }
        sink.add(Diagnostic(code: "yaml.syntax", message: "YAML: \(problem)", file: displayPath, line: line, column: column))
        return nil
    } catch {
        sink.add(Diagnostic(code: "yaml.syntax", message: "YAML: \(error)", file: displayPath, line: 1, column: 1))
        return nil
    }
}

/// Checks that a mapping has only known keys, reporting each unknown one.
func checkKeys(_ node: YNode, allowed: Set<String>, what: String, sink: DiagnosticSink) {
    for entry in node.mapping ?? [] where !allowed.contains(entry.key) {
        sink.add(entry.keyNode.diagnostic("\(what).unknown_key", "unknown key '\(entry.key)' in \(what) (allowed: \(allowed.sorted().joined(separator: ", ")))"))
    }
}
