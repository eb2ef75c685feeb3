#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
internal import CLibXML2
import ESFCore
import Synchronization

/// Which XSD the XML reader validates against, in the same streaming pass as the rules (SPEC §3.1).
public enum XMLSchemaOption: Sendable, Hashable {
    /// The XSD generated from the data model (`XSDGenerator`, `esfcheck schema`): the default.
    case canonical
    /// No XSD validation: only the reader's own structure checks.
    case none
    /// An XSD file. It is refused when it, or a local schema it includes, has a DOCTYPE,
    /// XInclude, or an `xs:import`/`xs:include`/`xs:redefine`/`xs:override` whose
    /// `schemaLocation` is not a local file: nothing is ever fetched from the network.
    case file(String)
}

/// A compiled XSD, shared by every reader that uses it.
///
/// A compiled `xmlSchema` is read-only and libxml2 allows several validation
/// contexts (one per reader, possibly on several threads) to use it at once.
final class CompiledSchema: @unchecked Sendable {
    let schema: OpaquePointer
    /// The schema document, kept as long as the schema that was compiled from it.
    let document: UnsafeMutablePointer<xmlDoc>

    init(schema: OpaquePointer, document: UnsafeMutablePointer<xmlDoc>) {
        self.schema = schema
        self.document = document
    }

    deinit {
        xmlSchemaFree(schema)
        xmlFreeDoc(document)
    }
}

/// Compiles each schema once per process (one run), then hands out the compiled form.
enum SchemaCache {
    private static let compiled = Mutex<[String: CompiledSchema]>([:])

