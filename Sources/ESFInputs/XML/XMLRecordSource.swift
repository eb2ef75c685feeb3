#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
internal import CLibXML2
import ESFCore

/// Streams the records of an XML export with libxml2's text reader.
///
/// Generic over the `DataModel`: entity elements, wrappers, attributes and the
/// namespace come from the model. Each entity element becomes a `Record` at its
/// start tag (its attributes are complete then); nested records follow as they
/// come, and `.groupEnd` is sent when the element of an entity that has nested
/// entities closes. Nothing is kept after it is sent, so memory does not grow
/// with the number of records.
///
/// Security: a DOCTYPE (and with it every entity declaration and external DTD)
/// is refused before libxml2 sees it (see `PrologGuard`); entity references are
/// refused; the network is off and libxml2's size and depth limits stay on.
///
/// Lines: libxml2 stores an element's line in 16 bits and at the end of its
/// start tag, so the reader takes each element's start line from the
/// whitespace text node before it (exact, also above 65,535 thanks to
/// `XML_PARSE_BIG_LINES`), falling back to `xmlGetLineNo` of the element. Columns
/// are not given per node by libxml2 2.9, so record locations have none.
///
/// Schema: by default the file is validated against the XSD generated from the
/// model (`XSDGenerator`), in the same streaming pass, by libxml2 (SPEC §3.1).
/// Every validity error becomes an `ESFCHECK-XSD-001` problem with its line and
/// the XPath of its element; validity errors never stop the read (well-formedness
/// errors still throw). `XMLSchemaProblems.swift` states how each problem is reported
/// once (the dedup rule) and `SchemaErrorCollector` how an error is tied to its element.
public final class XMLRecordSource: RecordSource, InputDigests {
    /// The file, as given.
    public let path: String
    /// The data model the elements and attributes come from.
    public let model: DataModel
    /// The XSD the file is validated against while it is read.
    public let schema: XMLSchemaOption
    let plan: XMLPlan

    /// Creates a reader of the XML file at `path`; nothing is opened before `read`.
    /// `schema` defaults to the XSD generated from `model`.
    /// With an XML mapping profile (`format: xml`), element and attribute names, child-element
    /// fields and value formats come from the profile; nil reads the canonical form.
    public init(path: String, model: DataModel, schema: XMLSchemaOption = .canonical, profile: MappingProfile? = nil) {
        self.path = path
        self.model = model
        self.schema = schema
        self.plan = XMLPlan(model: model, profile: profile)
    }

    /// Compiles the schema (once per process; `read` reuses it), so that a caller can
    /// report an unusable or refused XSD before reading anything. Nothing for `.none`.
    public func prepareSchema() throws(InputError) {
        _ = try SchemaCache.schema(for: schema, model: model)
    }

    /// The file, as given.
    public var displayPath: String { path }

    /// The one file read.
    public var files: [String] { [path] }

    /// The SHA-256 of the file, hashed as the last `read` read it.
    private var digest: String?
    /// Whether the last `read` knew every element's line for certain (see `XMLWalker.linesGuessed`).
    var linesExact = false
    /// Counts the bytes `read` reads from the file (a progress display); nil: not counted.
    public var progress: ReadProgress?

    /// The SHA-256 of the file the last `read` read (lower-case hex), hashed in that same pass.
    public func sha256(of file: String) -> String? { file == path ? digest : nil }

    /// The error for a refused DOCTYPE or entity.
    static func refusal(path: String, line: Int?) -> InputError {
        InputError(location: SourceLocation(file: path, line: line),
                   message: "DOCTYPE/entity declarations are not allowed in an export (refused, nothing fetched or expanded)")
    }

    /// Streams every record in document order; `entityOrder` is ignored.
    public func read(entityOrder: [Int], _ sink: EventSink) throws {
        digest = nil
        linesExact = false
        let compiled = try SchemaCache.schema(for: schema, model: model)
        let libxml = try LibXMLReader(path: path, schema: compiled, progress: progress)
        let collector = libxml.errors.validation
        var walker = XMLWalker(path: path, plan: plan, reader: libxml.reader, feed: libxml.feed, schema: collector)
        try libxml.withErrorCapture {
            var status = xmlTextReaderRead(libxml.reader)
            // The first read has parsed the root's start tag and no further (see `XMLFeed.trickle`).
            libxml.feed.trickle = false
            if status == 1, let collector, let node = xmlTextReaderCurrentNode(libxml.reader) {
                collector.document = node.pointee.doc
            }
            while status == 1 {
                status = try walker.step(sink)
            }
            if let error = libxml.errors.first {
                throw failure(error, libxml)
            }
            if let failure = collector?.internalFailure {
                throw InputError(location: SourceLocation(file: path, line: failure.line > 0 ? failure.line : nil),
                                 message: "XSD validation stopped: \(SchemaCompiler.cleanParserMessage(failure.message))")
            }
            if status < 0 {
                if case .doctype(let line) = libxml.feed.guardian.outcome { throw Self.refusal(path: path, line: line) }
                if libxml.feed.readError != 0 {
                    throw InputError(location: SourceLocation(file: path),
                                     message: "cannot read the file: \(String(cString: strerror(libxml.feed.readError)))")
                }
                throw InputError(location: SourceLocation(file: path, line: walker.lastLine),
                                 message: "malformed XML: libxml2 stopped without saying why")
            }
            if !walker.rootSeen {
                throw InputError(location: SourceLocation(file: path, line: 1),
                                 message: libxml.feed.bytesRead == 0 ? "the file is empty: an XML export needs a root element"
                                                                     : "no root element: this is not an XML export")
            }
            try walker.flushSchemaErrors(sink)
            try walker.reportEmptyLists(model: model, sink)
            digest = libxml.feed.sha256()
            linesExact = !walker.linesGuessed
        }
    }

