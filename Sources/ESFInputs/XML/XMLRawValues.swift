internal import CLibXML2
import ESFCore

extension XMLRecordSource: RawValueSource {
    /// Reads the file again with the same safe parser options, up to the last record asked for,
    /// and takes each requested field's text from the record's element as the profile (or the
    /// canonical form) places it: an attribute, a child element's text (trimmed as `read` trims
    /// it) or a child element's attribute. Records are found by the XPath of their location,
    /// counted the way `read` counts them (same-named elements in the export's namespace).
    public func rawValues(_ requests: [RawValueRequest]) -> [RawValue?] {
        var answers = [RawValue?](repeating: nil, count: requests.count)
        // record XPath (every step but the root with its position) → (request, where the field is)
        var wanted: [String: [(request: Int, path: XMLFieldPath)]] = [:]
        /// The text found for request `i`, and whether it is masked (see `EntityPlan.rawTextIsPersonal`).
        func found(_ i: Int, _ bytes: [UInt8]?) {
            guard let bytes else { return }
            let r = requests[i]
            let decoded = plan.profiled?[r.entity].decoders[r.field].parse(bytes[...]) ?? plan.entities[r.entity].decoders[r.field].parse(bytes[...])
            let shown = plan.entities[r.entity].rawText(r.field, bytes[...], parses: decoded != nil)
            answers[i]?.text = shown.text
            answers[i]?.personal = shown.personal
        }
        for (i, r) in requests.enumerated() {
            guard plan.entities.indices.contains(r.entity), r.field >= 0, r.field < plan.entities[r.entity].fieldNames.count,
                  let xpath = r.location.xpath else { continue }
            let ep = plan.entities[r.entity]
            // a nested record's parent id comes from its parent element unless the profile places it
            let relative = plan.profiled?[r.entity].paths[r.field] ?? "@" + ep.fieldNames[r.field]
            if r.field == ep.implicitIndex, !(plan.profiled?[r.entity].isBound(r.field) ?? false) { continue }
            guard let path = XMLFieldPath(relative), xpath.hasSuffix("/" + relative) else { continue }
            let record = Self.normalized(String(xpath.dropLast(relative.count + 1)))
            answers[i] = RawValue(sourceField: plan.profiled == nil ? nil : relative, text: nil, personal: ep.rawIsPersonal[r.field])
            wanted[record, default: []].append((i, path))
        }
        if linesExact { answerByLine(requests, &wanted, found: found) }
        guard !wanted.isEmpty, let libxml = try? LibXMLReader(path: path) else { return answers }
        // the elements on the way to a wanted record: any other element's content is skipped by libxml2
        var ways: Set<String> = []
        for record in wanted.keys {
            var prefix = record
            while let slash = prefix.lastIndex(of: "/"), slash > prefix.startIndex {
                prefix = String(prefix[..<slash])
                if !ways.insert(prefix).inserted { break }
            }
        }
        let reader = libxml.reader
        struct Level {
            var xpath: String
            var counts: [String: Int] = [:]
            /// The fields of a wanted record that sit in child elements.
            var children: [(request: Int, path: XMLFieldPath)] = []
        }
        var stack: [Level] = []
        var remaining = wanted.count
        var status = xmlTextReaderRead(reader)
        while status == 1 && (remaining > 0 || stack.contains { !$0.children.isEmpty }) {
            let depth = Int(xmlTextReaderDepth(reader))
            guard xmlTextReaderNodeType(reader) == 1, let node = xmlTextReaderCurrentNode(reader), let cname = node.pointee.name else {
                status = xmlTextReaderRead(reader)
                continue
            }
            if stack.count > depth { stack.removeLast(stack.count - depth) }
            let name = String(cString: cname)
            let inNamespace = plan.namespace.map { ns in node.pointee.ns?.pointee.href.map { cStringEquals($0, ns) } ?? false } ?? true
            // a field's child element, inside a wanted record
            if let parent = stack.last, !parent.children.isEmpty {
                for (i, path) in parent.children {
                    switch path {
                    case .childText(let c) where c == name && inNamespace && answers[i]?.text == nil:
                        found(i, Self.text(of: reader))
                    case .childAttribute(let c, let a) where c == name && inNamespace && answers[i]?.text == nil:
                        found(i, Self.attribute(a, of: node))
                    default: break
                    }
                }
            }
            guard inNamespace, stack.count == depth else {
                status = xmlTextReaderNext(reader)
                continue
            }
            var xpath: String
            if stack.isEmpty {
                xpath = "/" + name
            } else {
                let n = (stack[stack.count - 1].counts[name] ?? 0) + 1
                stack[stack.count - 1].counts[name] = n
                xpath = stack[stack.count - 1].xpath + "/" + name + "[\(n)]"
            }
            var level = Level(xpath: xpath)
            if let fields = wanted.removeValue(forKey: xpath) {
                remaining -= 1
                for (i, path) in fields {
                    if case .attribute(let a) = path { found(i, Self.attribute(a, of: node)) } else { level.children.append((i, path)) }
                }
            }
            stack.append(level)
            status = level.children.isEmpty && !ways.contains(xpath) ? xmlTextReaderNext(reader) : xmlTextReaderRead(reader)
        }
        return answers
    }

