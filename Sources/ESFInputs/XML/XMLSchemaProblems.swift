internal import CLibXML2
import ESFCore

/// Turning XSD validity errors into problems a person can act on, each reported once.
///
/// Dedup rule. The reader checks part of what the XSD checks, with better
/// messages (the record, the raw value, the XPath) and the record key, and those
/// checks run with or without a schema. So the reader's own problem wins and the
/// XSD error about the same thing is dropped:
///
/// 1. an element the reader reports as not read (unknown, misplaced, wrong
///    namespace, wrong root): every XSD error of that element and its content;
/// 2. an attribute the reader reports (unknown attribute, unparseable value
///    `ESFCHECK-IN-001`, missing or empty required id): every XSD error naming
///    that attribute of that same element;
/// 3. text inside an element the reader reports text in: the XSD's character
///    content error for that element;
/// 4. a second `training`/`follow_up` (a nested entity of cardinality 0..1):
///    the engine reports it as `ESFCHECK-IN-003` for both forms, so the XSD's
///    "not expected" error on that element is dropped.
///
/// "The same element" is exact, not a guess by line: see `SchemaErrorCollector`.
/// What only the XSD sees stays, as `ESFCHECK-XSD-001`: elements out of order, a
/// second list wrapper, values the reader accepts but a user's XSD refuses, and
/// anything a user's own XSD adds.
extension XMLWalker {
    /// What an XSD error says, from libxml2's message.
    enum SchemaErrorKind {
        case notExpected, missingChild, text, requiredMissing, attributeNotAllowed, attributeValue, undeclaredRoot, other
    }

    static func classify(_ entry: SchemaErrorCollector.Entry) -> SchemaErrorKind {
        let d = entry.detail
        if d.hasPrefix("This element is not expected") { return .notExpected }
        if d.hasPrefix("Missing child element") { return .missingChild }
        if d.hasPrefix("Character content") || d.hasPrefix("Element content is not allowed") { return .text }
        if d.contains("is required but missing") { return .requiredMissing }
        if d.hasPrefix("The attribute '") && d.hasSuffix("is not allowed.") { return .attributeNotAllowed }
        if d.contains("No matching global declaration available for the validation root") { return .undeclaredRoot }
        if entry.attribute != nil { return .attributeValue }
        return .other
    }

    /// Sends the XSD problems of one element (claimed from the collector), applying the dedup rule.
    mutating func emitSchemaProblems(node: UnsafeMutablePointer<xmlNode>, kind: Int, xpath: String, line: Int, values: [Value],
                                     reported: [String], reportedText: Bool, _ sink: EventSink) throws {
        guard let schema else { return }
        let entries = schema.claim(node)
        guard !entries.isEmpty else { return }
        let k = plan.kinds[kind]
        // Messages name the record (`participant UD-1`); a wrapper's problems are its owner's
        // (`operation UD-2020`), whose frame is the innermost open one here.
        var label = k.xpathName
        var recordKey: String?
        let entity = k.entity ?? frames.last?.ownerEntity
        if let e = k.entity, !values.isEmpty {
            (label, recordKey) = plan.entities[e].label(values: values)
        } else if let owner = frames.last, let e = owner.ownerEntity, plan.kinds[owner.kind].entity == e, !owner.values.isEmpty {
            (label, recordKey) = plan.entities[e].label(values: owner.values)
        }
        for entry in entries {
            let errorKind = Self.classify(entry)
            var attribute = entry.attribute
            if errorKind == .notExpected || errorKind == .missingChild || errorKind == .text || errorKind == .other
                || errorKind == .undeclaredRoot {
                attribute = nil
            }
            // Dedup rules 2–4 (rule 1 is `SchemaErrorCollector.drop`).
            if let attribute, reported.contains(attribute) { continue }
            if errorKind == .text && reportedText { continue }
            if errorKind == .notExpected, isSecondOptionalChild(kind) { continue }

            var location = SourceLocation(file: path, line: entry.startPhase ? line : (entry.line > 0 ? entry.line : line),
                                          column: entry.column > 0 ? entry.column : nil, xpath: xpath)
            var text: String
            var personal: [String] = []
            if let attribute {
                let shown = displayName(attribute)
                location.xpath = xpath + "/@" + shown
                location.field = shown
                text = attributeMessage(errorKind, entry: entry, attribute: attribute, shown: shown, node: node, entity: k.entity)
                // the value of an attribute of an entity that holds personal data (its key aside) may be one
                if let e = k.entity, plan.entities[e].rawIsPersonal.contains(true),
                   plan.entities[e].keyIndex.map({ plan.entities[e].fieldNames[$0] != shown }) ?? true,
                   let raw = attributeValue(node, attribute) {
                    personal = [InputMessages.display(Array(raw.utf8)), raw]
                }
            } else {
                text = elementMessage(errorKind, entry: entry, kind: kind)
            }
            text = label + ": " + text
            try sink(.problem(InputProblem(.schemaValidity(text: text), location: location,
                                           entity: entity, recordKey: recordKey, personalText: personal)))
        }
    }