    private func failure(_ error: XMLErrorSink.Entry, _ libxml: LibXMLReader) -> InputError {
        if case .doctype(let line) = libxml.feed.guardian.outcome { return Self.refusal(path: path, line: line) }
        if libxml.feed.readError != 0 {
            return InputError(location: SourceLocation(file: path),
                              message: "cannot read the file: \(String(cString: strerror(libxml.feed.readError)))")
        }
        let location = SourceLocation(file: path, line: error.line > 0 ? error.line : nil,
                                      column: error.column > 0 ? error.column : nil)
        if libxml.feed.bytesRead == 0 {
            return InputError(location: SourceLocation(file: path, line: 1), message: "the file is empty: an XML export needs a root element")
        }
        // XML_ERR_ENTITY_LOOP, XML_ERR_ENTITY_IS_EXTERNAL, XML_ERR_ENTITY_BOUNDARY: entity trouble that only a DTD can cause.
        if [89, 29, 90].contains(error.code) { return Self.refusal(path: path, line: location.line) }
        if error.message.contains("Excessive depth") {
            return InputError(location: location,
                              message: "malformed XML: elements are nested more than 256 levels deep (refused); an export is only a few levels deep")
        }
        var message = error.message
        if let first = message.first, first.isUppercase { message = first.lowercased() + message.dropFirst() }
        return InputError(location: location, message: "malformed XML: \(message)")
    }
}

/// The state of one pass over a document: open elements, sibling counters, the line tracker.
struct XMLWalker {
    /// An entity record under an XML profile whose child-element fields are still coming.
    struct PendingRecord {
        var values: [Value]
        var unknown: [(name: String, xpath: String)] = []
        var unparseable: [(field: Int, raw: [UInt8])] = []
        var invisible: [InvisibleValue] = []
        var reported: [String] = []
    }
    struct Frame {
        let kind: Int
        let xpath: String
        /// The nearest enclosing entity and its key (for the implicit parent-id field).
        let ownerEntity: Int?
        var ownerKey: Value
        /// Where this frame's child counters start in `counters`.
        let counterBase: Int
        /// The element's node (alive while it is open) and start line.
        let node: UnsafeMutablePointer<xmlNode>
        let line: Int
        /// The entity's field values (empty for a wrapper), for messages about it.
        var values: [Value]
        /// Under a profile: the record of this entity element, while its child-element fields are read.
        var pending: PendingRecord?
        /// What the reader itself reported about this element: attributes (Clark
        /// notation: unknown ones, unparseable values, missing required ids) and text.
        var reported: [String]
        var reportedText = false
    }

    let path: String
    let plan: XMLPlan
    let reader: OpaquePointer
    /// The input feed, for the root line its prolog guard found.
    let feed: XMLFeed
    var frames: [Frame] = []
    /// Per open element, how many children of each kind it has had so far (XPath positions).
    var counters: [Int32] = []
    var rootSeen = false
    /// Per element kind, whether one was read (the root only when it is the expected one).
    var kindsSeen: [Bool] = []
    /// The line of the root element.
    var rootLine = 1
    /// The line where the previous node ended, and whether that is known exactly.
    var lastLine = 1
    var lastLineExact = false
    /// Whether `lastLine` is the line where an element's start tag begins (its end was past libxml2's
    /// 16-bit line cap), not where it ends: an element right after it may start on a later line.
    var lastLineIsTagStart = false
    /// Whether a comment or processing instruction past the 16-bit cap ended after `lastLine` was set.
    var lastLineStale = false
    /// Whether some element's line was a guess (see `startElement`); the raw values of findings are
    /// then found by XPath only (`XMLStartTags`).
    var linesGuessed = false
    /// Reused buffer for the values read under a mapping profile (canonical attributes are decoded in place).
    var scratch: [UInt8] = []
    /// Per entity and field, the attribute name as libxml2's dictionary holds it, once seen: later
    /// attributes are matched by pointer, not byte by byte. The dictionary lives as long as the reader.
    var internedFieldNames: [[UnsafePointer<UInt8>?]]
    /// The validity errors of the XSD, when the reader validates.
    let schema: SchemaErrorCollector?

