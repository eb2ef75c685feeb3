#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
internal import CLibXML2
import ESFCore

/// The C boundary with libxml2. Nothing in this file is visible outside the module.
///
/// Ownership rules followed here (see the style notes on libxml2):
/// - `xmlTextReaderConst*` results and the fields of the reader's current node
///   (`name`, `ns->href`, attribute text) belong to the reader and are only valid
///   until the next `xmlTextReaderRead`/`Next`: they are read or copied at once.
/// - Non-const results (`xmlNodeListGetString`) belong to us and are freed with
///   `clibxml2_free`.
/// - The reader itself is freed with `xmlFreeTextReader` by `LibXMLReader.deinit`.
/// - C callbacks cannot capture; they get their Swift object as an unretained
///   context pointer, and `LibXMLReader` keeps those objects alive as long as the reader.
enum LibXML {
    /// `xmlInitParser()` runs once per process, before any reader is created.
    static let initialized: Bool = {
        xmlInitParser()
        // Defense in depth: whatever libxml2 loads by itself (a user schema's
        // xs:include/xs:import, an external DTD if one ever got through) is never
        // fetched from the network (`http://`, `ftp://`). Process-wide on purpose.
        xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader)
        return true
    }()

    /// Parser options: no network, lines above 65,535 kept in text nodes.
    ///
    /// Never `XML_PARSE_NOENT` (expands entities), `XML_PARSE_DTDLOAD` or
    /// `XML_PARSE_DTDVALID` (load external DTDs) or `XML_PARSE_HUGE` (lifts the
    /// depth and size limits). Blanks are kept on purpose: whitespace text nodes
    /// carry exact line numbers (see `XMLRecordSource`).
    static let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue)
}

/// The first error libxml2 reports for one reader (warnings are ignored), and the
/// schema validity errors when the reader validates.
final class XMLErrorSink {
    struct Entry {
        var message: String
        var line: Int
        var column: Int
        var code: Int32
    }

    private(set) var first: Entry?
    /// Collects XSD validity errors (domain `XML_FROM_SCHEMASV`); nil when not validating.
    var validation: SchemaErrorCollector?

    func record(message: String, line: Int, column: Int, code: Int32) {
        if first == nil { first = Entry(message: message, line: line, column: column, code: code) }
    }
}

/// Feeds a file to libxml2 through `xmlReaderForIO`, guarding the prolog.
final class XMLFeed {
    let fd: Int32
    private(set) var guardian = PrologGuard()
    private(set) var bytesRead = 0
    private(set) var readError: Int32 = 0
    /// The SHA-256 of the file, fed with every chunk as libxml2 asks for it (no second read).
    let digest = InputDigest()
    /// While set, each read returns one byte, so that libxml2's first `xmlTextReaderRead`
    /// parses the prolog and the root start tag and not a byte more (see
    /// `SchemaErrorCollector`: validity errors raised before the reader has a node
    /// can then only concern the root element). At most `trickleLimit` bytes.
    var trickle = false
    private static let trickleLimit = 1 << 16

    init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// The file's SHA-256: final when libxml2 read to the end of the file; otherwise the
    /// bytes it did not ask for are read and hashed now.
    func sha256() -> String? {
        digest.finish(fd: fd)
        return digest.hex
    }

    /// Fills `buffer` with up to `count` bytes; 0 at end of file, -1 to make libxml2 stop.
    func read(into buffer: UnsafeMutablePointer<CChar>, count: Int) -> Int32 {
        if case .doctype = guardian.outcome { return -1 }
        var n: Int
        let want = trickle && bytesRead < Self.trickleLimit ? 1 : count
        repeat {
            n = posixRead(fd, buffer, want)
        } while n < 0 && errno == EINTR
        if n < 0 {
            readError = errno
            return -1
        }
        if n == 0 {
            guardian.finish()
            digest.finalize()
            return 0
        }
        bytesRead += n
        digest.update(UnsafeRawBufferPointer(start: buffer, count: n))
        if guardian.outcome == .scanning {
            // The DOCTYPE bytes are never returned to the parser: it stops before them.
            if case .doctype = guardian.feed(UnsafeRawBufferPointer(start: buffer, count: n)) { return -1 }
        }
        return Int32(n)
    }
}

/// One libxml2 text reader over one file, freed when this object goes away. Not `Sendable`.
final class LibXMLReader {
    /// The `xmlTextReaderPtr`; only this class frees it.
    let reader: OpaquePointer
    let feed: XMLFeed
    let errors: XMLErrorSink
    /// The compiled schema the reader validates against, kept alive as long as the reader.
    let schema: CompiledSchema?