    /// Sends the errors no element claimed (inside skipped elements, or not tied to an element), in order.
    mutating func flushSchemaErrors(_ sink: EventSink) throws {
        guard let schema else { return }
        for entry in schema.remaining() {
            var text = cleanDetail(entry.detail)
            if let element = entry.element {
                let subject = entry.attribute.map { "element '\(displayName(element.clark))', attribute '\(displayName($0))'" }
                    ?? "element '\(displayName(element.clark))'"
                text = subject + ": " + text
            }
            // an error about a profile's field element (`<emso>`) may quote its value
            var personal: [String] = []
            if let element = entry.element, holdsPersonalData(childElement: element.local) {
                personal = Self.quotedValues(text).filter { $0 != element.local && !$0.contains(":") && !$0.contains("{") }
            }
            try sink(.problem(InputProblem(
                .schemaValidity(text: text),
                location: SourceLocation(file: path, line: entry.line > 0 ? entry.line : nil, column: entry.column > 0 ? entry.column : nil),
                personalText: personal)))
        }
    }

    /// Whether a profile's child element of that name holds a field whose raw text is masked.
    func holdsPersonalData(childElement name: String) -> Bool {
        guard let profiled = plan.profiled else { return false }
        let bytes = Array(name.utf8)
        for (e, pe) in profiled.enumerated() {
            for child in pe.children where child.name == bytes {
                let fields = (child.text.map { [$0] } ?? []) + child.attributes.map(\.field)
                if fields.contains(where: { plan.entities[e].rawIsPersonal[$0] }) { return true }
            }
        }
        return false
    }

    /// The texts between single quotes of a message (`'…'`).
    static func quotedValues(_ text: String) -> [String] {
        let parts = text.split(separator: "'", omittingEmptySubsequences: false)
        return stride(from: 1, to: parts.count - 1, by: 2).map { String(parts[$0]) }.filter { !$0.isEmpty }
    }

    /// Whether the element of `kind`, just read, is a second record of a 0..1 nested entity in its parent.
    func isSecondOptionalChild(_ kind: Int) -> Bool {
        guard let e = plan.kinds[kind].entity, plan.entities[e].parentIndex != nil,
              plan.entities[e].cardinality != .many, let parent = frames.last else { return false }
        return counters[parent.counterBase + kind] >= 2
    }

    // MARK: - Messages

    func elementMessage(_ errorKind: SchemaErrorKind, entry: SchemaErrorCollector.Entry, kind: Int) -> String {
        let name = plan.kinds[kind].xpathName
        switch errorKind {
        case .notExpected:
            if let parent = frames.last {
                let container = plan.kinds[parent.kind]
                let siblings = container.children.map(\.kind)
                let count = counters[parent.counterBase + kind]
                let single = plan.kinds[kind].entity.map { plan.entities[$0].cardinality != .many } ?? true
                if single && count >= 2 {
                    return "a second '\(name)' element inside \(container.xpathName): at most one is allowed"
                }
                if let position = siblings.firstIndex(of: kind) {
                    let later = siblings[(position + 1)...].filter { counters[parent.counterBase + $0] > 0 }
                    if !later.isEmpty {
                        let order = siblings.map { plan.kinds[$0].xpathName }.joined(separator: ", ")
                        let after = later.map { "'\(plan.kinds[$0].xpathName)'" }.joined(separator: " and ")
                        return "element '\(name)' is out of order inside \(container.xpathName): it must come before \(after) (the order is \(order))"
                    }
                }
            }
            return "element '\(name)' is not expected here" + expectedSuffix(entry.detail)
        case .missingChild:
            return "a required child element is missing" + expectedSuffix(entry.detail)
        case .text:
            return "text is not allowed inside \(name); values belong in attributes"
        case .undeclaredRoot:
            return "the root element '\(name)' is not declared by the XSD"
        default:
            return cleanDetail(entry.detail)
        }
    }