    private static let xsiNamespace = Array("http://www.w3.org/2001/XMLSchema-instance".utf8)
    private static let element = Int32(XML_READER_TYPE_ELEMENT.rawValue)
    private static let endElement = Int32(XML_READER_TYPE_END_ELEMENT.rawValue)
    private static let text = Int32(XML_READER_TYPE_TEXT.rawValue)
    private static let cdata = Int32(XML_READER_TYPE_CDATA.rawValue)
    private static let whitespace = Int32(XML_READER_TYPE_WHITESPACE.rawValue)
    private static let significantWhitespace = Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue)
    private static let comment = Int32(XML_READER_TYPE_COMMENT.rawValue)
    private static let processingInstruction = Int32(XML_READER_TYPE_PROCESSING_INSTRUCTION.rawValue)
    private static let documentType = Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue)
    private static let entityReference = Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue)
    private static let entity = Int32(XML_READER_TYPE_ENTITY.rawValue)

    init(path: String, plan: XMLPlan, reader: OpaquePointer, feed: XMLFeed, schema: SchemaErrorCollector? = nil) {
        self.path = path
        self.plan = plan
        self.reader = reader
        self.feed = feed
        self.schema = schema
        internedFieldNames = plan.entities.map { Array(repeating: nil, count: $0.fieldNameBytes.count) }
        scratch.reserveCapacity(256)
    }

    /// The field of entity `e` an attribute name (a NUL-terminated C string) stands for, as
    /// `EntityPlan.field(named:hint:)`, but by pointer first when the name is the interned one seen before.
    @inline(__always)
    private mutating func field(named name: UnsafePointer<UInt8>, entity e: Int, hint: inout Int,
                                document: UnsafeMutablePointer<xmlDoc>?) -> Int? {
        if hint < internedFieldNames[e].count, internedFieldNames[e][hint] == name {
            hint += 1
            return hint - 1
        }
        guard let f = plan.entities[e].field(named: name, hint: &hint) else { return nil }
        // Only a name the dictionary owns is remembered: it cannot be freed and reused for another.
        if let dict = document?.pointee.dict, xmlDictOwns(dict, name) == 1 { internedFieldNames[e][f] = name }
        return f
    }

    /// Handles the node the reader is on and moves on; returns the reader's status (1: more nodes).
    mutating func step(_ sink: EventSink) throws -> Int32 {
        let type = xmlTextReaderNodeType(reader)
        switch type {
        case Self.element:
            guard let node = xmlTextReaderCurrentNode(reader) else { break }
            return try startElement(node, sink)
        case Self.endElement:
            if plan.profiled != nil, !frames.isEmpty, frames[frames.count - 1].pending != nil { try flushPending(sink) }
            if let frame = frames.popLast() {
                if let schema, schema.hasErrors(frame.node) {
                    try emitSchemaProblems(node: frame.node, kind: frame.kind, xpath: frame.xpath, line: frame.line,
                                           values: frame.values, reported: frame.reported, reportedText: frame.reportedText, sink)
                }
                if let e = plan.kinds[frame.kind].entity, plan.entities[e].hasChildren {
                    try sink(.groupEnd)
                }
            }
        case Self.whitespace, Self.significantWhitespace:
            // A text node's line is where it ends, i.e. where the next tag starts; exact above 65,535 too.
            if let node = xmlTextReaderCurrentNode(reader) {
                let line = xmlGetLineNo(node)
                if line > 0 {
                    lastLine = line
                    lastLineExact = true
                    lastLineIsTagStart = false
                    lastLineStale = false
                }
            }
        case Self.text, Self.cdata:
            guard let node = xmlTextReaderCurrentNode(reader) else { break }
            let line = xmlGetLineNo(node)
            if line > 0 {
                lastLine = line
                lastLineExact = true
                lastLineIsTagStart = false
                lastLineStale = false
            }
            if let content = node.pointee.content, !isBlank(content), let frame = frames.last {
                frames[frames.count - 1].reportedText = true
                let snippet = InputMessages.display(UnsafeBufferPointer(start: content, count: min(cStringLength(content), 40)))
                // text in an element of an entity that holds personal data may be an EMŠO or a name
                let personal = frame.ownerEntity.map { plan.entities[$0].rawIsPersonal.contains(true) } ?? false
                try sink(.problem(InputProblem(
                    .unexpectedText(snippet: snippet, element: plan.kinds[frame.kind].xpathName),
                    location: SourceLocation(file: path, line: lastLine, xpath: frame.xpath + "/text()"),
                    entity: plan.kinds[frame.kind].entity, personalText: personal ? [snippet] : [])))
            }
        case Self.comment, Self.processingInstruction:
            if let node = xmlTextReaderCurrentNode(reader) {
                let line = xmlGetLineNo(node)
                if line > 0 && line < 65535 {
                    lastLine = line
                    lastLineExact = true
                    lastLineIsTagStart = false
                    lastLineStale = false
                } else {
                    lastLineStale = true
                }
            }
        case Self.documentType, Self.entityReference, Self.entity:
            throw XMLRecordSource.refusal(path: path, line: lastLine)
        default:
            break
        }
        return xmlTextReaderRead(reader)
    }

    private func isBlank(_ p: UnsafePointer<UInt8>) -> Bool {
        var i = 0
        while p[i] != 0 {
            guard isXMLSpace(p[i]) else { return false }
            i += 1
        }
        return true
    }

    /// Skips the current element's subtree; the reader ends on the node after it.
    private mutating func skip() -> Int32 {
        lastLineExact = false
        return xmlTextReaderNext(reader)
    }

    /// After the document: an entity with no element at all, unless the model declares it
    /// `may_be_empty`, is a fatal problem (an export without its participants is incomplete,
    /// never an export whose participant rules all pass). Nothing when the root was not read.
    func reportEmptyLists(model: DataModel, _ sink: EventSink) throws {
        guard kindsSeen.indices.contains(plan.rootKind), kindsSeen[plan.rootKind] else { return }
        func xpath(of kind: Int) -> String {
            var names: [String] = []
            var k: Int? = kind
            while let current = k {
                names.append(plan.kinds[current].xpathName)
                k = plan.kinds[current].container
            }
            return "/" + names.reversed().joined(separator: "/")
        }
        for (e, entity) in model.entities.enumerated() where e != plan.rootKind && !entity.mayBeEmpty && !kindsSeen[e] {
            // Not said again for a nested list whose parent list is already empty.
            if let p = model.parentIndex(of: e), !kindsSeen[p] { continue }
            let element = plan.kinds[e].xpathName
            let place: String
            var at: String
            if let container = plan.kinds[e].container, plan.kinds[container].entity == nil {
                // Inside a list wrapper: absent, or present with no element.
                let wrapper = plan.kinds[container].xpathName
                if kindsSeen[container] {
                    place = "its <\(wrapper)> list has no <\(element)> element"
                    at = xpath(of: container)
                } else {
                    place = "it has no <\(wrapper)> list"
                    at = plan.kinds[container].container.map(xpath(of:)) ?? xpath(of: plan.rootKind)
                }
            } else {
                let parent = plan.kinds[e].container.map { plan.kinds[$0].xpathName } ?? plan.kinds[plan.rootKind].xpathName
                place = "no <\(parent)> has a <\(element)> element"
                at = plan.kinds[e].container.map(xpath(of:)) ?? xpath(of: plan.rootKind)
            }
            if at.isEmpty { at = "/" }
            try sink(.problem(InputProblem(
                .emptyList(entity: entity.name, place: place),
                location: SourceLocation(file: path, line: rootLine, xpath: at), entity: e)))
        }
    }

    private mutating func startElement(_ node: UnsafeMutablePointer<xmlNode>, _ sink: EventSink) throws -> Int32 {
        // Line of the end of the start tag, trusted only below libxml2's 16-bit cap.
        let tagEnd = xmlGetLineNo(node)
        let tagEndKnown = tagEnd > 0 && tagEnd < 65535
        let line: Int
        if !rootSeen, case .root(let rootLine) = feed.guardian.outcome {
            line = rootLine
        } else if lastLineExact || !tagEndKnown {
            line = lastLine
            // where the previous node ended, unless that is not known for certain
            if !lastLineExact || lastLineIsTagStart || lastLineStale { linesGuessed = true }
        } else {
            line = tagEnd
        }
        lastLine = tagEndKnown ? tagEnd : line
        lastLineExact = true
        lastLineIsTagStart = !tagEndKnown
        lastLineStale = false
        let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1

        guard let name = node.pointee.name else { return skip() }
        let nsHref = node.pointee.ns?.pointee.href
        let inNamespace: Bool
        if let expected = plan.namespace {
            inNamespace = nsHref.map { cStringEquals($0, expected) } ?? false
        } else {
            inNamespace = true
        }

        let kind: Int
        var parent = frames.last
        if let p = parent {
            guard inNamespace, let k = plan.child(of: p.kind, named: name) else {
                if let profiled = plan.profiled {
                    if inNamespace, let e = plan.kinds[p.kind].entity,
                       let c = profiled[e].children.firstIndex(where: { cStringEquals(name, $0.name) }) {
                        try readFieldElement(node, entity: e, child: c, line: line, sink)
                        return skip()
                    }
                    if plan.ignoreExtra {
                        schema?.drop(node)
                        return skip()
                    }
                }
                try reportUnknownElement(name: name, namespace: nsHref, inNamespace: inNamespace, parent: p, line: line, sink)
                // Reported here as not read: the XSD's error about it would say the same.
                schema?.drop(node)
                return skip()
            }
            if plan.profiled != nil, frames[frames.count - 1].pending != nil {
                try flushPending(sink)
                parent = frames.last
            }
            kind = k
        } else {
            rootSeen = true
            // Validity errors raised before the reader had a node are the root's.
            schema?.adoptRoot(node)
            guard inNamespace, cStringEquals(name, plan.kinds[plan.rootKind].name) else {
                let found = String(cString: name)
                let expected = plan.kinds[plan.rootKind].xpathName
                let message: ReservedMessage
                if let ns = plan.namespaceText, !inNamespace, found == expected {
                    message = .rootNamespace(root: found, actual: nsHref.map { String(cString: $0) }, expected: ns)
                } else {
                    message = .wrongRoot(found: found, expected: expected, namespace: plan.namespaceText)
                }
                try sink(.problem(InputProblem(message,
                                               location: SourceLocation(file: path, line: line, xpath: "/" + found))))
                schema?.drop(node)
                return skip()
            }
            kind = plan.rootKind
        }

        if kindsSeen.isEmpty { kindsSeen = Array(repeating: false, count: plan.kinds.count) }
        kindsSeen[kind] = true
        if parent == nil { rootLine = line }
        let k = plan.kinds[kind]
        var position: Int32 = 0
        if let parent {
            let slot = parent.counterBase + kind
            counters[slot] += 1
            position = counters[slot]
        }
        let xpath = Self.childPath(parent?.xpath ?? "", k.name, position: parent == nil || (k.singleton && position == 1) ? 0 : position)

        var ownerEntity = parent?.ownerEntity
        var ownerKey = parent?.ownerKey ?? .null
        var values: [Value] = []
        var reported: [String] = []
        var pending: PendingRecord?
        if let e = k.entity {
            if let profiled = plan.profiled {
                let record = beginProfiledRecord(node: node, entity: e, xpath: xpath, parent: parent)
                if isEmpty || !profiled[e].hasChildFields {
                    (values, reported) = try finishProfiledRecord(record, entity: e, xpath: xpath, line: line, sink)
                } else {
                    pending = record
                    values = record.values
                }
            } else {
                (values, reported) = try emitRecord(node: node, entity: e, xpath: xpath, line: line, parent: parent, sink)
            }
            ownerEntity = e
            if let keyIndex = plan.entities[e].keyIndex { ownerKey = values[keyIndex] } else { ownerKey = .null }
        }
        if isEmpty {
            // No end tag event will come: the element's validity errors are all in.
            if let schema, schema.hasErrors(node) {
                try emitSchemaProblems(node: node, kind: kind, xpath: xpath, line: line, values: values,
                                       reported: reported, reportedText: false, sink)
            }
            if let e = k.entity, plan.entities[e].hasChildren { try sink(.groupEnd) }
        } else {
            let base = frames.count * plan.kinds.count
            if counters.count < base + plan.kinds.count {
                counters.append(contentsOf: repeatElement(0, count: base + plan.kinds.count - counters.count))
            }
            for i in base..<(base + plan.kinds.count) { counters[i] = 0 }
            frames.append(Frame(kind: kind, xpath: xpath, ownerEntity: ownerEntity, ownerKey: ownerKey, counterBase: base,
                                node: node, line: line, values: values, pending: pending, reported: reported))
        }
        return xmlTextReaderRead(reader)
    }

    /// `parent/name`, or `parent/name[position]` when `position` is above 0, written in one
    /// allocation: appending the pieces to a `String` costs several times more, once per element.
    static func childPath(_ parent: String, _ name: [UInt8], position: Int32) -> String {
        var parent = parent
        var digits = 0
        var rest = position
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return parent.withUTF8 { head in
            name.withUnsafeBufferPointer { name in
                let total = head.count + 1 + name.count + (digits > 0 ? digits + 2 : 0)
                return String(unsafeUninitializedCapacity: total) { out in
                    var i = UnsafeMutableBufferPointer(rebasing: out[0..<head.count]).initialize(fromContentsOf: head)
                    out[i] = UInt8(ascii: "/")
                    i += 1
                    i += UnsafeMutableBufferPointer(rebasing: out[i..<(i + name.count)]).initialize(fromContentsOf: name)
                    guard digits > 0 else { return i }
                    out[i] = UInt8(ascii: "[")
                    var p = position
                    for d in stride(from: i + digits, to: i, by: -1) {
                        out[d] = UInt8(ascii: "0") + UInt8(p % 10)
                        p /= 10
                    }
                    out[i + digits + 1] = UInt8(ascii: "]")
                    return i + digits + 2
                }
            }
        }
    }

    private func reportUnknownElement(name: UnsafePointer<UInt8>, namespace: UnsafePointer<UInt8>?, inNamespace: Bool,
                                      parent: Frame, line: Int, _ sink: EventSink) throws {
        let found = String(cString: name)
        let parentName = plan.kinds[parent.kind].xpathName
        let message: ReservedMessage
        if !inNamespace, let ns = plan.namespaceText {
            message = .elementNamespace(element: found, parent: parentName, actual: namespace.map { String(cString: $0) }, expected: ns)
        } else {
            let homes = plan.containers(ofElementNamed: found)
            if homes.isEmpty {
                message = .unknownElement(element: found, parent: parentName,
                                          allowed: plan.kinds[parent.kind].children.map { plan.kinds[$0.kind].xpathName })
            } else {
                message = .misplacedElement(element: found, parent: parentName, homes: homes)
            }
        }
        try sink(.problem(InputProblem(
            message,
            location: SourceLocation(file: path, line: line, xpath: parent.xpath + "/" + found),
            entity: plan.kinds[parent.kind].entity)))
    }

    /// Builds the record of an entity element from its attributes and sends problems, then the record.
    /// Returns the values, and the attributes (Clark notation) the reader reported a problem about.
    private mutating func emitRecord(node: UnsafeMutablePointer<xmlNode>, entity e: Int, xpath: String, line: Int,
                                     parent: Frame?, _ sink: EventSink) throws -> ([Value], [String]) {
        let ep = plan.entities[e]
        // per record: allocated without the generic metadata look-up (`Array(filled:count:)`)
        var values = [Value](filled: .null, count: ep.fieldNames.count)
        var unparseable: [(field: Int, raw: String, personal: [String])] = []
        var invisible: [InvisibleValue] = []
        var unknown: [String] = []
        var reported: [String] = []
        var hint = 0
        var attribute = node.pointee.properties
        while let a = attribute {
            attribute = a.pointee.next
            guard let aname = a.pointee.name else { continue }
            if let ns = a.pointee.ns {
                if let href = ns.pointee.href, cStringEquals(href, Self.xsiNamespace) { continue }
                let prefix = ns.pointee.prefix.map { String(cString: $0) + ":" } ?? ""
                unknown.append(prefix + String(cString: aname))
                reported.append("{" + (ns.pointee.href.map { String(cString: $0) } ?? "") + "}" + String(cString: aname))
                continue
            }
            guard let f = field(named: aname, entity: e, hint: &hint, document: node.pointee.doc), f != ep.implicitIndex else {
                unknown.append(String(cString: aname))
                reported.append(String(cString: aname))
                continue
            }
            // Decoded in place: the reader's own text, no copy.
            withValue(of: a, document: node.pointee.doc) { raw in
                let hidden = ep.invisible(f, raw)
                if let hidden { invisible.append(InvisibleValue(field: f, raw: Array(raw), scalar: hidden.scalar, position: hidden.position)) }
                if let value = ep.decoders[f].parse(raw) {
                    values[f] = value
                } else if hidden == nil {
                    // a code with an invisible character is reported once, as ESFCHECK-IN-004 (and left null)
                    unparseable.append((f, InputMessages.display(raw), ep.personalText(f, raw)))
                }
            }
        }
        if let p = ep.implicitIndex, let parent, parent.ownerEntity == ep.parentIndex {
            values[p] = parent.ownerKey
        }

        let record = Record(entity: e, values: values, location: SourceLocation(file: path, line: line, xpath: xpath))
        if !unknown.isEmpty || !unparseable.isEmpty || !invisible.isEmpty || ep.requiredIndices.contains(where: { values[$0].isNull }) {
            let (label, key) = ep.label(values: values)
            for name in unknown {
                var location = record.location
                location.xpath = xpath + "/@" + name
                location.field = name
                try sink(.problem(InputProblem(
                    .unknownAttribute(label: label, name: name, entity: ep.name, inProfile: false),
                    location: location, entity: e, recordKey: key)))
            }
            for (f, raw, personal) in unparseable {
                reported.append(ep.fieldNames[f])
                try sink(.problem(InputProblem(
                    .unparseable(label: label, field: ep.fieldNames[f], raw: raw, expectation: FieldParser.expectation(for: ep.fieldTypes[f])),
                    location: record.location(ofField: f, named: ep.fieldNames[f]), entity: e, recordKey: key, personalText: personal)))
            }
            for v in invisible {
                reported.append(ep.fieldNames[v.field])
                try sink(.problem(InputProblem(
                    InputMessages.invisible(label: label, field: ep.fieldNames[v.field], v),
                    location: record.location(ofField: v.field, named: ep.fieldNames[v.field]), entity: e, recordKey: key,
                    personalText: ep.personalText(v.field, v.raw))))
            }
            for f in ep.requiredIndices where values[f].isNull && !unparseable.contains(where: { $0.field == f }) {
                reported.append(ep.fieldNames[f])
                try sink(.problem(InputProblem(
                    .requiredMissing(label: label, entity: ep.name, field: ep.fieldNames[f]),
                    location: record.location(ofField: f, named: ep.fieldNames[f]), entity: e, recordKey: key)))
            }
        }
        try sink(.record(consume record))
        return (values, reported)
    }

    // MARK: - Mapping profiles

    /// Reads the entity element's own attributes under a profile; child-element fields come later.
    private mutating func beginProfiledRecord(node: UnsafeMutablePointer<xmlNode>, entity e: Int, xpath: String, parent: Frame?) -> PendingRecord {
        let ep = plan.entities[e]
        let pe = plan.profiled![e]
        var record = PendingRecord(values: [Value](filled: .null, count: ep.fieldNames.count))
        var attribute = node.pointee.properties
        while let a = attribute {
            attribute = a.pointee.next
            guard let aname = a.pointee.name else { continue }
            if let ns = a.pointee.ns {
                if let href = ns.pointee.href, cStringEquals(href, Self.xsiNamespace) { continue }
                if plan.ignoreExtra { continue }
                let prefix = ns.pointee.prefix.map { String(cString: $0) + ":" } ?? ""
                record.unknown.append((prefix + String(cString: aname), xpath + "/@" + prefix + String(cString: aname)))
                record.reported.append("{" + (ns.pointee.href.map { String(cString: $0) } ?? "") + "}" + String(cString: aname))
                continue
            }
            guard let f = pe.attributes.first(where: { cStringEquals(aname, $0.name) })?.field else {
                if plan.ignoreExtra { continue }
                record.unknown.append((String(cString: aname), xpath + "/@" + String(cString: aname)))
                record.reported.append(String(cString: aname))
                continue
            }
            loadValue(of: a, document: node.pointee.doc)
            decode(field: f, entity: e, into: &record)
        }
        if let p = ep.implicitIndex, let parent, parent.ownerEntity == ep.parentIndex {
            record.values[p] = parent.ownerKey
        }
        return record
    }

    /// Decodes `scratch` as field `f` into `record` (or notes it as unparseable).
    private func decode(field f: Int, entity e: Int, into record: inout PendingRecord) {
        let hidden = plan.entities[e].invisible(f, scratch[...])
        if let hidden { record.invisible.append(InvisibleValue(field: f, raw: scratch, scalar: hidden.scalar, position: hidden.position)) }
        if let value = plan.profiled![e].decoders[f].parse(scratch[...]) {
            record.values[f] = value
        } else {
            record.values[f] = .null
            // a code with an invisible character is reported once, as ESFCHECK-IN-004
            if hidden == nil { record.unparseable.append((f, scratch)) }
        }
    }

    /// A child element of the open entity element that holds fields (`<emso>…</emso>`, `<znesek valuta="EUR">`).
    private mutating func readFieldElement(_ node: UnsafeMutablePointer<xmlNode>, entity e: Int, child c: Int, line: Int,
                                           _ sink: EventSink) throws {
        let pe = plan.profiled![e]
        let child = pe.children[c]
        let i = frames.count - 1
        let childName = String(decoding: child.name, as: UTF8.self)
        guard var record = frames[i].pending else {
            schema?.drop(node)
            try sink(.problem(InputProblem(
                .fieldAfterNested(element: plan.kinds[frames[i].kind].xpathName, child: childName),
                location: SourceLocation(file: path, line: line, xpath: frames[i].xpath + "/" + childName), entity: e)))
            return
        }
        var attribute = node.pointee.properties
        while let a = attribute {
            attribute = a.pointee.next
            guard let aname = a.pointee.name else { continue }
            if let ns = a.pointee.ns, let href = ns.pointee.href, cStringEquals(href, Self.xsiNamespace) { continue }
            if a.pointee.ns == nil, let f = child.attributes.first(where: { cStringEquals(aname, $0.name) })?.field {
                loadValue(of: a, document: node.pointee.doc)
                decode(field: f, entity: e, into: &record)
            } else if !plan.ignoreExtra {
                let name = String(cString: aname)
                record.unknown.append((childName + "/@" + name, frames[i].xpath + "/" + childName + "/@" + name))
            }
        }
        if let f = child.text {
            scratch.removeAll(keepingCapacity: true)
            appendTrimmedText(of: reader, to: &scratch)
            decode(field: f, entity: e, into: &record)
        }
        frames[i].pending = record
    }

    /// Sends the pending record of the innermost open element (its child-element fields are all in).
    private mutating func flushPending(_ sink: EventSink) throws {
        let i = frames.count - 1
        guard let record = frames[i].pending, let e = plan.kinds[frames[i].kind].entity else { return }
        frames[i].pending = nil
        let (values, reported) = try finishProfiledRecord(record, entity: e, xpath: frames[i].xpath, line: frames[i].line, sink)
        frames[i].values = values
        frames[i].reported += reported
        if let keyIndex = plan.entities[e].keyIndex { frames[i].ownerKey = values[keyIndex] }
    }

    /// Sends a profiled record's problems, then the record; returns its values and what was reported.
    private func finishProfiledRecord(_ record: PendingRecord, entity e: Int, xpath: String, line: Int,
                                      _ sink: EventSink) throws -> ([Value], [String]) {
        let ep = plan.entities[e]
        let pe = plan.profiled![e]
        let values = record.values
        var reported = record.reported
        let location = SourceLocation(file: path, line: line, xpath: xpath)
        func fieldLocation(_ f: Int) -> SourceLocation {
            var loc = location
            loc.field = ep.fieldNames[f]
            loc.xpath = xpath + "/" + pe.paths[f]
            return loc
        }
        if !record.unknown.isEmpty || !record.unparseable.isEmpty || !record.invisible.isEmpty || ep.requiredIndices.contains(where: { values[$0].isNull }) {
            let (label, key) = ep.label(values: values)
            for (name, at) in record.unknown {
                var loc = location
                loc.xpath = at
                loc.field = name
                try sink(.problem(InputProblem(
                    .unknownAttribute(label: label, name: name, entity: ep.name, inProfile: true),
                    location: loc, entity: e, recordKey: key)))
            }
            for (f, raw) in record.unparseable {
                reported.append(ep.fieldNames[f])
                try sink(.problem(InputProblem(
                    InputMessages.unparseable(label: label, field: ep.fieldNames[f], raw: raw, expectation: pe.decoders[f].expectation),
                    location: fieldLocation(f), entity: e, recordKey: key, personalText: ep.personalText(f, raw))))
            }
            for v in record.invisible {
                reported.append(ep.fieldNames[v.field])
                try sink(.problem(InputProblem(
                    InputMessages.invisible(label: label, field: ep.fieldNames[v.field], v),
                    location: fieldLocation(v.field), entity: e, recordKey: key, personalText: ep.personalText(v.field, v.raw))))
            }
            for f in ep.requiredIndices where values[f].isNull && !record.unparseable.contains(where: { $0.field == f })
                && !record.invisible.contains(where: { $0.field == f }) {
                reported.append(ep.fieldNames[f])
                try sink(.problem(InputProblem(
                    .requiredMissing(label: label, entity: ep.name, field: ep.fieldNames[f]),
                    location: fieldLocation(f), entity: e, recordKey: key)))
            }
        }
        try sink(.record(Record(entity: e, values: values, location: location, fieldXPaths: pe.paths)))
        return (values, reported)
    }

    /// Copies an attribute's value into `scratch`.
    private mutating func loadValue(of attribute: UnsafeMutablePointer<xmlAttr>, document: UnsafeMutablePointer<xmlDoc>?) {
        scratch.removeAll(keepingCapacity: true)
        withValue(of: attribute, document: document) { scratch.append(contentsOf: $0) }
    }
}

