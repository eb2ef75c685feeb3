#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
internal import CLibXML2
import ESFCore

/// libxml2's streaming text reader over one part of a workbook, held in memory (never a DOM).
///
/// The hostile-input settings of the XML reader apply: `LibXML.options` (no network, no entity
/// expansion, no DTD loading, libxml2's size limits kept) and a DOCTYPE refused before the parser
/// sees it (`PrologGuard`). Errors name the workbook, the part and the line.
final class PartReader {
    private let reader: OpaquePointer
    private let buffer: UnsafeMutableBufferPointer<CChar>
    private let errors = XMLErrorSink()
    /// The workbook's path and the part's name, for messages.
    let workbook: String
    let part: String

    /// Node types of `xmlTextReaderNodeType`.
    static let element: Int32 = 1, text: Int32 = 3, cdata: Int32 = 4, whitespace: Int32 = 13, significantWhitespace: Int32 = 14,
               endElement: Int32 = 15

    init(bytes: [UInt8], part: String, workbook: String) throws(InputError) {
        _ = LibXML.initialized
        self.workbook = workbook
        self.part = part
        var guardian = PrologGuard()
        let outcome = bytes.withUnsafeBytes { guardian.feed($0) }
        if case .doctype(let line) = outcome {
            throw XLSXPackage.error(workbook, "line \(line): a DOCTYPE is not allowed in a workbook part (nothing is declared, fetched or expanded)", part: part, line: nil)
        }
        let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(bytes.count, 1))
        _ = bytes.withUnsafeBytes { raw in
            memcpy(buffer.baseAddress!, raw.baseAddress ?? UnsafeRawPointer(buffer.baseAddress!), bytes.count)
        }
        guard let created = xmlReaderForMemory(buffer.baseAddress, Int32(clamping: bytes.count), part, nil, LibXML.options) else {
            buffer.deallocate()
            throw XLSXPackage.error(workbook, "libxml2 could not start reading the part", part: part)
        }
        self.buffer = buffer
        self.reader = created
        xmlTextReaderSetStructuredErrorHandler(reader, LibXMLReader.errorHandler, Unmanaged.passUnretained(errors).toOpaque())
    }

    deinit {
        xmlFreeTextReader(reader)
        buffer.deallocate()
    }

    /// Moves to the next node; false at the end of the part. Malformed XML throws with the line.
    func read() throws(InputError) -> Bool {
        let r = withExtendedLifetime(errors) { xmlTextReaderRead(reader) }
        if r == 1 { return true }
        if r == 0, errors.first == nil { return false }
        let e = errors.first
        throw malformed(e.map { "malformed XML (\($0.message))" } ?? "malformed XML", line: e?.line ?? line)
    }

    /// An error about this part at `line`: `book.xlsx: xl/worksheets/sheet1.xml line 12: …`.
    func malformed(_ message: String, line: Int) -> InputError {
        XLSXPackage.error(workbook, "line \(line): \(message)", part: part)
    }

    var nodeType: Int32 { xmlTextReaderNodeType(reader) }
    var depth: Int { Int(xmlTextReaderDepth(reader)) }
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }

    /// The local name of the current node (no prefix).
    var localName: String {
        guard let name = xmlTextReaderConstLocalName(reader) else { return "" }
        return String(cString: name)
    }

    /// Whether the current node's local name is `name` (compared without copying).
    func isNamed(_ name: StaticString) -> Bool {
        guard let own = xmlTextReaderConstLocalName(reader) else { return false }
        return strcmp(UnsafeRawPointer(own).assumingMemoryBound(to: CChar.self),
                      UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    /// The line of the current node.
    var line: Int {
        guard let node = xmlTextReaderCurrentNode(reader) else { return Int(xmlTextReaderGetParserLineNumber(reader)) }
        return Int(xmlGetLineNo(node))
    }

    /// The text of a text, CDATA or whitespace node.
    var value: String {
        guard let v = xmlTextReaderConstValue(reader) else { return "" }
        return String(cString: v)
    }

    /// The attribute `name` (no namespace) of the current element; the name is a literal, passed
    /// to libxml2 without a copy (this runs for every cell).
    func attribute(_ name: StaticString) -> String? {
        guard let v = xmlTextReaderGetAttribute(reader, name.utf8Start) else { return nil }
        defer { clibxml2_free(v) }
        return String(cString: v)
    }

    /// The attribute `name` in namespace `namespace` of the current element.
    func attribute(_ name: String, namespace: String) -> String? {
        guard let v = xmlTextReaderGetAttributeNs(reader, Array(name.utf8) + [0], Array(namespace.utf8) + [0]) else { return nil }
        defer { clibxml2_free(v) }
        return String(cString: v)
    }

    /// Whether the current node carries text (text, CDATA, significant white space).
    var isText: Bool {
        let t = nodeType
        return t == Self.text || t == Self.cdata || t == Self.significantWhitespace || t == Self.whitespace
    }
}