    /// Answers the records whose requested fields are all attributes from their start tags, found by
    /// line (`XMLStartTags`), and removes them from `wanted`; the others are left to the full pass.
    private func answerByLine(_ requests: [RawValueRequest], _ wanted: inout [String: [(request: Int, path: XMLFieldPath)]],
                              found: (Int, [UInt8]?) -> Void) {
        var byLine: [Int: (record: String, name: [UInt8])] = [:]
        var shared: Set<Int> = []
        for (record, fields) in wanted {
            let lines = Set(fields.map { requests[$0.request].location.line })
            guard lines.count == 1, let line = lines.first ?? nil, line > 0,
                  fields.allSatisfy({ if case .attribute(let a) = $0.path { return !a.contains(":") && a != "xmlns" } else { return false } }),
                  let last = record.split(separator: "/").last else { continue }
            // two records on one line: left to the full pass
            if byLine[line] != nil { shared.insert(line) }
            byLine[line] = (record, Array(last.prefix { $0 != "[" }.utf8))
        }
        for line in shared { byLine[line] = nil }
        guard !byLine.isEmpty, let tags = XMLStartTags.find(path: path, wanted: byLine.mapValues(\.name)) else { return }
        for (line, entry) in byLine {
            guard let tag = tags[line], let fields = wanted[entry.record] else { continue }
            var values: [(request: Int, bytes: [UInt8]?)] = []
            for (i, path) in fields {
                guard case .attribute(let a) = path else { break }
                switch XMLStartTags.attribute(Array(a.utf8), in: tag) {
                case .value(let bytes): values.append((i, bytes))
                case .absent: values.append((i, nil))
                case .unsupported: break
                }
            }
            guard values.count == fields.count else { continue }
            for (i, bytes) in values { found(i, bytes) }
            wanted[entry.record] = nil
        }
    }

    /// An XPath with `[1]` written for every step after the root that has no position (the first
    /// of a singleton element), so that it compares with the XPaths counted here.
    static func normalized(_ xpath: String) -> String {
        let steps = xpath.split(separator: "/", omittingEmptySubsequences: true)
        var out = ""
        for (k, step) in steps.enumerated() {
            out += "/" + step
            if k > 0 && !step.hasSuffix("]") { out += "[1]" }
        }
        return out
    }

    /// An attribute with no namespace of the current element.
    private static func attribute(_ name: String, of node: UnsafeMutablePointer<xmlNode>) -> [UInt8]? {
        var attribute = node.pointee.properties
        while let a = attribute {
            attribute = a.pointee.next
            guard a.pointee.ns == nil, let aname = a.pointee.name, String(cString: aname) == name else { continue }
            guard let children = a.pointee.children else { return [] }
            guard let text = xmlNodeListGetString(node.pointee.doc, children, 1) else { return [] }
            defer { clibxml2_free(text) }
            return Array(UnsafeBufferPointer(start: text, count: cStringLength(text)))
        }
        return nil
    }

    /// The text of the current element, without surrounding white space (as `read` takes it).
    private static func text(of reader: OpaquePointer) -> [UInt8] {
        var out: [UInt8] = []
        appendTrimmedText(of: reader, to: &out)
        return out
    }
}