    func attributeMessage(_ errorKind: SchemaErrorKind, entry: SchemaErrorCollector.Entry, attribute: String, shown: String,
                          node: UnsafeMutablePointer<xmlNode>, entity: Int?) -> String {
        switch errorKind {
        case .requiredMissing:
            return "required attribute '\(shown)' is missing"
        case .attributeNotAllowed:
            return "attribute '\(shown)' is not allowed by the XSD; rename or remove it"
        default:
            let raw = attributeValue(node, attribute).map { " '\(InputMessages.display(Array($0.utf8)))'" } ?? ""
            return "\(shown)\(raw) does not match the XSD: \(cleanDetail(entry.detail))"
        }
    }

    /// ` (expected a or b)` from libxml2's `Expected is one of ( {ns}a, {ns}b ).`
    func expectedSuffix(_ detail: String) -> String {
        guard let open = detail.firstRange(of: "Expected is"), let paren = detail[open.upperBound...].firstIndex(of: "("),
              let close = detail[paren...].lastIndex(of: ")") else { return "" }
        let names = detail[detail.index(after: paren)..<close]
            .split(separator: ",")
            .map { displayName(String($0.trimmingSpaces())) }
            .filter { !$0.isEmpty }
        guard !names.isEmpty else { return "" }
        if names.count == 1 { return "; expected '\(names[0])'" }
        return "; expected one of " + names.map { "'\($0)'" }.joined(separator: ", ")
    }

    /// An element or attribute name for people: no namespace noise for the export's own namespace.
    func displayName(_ clark: String) -> String {
        let name = QualifiedName(clark: clark[...])
        guard let ns = name.namespace else { return name.local }
        if ns == plan.namespaceText { return name.local }
        if ns == "http://www.w3.org/2001/XMLSchema-instance" { return "xsi:" + name.local }
        if ns == "http://www.w3.org/XML/1998/namespace" { return "xml:" + name.local }
        return "\(name.local) (namespace \(ns))"
    }

    /// libxml2's detail text, one line, with names shown as `displayName` does and no `[facet …]` tags.
    func cleanDetail(_ detail: String) -> String {
        var out = ""
        var rest = detail[...]
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                rest = rest[open...]
                break
            }
            // The local name runs to the next quote, comma, space or parenthesis.
            let localEnd = rest[rest.index(after: close)...].firstIndex { "', )".contains($0) } ?? rest.endIndex
            out += displayName(String(rest[open..<localEnd]))
            rest = rest[localEnd...]
        }
        out += rest
        if let facet = out.firstRange(of: "[facet '"), let end = out[facet.upperBound...].firstRange(of: "'] ") {
            out.removeSubrange(facet.lowerBound..<end.upperBound)
        }
        return SchemaCompiler.cleanParserMessage(out)
    }

    /// The value of an attribute (Clark notation) of a live node.
    func attributeValue(_ node: UnsafeMutablePointer<xmlNode>, _ clark: String) -> String? {
        let name = QualifiedName(clark: clark[...])
        let value = name.namespace.map { xmlGetNsProp(node, name.local, $0) } ?? xmlGetNoNsProp(node, name.local)
        guard let value else { return nil }
        defer { clibxml2_free(value) }
        return String(cString: value)
    }
}

private extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " { s = s.dropFirst() }
        while let l = s.last, l == " " { s = s.dropLast() }
        return s
    }
}