/// Calls `body` with an attribute's value.
///
/// The usual case is one text child whose `content` the reader owns: passed in place, not
/// copied (valid until the next read). Anything else (several children) goes through
/// `xmlNodeListGetString`, whose result we own and free after `body`.
@inline(__always)
func withValue<R>(of attribute: UnsafeMutablePointer<xmlAttr>, document: UnsafeMutablePointer<xmlDoc>?,
                  _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    guard let child = attribute.pointee.children else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
    if child.pointee.next == nil, child.pointee.type == XML_TEXT_NODE, let content = child.pointee.content {
        return try body(UnsafeBufferPointer(start: content, count: cStringLength(content)))
    }
    guard let text = xmlNodeListGetString(document, child, 1) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
    defer { clibxml2_free(text) }
    return try body(UnsafeBufferPointer(start: text, count: cStringLength(text)))
}

/// Appends the text of the reader's current element, without surrounding white space, to `out`:
/// how an element's text becomes a field value, on the first read and when a finding's raw text is looked up.
func appendTrimmedText(of reader: OpaquePointer, to out: inout [UInt8]) {
    guard let text = xmlTextReaderReadString(reader) else { return }
    defer { clibxml2_free(text) }
    var start = 0
    var end = cStringLength(text)
    while start < end && isXMLSpace(text[start]) { start += 1 }
    while end > start && isXMLSpace(text[end - 1]) { end -= 1 }
    out.append(contentsOf: UnsafeBufferPointer(start: text + start, count: end - start))
}

/// XML's white space (XML 1.0 §2.3 `S`): space, tab, carriage return, line feed.
@inline(__always)
func isXMLSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

/// The length of a NUL-terminated UTF-8 string owned by libxml2.
@inline(__always)
func cStringLength(_ p: UnsafePointer<UInt8>) -> Int {
    strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
}