    /// Opens `path` and creates a reader with the safe options; throws if the file cannot be opened.
    /// With a `schema`, the reader validates against it (its errors go to `errors.validation`),
    /// and the feed trickles bytes until the caller turns `feed.trickle` off after the first read.
    /// `progress` counts the bytes read, from the very first (libxml2 reads some as the reader is created).
    init(path: String, schema: CompiledSchema? = nil, progress: ReadProgress? = nil) throws(InputError) {
        _ = LibXML.initialized
        let fd = try InputFile.openRegular(path)
        let feed = XMLFeed(fd: fd)
        feed.digest.progress = progress
        feed.trickle = schema != nil
        let errors = XMLErrorSink()
        // ioclose is nil: the feed closes its descriptor in deinit.
        let created = xmlReaderForIO(
            { context, buffer, length in
                guard let context, let buffer, length > 0 else { return -1 }
                return Unmanaged<XMLFeed>.fromOpaque(context).takeUnretainedValue().read(into: buffer, count: Int(length))
            },
            nil,
            Unmanaged.passUnretained(feed).toOpaque(),
            path, nil, LibXML.options)
        guard let created else {
            if case .doctype(let line) = feed.guardian.outcome {
                throw XMLRecordSource.refusal(path: path, line: line)
            }
            throw InputError(location: SourceLocation(file: path, line: 1),
                             message: feed.bytesRead == 0 ? "the file is empty: an XML export needs a root element"
                                                          : "libxml2 could not start reading the file")
        }
        self.reader = created
        self.feed = feed
        self.errors = errors
        self.schema = schema
        if let schema {
            errors.validation = SchemaErrorCollector()
            // Before the first read: libxml2 plugs the validator into the parser's SAX layer.
            guard xmlTextReaderSetSchema(created, schema.schema) == 0 else {
                throw InputError(location: SourceLocation(file: path), message: "libxml2 could not attach the XSD to the reader")
            }
            // No per-reader handler here: with the validator plugged in, libxml2 2.9 calls
            // the reader's structured handler with the plug instead of the parser context
            // (a crash on the first parse error). `withErrorCapture` installs the handler
            // for this thread instead, which receives parse and validity errors alike.
        } else {
            xmlTextReaderSetStructuredErrorHandler(reader, Self.errorHandler, Unmanaged.passUnretained(errors).toOpaque())
        }
    }

    /// Runs `body` (the reading) with libxml2's errors going to `errors`.
    ///
    /// Without a schema the per-reader handler does this already; with one, the
    /// handler is installed as this thread's structured error handler (libxml2's
    /// error globals are per thread) and the previous one is restored afterwards.
    /// Everything libxml2 does for this reader happens inside `xmlTextReaderRead`,
    /// on the calling thread.
    func withErrorCapture<R>(_ body: () throws -> R) rethrows -> R {
        guard schema != nil else { return try body() }
        let previousHandler = __xmlStructuredError().pointee
        let previousContext = __xmlStructuredErrorContext().pointee
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(errors).toOpaque(), Self.errorHandler)
        defer {
            __xmlStructuredError().pointee = previousHandler
            __xmlStructuredErrorContext().pointee = previousContext
        }
        return try withExtendedLifetime(errors) { try body() }
    }

    /// Sends libxml2's errors to the `XMLErrorSink` passed as context.
    /// Parameter types are left to inference: libxml2 2.9/2.10 pass `xmlErrorPtr`,
    /// 2.12+ pass `const xmlError *`.
    static let errorHandler: xmlStructuredErrorFunc = { userData, error in
        guard let userData, let error else { return }
        let sink = Unmanaged<XMLErrorSink>.fromOpaque(userData).takeUnretainedValue()
        let e = error.pointee
        guard e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        if e.domain == Int32(XML_FROM_SCHEMASV.rawValue), let validation = sink.validation {
            // A validity error: collected, never a reason to stop reading.
            validation.add(e)
            return
        }
        var message = e.message.map { String(cString: $0) } ?? "XML error \(e.code)"
        while let last = message.last, last.isWhitespace { message.removeLast() }
        sink.record(message: message, line: Int(e.line), column: Int(e.int2), code: e.code)
    }

    deinit {
        xmlFreeTextReader(reader)
    }
}

/// `read(2)`, named apart from `XMLFeed.read`.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