    /// The compiled schema for `option`, or nil for `.none`.
    static func schema(for option: XMLSchemaOption, model: DataModel) throws(InputError) -> CompiledSchema? {
        _ = LibXML.initialized
        let key: String
        var text = ""
        switch option {
        case .none: return nil
        case .canonical:
            text = XSDGenerator.schema(for: model)
            key = "canonical\u{0}" + text
        case .file(let path): key = "file\u{0}" + path
        }
        let result: Result<CompiledSchema, InputError> = compiled.withLock { cache in
            if let hit = cache[key] { return .success(hit) }
            do throws(InputError) {
                let schema: CompiledSchema
                switch option {
                case .none: throw InputError(location: SourceLocation(file: ""), message: "no schema to compile")  // returned above
                case .canonical:
                    let name = "<XSD generated from model \(model.id)>"
                    schema = try SchemaCompiler.compile(bytes: Array(text.utf8), path: name, displayPath: name, checkReferences: false)
                case .file(let path):
                    schema = try SchemaCompiler.compile(path: path)
                }
                cache[key] = schema
                return .success(schema)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Parses and compiles an XSD safely.
enum SchemaCompiler {
    static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"
    static let xincludeNamespaces = ["http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"]
    /// Schema documents deeper than this in an include chain are refused.
    static let maxDepth = 32

    /// Reads, checks and compiles the XSD file at `path`.
    static func compile(path: String) throws(InputError) -> CompiledSchema {
        let bytes = try readFile(path)
        return try compile(bytes: bytes, path: path, displayPath: path, checkReferences: true)
    }

    static func compile(bytes: [UInt8], path: String, displayPath: String, checkReferences: Bool) throws(InputError) -> CompiledSchema {
        let document = try parse(bytes: bytes, path: path, displayPath: displayPath)
        var keep = false
        defer { if !keep { xmlFreeDoc(document) } }
        if checkReferences {
            var visited: Set<String> = [path]
            try checkReferencesOf(document, path: path, displayPath: displayPath, depth: 0, visited: &visited)
        }
        guard let context = xmlSchemaNewDocParserCtxt(document) else {
            throw InputError(location: SourceLocation(file: displayPath), message: "libxml2 could not start compiling the schema")
        }
        defer { xmlSchemaFreeParserCtxt(context) }
        let errors = SchemaParseErrors()
        xmlSchemaSetParserStructuredErrors(context, { userData, error in
            guard let userData, let error else { return }
            let e = error.pointee
            guard e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            let sink = Unmanaged<SchemaParseErrors>.fromOpaque(userData).takeUnretainedValue()
            sink.record(message: e.message.map { String(cString: $0) } ?? "schema error \(e.code)",
                        file: e.file.map { String(cString: $0) }, line: Int(e.line))
        }, Unmanaged.passUnretained(errors).toOpaque())
        let schema = withExtendedLifetime(errors) { xmlSchemaParse(context) }
        guard let schema else {
            let first = errors.first
            let file = first?.file.flatMap { $0 == path ? displayPath : $0 } ?? displayPath
            throw InputError(location: SourceLocation(file: file, line: (first?.line ?? 0) > 0 ? first?.line : nil),
                             message: "the schema cannot be used: " + (first.map { cleanParserMessage($0.message) } ?? "libxml2 could not compile it"))
        }
        keep = true
        return CompiledSchema(schema: schema, document: document)
    }

    /// Parses a schema document: no DOCTYPE, network off, no entity expansion.
    static func parse(bytes: [UInt8], path: String, displayPath: String) throws(InputError) -> UnsafeMutablePointer<xmlDoc> {
        _ = LibXML.initialized
        var guardian = PrologGuard()
        bytes.withUnsafeBytes { guardian.feed($0) }
        guardian.finish()
        if case .doctype(let line) = guardian.outcome {
            throw InputError(location: SourceLocation(file: displayPath, line: line),
                             message: "the schema has a DOCTYPE: refused (nothing fetched or expanded)")
        }
        guard let context = xmlNewParserCtxt() else {
            throw InputError(location: SourceLocation(file: displayPath), message: "libxml2 could not start reading the schema")
        }
        defer { xmlFreeParserCtxt(context) }
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue
                            | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in
                xmlCtxtReadMemory(context, c.baseAddress, Int32(c.count), path, nil, options)
            }
        }
        guard let document else {
            let error = xmlCtxtGetLastError(context)?.pointee
            let message = error?.message.map { String(cString: $0) } ?? "not well-formed XML"
            let line = error.map { Int($0.line) } ?? 0
            throw InputError(location: SourceLocation(file: displayPath, line: line > 0 ? line : nil),
                             message: "the schema is not well-formed XML: " + cleanParserMessage(message))
        }
        return document
    }

    /// Refuses every reference that would make libxml2 load something that is not a local
    /// file, and checks the local schemas referred to in turn.
    static func checkReferencesOf(_ document: UnsafeMutablePointer<xmlDoc>, path: String, displayPath: String,
                                  depth: Int, visited: inout Set<String>) throws(InputError) {
        guard depth < maxDepth else {
            throw InputError(location: SourceLocation(file: displayPath), message: "schema includes are nested more than \(maxDepth) deep (refused)")
        }
        var local: [(path: String, line: Int)] = []
        var stack: [UnsafeMutablePointer<xmlNode>] = []
        if let root = xmlDocGetRootElement(document) { stack.append(root) }
        while let node = stack.popLast() {
            var child = node.pointee.children
            while let c = child {
                if c.pointee.type == XML_ELEMENT_NODE { stack.append(c) }
                child = c.pointee.next
            }
            let name = node.pointee.name.map { String(cString: $0) } ?? ""
            let ns = node.pointee.ns?.pointee.href.map { String(cString: $0) }
            let line = Int(xmlGetLineNo(node))
            if let ns, xincludeNamespaces.contains(ns) {
                throw InputError(location: SourceLocation(file: displayPath, line: line > 0 ? line : nil),
                                 message: "the schema uses XInclude: refused (a schema may only refer to local schema files with xs:include/xs:import)")
            }
            guard ns == xsdNamespace, ["import", "include", "redefine", "override"].contains(name) else { continue }
            guard let location = property(node, "schemaLocation") else { continue }
            guard let file = localPath(of: location, relativeTo: path) else {
                throw InputError(location: SourceLocation(file: displayPath, line: line > 0 ? line : nil),
                                 message: "the schema's xs:\(name) refers to '\(location)', which is not a local file: refused, nothing was fetched (download it and refer to the local copy)")
            }
            local.append((file, line))
        }
        for (file, _) in local where !visited.contains(file) {
            visited.insert(file)
            guard let bytes = try? readFile(file) else { continue }  // libxml2 reports a missing file itself
            let document = try parse(bytes: bytes, path: file, displayPath: file)
            defer { xmlFreeDoc(document) }
            try checkReferencesOf(document, path: file, displayPath: file, depth: depth + 1, visited: &visited)
        }
    }

    /// The local file a `schemaLocation` names, or nil when it is not a local file (a URL).
    static func localPath(of location: String, relativeTo base: String) -> String? {
        let trimmed = String(location.drop { $0 == " " })
        if trimmed.hasPrefix("//") || trimmed.hasPrefix("\\\\") { return nil }
        var path = trimmed
        if let colon = trimmed.firstIndex(of: ":") {
            let scheme = trimmed[..<colon]
            let isScheme = scheme.count >= 2 && scheme.first!.isLetter
                && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
            if isScheme {
                guard scheme.lowercased() == "file" else { return nil }
                var rest = trimmed[trimmed.index(after: colon)...]
                if rest.hasPrefix("//") {
                    rest = rest.dropFirst(2)
                    // file://host/path: only the local host.
                    let host = rest.prefix { $0 != "/" }
                    guard host.isEmpty || host == "localhost" else { return nil }
                    rest = rest.dropFirst(host.count)
                }
                path = String(rest)
            }
        }
        if path.hasPrefix("/") { return path }
        let directory = base.lastIndex(of: "/").map { String(base[..<$0]) } ?? "."
        return directory + "/" + path
    }

    /// An attribute's value (no namespace), copied.
    static func property(_ node: UnsafeMutablePointer<xmlNode>, _ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { clibxml2_free(value) }
        return String(cString: value)
    }

    /// The whole file, read with POSIX calls (this module does not use Foundation).
    static func readFile(_ path: String) throws(InputError) -> [UInt8] {
        let fd = try InputFile.openRegular(path, what: "the schema file")
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(location: SourceLocation(file: path), message: "cannot read the schema file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }

    /// libxml2's message, one line, no trailing period or newline, first letter lowercase.
    static func cleanParserMessage(_ message: String) -> String {
        var m = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        while let last = m.last, last.isWhitespace || last == "." { m.removeLast() }
        if let first = m.first, first.isUppercase { m = first.lowercased() + m.dropFirst() }
        return m
    }
}

/// The errors libxml2's schema compiler reports (the first one is shown).
final class SchemaParseErrors {
    struct Entry {
        var message: String
        var file: String?
        var line: Int
    }

    private(set) var first: Entry?

    func record(message: String, file: String?, line: Int) {
        if first == nil { first = Entry(message: message, file: file, line: line) }
    }
}

/// A qualified name as libxml2 writes it in messages: `{namespace}local` or `local`.
struct QualifiedName: Hashable {
    var namespace: String?
    var local: String

    init(clark: Substring) {
        if clark.hasPrefix("{"), let close = clark.firstIndex(of: "}") {
            namespace = String(clark[clark.index(after: clark.startIndex)..<close])
            local = String(clark[clark.index(after: close)...])
        } else {
            namespace = nil
            local = String(clark)
        }
    }

    /// `{namespace}local`, or `local` without a namespace.
    var clark: String { namespace.map { "{\($0)}\(local)" } ?? local }
}

/// Collects the XSD validity errors of one read and ties each one to the element it is about.
///
/// libxml2 validates in its SAX layer, while the parser runs ahead of the text
/// reader, and in this streaming mode an error carries neither its node nor a
/// column: only the message (which names the element, and the attribute) and the
/// parser's line at the time. The validator runs right after the tree builder,
/// so at that moment the element concerned is on the path of last children from
/// the root (the newest element, or one of its ancestors for text and end-tag
/// errors); the collector finds it there by the name in the message and stamps
/// the node's `psvi` field (unused for elements by libxml2's reader) with a tag.
/// The walker then claims an element's errors by that tag when the element
/// closes, and knows exactly which element, record and XPath they concern.
///
/// Errors raised before the reader has a node concern the root element: the
/// feed trickles bytes until the reader's first node exists, so the first read
/// parses nothing beyond the root's start tag.
final class SchemaErrorCollector {
    struct Entry {
        let sequence: Int
        let code: Int32
        /// libxml2's message, trimmed.
        let message: String
        /// The element the message names, and the attribute (Clark notation) if any.
        let element: QualifiedName?
        let attribute: String?
        /// The message after `Element '…'[, attribute '…']: `.
        let detail: String
        /// The parser's line when the error was raised (exact above 65,535 too), and column if given.
        let line: Int
        let column: Int
        /// Raised while the start tag was read (the element had no children yet):
        /// attributes, an unexpected element. Otherwise text or end-tag content errors.
        let startPhase: Bool
    }

    /// The document being built, known once the reader has its first node.
    var document: UnsafeMutablePointer<xmlDoc>?
    /// Errors per tag (tag 0: raised before the document was known, i.e. the root's).
    private var byTag: [Int: [Entry]] = [:]
    /// The node each live tag was stamped on, to recognise our stamps.
    private var tagNodes: [Int: UnsafeMutableRawPointer] = [:]
    /// Tags of elements the reader reported as not read: their errors are dropped.
    private var droppedTags: Set<Int> = []
    /// Errors whose element could not be found.
    private var unmapped: [Entry] = []
    private var nextTag = 1
    private var sequence = 0
    /// An internal failure of the validator (it stops the parser): reported as a read error.
    private(set) var internalFailure: (message: String, line: Int)?

    static let rootTag = 0

    /// Takes one validity error (called from libxml2's error callback, inside a parse step).
    func add(_ e: xmlError) {
        var message = e.message.map { String(cString: $0) } ?? "schema validity error \(e.code)"
        while let last = message.last, last.isWhitespace { message.removeLast() }
        if e.code == Int32(XML_SCHEMAV_INTERNAL.rawValue) {
            if internalFailure == nil { internalFailure = (message, Int(e.line)) }
            return
        }
        let (element, attribute, detail) = Self.split(message)
        let required = attribute == nil ? Self.requiredAttribute(in: detail) : nil
        sequence += 1
        var tag = Self.rootTag
        var startPhase = true
        if let document {
            guard let node = locate(element, in: document) else {
                unmapped.append(Entry(sequence: sequence, code: e.code, message: message, element: element,
                                      attribute: attribute ?? required, detail: detail, line: Int(e.line), column: Int(e.int2),
                                      startPhase: false))
                return
            }
            guard let t = stamp(node) else {
                unmapped.append(Entry(sequence: sequence, code: e.code, message: message, element: element,
                                      attribute: attribute ?? required, detail: detail, line: Int(e.line), column: Int(e.int2),
                                      startPhase: false))
                return
            }
            tag = t
            startPhase = node.pointee.children == nil
        }
        if droppedTags.contains(tag) { return }
        byTag[tag, default: []].append(Entry(sequence: sequence, code: e.code, message: message, element: element,
                                             attribute: attribute ?? required, detail: detail, line: Int(e.line),
                                             column: Int(e.int2), startPhase: startPhase))
    }

    /// The element an error is about: on the path of last children, the deepest one with the message's name.
    private func locate(_ name: QualifiedName?, in document: UnsafeMutablePointer<xmlDoc>) -> UnsafeMutablePointer<xmlNode>? {
        guard var deepest = xmlDocGetRootElement(document) else { return nil }
        while let last = deepest.pointee.last, last.pointee.type == XML_ELEMENT_NODE { deepest = last }
        guard let name else { return deepest }
        var candidate: UnsafeMutablePointer<xmlNode>? = deepest
        while let node = candidate, node.pointee.type == XML_ELEMENT_NODE {
            if Self.matches(node, name) { return node }
            candidate = node.pointee.parent
        }
        return nil
    }

    static func matches(_ node: UnsafeMutablePointer<xmlNode>, _ name: QualifiedName) -> Bool {
        guard let local = node.pointee.name, String(cString: local) == name.local else { return false }
        let href = node.pointee.ns?.pointee.href.map { String(cString: $0) }
        return href == name.namespace
    }

    /// The node's tag, stamping a new one if it has none; nil if `psvi` holds something not ours.
    private func stamp(_ node: UnsafeMutablePointer<xmlNode>) -> Int? {
        if let existing = tag(of: node) { return existing }
        guard node.pointee.psvi == nil else { return nil }
        let t = nextTag
        nextTag += 1
        node.pointee.psvi = UnsafeMutableRawPointer(bitPattern: t)
        tagNodes[t] = UnsafeMutableRawPointer(node)
        return t
    }

    /// Our tag on `node`, if it has one.
    private func tag(of node: UnsafeMutablePointer<xmlNode>) -> Int? {
        guard let p = node.pointee.psvi else { return nil }
        let t = Int(bitPattern: p)
        guard let owner = tagNodes[t], owner == UnsafeMutableRawPointer(node) else { return nil }
        return t
    }

    /// Gives the root element the errors raised before the document was known (its start tag's).
    /// Errors naming another element (only possible when the feed stopped trickling before the
    /// root's start tag, past `XMLFeed.trickleLimit`) stay unmapped rather than be misattributed.
    func adoptRoot(_ node: UnsafeMutablePointer<xmlNode>) {
        guard let early = byTag.removeValue(forKey: Self.rootTag) else { return }
        let own = early.filter { $0.element.map { Self.matches(node, $0) } ?? true }
        unmapped += early.filter { !($0.element.map { Self.matches(node, $0) } ?? true) }
        guard !own.isEmpty else { return }
        guard let t = stamp(node) else {
            unmapped += own
            return
        }
        byTag[t] = own + (byTag[t] ?? [])
    }

    /// Whether `node` has errors waiting (cheap: one field read and a dictionary lookup).
    @inline(__always)
    func hasErrors(_ node: UnsafeMutablePointer<xmlNode>) -> Bool {
        node.pointee.psvi != nil && tag(of: node) != nil
    }

    /// Takes the errors of `node`, in the order they were raised, and removes its tag.
    func claim(_ node: UnsafeMutablePointer<xmlNode>) -> [Entry] {
        guard let t = tag(of: node) else { return [] }
        node.pointee.psvi = nil
        tagNodes[t] = nil
        return byTag.removeValue(forKey: t) ?? []
    }

    /// Drops the errors of an element the reader reported as not read, now and later.
    func drop(_ node: UnsafeMutablePointer<xmlNode>) {
        guard let t = stamp(node) else { return }
        byTag[t] = nil
        droppedTags.insert(t)
    }

    /// Everything not claimed (errors in skipped subtrees, unmapped ones), in the order raised.
    func remaining() -> [Entry] {
        var all = unmapped
        for (t, entries) in byTag where !droppedTags.contains(t) { all += entries }
        byTag = [:]
        unmapped = []
        return all.sorted { $0.sequence < $1.sequence }
    }

    /// `Element '{ns}a', attribute 'b': detail` → (a, b, detail).
    static func split(_ message: String) -> (QualifiedName?, String?, String) {
        let prefix = "Element '"
        guard message.hasPrefix(prefix) else { return (nil, nil, message) }
        var rest = message.dropFirst(prefix.count)
        guard let close = rest.firstIndex(of: "'") else { return (nil, nil, message) }
        let element = QualifiedName(clark: rest[..<close])
        rest = rest[rest.index(after: close)...]
        var attribute: String?
        let attributePrefix = ", attribute '"
        if rest.hasPrefix(attributePrefix) {
            rest = rest.dropFirst(attributePrefix.count)
            guard let end = rest.firstIndex(of: "'") else { return (element, nil, String(rest)) }
            attribute = String(rest[..<end])
            rest = rest[rest.index(after: end)...]
        }
        if rest.hasPrefix(": ") { rest = rest.dropFirst(2) }
        return (element, attribute, String(rest))
    }

    /// The attribute of "The attribute 'x' is required but missing."
    static func requiredAttribute(in detail: String) -> String? {
        let prefix = "The attribute '"
        guard detail.hasPrefix(prefix), detail.contains("' is required but missing") else { return nil }
        let rest = detail.dropFirst(prefix.count)
        return rest.firstIndex(of: "'").map { String(rest[..<$0]) }
    }
}
